"""Defence in depth: the services themselves refuse staff who may not see the person.

The pages and API already answer "not found" for a person outside the caller's care; these
tests call the services directly, as a future page or task might, with Omar (another practice)
acting on Mary's records (Priya's practice). Each is refused and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.measures.models import Instrument, MeasureAlert, MeasureResponse, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person

PHQ9_ITEM9 = {**{str(n): 1 for n in range(1, 10)}, "difficulty": 1}  # total 9, item 9 above 0: an alert
PHQ9_CORRECTED = {**{str(n): 0 for n in range(1, 10)}, "difficulty": 0}


@pytest.fixture
def omar_actor(omar: Membership) -> Actor:
    return Actor.for_membership(omar)


@pytest.fixture
def recorded(staff: Actor, mary: Person, instrument: Callable[[str], Instrument]) -> MeasureResponse:
    """A PHQ-9 Priya completed with Mary; item 9 above 0 raised an alert."""
    return responses.record_response(staff, mary, instrument("phq9"), PHQ9_ITEM9, timepoint=Timepoint.BASELINE)


@pytest.fixture
def alert(recorded: MeasureResponse) -> MeasureAlert:
    return MeasureAlert.objects.get(response=recorded)


def events() -> int:
    return AuditEvent.objects.count()


def test_correcting_someone_not_in_your_care_is_refused(omar_actor: Actor, recorded: MeasureResponse) -> None:
    before = (MeasureResponse.objects.count(), events())

    with pytest.raises(PermissionDenied):
        responses.correct_response(omar_actor, recorded, PHQ9_CORRECTED, reason="Typed in wrongly")

    assert (MeasureResponse.objects.count(), events()) == before
    assert not MeasureResponse.objects.filter(supersedes=recorded).exists()


def test_correcting_someone_in_your_care_still_works(staff: Actor, recorded: MeasureResponse) -> None:
    correction = responses.correct_response(staff, recorded, PHQ9_CORRECTED, reason="Typed in wrongly")

    assert correction.supersedes_id == recorded.pk


def test_acknowledging_an_alert_about_someone_not_in_your_care_is_refused(
    omar_actor: Actor, alert: MeasureAlert
) -> None:
    before = events()

    with pytest.raises(PermissionDenied):
        responses.acknowledge_alert(omar_actor, alert, action_taken="Phoned Mary")

    stored = MeasureAlert.objects.get(pk=alert.pk)
    assert stored.is_open and stored.action_taken == ""
    assert events() == before


def test_acknowledging_an_alert_about_someone_in_your_care_still_works(staff: Actor, alert: MeasureAlert) -> None:
    responses.acknowledge_alert(staff, alert, action_taken="Phoned Mary")

    assert MeasureAlert.objects.get(pk=alert.pk).action_taken == "Phoned Mary"


def test_withdrawing_for_someone_not_in_your_care_is_refused(omar_actor: Actor, phq9_sent: MeasureResponse) -> None:
    with pytest.raises(PermissionDenied):
        responses.withdraw_request(omar_actor, phq9_sent, reason="Sent by mistake")

    assert MeasureResponse.objects.get(pk=phq9_sent.pk).withdrawn_reason == ""
