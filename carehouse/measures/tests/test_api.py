"""Measures over the API: instruments, recording a response, reading it, and a person's scores over time.

Bad input is a 422 naming the field (``instrument``, ``version``, ``answers.<item id>``) and
nothing is stored; what the caller may not see is a 404 (or a 422 when named in the body).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from carehouse.careplans.models import CarePlan
from carehouse.careplans.services import plans as plan_services
from carehouse.careplans.tests.conftest import add_goal
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.models.audit import AuditAction
from carehouse.core.services.accounts import issue_api_token
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    Timepoint,
)
from carehouse.measures.services import instruments as instrument_services
from carehouse.measures.services import responses
from carehouse.measures.tests.conftest import SWEMWBS_TEST_TEXT
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

PHQ9_MILD = {**{str(n): 1 for n in range(1, 10)}, "difficulty": 1}  # total 9: Mild; item 9 above 0


class Api:
    """The Django test client, speaking JSON with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership) -> None:
        self.client = client
        _, secret = issue_api_token(Actor.for_membership(membership), "test")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1/measures{path}", query, **self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/measures{path}", json.dumps(body), content_type="application/json", **self.headers
        )


@pytest.fixture
def api(client: Client) -> Callable[[Membership], Api]:
    return lambda membership: Api(client, membership)


