"""Fixtures the measures tests share: Mary, Priya and a draft plan come from the care plan tests.

``instrument(key)`` is the newest shipped version of an instrument; ``swemwbs_with_text`` has the
test wording from ``tests/fixtures/swemwbs_test_text.json`` loaded (placeholder text, not the
licensed wording); ``collaborate`` is CollaboRATE with placeholder wording loaded. ``phq9_sent`` is a PHQ-9 Priya has sent Mary to complete online.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from carehouse.careplans.tests.conftest import (  # noqa: F401 (fixtures)
    as_carer,
    as_mary,
    as_priya,
    carer_consent,
    carer_contact,
    carer_user,
    mary,
    mary_actor,
    mary_user,
    plan,
    staff,
)
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.measures import selectors
from carehouse.measures.models import Instrument, MeasureResponse, Timepoint
from carehouse.measures.services import instruments as instrument_services
from carehouse.measures.services import responses
from carehouse.people.models import Person

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"
SWEMWBS_TEST_TEXT = FIXTURES / "swemwbs_test_text.json"


@pytest.fixture
def instrument(db: None) -> Callable[[str], Instrument]:
    return lambda key: selectors.get_instrument(key)


@pytest.fixture
def administrator(ada: Membership) -> Actor:
    return Actor.for_membership(ada)


@pytest.fixture
def swemwbs_with_text(administrator: Actor) -> Instrument:
    return instrument_services.load_file(administrator, SWEMWBS_TEST_TEXT.read_bytes())


def collaborate_test_pack() -> bytes:
    """Made-up wording (not CollaboRATE's) for its three questions and ten answers, so it can be switched on."""
    return json.dumps(
        {
            "kind": "item_text",
            "instrument": "collaborate",
            "version": "1",
            "licence_holder": "Carehouse test suite (placeholder wording)",
            "items": {str(n): f"Test question {n} about the appointment" for n in (1, 2, 3)},
            "scales": {"effort": [f"Test answer {n}" for n in range(10)]},
        }
    ).encode()


@pytest.fixture
def collaborate(administrator: Actor) -> Instrument:
    """CollaboRATE, switched on with the placeholder wording."""
    return instrument_services.load_file(administrator, collaborate_test_pack())


@pytest.fixture
def phq9_sent(staff: Actor, mary: Person, instrument: Callable[[str], Instrument]) -> MeasureResponse:
    return responses.send_questionnaire(staff, mary, instrument("phq9"), timepoint=Timepoint.BASELINE)
