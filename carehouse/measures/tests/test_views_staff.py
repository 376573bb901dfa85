"""The staff measures pages: a person's scores and trends, sending, recording, correcting and alerts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.careplans.models import CarePlan
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.models.audit import AuditAction, AuditEvent
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
)
from carehouse.measures.services import responses
from carehouse.people.models import ConsentPurpose, Person
from carehouse.people.tests.factories import ConsentFactory, PersonFactory

GetInstrument = Callable[[str], Instrument]


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def phq9(*values: int) -> dict[str, object]:
    return {str(number): value for number, value in enumerate(values, start=1)}


def record_phq9(staff: Actor, mary: Person, instrument: GetInstrument, timepoint: str, *values: int) -> MeasureResponse:
    return responses.record_response(staff, mary, instrument("phq9"), phq9(*values), timepoint=timepoint)


@pytest.fixture
def two_phq9(staff: Actor, mary: Person, instrument: GetInstrument) -> tuple[MeasureResponse, MeasureResponse]:
    """Mary's PHQ-9: 12 (moderate) at baseline, then 6 (mild) at review."""
    first = record_phq9(staff, mary, instrument, Timepoint.BASELINE, 2, 2, 2, 2, 2, 2, 0, 0, 0)
    second = record_phq9(staff, mary, instrument, Timepoint.REVIEW, 1, 1, 1, 1, 1, 1, 0, 0, 0)
    return first, second


@pytest.fixture
def as_omar(client: Client, signed_in: Any, omar: Membership) -> Client:
    return signed_in(client, omar)


@pytest.fixture
def as_cora(client: Client, signed_in: Any, cora: Membership) -> Client:
    return signed_in(client, cora)


# -- the person's measures page ------------------------------------------------------------------


def test_person_page_shows_latest_score_band_and_meaningful_change(
    as_priya: Client, mary: Person, two_phq9: tuple[MeasureResponse, MeasureResponse]
) -> None:
    response = as_priya.get(reverse("measures:person", kwargs={"person_id": mary.pk}))
    assert response.status_code == 200
    text = page_text(response)
    assert "Questionnaires and scores" in text
    assert "<strong>6</strong>" in text
    assert "Mild" in text
    assert (
        "Down 6 points since baseline (better): more than the 5-point change that is clinically meaningful (Löwe 2004)"
        in text
    )
    assert reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "phq9"}) in text
    for done in two_phq9:
        assert reverse("measures:response", kwargs={"response_id": done.pk}) in text
    assert "Staff, on the person's behalf" in text
    assert reverse("measures:send", kwargs={"person_id": mary.pk}) in text
    assert reverse("measures:record", kwargs={"person_id": mary.pk, "key": "pam"}) in text
    assert reverse("measures:record", kwargs={"person_id": mary.pk, "key": "phq9"}) in text


def test_person_page_shows_open_alerts_first_and_questionnaires_waiting(
    as_priya: Client, staff: Actor, mary: Person, instrument: GetInstrument, phq9_sent: MeasureResponse
) -> None:
    responses.record_response(
        staff, mary, instrument("gad7"), {str(n): 1 for n in range(1, 8)}, timepoint=Timepoint.BASELINE
    )
    record_phq9(staff, mary, instrument, Timepoint.BASELINE, 0, 0, 0, 0, 0, 0, 0, 0, 2)
    alert = MeasureAlert.objects.get(person=mary)
    text = page_text(as_priya.get(reverse("measures:person", kwargs={"person_id": mary.pk})))
    assert text.index(alert.title) < text.index("Latest scores")
    assert reverse("measures:alert", kwargs={"alert_id": alert.pk}) in text
    waiting = text[text.index("Waiting to be answered") : text.index("All questionnaires")]
    assert reverse("measures:response", kwargs={"response_id": phq9_sent.pk}) in waiting
    assert "GAD-7" in text


def test_person_page_is_audited(as_priya: Client, priya: Membership, mary: Person) -> None:
    as_priya.get(reverse("measures:person", kwargs={"person_id": mary.pk}))
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, person_id=mary.pk, actor_user_id=priya.user.pk, purpose="questionnaires and scores"
    ).exists()