def errors(response: Any) -> dict[str, str]:
    """A 422 answer's messages by field (the last element of each ``loc``)."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    return {str(error["loc"][-1]): error["msg"] for error in detail}


def stored() -> tuple[int, int, int]:
    return MeasureResponse.objects.count(), MeasureScore.objects.count(), MeasureAlert.objects.count()


def phq9_body(person: Person, **changes: Any) -> dict[str, Any]:
    return {"person_id": person.pk, "instrument": "phq9", "timepoint": "baseline", "answers": PHQ9_MILD, **changes}


# -- instruments ---------------------------------------------------------------------------------


def test_instruments(api: Any, priya: Membership):
    response = api(priya).get("/instruments")

    assert response.status_code == 200, response.content
    by_key = {instrument["key"]: instrument for instrument in response.json()}
    assert set(by_key) >= {"phq9", "gad7", "ons4", "semcd6", "swemwbs", "mycaw", "pam", "poet", "collaborate"}
    phq9 = by_key["phq9"]
    assert (phq9["version"], phq9["licence_kind"], phq9["can_be_completed"], phq9["can_be_recorded"]) == (
        "1",
        "open",
        True,
        False,
    )
    first = phq9["items"][0]
    assert (first["id"], first["type"], first["required"], first["text"]) == (
        "1",
        "choice",
        True,
        "Little interest or pleasure in doing things",
    )
    assert [(o["value"], o["label"], o["code"]) for o in first["options"]] == [
        (0, "Not at all", "LA6568-5"),
        (1, "Several days", "LA6569-3"),
        (2, "More than half the days", "LA6570-1"),
        (3, "Nearly every day", "LA6571-9"),
    ]
    pam = by_key["pam"]
    assert (pam["can_be_completed"], pam["can_be_recorded"]) == (False, True)
    score = next(item for item in pam["items"] if item["id"] == "score")
    assert (score["type"], score["minimum"], score["maximum"]) == ("decimal", "0", "100")


def test_licensed_wording_is_left_out_until_loaded(api: Any, priya: Membership, administrator: Actor):
    before = next(i for i in api(priya).get("/instruments").json() if i["key"] == "swemwbs")
    instrument_services.load_file(administrator, SWEMWBS_TEST_TEXT.read_bytes())
    after = next(i for i in api(priya).get("/instruments").json() if i["key"] == "swemwbs")

    assert (before["wording_included"], before["can_be_completed"]) == (False, False)
    assert all(item["text"] is None for item in before["items"])
    assert all(option["label"] is None for item in before["items"] for option in item["options"])
    assert before["items"][0]["label"] == "Statement 1"
    assert (after["wording_included"], after["can_be_completed"]) == (True, True)
    assert after["items"][0]["text"] == "Test statement 1 for wellbeing"
    assert after["items"][0]["options"][0]["label"] == "Test answer 1"


# -- recording a response ----------------------------------------------------------------------------


def test_recording_a_phq9(api: Any, priya: Membership, mary: Person, plan: CarePlan):
    response = api(priya).post("/responses", phq9_body(mary, plan_id=plan.pk, referral_reference=" R-9 "))

    assert response.status_code == 201, response.content
    body = response.json()
    saved = MeasureResponse.objects.get(pk=body["id"])
    assert (saved.person_id, saved.instrument.key, saved.plan_id, saved.completed_mode) == (
        mary.pk,
        "phq9",
        plan.pk,
        CompletedBy.STAFF,
    )
    assert body["scores"] == [{"code": "total", "label": "PHQ-9 total", "value": "9", "band": "Mild"}]
    assert body["alerts"] == [{"code": "self_harm_risk", "title": "Thoughts of self-harm"}]
    assert (body["status"], body["version"], body["timepoint"], body["not_scored"]) == (
        "completed",
        "1",
        "baseline",
        "",
    )
    assert body["referral_reference"] == "R-9"
    assert {answer["item_id"]: answer["value"] for answer in body["answers"]} == PHQ9_MILD
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(saved.pk)).exists()


def test_a_goal_brings_its_plan(api: Any, priya: Membership, staff: Actor, mary: Person, plan: CarePlan):
    goal = add_goal(staff, plan)

    response = api(priya).post("/responses", phq9_body(mary, goal_id=goal.pk, timepoint="review"))

    assert response.status_code == 201, response.content
    assert (response.json()["goal_id"], response.json()["plan_id"]) == (goal.pk, plan.pk)


def test_recording_an_external_pam_result(api: Any, priya: Membership, mary: Person):
    body = {
        "person_id": mary.pk,
        "instrument": "pam",
        "version": "1",
        "timepoint": "review",
        "answers": {"score": 62.5, "level": "3", "assessed_on": "2024-05-01", "licence_holder": "Test ICB"},
    }

    response = api(priya).post("/responses", body)

    assert response.status_code == 201, response.content
    scores = {score["code"]: (score["value"], score["band"]) for score in response.json()["scores"]}
    assert scores == {"score": ("62.5", ""), "level": ("3", "Level 3")}
    assert response.json()["completed_mode"] == CompletedBy.EXTERNAL


def test_a_response_that_cannot_be_scored_says_why(api: Any, priya: Membership, mary: Person):
    semcd6 = {"fatigue": 5, "discomfort": 5}  # four of six left out; no more than two may be

    response = api(priya).post(
        "/responses", {"person_id": mary.pk, "instrument": "semcd6", "timepoint": "baseline", "answers": semcd6}
    )

    assert response.status_code == 201, response.content
    assert response.json()["scores"] == []
    assert response.json()["not_scored"].startswith("Not scored: 4 questions were not answered")


# -- bad input: 422, field by field, nothing stored -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"instrument": "phq10"}, "instrument", "no questionnaire called 'phq10'"),
        ({"version": "7"}, "version", "PHQ-9 has no version '7': use one of 1"),
        ({"instrument": "collaborate"}, "instrument", "switched off"),
        ({"instrument": "swemwbs", "answers": {str(n): 3 for n in range(1, 8)}}, "instrument", "cannot be used yet"),
        ({"answers": {**PHQ9_MILD, "3": 4}}, "answers.3", "Select one of the answers given for question 3"),
        ({"answers": {**PHQ9_MILD, "3": "often"}}, "answers.3", "Select an answer for question 3"),
        ({"answers": {k: v for k, v in PHQ9_MILD.items() if k != "5"}}, "answers.5", "Select an answer for question 5"),
        ({"answers": {**PHQ9_MILD, "10": 1}}, "answers.10", "PHQ-9 has no question 10"),
        ({"timepoint": "someday"}, "timepoint", ""),
        ({"plan_id": 999999}, "plan_id", "No care and support plan"),
        ({"goal_id": 999999}, "goal_id", "No goal"),
    ],
)
def test_bad_input_is_refused_by_field(
    api: Any, priya: Membership, mary: Person, changes: dict[str, Any], field: str, words: str
):
    before = stored()

    found = errors(api(priya).post("/responses", phq9_body(mary, **changes)))

    assert field in found, found
    assert words in found[field]
    assert stored() == before


def test_every_bad_answer_is_named(api: Any, priya: Membership, mary: Person):
    answers = {**PHQ9_MILD, "1": 9, "2": -1}
    del answers["4"]

    found = errors(api(priya).post("/responses", phq9_body(mary, answers=answers)))

    assert set(found) == {"answers.1", "answers.2", "answers.4"}
    assert stored() == (0, 0, 0)


def test_an_external_result_out_of_range(api: Any, priya: Membership, mary: Person):
    body = {
        "person_id": mary.pk,
        "instrument": "pam",
        "timepoint": "review",
        "answers": {"score": "101", "level": 3, "assessed_on": "2999-01-01", "licence_holder": "Test ICB"},
    }

    found = errors(api(priya).post("/responses", body))

    assert found["answers.score"] == "The activation score must be between 0 and 100"
    assert "today or in the past" in found["answers.assessed_on"]
    assert stored() == (0, 0, 0)


def test_a_plan_of_someone_else_is_refused(api: Any, priya: Membership, staff: Actor, mary: Person, practice: Any):
    other_plan = plan_services.start_plan(staff, PersonFactory(registered_practice=practice))

    found = errors(api(priya).post("/responses", phq9_body(mary, plan_id=other_plan.pk)))

    assert found == {"plan_id": "Select one of this person's care and support plans"}
    assert stored() == (0, 0, 0)


def test_a_person_in_someone_elses_care_is_refused(api: Any, omar: Membership, mary: Person):
    found = errors(api(omar).post("/responses", phq9_body(mary)))

    assert found == {"person_id": "No person in your care has this id"}
    assert stored() == (0, 0, 0)


def test_a_role_that_may_not_record_is_403(api: Any, vic: Membership, cora: Membership, mary: Person):
    assert api(vic).post("/responses", phq9_body(mary)).status_code == 403
    assert api(cora).post("/responses", phq9_body(mary)).status_code == 403
    assert stored() == (0, 0, 0)


def test_no_token_is_401(client: Client, mary: Person):
    assert client.get("/api/v1/measures/instruments").status_code == 401
    response = client.post("/api/v1/measures/responses", json.dumps(phq9_body(mary)), content_type="application/json")
    assert response.status_code == 401
    assert stored() == (0, 0, 0)


# -- reading -------------------------------------------------------------------------------------


@pytest.fixture
def recorded(staff: Actor, mary: Person, instrument: Callable[[str], Instrument]) -> MeasureResponse:
    return responses.record_response(staff, mary, instrument("phq9"), PHQ9_MILD, timepoint=Timepoint.BASELINE)


def test_reading_a_response(api: Any, priya: Membership, recorded: MeasureResponse):
    response = api(priya).get(f"/responses/{recorded.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["instrument"], body["supersedes"], body["superseded_by"]) == (
        recorded.pk,
        "phq9",
        None,
        None,
    )
    assert body["answers"][8] == {"item_id": "9", "label": "Thoughts of self-harm", "value": 1}
    assert body["scores"][0]["value"] == "9"
    event = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(recorded.pk)).latest("pk")
    assert (event.actor_email, event.purpose) == (priya.user.email, "api")


def test_a_corrected_response_names_its_correction(
    api: Any, priya: Membership, staff: Actor, recorded: MeasureResponse
):
    correction = responses.correct_response(staff, recorded, {**PHQ9_MILD, "1": 3}, reason="Typed 1 for 3")

    original = api(priya).get(f"/responses/{recorded.pk}").json()
    corrected = api(priya).get(f"/responses/{correction.pk}").json()

    assert original["superseded_by"] == correction.pk
    assert (corrected["supersedes"], corrected["correction_reason"]) == (recorded.pk, "Typed 1 for 3")
    assert corrected["scores"][0]["value"] == "11"


def test_a_response_the_caller_may_not_see_is_404(api: Any, omar: Membership, recorded: MeasureResponse):
    assert api(omar).get(f"/responses/{recorded.pk}").status_code == 404
    assert api(omar).get("/responses/999999").status_code == 404


def test_scores_over_time(
    api: Any, priya: Membership, staff: Actor, mary: Person, recorded: MeasureResponse, swemwbs_with_text: Instrument
):
    review = responses.record_response(
        staff, mary, recorded.instrument, {**PHQ9_MILD, "2": 3, "3": 3}, timepoint=Timepoint.REVIEW
    )
    responses.record_response(
        staff, mary, swemwbs_with_text, {str(n): 3 for n in range(1, 8)}, timepoint=Timepoint.BASELINE
    )
    responses.correct_response(staff, review, {**PHQ9_MILD, "2": 2}, reason="Question 2 was 2")

    phq9 = api(priya).get(f"/people/{mary.pk}/scores", instrument="phq9")
    everything = api(priya).get(f"/people/{mary.pk}/scores")

    assert phq9.status_code == 200, phq9.content
    assert [(s["timepoint"], s["value"], s["band"]) for s in phq9.json()] == [
        ("baseline", "9", "Mild"),
        ("review", "10", "Moderate"),
    ]
    assert {(s["instrument"], s["code"]) for s in everything.json()} == {
        ("phq9", "total"),
        ("swemwbs", "raw"),
        ("swemwbs", "metric"),
    }
    metric = next(s for s in everything.json() if s["code"] == "metric")
    assert metric["value"].count(".") == 1 and len(metric["value"].split(".")[1]) == 2


def test_scores_of_someone_elses_person_are_404(api: Any, omar: Membership, recorded: MeasureResponse):
    assert api(omar).get(f"/people/{recorded.person_id}/scores").status_code == 404


def test_scores_for_an_unknown_instrument_are_422(api: Any, priya: Membership, mary: Person):
    assert "instrument" in errors(api(priya).get(f"/people/{mary.pk}/scores", instrument="phq10"))


def test_reading_scores_needs_a_role_that_sees_them(api: Any, vic: Membership, recorded: MeasureResponse):
    assert api(vic).get(f"/responses/{recorded.pk}").status_code == 403
    assert api(vic).get(f"/people/{recorded.person_id}/scores").status_code == 403
