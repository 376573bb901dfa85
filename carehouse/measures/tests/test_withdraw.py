"""Withdrawing a questionnaire sent to the person before they answer it.

Priya sends Mary a PHQ-9 (``phq9_sent``), then withdraws it with a reason. Mary no longer sees
it, her saved answers are kept as they were, the record never changes again, and the same
questionnaire can be sent again. Staff who may not see Mary cannot withdraw it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from carehouse.careplans.models import ImmutableRowError
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.models.audit import AuditAction
from carehouse.measures import selectors
from carehouse.measures.models import Instrument, MeasureResponse, ResponseStatus, Timepoint
from carehouse.measures.services import responses
from carehouse.measures.tests.test_fhir import Fhir, entries, resource
from carehouse.people.models import Person

REASON = "Sent by mistake: Mary completed it with me at her appointment"
DRAFT = {"1": 2, "2": 1}
PHQ9_MILD = {**{str(n): 1 for n in range(1, 9)}, "9": 0}


def withdraw_url(response: MeasureResponse) -> str:
    return reverse("measures:withdraw", kwargs={"response_id": response.pk})


def text_of(result: Any) -> str:
    return " ".join(html.unescape(result.content.decode()).split())


def stored(response: MeasureResponse) -> MeasureResponse:
    return MeasureResponse.objects.get(pk=response.pk)


@pytest.fixture
def drafted(phq9_sent: MeasureResponse, mary_actor: Actor) -> MeasureResponse:
    """Mary's PHQ-9 with two answers saved to finish later."""
    return responses.save_draft(mary_actor, phq9_sent, DRAFT, expected_version=phq9_sent.version)


@pytest.fixture
def withdrawn(staff: Actor, drafted: MeasureResponse) -> MeasureResponse:
    return responses.withdraw_request(staff, drafted, reason=REASON)


@pytest.fixture
def omar_actor(omar: Membership) -> Actor:
    return Actor.for_membership(omar)


# -- the service -----------------------------------------------------------------------------------


