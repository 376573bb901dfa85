from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from carehouse.core.actor import Actor
from carehouse.measures import selectors
from carehouse.measures.models import Instrument, MeasureAlert, MeasureResponse
from carehouse.measures.services import responses


def test_person_completes_sent_phq9(phq9_sent: MeasureResponse, mary_actor: Actor, staff: Actor) -> None:
    answers = {str(n): 1 for n in range(1, 10)}
    draft = responses.save_draft(mary_actor, phq9_sent, {"1": "1"}, expected_version=phq9_sent.version)
    done = responses.submit(mary_actor, draft, answers, expected_version=draft.version)
    assert [(s.code, s.value, s.band) for s in done.scores.all()] == [("total", Decimal(9), "Mild")]
    assert MeasureAlert.objects.filter(response=done).count() == 1
    assert len(selectors.scores_for_person(staff, done.person, "phq9")) == 1


def test_swemwbs_needs_text(instrument: Callable[[str], Instrument], swemwbs_with_text: Instrument) -> None:
    assert instrument("swemwbs").can_be_completed
    assert swemwbs_with_text.parsed.items[0].text == "Test statement 1 for wellbeing"