def test_link_worker_sees_the_page_once_mary_shares_her_record_with_the_network(
    client: Client, signed_in: Any, lena: Membership, mary: Person, two_phq9: Any
) -> None:
    as_lena = signed_in(client, lena)
    url = reverse("measures:person", kwargs={"person_id": mary.pk})
    assert as_lena.get(url).status_code == 404
    ConsentFactory(person=mary, purpose=ConsentPurpose.CARE_PLANNING, recipient_organisations=[lena.organisation])
    response = as_lena.get(url)
    assert response.status_code == 200
    assert "Down 6 points since baseline (better)" in page_text(response)


# -- who may not see it -------------------------------------------------------------------------


def test_practitioner_at_another_practice_is_told_not_found(
    as_omar: Client, mary: Person, two_phq9: tuple[MeasureResponse, MeasureResponse]
) -> None:
    first, _ = two_phq9
    alert_free = [
        reverse("measures:person", kwargs={"person_id": mary.pk}),
        reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "phq9"}),
        reverse("measures:send", kwargs={"person_id": mary.pk}),
        reverse("measures:record", kwargs={"person_id": mary.pk, "key": "phq9"}),
        reverse("measures:response", kwargs={"response_id": first.pk}),
        reverse("measures:correct", kwargs={"response_id": first.pk}),
    ]
    for url in alert_free:
        assert as_omar.get(url).status_code == 404, url
    assert (
        as_omar.post(reverse("measures:correct", kwargs={"response_id": first.pk}), {"reason": "x"}).status_code == 404
    )
    assert MeasureResponse.objects.count() == 2


def test_practitioner_at_another_practice_cannot_see_or_acknowledge_an_alert(
    as_omar: Client, staff: Actor, mary: Person, instrument: GetInstrument
) -> None:
    record_phq9(staff, mary, instrument, Timepoint.BASELINE, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    alert = MeasureAlert.objects.get(person=mary)
    assert mary.full_name not in page_text(as_omar.get(reverse("measures:alerts")))
    url = reverse("measures:alert", kwargs={"alert_id": alert.pk})
    assert as_omar.get(url).status_code == 404
    assert as_omar.post(url, {"action_taken": "Called her"}).status_code == 404
    alert.refresh_from_db()
    assert alert.is_open


def test_commissioner_is_refused(
    as_cora: Client, mary: Person, two_phq9: tuple[MeasureResponse, MeasureResponse]
) -> None:
    first, _ = two_phq9
    assert as_cora.get(reverse("measures:person", kwargs={"person_id": mary.pk})).status_code == 403
    assert as_cora.get(reverse("measures:response", kwargs={"response_id": first.pk})).status_code == 403
    assert as_cora.get(reverse("measures:alerts")).status_code == 403
    assert as_cora.get(reverse("measures:send", kwargs={"person_id": mary.pk})).status_code == 403


def test_the_person_is_sent_to_their_own_pages(as_mary: Client, mary: Person, two_phq9: Any) -> None:
    """People read their own results on "Your questionnaires", not on the staff pages (404 here)."""
    first, _ = two_phq9
    assert as_mary.get(reverse("measures:person", kwargs={"person_id": mary.pk})).status_code == 404
    assert as_mary.get(reverse("measures:response", kwargs={"response_id": first.pk})).status_code == 404


# -- the trend ------------------------------------------------------------------------------------


def test_trend_has_an_accessible_chart_and_a_table(
    as_priya: Client, mary: Person, two_phq9: tuple[MeasureResponse, MeasureResponse]
) -> None:
    response = as_priya.get(reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "phq9"}))
    assert response.status_code == 200
    text = page_text(response)
    assert 'role="img"' in text
    assert 'aria-label="PHQ-9 total: 2 results on ' in text  # both on one day
    assert "<polyline" in text and text.count("<circle") == 2
    assert "style=" not in text[text.index("<svg") : text.index("</svg>")]
    assert "Moderately severe" in text  # the bands are drawn
    assert "<table" in text
    assert "Down 6 points (better)" in text  # change from previous, in the table
    assert "more than the 5-point change that is clinically meaningful (Löwe 2004)" in text