def test_withdraw_keeps_the_saved_answers_and_records_who_and_why(staff: Actor, drafted: MeasureResponse) -> None:
    version = drafted.version

    result = responses.withdraw_request(staff, drafted, reason=f"  {REASON}  ")

    row = stored(drafted)
    assert row.status == ResponseStatus.WITHDRAWN
    assert row.withdrawn_reason == REASON
    assert row.withdrawn_at is not None
    assert "Priya Practitioner" in row.withdrawn_by_label
    assert row.version == version + 1
    assert row.answers == DRAFT
    assert row.completed_at is None
    assert not row.scores.exists()
    assert result.pk == row.pk and result.status == ResponseStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why you are withdrawing this questionnaire"),
        ("   \n ", "Enter why you are withdrawing this questionnaire"),
        ("x" * 1001, "The reason must be 1,000 characters or fewer"),
    ],
)
def test_a_reason_is_required(staff: Actor, phq9_sent: MeasureResponse, reason: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        responses.withdraw_request(staff, phq9_sent, reason=reason)

    assert raised.value.message_dict == {"reason": [message]}
    row = stored(phq9_sent)
    assert (row.status, row.withdrawn_reason, row.version) == (ResponseStatus.IN_PROGRESS, "", phq9_sent.version)


def test_a_reason_of_1000_characters_is_allowed(staff: Actor, phq9_sent: MeasureResponse) -> None:
    responses.withdraw_request(staff, phq9_sent, reason="x" * 1000)

    assert stored(phq9_sent).withdrawn_reason == "x" * 1000


def test_answers_already_sent_cannot_be_withdrawn(staff: Actor, mary_actor: Actor, phq9_sent: MeasureResponse) -> None:
    stale = MeasureResponse.objects.get(pk=phq9_sent.pk)  # opened before Mary sent her answers
    responses.submit(mary_actor, phq9_sent, PHQ9_MILD, expected_version=phq9_sent.version)

    with pytest.raises(ValidationError) as raised:
        responses.withdraw_request(staff, stale, reason=REASON)

    assert "already been sent" in raised.value.messages[0]
    row = stored(phq9_sent)
    assert (row.status, row.withdrawn_reason) == (ResponseStatus.COMPLETED, "")
    assert row.scores.exists()


def test_staff_recorded_answers_cannot_be_withdrawn(
    staff: Actor, mary: Person, instrument: Callable[[str], Instrument]
) -> None:
    recorded = responses.record_response(staff, mary, instrument("phq9"), PHQ9_MILD, timepoint=Timepoint.BASELINE)

    with pytest.raises(ValidationError):
        responses.withdraw_request(staff, recorded, reason=REASON)

    assert stored(recorded).status == ResponseStatus.COMPLETED


def test_withdrawing_twice_is_refused(staff: Actor, phq9_sent: MeasureResponse) -> None:
    stale = MeasureResponse.objects.get(pk=phq9_sent.pk)
    responses.withdraw_request(staff, phq9_sent, reason=REASON)

    with pytest.raises(ValidationError) as raised:
        responses.withdraw_request(staff, stale, reason="Another reason")

    assert "already been withdrawn" in raised.value.messages[0]
    assert stored(phq9_sent).withdrawn_reason == REASON


def test_staff_of_another_practice_cannot_withdraw(omar_actor: Actor, phq9_sent: MeasureResponse) -> None:
    with pytest.raises(PermissionDenied):
        responses.withdraw_request(omar_actor, phq9_sent, reason=REASON)

    row = stored(phq9_sent)
    assert (row.status, row.version) == (ResponseStatus.IN_PROGRESS, phq9_sent.version)
    assert not AuditEvent.objects.filter(summary__startswith="Withdrew").exists()


def test_the_person_cannot_withdraw(mary_actor: Actor, phq9_sent: MeasureResponse) -> None:
    with pytest.raises(PermissionDenied):
        responses.withdraw_request(mary_actor, phq9_sent, reason=REASON)

    assert stored(phq9_sent).status == ResponseStatus.IN_PROGRESS


def test_withdrawing_is_audited(staff: Actor, withdrawn: MeasureResponse, mary: Person) -> None:
    event = AuditEvent.objects.get(summary="Withdrew PHQ-9 before it was answered")

    assert event.action == AuditAction.UPDATE
    assert (event.object_type, event.object_id) == ("measures.MeasureResponse", str(withdrawn.pk))
    assert event.person_id == mary.pk
    assert event.changes == {"status": "withdrawn", "reason": REASON}
    assert staff.user is not None and event.actor_user_id == staff.user.pk


def test_the_person_no_longer_sees_it_or_can_answer_it(mary_actor: Actor, withdrawn: MeasureResponse) -> None:
    assert selectors.waiting_for_me(mary_actor) == []

    with pytest.raises(ValidationError) as raised:
        responses.save_draft(mary_actor, withdrawn, {"3": 3}, expected_version=withdrawn.version)
    assert "withdrew this questionnaire" in raised.value.messages[0]
    with pytest.raises(ValidationError):
        responses.submit(mary_actor, withdrawn, PHQ9_MILD, expected_version=withdrawn.version)

    row = stored(withdrawn)
    assert (row.status, row.answers, row.version) == (ResponseStatus.WITHDRAWN, DRAFT, withdrawn.version)


def test_the_same_questionnaire_can_be_sent_again(
    staff: Actor, mary: Person, instrument: Callable[[str], Instrument], phq9_sent: MeasureResponse
) -> None:
    with pytest.raises(ValidationError) as raised:
        responses.send_questionnaire(staff, mary, instrument("phq9"), timepoint=Timepoint.REVIEW)
    assert "already has a PHQ-9" in raised.value.message_dict["instrument"][0]

    responses.withdraw_request(staff, phq9_sent, reason=REASON)
    again = responses.send_questionnaire(staff, mary, instrument("phq9"), timepoint=Timepoint.REVIEW)

    assert again.status == ResponseStatus.IN_PROGRESS and again.pk != phq9_sent.pk


def test_a_withdrawn_response_never_changes(withdrawn: MeasureResponse) -> None:
    row = stored(withdrawn)
    row.answers = {"1": 0}
    with pytest.raises(ImmutableRowError):
        row.save()
    row = stored(withdrawn)
    row.status = ResponseStatus.IN_PROGRESS
    with pytest.raises(ImmutableRowError):
        row.save()
    with pytest.raises(ImmutableRowError):
        stored(withdrawn).delete()

    row = stored(withdrawn)
    assert (row.status, row.answers) == (ResponseStatus.WITHDRAWN, DRAFT)


# -- the staff pages -------------------------------------------------------------------------------


def test_waiting_list_links_to_withdraw(as_priya: Client, mary: Person, phq9_sent: MeasureResponse) -> None:
    result = as_priya.get(reverse("measures:person", kwargs={"person_id": mary.pk}))

    assert result.status_code == 200
    assert f'href="{withdraw_url(phq9_sent)}"' in result.content.decode()


def test_withdraw_page_shows_what_will_be_withdrawn(as_priya: Client, phq9_sent: MeasureResponse) -> None:
    result = as_priya.get(withdraw_url(phq9_sent))

    assert result.status_code == 200
    shown = text_of(result)
    assert "Withdraw PHQ-9" in shown
    assert "Waiting for the person to answer online" in shown
    assert "Mary will no longer see it" in shown
    assert 'name="reason"' in shown
    assert "Why are you withdrawing this questionnaire?" in shown


def test_withdrawing_on_the_page(as_priya: Client, mary: Person, drafted: MeasureResponse) -> None:
    result = as_priya.post(withdraw_url(drafted), {"reason": REASON})

    assert result.status_code == 302
    assert result["Location"] == reverse("measures:person", kwargs={"person_id": mary.pk})
    row = stored(drafted)
    assert (row.status, row.withdrawn_reason, row.answers) == (ResponseStatus.WITHDRAWN, REASON, DRAFT)
    shown = text_of(as_priya.get(result["Location"]))
    assert "PHQ-9 has been withdrawn. Mary Seacole will no longer see it." in shown
    assert "No questionnaires are waiting for Mary to answer." in shown
    assert "Withdrawn before they were answered" in shown
    assert "Withdrawn" in shown and f"Reason: {REASON}" in shown
    assert f'href="{withdraw_url(drafted)}"' not in as_priya.get(result["Location"]).content.decode()


def test_a_reason_is_required_on_the_page(as_priya: Client, phq9_sent: MeasureResponse) -> None:
    result = as_priya.post(withdraw_url(phq9_sent), {"reason": "  "})

    assert result.status_code == 400
    shown = text_of(result)
    assert "There is a problem" in shown
    assert "Enter why you are withdrawing this questionnaire" in shown
    assert stored(phq9_sent).status == ResponseStatus.IN_PROGRESS


def test_typing_is_kept_when_the_reason_is_too_long(as_priya: Client, phq9_sent: MeasureResponse) -> None:
    typed = "Sent by mistake " + "x" * 1000

    result = as_priya.post(withdraw_url(phq9_sent), {"reason": typed})

    assert result.status_code == 400
    shown = html.unescape(result.content.decode())
    assert "The reason must be 1,000 characters or fewer" in shown
    assert typed in shown
    assert stored(phq9_sent).status == ResponseStatus.IN_PROGRESS


def test_answered_questionnaire_cannot_be_withdrawn_on_the_page(
    as_priya: Client, mary_actor: Actor, phq9_sent: MeasureResponse
) -> None:
    responses.submit(mary_actor, phq9_sent, PHQ9_MILD, expected_version=phq9_sent.version)

    result = as_priya.post(withdraw_url(phq9_sent), {"reason": REASON})

    assert result.status_code == 302
    assert result["Location"] == reverse("measures:response", kwargs={"response_id": phq9_sent.pk})
    assert stored(phq9_sent).status == ResponseStatus.COMPLETED


def test_staff_of_another_practice_are_told_it_is_not_found(
    client: Client, signed_in: Any, omar: Membership, phq9_sent: MeasureResponse
) -> None:
    as_omar = signed_in(client, omar)

    assert as_omar.get(withdraw_url(phq9_sent)).status_code == 404
    assert as_omar.post(withdraw_url(phq9_sent), {"reason": REASON}).status_code == 404
    assert stored(phq9_sent).status == ResponseStatus.IN_PROGRESS


def test_the_person_may_not_use_the_withdraw_page(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    assert as_mary.post(withdraw_url(phq9_sent), {"reason": REASON}).status_code == 403
    assert stored(phq9_sent).status == ResponseStatus.IN_PROGRESS


def test_staff_response_page_shows_it_was_withdrawn_and_why(as_priya: Client, withdrawn: MeasureResponse) -> None:
    result = as_priya.get(reverse("measures:response", kwargs={"response_id": withdrawn.pk}))

    assert result.status_code == 200
    shown = text_of(result)
    assert "Withdrawn on" in shown and "Priya Practitioner" in shown
    assert REASON in shown
    assert "This questionnaire was withdrawn before Mary sent their answers" in shown
    assert withdraw_url(withdrawn) not in shown


# -- the person's pages ----------------------------------------------------------------------------


def test_the_person_is_told_it_was_withdrawn(as_mary: Client, withdrawn: MeasureResponse) -> None:
    answer = reverse("measures:answer", kwargs={"response_id": withdrawn.pk})

    result = as_mary.get(answer)

    assert result.status_code == 200
    shown = text_of(result)
    assert "Your care team withdrew this questionnaire" in shown
    page = result.content.decode()
    assert 'name="version"' not in page and 'name="action"' not in page  # no questions form
    assert "Send my answers" not in shown
    assert REASON not in shown  # written for the care team's record
    mine = text_of(as_mary.get(reverse("measures:mine")))
    assert answer not in mine


def test_posting_answers_to_a_withdrawn_questionnaire_changes_nothing(
    as_mary: Client, withdrawn: MeasureResponse
) -> None:
    answer = reverse("measures:answer", kwargs={"response_id": withdrawn.pk})
    fields = {**{key: str(value) for key, value in PHQ9_MILD.items()}, "action": "send", "version": "3"}

    result = as_mary.post(answer, fields)

    assert result.status_code == 302 and result["Location"] == answer
    row = stored(withdrawn)
    assert (row.status, row.answers, row.version) == (ResponseStatus.WITHDRAWN, DRAFT, withdrawn.version)
    assert not row.scores.exists()


# -- FHIR ------------------------------------------------------------------------------------------


def test_fhir_shows_a_withdrawn_response_as_stopped(
    client: Client, priya: Membership, mary: Person, withdrawn: MeasureResponse
) -> None:
    fhir = Fhir(client, priya)

    data = resource(fhir.get(f"QuestionnaireResponse/{withdrawn.pk}"))
    listed = entries(resource(fhir.get("QuestionnaireResponse", patient=str(mary.pk))))

    assert data["status"] == "stopped"
    assert "authored" not in data
    assert [item["linkId"] for item in data["item"]] == ["1", "2"]
    assert [(entry["id"], entry["status"]) for entry in listed] == [(str(withdrawn.pk), "stopped")]