def test_ons4_trend_shows_each_of_its_four_scores(
    as_priya: Client, staff: Actor, mary: Person, instrument: GetInstrument
) -> None:
    answers = {"satisfaction": 4, "worthwhile": 6, "happiness": 7, "anxiety": 2}
    responses.record_response(staff, mary, instrument("ons4"), answers, timepoint=Timepoint.BASELINE)
    text = page_text(as_priya.get(reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "ons4"})))
    for label in ("Life satisfaction", "Things you do are worthwhile", "Happy yesterday", "Anxious yesterday"):
        assert f">{label}</h2>" in text
    assert text.count('<svg class="carehouse-trend__chart"') == 4


def test_trend_of_an_unknown_questionnaire_is_not_found(as_priya: Client, mary: Person) -> None:
    assert as_priya.get(reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "nosuch"})).status_code == 404


# -- sending a questionnaire ---------------------------------------------------------------------------


def test_send_with_bad_input_is_refused_beside_the_fields_and_nothing_is_created(
    as_priya: Client, mary: Person
) -> None:
    url = reverse("measures:send", kwargs={"person_id": mary.pk})
    response = as_priya.post(url, {"instrument": "", "timepoint": "whenever", "referral_reference": "SP-42"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Select a questionnaire to send" in text
    assert "Select when in the person's support this is" in text
    assert 'value="SP-42"' in text  # what was typed is kept
    assert MeasureResponse.objects.count() == 0


def test_send_refuses_a_second_one_while_the_first_waits(
    as_priya: Client, mary: Person, phq9_sent: MeasureResponse
) -> None:
    url = reverse("measures:send", kwargs={"person_id": mary.pk})
    response = as_priya.post(url, {"instrument": "phq9", "timepoint": "review"})
    assert response.status_code == 400
    assert "already has a PHQ-9 to answer" in page_text(response)
    assert MeasureResponse.objects.count() == 1


def test_send_links_the_plan_and_waits_for_the_person(as_priya: Client, mary: Person, plan: CarePlan) -> None:
    url = reverse("measures:send", kwargs={"person_id": mary.pk})
    form = page_text(as_priya.get(url))
    assert re.search(r'value="baseline"\s+checked', form)  # nothing completed yet: baseline
    response = as_priya.post(
        url, {"instrument": "gad7", "timepoint": "baseline", "plan": str(plan.pk), "referral_reference": "SP-42"}
    )
    assert response.status_code == 302
    sent = MeasureResponse.objects.get()
    assert (sent.instrument.key, sent.status, sent.timepoint, sent.plan_id, sent.referral_reference) == (
        "gad7",
        ResponseStatus.IN_PROGRESS,
        Timepoint.BASELINE,
        plan.pk,
        "SP-42",
    )


def test_send_refuses_a_plan_that_is_not_this_persons(as_priya: Client, mary: Person, plan: CarePlan) -> None:
    url = reverse("measures:send", kwargs={"person_id": mary.pk})
    response = as_priya.post(url, {"instrument": "gad7", "timepoint": "baseline", "plan": str(plan.pk + 1000)})
    assert response.status_code == 400
    assert "Select one of this person's care and support plans" in page_text(response)
    assert MeasureResponse.objects.count() == 0


# -- completing with the person, and recording external results --------------------------------------


def test_record_phq9_on_their_behalf_stores_answers_scores_and_alert(as_priya: Client, mary: Person) -> None:
    url = reverse("measures:record", kwargs={"person_id": mary.pk, "key": "phq9"})
    form = page_text(as_priya.get(url))
    assert "recorded as completed by staff on Mary's behalf" in form
    data = {str(n): "1" for n in range(1, 10)} | {"timepoint": "baseline"}
    response = as_priya.post(url, data)
    assert response.status_code == 302
    recorded = MeasureResponse.objects.get()
    assert response["Location"] == reverse("measures:response", kwargs={"response_id": recorded.pk})
    assert recorded.completed_mode == CompletedBy.STAFF
    assert recorded.answers == {str(n): 1 for n in range(1, 10)}
    assert [(s.code, s.value, s.band) for s in recorded.scores.all()] == [("total", Decimal(9), "Mild")]
    assert MeasureAlert.objects.filter(response=recorded).count() == 1


def test_record_with_a_missing_answer_is_refused_and_nothing_stored(as_priya: Client, mary: Person) -> None:
    url = reverse("measures:record", kwargs={"person_id": mary.pk, "key": "phq9"})
    data = {str(n): "1" for n in range(1, 10) if n != 3} | {"timepoint": ""}
    response = as_priya.post(url, data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Select an answer for question 3" in text
    assert "Select when in the person's support this is" in text
    assert 'value="1" checked' in text  # the answers given are kept
    assert MeasureResponse.objects.count() == 0
    assert MeasureScore.objects.count() == 0


def pam_data(score: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "score": score,
        "level": "3",
        "assessed_on_day": str(today.day),
        "assessed_on_month": str(today.month),
        "assessed_on_year": str(today.year),
        "licence_holder": "Test ICB",
        "timepoint": "baseline",
    }


def test_record_pam_score_above_100_is_a_field_error_and_nothing_stored(as_priya: Client, mary: Person) -> None:
    url = reverse("measures:record", kwargs={"person_id": mary.pk, "key": "pam"})
    response = as_priya.post(url, pam_data("101"))
    assert response.status_code == 400
    text = page_text(response)
    assert "The activation score must be between 0 and 100" in text
    assert 'id="score-error"' in text or 'id="id_score-error"' in text
    assert 'value="101"' in text
    assert MeasureResponse.objects.count() == 0


def test_record_pam_result_from_the_report(as_priya: Client, mary: Person) -> None:
    url = reverse("measures:record", kwargs={"person_id": mary.pk, "key": "pam"})
    assert "it does not work them out" in page_text(as_priya.get(url))
    assert as_priya.post(url, pam_data("62.5")).status_code == 302
    recorded = MeasureResponse.objects.get()
    assert recorded.completed_mode == CompletedBy.EXTERNAL
    assert {s.code: s.value for s in recorded.scores.all()} == {"score": Decimal("62.5"), "level": Decimal(3)}


# -- one response, and correcting it ----------------------------------------------------------------


def test_response_page_shows_answers_scores_and_who_completed_it_and_is_audited(
    as_priya: Client, priya: Membership, staff: Actor, mary: Person, instrument: GetInstrument, plan: CarePlan
) -> None:
    recorded = responses.record_response(
        staff, mary, instrument("phq9"), phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), timepoint=Timepoint.REVIEW, plan=plan
    )
    text = page_text(as_priya.get(reverse("measures:response", kwargs={"response_id": recorded.pk})))
    assert "PHQ-9 total" in text and "Mild" in text
    assert "Several days (1)" in text
    assert "Priya Practitioner, Practitioner at Test Medical Centre, on Mary's behalf" in text
    assert reverse("careplans:plan", kwargs={"plan_id": plan.pk}) in text
    assert "Review" in text
    assert AuditEvent.objects.filter(
        action=AuditAction.READ,
        object_type="measures.MeasureResponse",
        object_id=str(recorded.pk),
        actor_user_id=priya.user.pk,
    ).exists()


def test_correction_is_a_new_response_and_the_trend_uses_it(
    as_priya: Client, staff: Actor, mary: Person, instrument: GetInstrument
) -> None:
    original = record_phq9(staff, mary, instrument, Timepoint.BASELINE, 3, 3, 3, 3, 3, 0, 0, 0, 0)
    url = reverse("measures:correct", kwargs={"response_id": original.pk})
    form = page_text(as_priya.get(url))
    assert form.count('value="3" checked') == 5  # started from the original answers

    refused = as_priya.post(url, phq9(1, 1, 1, 1, 1, 0, 0, 0, 0) | {"reason": ""})
    assert refused.status_code == 400
    assert "Enter why the answers are being corrected" in page_text(refused)
    assert MeasureResponse.objects.count() == 1

    response = as_priya.post(url, phq9(1, 1, 1, 1, 1, 0, 0, 0, 0) | {"reason": "Typed into the wrong column"})
    assert response.status_code == 302
    correction = MeasureResponse.objects.get(supersedes=original)
    original.refresh_from_db()
    assert original.answers == {str(n): v for n, v in enumerate((3, 3, 3, 3, 3, 0, 0, 0, 0), start=1)}
    assert original.scores.get().value == 15
    assert correction.scores.get().value == 5

    trend = page_text(as_priya.get(reverse("measures:trend", kwargs={"person_id": mary.pk, "key": "phq9"})))
    table = trend[trend.index("<table") : trend.index("</table>")]
    assert ">5<" in table and ">15<" not in table

    old_page = page_text(as_priya.get(reverse("measures:response", kwargs={"response_id": original.pk})))
    assert "Corrected on" in old_page and "Typed into the wrong column" in old_page
    assert reverse("measures:response", kwargs={"response_id": correction.pk}) in old_page
    assert "Correct these answers" not in old_page
    new_page = page_text(as_priya.get(reverse("measures:response", kwargs={"response_id": correction.pk})))
    assert reverse("measures:response", kwargs={"response_id": original.pk}) in new_page

    again = as_priya.get(url)  # the original cannot be corrected twice: go to the latest answers
    assert again.status_code == 302
    assert again["Location"] == reverse("measures:response", kwargs={"response_id": correction.pk})


# -- alerts -----------------------------------------------------------------------------------------


def test_acknowledging_an_alert_needs_what_was_done_then_it_leaves_the_list(
    as_priya: Client, staff: Actor, mary: Person, instrument: GetInstrument
) -> None:
    record_phq9(staff, mary, instrument, Timepoint.BASELINE, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    alert = MeasureAlert.objects.get(person=mary)
    listed = page_text(as_priya.get(reverse("measures:alerts")))
    assert mary.full_name in listed
    assert reverse("measures:person", kwargs={"person_id": mary.pk}) in listed
    assert AuditEvent.objects.filter(summary="Viewed measure alerts").exists()

    url = reverse("measures:alert", kwargs={"alert_id": alert.pk})
    assert alert.message in page_text(as_priya.get(url))
    refused = as_priya.post(url, {"action_taken": "   "})
    assert refused.status_code == 400
    assert "Enter what you did about this alert" in page_text(refused)
    alert.refresh_from_db()
    assert alert.is_open

    done = as_priya.post(url, {"action_taken": "Phoned Mary; she is safe and has the crisis line number"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert not alert.is_open and alert.action_taken.startswith("Phoned Mary")
    assert url not in page_text(as_priya.get(reverse("measures:alerts")))
    assert "Phoned Mary" in page_text(as_priya.get(url))


def test_alerts_are_oldest_first(
    as_priya: Client, staff: Actor, mary: Person, instrument: GetInstrument, practice: Any
) -> None:
    other = PersonFactory(registered_practice=practice, given_name="Ann", family_name="Older")
    record_phq9(staff, other, instrument, Timepoint.BASELINE, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    record_phq9(staff, mary, instrument, Timepoint.BASELINE, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    listed = page_text(as_priya.get(reverse("measures:alerts")))
    assert listed.index("Ann Older") < listed.index(mary.full_name)


# -- links in -----------------------------------------------------------------------------------------


def test_record_page_and_navigation_link_to_measures(as_priya: Client, mary: Person) -> None:
    text = page_text(as_priya.get(reverse("people:detail", kwargs={"person_id": mary.pk})))
    assert reverse("measures:person", kwargs={"person_id": mary.pk}) in text
    assert f'href="{reverse("measures:alerts")}"' in text
