"""Care plans over the API: scoped, audited, validated and versioned with the same rules as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import (
    Action,
    CarePlan,
    ContingencyPlan,
    Goal,
    PersonalHealthBudget,
    PlanNote,
    PlanRevision,
    PlanStatus,
    Review,
    StageGoal,
    Strength,
)
from carehouse.careplans.services import budget as budget_services
from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import add_action, add_goal, add_item, agree, in_days
from carehouse.careplans.tests.factories import PreparationPackFactory
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.services.accounts import issue_api_token
from carehouse.core.tests.audit_assertions import assert_event_about
from carehouse.people.tests.factories import CareTeamMemberFactory, PersonFactory

# -- helpers ----------------------------------------------------------------------------


class Api:
    """The Django test client, speaking JSON with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership) -> None:
        self.client = client
        _, secret = issue_api_token(Actor.for_membership(membership), "test")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, **query: Any):
        return self.client.get(f"/api/v1{path}", query, **self.headers)

    def delete(self, path: str, **query: Any):
        query_string = "&".join(f"{key}={value}" for key, value in query.items())
        return self.client.delete(f"/api/v1{path}?{query_string}", **self.headers)

    def _send(self, method: str, path: str, body: dict[str, Any]):
        send = getattr(self.client, method)
        return send(f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers)

    def post(self, path: str, body: dict[str, Any]):
        return self._send("post", path, body)

    def put(self, path: str, body: dict[str, Any]):
        return self._send("put", path, body)

    def patch(self, path: str, body: dict[str, Any]):
        return self._send("patch", path, body)


@pytest.fixture
def api(client: Client):
    return lambda membership: Api(client, membership)


def error_fields(response) -> set[str]:
    """The bad fields named in a 422 answer's ``loc``s (the last element of each)."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    assert all(error["msg"] for error in detail)
    return {error["loc"][-1] for error in detail}


def error_message(response, field: str) -> str:
    return next(error["msg"] for error in response.json()["detail"] if error["loc"][-1] == field)


def reads_of(plan: CarePlan) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="read", object_type="careplans.CarePlan", object_id=str(plan.pk)))


@pytest.fixture
def person(practice):
    return PersonFactory(registered_practice=practice, given_name="Pat", family_name="Person")


@pytest.fixture
def plan(staff, person) -> CarePlan:
    return services.start_plan(staff, person, template="copd")


def fresh(plan: CarePlan) -> CarePlan:
    plan.refresh_from_db()
    return plan


def state(plan: CarePlan) -> tuple[Any, ...]:
    """What a refused change must leave alone: the plan's fields, its parts and its history."""
    plan = fresh(plan)
    return (
        plan.version,
        plan.title,
        plan.status,
        list(Goal.objects.filter(plan=plan).values_list("pk", "text", "importance")),
        list(Action.objects.filter(goal__plan=plan).values_list("pk", "what", "confidence", "status")),
        list(Strength.objects.filter(plan=plan).values_list("pk", "text")),
        list(ContingencyPlan.objects.filter(plan=plan).values_list("pk", "triggers")),
        PlanRevision.objects.filter(plan=plan).count(),
        AuditEvent.objects.filter(object_type__startswith="careplans.").exclude(action="read").count(),
    )


# -- starting, listing and reading -----------------------------------------------------------


def test_starting_a_plan(api, priya, person):
    pack = PreparationPackFactory(person=person, organisation=person.registered_practice)

    response = api(priya).post(
        "/careplans",
        {"person": person.pk, "template": "diabetes", "preparation_pack": pack.pk, "title": " Pat's plan "},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    plan = CarePlan.objects.get(pk=body["id"])
    assert (plan.person_id, plan.template, plan.preparation_pack_id, plan.title) == (
        person.pk,
        "diabetes",
        pack.pk,
        "Pat's plan",
    )
    assert (body["status"], body["version"], body["person"]) == ("draft", 1, person.pk)
    assert body["details"]["title"] == "Pat's plan"
    assert body["organisation"] == "Y10001"
    [created] = AuditEvent.objects.filter(action="create", object_type="careplans.CarePlan")
    assert created.person_id == person.pk and created.actor_email == "priya@example.org"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "astrology"}, "template"),
        ({"title": "x" * 201}, "title"),
        ({"person": None}, "person"),
        ({"preparation_pack": 999_999}, "preparation_pack"),
    ],
)
def test_starting_a_plan_with_bad_input_is_422_and_starts_nothing(api, priya, person, body, field):
    response = api(priya).post("/careplans", {"person": person.pk, **body})

    assert error_fields(response) == {field}
    assert not CarePlan.objects.exists()


def test_a_plan_cannot_be_started_for_someone_out_of_sight(api, omar, person):
    response = api(omar).post("/careplans", {"person": person.pk})

    assert error_fields(response) == {"person"}
    assert not CarePlan.objects.exists()
    assert not AuditEvent.objects.filter(person_id=person.pk).exists()


def test_listing_a_persons_plans_gives_summaries_and_audits_reading_the_person(api, priya, staff, person, plan):
    older = services.start_plan(staff, person, title="Last year's plan")
    agree(staff, older)
    reads_before = set(AuditEvent.objects.filter(action="read").values_list("pk", flat=True))

    response = api(priya).get("/careplans", person=person.pk)

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert rows.keys() == {plan.pk, older.pk}
    older.refresh_from_db()
    assert rows[older.pk] == {
        "id": older.pk,
        "person": person.pk,
        "title": "Last year's plan",
        "status": "active",
        "next_review_due": in_days(90).isoformat(),
        "version": older.version,
    }
    [read] = AuditEvent.objects.filter(action="read").exclude(pk__in=reads_before)
    assert_event_about(read, person, priya)
    assert [row["id"] for row in api(priya).get("/careplans", person=person.pk, status="draft").json()] == [plan.pk]
    assert error_fields(api(priya).get("/careplans")) == {"person"}


def test_reading_the_whole_plan_is_audited(api, priya, staff, plan):
    goal = add_goal(staff, plan, importance=8)
    add_action(staff, plan, goal)
    add_item(staff, plan, "stage_goal", {"text": "Get a walking stick"}, parent=goal)
    add_item(staff, plan, "strength", {"text": "Loves gardening"})
    add_item(staff, plan, "contingency", {"triggers": ["A chest infection"]})
    member = CareTeamMemberFactory(person=plan.person, organisation=plan.organisation, name="Nina Nurse")
    services.update_plan_details(staff, plan, {"key_worker": member.pk}, expected_version=fresh(plan).version)

    response = api(priya).get(f"/careplans/{plan.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == fresh(plan).version
    assert body["details"]["key_worker"] == {"id": member.pk, "name": "Nina Nurse", "role": "Practice nurse"}
    [goal_out] = body["goals"]
    assert (goal_out["text"], goal_out["importance"], goal_out["written_by"]) == (goal.text, 8, "professional")
    assert [a["what"] for a in goal_out["actions"]] == ["Walk to the end of the road every morning"]
    assert [s["text"] for s in goal_out["stage_goals"]] == ["Get a walking stick"]
    assert [s["text"] for s in body["strengths"]] == ["Loves gardening"]
    assert body["contingency_plans"][0]["triggers"] == ["A chest infection"]
    assert body["five_criteria"]["goals_in_own_words"] is True
    assert body["five_criteria"]["review_date_set"] is False
    assert body["agreement"]["agreed_with"] is None and body["review"] is None
    assert set(body["about_me"]) == {
        "most_important",
        "people",
        "communication",
        "wellness",
        "do_and_dont",
        "support",
        "also_worth_knowing",
        "supported_by",
    }
    [read] = reads_of(plan)
    assert (read.person_id, read.actor_email, read.actor_organisation) == (
        plan.person_id,
        "priya@example.org",
        "Y10001",
    )
    assert read.purpose == "api"


@pytest.mark.parametrize("path", ["", "/revisions", "/notes", "/reviews", "/budget"])
def test_every_read_of_a_plan_is_audited(api, priya, plan, path):
    api(priya).get(f"/careplans/{plan.pk}{path}")

    [read] = reads_of(plan)
    assert read.actor_email == "priya@example.org" and read.person_id == plan.person_id
    assert read.purpose.startswith("api")


# -- plan details and About me ----------------------------------------------------------------


def test_changing_the_details(api, priya, plan):
    member = CareTeamMemberFactory(person=plan.person, organisation=plan.organisation)

    response = api(priya).patch(
        f"/careplans/{plan.pk}",
        {
            "title": "Breathing easier",
            "formulation": "Worried about flare-ups",
            "key_worker": member.pk,
            "review_owner": member.pk,
            "next_review_due": in_days(30).isoformat(),
            "version": 1,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["details"]["review_owner"]["id"] == member.pk
    plan = fresh(plan)
    assert (plan.title, plan.formulation, plan.key_worker, plan.next_review_due) == (
        "Breathing easier",
        "Worried about flare-ups",
        member,
        in_days(30),
    )
    assert plan.funding_source == ""  # not sent, not changed
    assert PlanRevision.objects.get(plan=plan, number=2).summary == "Changed the plan details"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"next_review_due": "2001-01-01"}, "next_review_due"),
        ({"key_worker": "someone"}, "key_worker"),
        ({}, "version"),
    ],
)
def test_bad_details_are_422(api, priya, plan, body, field):
    before = state(plan)
    response = api(priya).patch(f"/careplans/{plan.pk}", {"version": 1, **body} if body else {"title": "New"})
    assert error_fields(response) == {field}
    assert state(plan) == before


def test_a_key_worker_from_someone_elses_care_team_is_422(api, priya, plan, practice):
    stranger = CareTeamMemberFactory(person=PersonFactory(registered_practice=practice), organisation=practice)
    before = state(plan)

    response = api(priya).patch(f"/careplans/{plan.pk}", {"key_worker": stranger.pk, "version": 1})

    assert error_fields(response) == {"key_worker"}
    assert state(plan) == before


def test_writing_about_me(api, priya, plan):
    response = api(priya).put(
        f"/careplans/{plan.pk}/about-me",
        {"most_important": "My garden", "communication": "Face to face, please", "version": 1},
    )

    assert response.status_code == 200
    assert response.json()["about_me"]["most_important"] == "My garden"
    plan = fresh(plan)
    assert (plan.about_most_important, plan.about_communication, plan.version) == (
        "My garden",
        "Face to face, please",
        2,
    )


# -- items ------------------------------------------------------------------------------------


def test_goals_actions_and_steps_can_be_added_changed_and_removed(api, priya, plan):
    caller = api(priya)
    need = caller.post(f"/careplans/{plan.pk}/needs", {"text": "Breathless on stairs", "version": 1})
    assert need.status_code == 201 and need.json()["plan_version"] == 2
    need_id = need.json()["item"]["id"]

    goal = caller.post(
        f"/careplans/{plan.pk}/goals",
        {"text": "Walk to the park", "importance": 9, "needs": [need_id], "version": 2},
    )
    assert goal.status_code == 201, goal.content
    assert goal.json()["item"]["needs"] == [need_id]
    goal_id = goal.json()["item"]["id"]

    action = caller.post(
        f"/careplans/{plan.pk}/goals/{goal_id}/actions",
        {"what": "Walk to the corner", "who": "person", "confidence": 6, "version": 3},
    )
    assert action.status_code == 201, action.content
    action_id = action.json()["item"]["id"]
    step = caller.post(f"/careplans/{plan.pk}/goals/{goal_id}/stage-goals", {"text": "Get a stick", "version": 4})
    assert step.status_code == 201
    step_id = step.json()["item"]["id"]

    changed = caller.patch(f"/careplans/{plan.pk}/actions/{action_id}", {"confidence": 8, "version": 5})
    assert changed.status_code == 200
    assert (changed.json()["item"]["confidence"], changed.json()["item"]["what"]) == (8, "Walk to the corner")
    assert caller.patch(f"/careplans/{plan.pk}/goals/{goal_id}", {"importance": 10, "version": 6}).status_code == 200
    assert caller.patch(f"/careplans/{plan.pk}/stage-goals/{step_id}", {"outcome": "Done", "version": 7}).json()[
        "item"
    ]["outcome"] == ("Done")

    assert Goal.objects.get(pk=goal_id).importance == 10
    assert Action.objects.get(pk=action_id).confidence == 8
    assert fresh(plan).version == 8

    removed = caller.delete(f"/careplans/{plan.pk}/goals/{goal_id}", version=8)

    assert removed.status_code == 200
    assert removed.json() == {"plan_version": 9}
    assert not Goal.objects.filter(pk=goal_id).exists()
    assert not Action.objects.filter(pk=action_id).exists()
    assert not StageGoal.objects.filter(pk=step_id).exists()
    assert PlanRevision.objects.get(plan=plan, number=9).summary.startswith("Removed a goal")


@pytest.mark.parametrize(
    ("kind", "body", "changes", "model"),
    [
        ("strengths", {"text": "Loves gardening", "snomed_code": "129006008"}, {"text": "Grows tomatoes"}, Strength),
        (
            "contingency-plans",
            {"triggers": [" A chest infection ", ""], "what_to_do": "Start the rescue pack"},
            {"triggers": ["Cold weather"]},
            ContingencyPlan,
        ),
        ("additional-plans", {"name": "Falls plan", "review_date": "2030-01-01"}, {"content": "Rails fitted"}, None),
    ],
)
def test_plan_items_can_be_added_changed_and_removed(api, priya, plan, kind, body, changes, model):
    caller = api(priya)

    added = caller.post(f"/careplans/{plan.pk}/{kind}", {**body, "version": 1})

    assert added.status_code == 201, added.content
    item = added.json()["item"]
    if kind == "contingency-plans":
        assert item["triggers"] == ["A chest infection"]
        assert item["name"] == "If things get worse"
    changed = caller.patch(f"/careplans/{plan.pk}/{kind}/{item['id']}", {**changes, "version": 2})
    assert changed.status_code == 200, changed.content
    for key, value in changes.items():
        assert changed.json()["item"][key] == value
    if model is not None:
        stored = model.objects.get(pk=item["id"])
        for key, value in changes.items():
            assert getattr(stored, key) == value
    removed = caller.delete(f"/careplans/{plan.pk}/{kind}/{item['id']}", version=3)
    assert removed.json() == {"plan_version": 4}
    plan_body = caller.get(f"/careplans/{plan.pk}").json()
    assert plan_body[kind.replace("-", "_")] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("goals", {"text": "Walk to the park", "importance": 11}, "importance"),
        ("goals", {"text": "Walk to the park", "importance": 0}, "importance"),
        ("goals", {"text": ""}, "text"),
        ("goals", {"text": "Walk", "needs": [999_999]}, "needs"),
        ("goals", {"text": "Walk", "achievement": "nearly"}, "achievement"),
        ("contingency-plans", {"triggers": []}, "triggers"),
        ("contingency-plans", {"triggers": ["  ", ""]}, "triggers"),
        ("contingency-plans", {"what_to_do": "Call 111"}, "triggers"),
        ("strengths", {"text": "Kind", "snomed_code": "not-a-code"}, "snomed_code"),
        ("needs", {"text": "COPD", "snomed_code": "013645005"}, "snomed_code"),  # no SCTID starts with 0
        ("needs", {"text": "COPD", "snomed_code": "١٣٦٤٥٠٠٥"}, "snomed_code"),  # digits, but not ASCII ones
        ("needs", {"text": "Lonely", "category": "worry"}, "category"),
        ("additional-plans", {"content": "No name"}, "name"),
    ],
)
def test_bad_items_are_422_and_nothing_is_saved(api, priya, plan, path, body, field):
    before = state(plan)

    response = api(priya).post(f"/careplans/{plan.pk}/{path}", {**body, "version": 1})

    assert error_fields(response) == {field}
    assert state(plan) == before


@pytest.mark.parametrize(("body", "field"), [({"confidence": 11}, "confidence"), ({"who": "robot"}, "who")])
def test_bad_actions_are_422(api, priya, staff, plan, body, field):
    goal = add_goal(staff, plan)
    before = state(plan)

    response = api(priya).post(
        f"/careplans/{plan.pk}/goals/{goal.pk}/actions", {"what": "Walk", **body, "version": fresh(plan).version}
    )

    assert error_fields(response) == {field}
    assert state(plan) == before


def test_a_contingency_plan_cannot_be_left_without_triggers(api, priya, plan):
    added = api(priya).post(f"/careplans/{plan.pk}/contingency-plans", {"triggers": ["Chest infection"], "version": 1})
    before = state(plan)

    response = api(priya).patch(
        f"/careplans/{plan.pk}/contingency-plans/{added.json()['item']['id']}", {"triggers": [" "], "version": 2}
    )

    assert error_fields(response) == {"triggers"}
    assert state(plan) == before


def test_a_change_sends_only_what_changes_and_null_empties_only_what_may_be_empty(api, priya, staff, plan):
    goal = add_goal(staff, plan, importance=7, why_it_matters="To see my grandson")
    version = fresh(plan).version

    cleared = api(priya).patch(f"/careplans/{plan.pk}/goals/{goal.pk}", {"importance": None, "version": version})
    refused = api(priya).patch(f"/careplans/{plan.pk}/goals/{goal.pk}", {"text": None, "version": version + 1})

    assert cleared.status_code == 200
    goal.refresh_from_db()
    assert (goal.importance, goal.why_it_matters, goal.text) == (
        None,
        "To see my grandson",
        "Walk to the park with my grandson",
    )
    assert error_fields(refused) == {"text"}
    assert fresh(plan).version == version + 1


def test_an_item_of_another_plan_is_not_found(api, priya, staff, plan, person):
    other = services.start_plan(staff, person)
    goal = add_goal(staff, other)

    changed = api(priya).patch(f"/careplans/{plan.pk}/goals/{goal.pk}", {"text": "Hijacked", "version": 1})
    action = api(priya).post(f"/careplans/{plan.pk}/goals/{goal.pk}/actions", {"what": "x", "version": 1})
    removed = api(priya).delete(f"/careplans/{plan.pk}/goals/{goal.pk}", version=1)

    assert (changed.status_code, action.status_code, removed.status_code) == (404, 404, 404)
    assert Goal.objects.get(pk=goal.pk).text == "Walk to the park with my grandson"


# -- conflicts --------------------------------------------------------------------------------------


def test_a_stale_version_is_409_with_what_changed_and_nothing_is_saved(api, priya, omar, plan):
    caller = api(priya)
    first = caller.post(f"/careplans/{plan.pk}/goals", {"text": "Walk to the park", "version": 1})
    assert first.status_code == 201
    goal_id = first.json()["item"]["id"]
    before = state(plan)

    attempts = [
        caller.patch(f"/careplans/{plan.pk}", {"title": "Overwritten", "version": 1}),
        caller.post(f"/careplans/{plan.pk}/goals", {"text": "Another goal", "version": 1}),
        caller.patch(f"/careplans/{plan.pk}/goals/{goal_id}", {"importance": 3, "version": 1}),
        caller.delete(f"/careplans/{plan.pk}/goals/{goal_id}", version=1),
        caller.put(f"/careplans/{plan.pk}/about-me", {"most_important": "Lost", "version": 1}),
        caller.post(
            f"/careplans/{plan.pk}/agree", {"agreed_with": "person", "next_review_due": "2099-01-01", "version": 1}
        ),
        caller.put(f"/careplans/{plan.pk}/budget", {"agreed_amount": "100.00", "version": 1}),
    ]

    for response in attempts:
        assert response.status_code == 409, response.content
        body = response.json()
        assert "nothing was saved" in body["detail"]
        assert body["current_version"] == 2
        [since] = body["changes_since"]
        assert since["number"] == 2
        assert since["summary"] == "Added a goal: Walk to the park"
        assert since["saved_by_label"].startswith("Priya Practitioner")
    assert state(plan) == before
    assert not PersonalHealthBudget.objects.exists()


# -- agreeing, reviewing and ending -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"agreed_with": "person"}, "next_review_due"),
        ({"next_review_due": "2099-01-01"}, "agreed_with"),
        ({"agreed_with": "person", "next_review_due": None}, "next_review_due"),
        ({"agreed_with": "person", "next_review_due": "2001-01-01"}, "next_review_due"),
        ({"agreed_with": "neighbour", "next_review_due": "2099-01-01"}, "agreed_with"),
    ],
)
def test_agreeing_needs_who_and_a_review_date(api, priya, plan, body, field):
    before = state(plan)

    response = api(priya).post(f"/careplans/{plan.pk}/agree", {**body, "version": 1})

    assert error_fields(response) == {field}
    assert state(plan) == before
    assert fresh(plan).status == PlanStatus.DRAFT


def test_a_plan_is_agreed_reviewed_agreed_again_and_completed(api, priya, staff, plan):
    caller = api(priya)
    goal = add_goal(staff, plan)
    add_action(staff, plan, goal)
    version = fresh(plan).version

    agreed = caller.post(
        f"/careplans/{plan.pk}/agree",
        {
            "agreed_with": "carer",
            "agreed_with_name": "Sam",
            "next_review_due": in_days(60).isoformat(),
            "version": version,
        },
    )

    assert agreed.status_code == 200, agreed.content
    body = agreed.json()
    assert body["status"] == "active"
    assert body["agreement"]["agreed_with"] == "carer" and body["agreement"]["agreed_at"]
    assert body["five_criteria"]["actions_agreed"] and body["five_criteria"]["review_date_set"]

    started = caller.post(f"/careplans/{plan.pk}/reviews", {"attendees": "Pat and Sam", "version": body["version"]})
    assert started.status_code == 201
    assert fresh(plan).status == PlanStatus.UNDER_REVIEW
    assert caller.get(f"/careplans/{plan.pk}").json()["review"]["attendees"] == "Pat and Sam"

    notes = caller.patch(
        f"/careplans/{plan.pk}/reviews/current",
        {"summary": "Walking further now", "version": started.json()["plan_version"]},
    )
    assert notes.status_code == 200 and notes.json()["item"]["summary"] == "Walking further now"

    again = caller.post(
        f"/careplans/{plan.pk}/agree",
        {"agreed_with": "person", "next_review_due": in_days(180).isoformat(), "version": notes.json()["plan_version"]},
    )
    assert again.status_code == 200 and again.json()["status"] == "active" and again.json()["review"] is None
    [review] = caller.get(f"/careplans/{plan.pk}/reviews").json()
    assert review["completed_at"] is not None
    assert review["next_review_due"] == in_days(180).isoformat()
    assert review["started_by"] == "Priya Practitioner" == review["completed_by"]

    ended = caller.post(
        f"/careplans/{plan.pk}/end",
        {"status": "completed", "reason": "Goals met", "version": again.json()["version"]},
    )
    assert ended.status_code == 200 and ended.json()["status"] == "completed"
    assert fresh(plan).status == PlanStatus.COMPLETED
    refused = caller.post(f"/careplans/{plan.pk}/strengths", {"text": "Late", "version": fresh(plan).version})
    assert refused.status_code == 422


def test_review_notes_need_a_review_in_progress(api, priya, staff, plan):
    agree(staff, plan)
    response = api(priya).patch(
        f"/careplans/{plan.pk}/reviews/current", {"summary": "x", "version": fresh(plan).version}
    )
    assert response.status_code == 422
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "paused", "reason": "x"}, "status"), ({"status": "revoked", "reason": ""}, "reason")],
)
def test_ending_needs_a_real_ending_and_a_reason(api, priya, plan, body, field):
    assert error_fields(api(priya).post(f"/careplans/{plan.pk}/end", {**body, "version": 1})) == {field}
    assert fresh(plan).status == PlanStatus.DRAFT


# -- progress and notes ------------------------------------------------------------------------------


def test_progress_on_goals_and_actions(api, priya, staff, plan):
    goal = add_goal(staff, plan)
    action = add_action(staff, plan, goal)
    version = fresh(plan).version

    on_goal = api(priya).post(f"/careplans/{plan.pk}/goals/{goal.pk}/progress", {"achievement": "improving"})
    on_action = api(priya).post(
        f"/careplans/{plan.pk}/actions/{action.pk}/progress", {"status": "completed", "version": version + 1}
    )

    assert on_goal.status_code == 200 and on_goal.json()["item"]["achievement"] == "improving"
    assert on_action.status_code == 200 and on_action.json()["plan_version"] == version + 2
    assert Goal.objects.get(pk=goal.pk).achievement == "improving"
    assert Action.objects.get(pk=action.pk).status == "completed"
    assert error_fields(
        api(priya).post(f"/careplans/{plan.pk}/goals/{goal.pk}/progress", {"achievement": "brilliant"})
    ) == {"achievement"}
    stale = api(priya).post(f"/careplans/{plan.pk}/actions/{action.pk}/progress", {"status": "cancelled", "version": 1})
    assert stale.status_code == 409
    assert Action.objects.get(pk=action.pk).status == "completed"


def test_notes_are_added_and_listed(api, priya, staff, plan, person):
    goal = add_goal(staff, plan)
    other_goal = add_goal(staff, services.start_plan(staff, person))

    added = api(priya).post(f"/careplans/{plan.pk}/notes", {"text": "Walked to the gate", "goal": goal.pk})
    wrong_goal = api(priya).post(f"/careplans/{plan.pk}/notes", {"text": "x", "goal": other_goal.pk})
    empty = api(priya).post(f"/careplans/{plan.pk}/notes", {"text": ""})
    listed = api(priya).get(f"/careplans/{plan.pk}/notes")

    assert added.status_code == 201
    assert error_fields(wrong_goal) == {"goal"}
    assert error_fields(empty) == {"text"}
    [note] = listed.json()
    assert (note["text"], note["goal"], note["written_by_role"]) == ("Walked to the gate", goal.pk, "practitioner")
    assert note["written_by_label"].startswith("Priya Practitioner")
    assert PlanNote.objects.filter(plan=plan).count() == 1


# -- history ------------------------------------------------------------------------------------------


def test_revisions_say_who_saved_what(api, priya, plan):
    api(priya).post(f"/careplans/{plan.pk}/goals", {"text": "Walk to the park", "importance": 6, "version": 1})
    goal_id = Goal.objects.get(plan=plan).pk
    api(priya).patch(f"/careplans/{plan.pk}/goals/{goal_id}", {"importance": 8, "version": 2})

    response = api(priya).get(f"/careplans/{plan.pk}/revisions")

    assert response.status_code == 200
    revisions = response.json()
    assert [r["number"] for r in revisions] == [3, 2, 1]
    assert revisions[0]["saved_by_label"].startswith("Priya Practitioner")
    assert revisions[0]["status"] == "draft"
    [change] = revisions[0]["changes"]
    assert (change["section"], change["kind"], change["before"], change["after"]) == ("Goal", "changed", "6", "8")
    assert revisions[1]["changes"][0]["kind"] == "added"


# -- personal health budget -----------------------------------------------------------------------------


def test_a_budget_is_set_up_allocated_and_spent(api, priya, staff, plan):
    caller = api(priya)
    action = add_action(staff, plan, add_goal(staff, plan))
    assert caller.get(f"/careplans/{plan.pk}/budget").status_code == 404
    version = fresh(plan).version

    set_up = caller.put(
        f"/careplans/{plan.pk}/budget",
        {
            "managed_as": "direct_payment",
            "indicative_amount": "1500",
            "agreed_amount": "1200.00",
            "not_to_be_spent_on": "Alcohol",
            "version": version,
        },
    )
    assert set_up.status_code == 200, set_up.content
    assert (set_up.json()["agreed_amount"], set_up.json()["indicative_amount"]) == ("1200.00", "1500.00")

    allocated = caller.post(
        f"/careplans/{plan.pk}/budget/allocations",
        {"description": "Swimming", "amount": "300.50", "action": action.pk, "version": set_up.json()["plan_version"]},
    )
    assert allocated.status_code == 201, allocated.content
    allocation = allocated.json()["item"]
    assert (allocation["amount"], allocation["remaining"], allocation["action"]) == ("300.50", "300.50", action.pk)

    spent = caller.post(
        f"/careplans/{plan.pk}/budget/spends",
        {
            "spent_on": timezone.localdate().isoformat(),
            "payee": "Leisure centre",
            "description": "Ten swims",
            "amount": "45.00",
            "allocation": allocation["id"],
        },
    )
    assert spent.status_code == 201, spent.content

    budget = caller.get(f"/careplans/{plan.pk}/budget").json()
    assert budget["managed_as"] == "direct_payment"
    assert (budget["allocated"], budget["unallocated"], budget["spent"], budget["balance"]) == (
        "300.50",
        "899.50",
        "45.00",
        "1155.00",
    )
    assert budget["overspent"] is False
    assert budget["allocations"][0]["spent"] == "45.00" and budget["allocations"][0]["remaining"] == "255.50"
    assert [(s["payee"], s["amount"]) for s in budget["spends"]] == [("Leisure centre", "45.00")]
    assert budget["plan_version"] == fresh(plan).version


@pytest.fixture
def budgeted(staff, plan):
    """A plan with an agreed budget of £100 and £90 already spent."""
    budget_services.set_budget(staff, plan, {"agreed_amount": "100.00"}, expected_version=fresh(plan).version)
    budget_services.record_spend(
        staff, plan, spent_on=timezone.localdate(), payee="Taxi firm", description="Taxis", amount="90.00"
    )
    return fresh(plan)


def spend(amount: str, **extra: Any) -> dict[str, Any]:
    body = {"spent_on": timezone.localdate().isoformat(), "payee": "Gym", "description": "Membership", "amount": amount}
    return {**body, **extra}


def test_an_unconfirmed_overspend_is_422_saying_by_how_much(api, priya, budgeted):
    before = state(budgeted)

    response = api(priya).post(f"/careplans/{budgeted.pk}/budget/spends", spend("30.00"))

    assert error_fields(response) == {"confirm_overspend"}
    assert "£20.00 over" in error_message(response, "confirm_overspend")
    assert state(budgeted) == before
    assert api(priya).get(f"/careplans/{budgeted.pk}/budget").json()["spent"] == "90.00"


def test_a_confirmed_overspend_needs_a_reason_and_then_is_recorded(api, priya, budgeted):
    no_reason = api(priya).post(f"/careplans/{budgeted.pk}/budget/spends", spend("30.00", confirm_overspend=True))
    confirmed = api(priya).post(
        f"/careplans/{budgeted.pk}/budget/spends",
        spend("30.00", confirm_overspend=True, overspend_reason="Agreed at review"),
    )

    assert error_fields(no_reason) == {"overspend_reason"}
    assert confirmed.status_code == 201
    assert confirmed.json()["item"]["overspend_confirmed"] is True
    budget = api(priya).get(f"/careplans/{budgeted.pk}/budget").json()
    assert (budget["spent"], budget["balance"], budget["overspent"]) == ("120.00", "-20.00", True)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("budget/spends", spend("12.345"), "amount"),
        ("budget/spends", spend("ten pounds"), "amount"),
        ("budget/spends", spend("5.00", spent_on="2999-01-01"), "spent_on"),
        ("budget/spends", spend("5.00", allocation=999_999), "allocation"),
        ("budget/allocations", {"description": "Gym", "amount": "0"}, "amount"),
        ("budget/allocations", {"description": "Gym", "amount": "50", "action": 999_999}, "action"),
        ("budget/allocations", {"description": "Gym", "amount": "100.01"}, "amount"),
        ("budget", {"agreed_amount": "-1"}, "agreed_amount"),
        ("budget", {"agreed_amount": "100", "period_start": "2030-01-02", "period_end": "2030-01-01"}, "period_end"),
    ],
)
def test_bad_budget_input_is_422(api, priya, budgeted, path, body, field):
    plan = budgeted
    before = state(plan)
    send = api(priya).put if path == "budget" else api(priya).post

    response = send(f"/careplans/{plan.pk}/{path}", {**body, "version": plan.version})

    assert error_fields(response) == {field}
    assert state(plan) == before


# -- who may see and change plans -----------------------------------------------------------------------


ENDPOINTS = [
    "list plans",
    "start plan",
    "read plan",
    "change details",
    "write about me",
    "add strength",
    "add need",
    "add goal",
    "change goal",
    "add action",
    "add step",
    "change action",
    "add contingency plan",
    "add additional plan",
    "goal progress",
    "action progress",
    "add note",
    "list notes",
    "list revisions",
    "read budget",
    "set budget",
    "allocate budget",
    "record spending",
    "start review",
    "list reviews",
    "remove action",
    "remove goal",
    "end plan",
]


def endpoints(plan: CarePlan, goal: Goal, action: Action) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """Every care plan endpoint, with a body that succeeds for the plan's own practitioner (in this order)."""
    p = f"/careplans/{plan.pk}"
    v = plan.version
    return {
        "list plans": ("get", "/careplans", {"person": plan.person_id}),
        "start plan": ("post", "/careplans", {"person": plan.person_id}),
        "read plan": ("get", p, None),
        "change details": ("patch", p, {"title": "Changed", "version": v}),
        "write about me": ("put", f"{p}/about-me", {"most_important": "Changed", "version": v}),
        "add strength": ("post", f"{p}/strengths", {"text": "Kind", "version": v}),
        "add need": ("post", f"{p}/needs", {"text": "Lonely", "version": v}),
        "add goal": ("post", f"{p}/goals", {"text": "Sleep better", "version": v}),
        "change goal": ("patch", f"{p}/goals/{goal.pk}", {"text": "Changed", "version": v}),
        "add action": ("post", f"{p}/goals/{goal.pk}/actions", {"what": "Changed", "version": v}),
        "add step": ("post", f"{p}/goals/{goal.pk}/stage-goals", {"text": "Changed", "version": v}),
        "change action": ("patch", f"{p}/actions/{action.pk}", {"what": "Changed", "version": v}),
        "add contingency plan": ("post", f"{p}/contingency-plans", {"triggers": ["Falls"], "version": v}),
        "add additional plan": ("post", f"{p}/additional-plans", {"name": "Falls plan", "version": v}),
        "goal progress": ("post", f"{p}/goals/{goal.pk}/progress", {"achievement": "achieved"}),
        "action progress": ("post", f"{p}/actions/{action.pk}/progress", {"status": "completed"}),
        "add note": ("post", f"{p}/notes", {"text": "A note"}),
        "list notes": ("get", f"{p}/notes", None),
        "list revisions": ("get", f"{p}/revisions", None),
        "read budget": ("get", f"{p}/budget", None),
        "set budget": ("put", f"{p}/budget", {"agreed_amount": "500", "version": v}),
        "allocate budget": ("post", f"{p}/budget/allocations", {"description": "Gym", "amount": "10", "version": v}),
        "record spending": ("post", f"{p}/budget/spends", spend("5.00")),
        "start review": ("post", f"{p}/reviews", {"version": v}),
        "list reviews": ("get", f"{p}/reviews", None),
        "remove action": ("delete", f"{p}/actions/{action.pk}", {"version": v}),
        "remove goal": ("delete", f"{p}/goals/{goal.pk}", {"version": v}),
        "end plan": ("post", f"{p}/end", {"status": "revoked", "reason": "Moved away", "version": v}),
    }


@pytest.fixture
def agreed_plan(staff, plan):
    """An agreed plan with a goal, an action and a budget, so that every endpoint has something to act on."""
    goal = add_goal(staff, plan)
    action = add_action(staff, plan, goal)
    budget_services.set_budget(staff, plan, {"agreed_amount": "100.00"}, expected_version=fresh(plan).version)
    agree(staff, plan)
    return fresh(plan), goal, action


def call(caller: Api, method: str, path: str, body: dict[str, Any] | None):
    if method == "get":
        return caller.get(path, **(body or {}))
    if method == "delete":
        return caller.delete(path, **(body or {}))
    return getattr(caller, method)(path, body)


def test_every_endpoint_works_for_the_plans_own_practitioner(api, priya, agreed_plan):
    """The access tests below are only meaningful if the same calls succeed for someone allowed."""
    plan, goal, action = agreed_plan
    assert list(endpoints(plan, goal, action)) == ENDPOINTS
    for name in ENDPOINTS:
        method, path, body = endpoints(fresh(plan), goal, action)[name]
        if body is not None and "version" in body:
            body = {**body, "version": plan.version}
        response = call(api(priya), method, path, body)
        assert response.status_code in (200, 201), (name, response.content)
    assert fresh(plan).status == PlanStatus.REVOKED


@pytest.mark.parametrize("name", [n for n in ENDPOINTS if n not in ("list plans", "start plan")])
def test_a_plan_in_another_practice_is_not_found_and_nothing_changes(api, omar, agreed_plan, name):
    plan, goal, action = agreed_plan
    method, path, body = endpoints(plan, goal, action)[name]
    before = state(plan)
    caller = api(omar)
    events_before = AuditEvent.objects.count()  # issuing the token is audited

    response = call(caller, method, path, body)

    assert response.status_code == 404, response.content
    assert state(plan) == before
    assert AuditEvent.objects.count() == events_before


def test_another_practice_cannot_list_or_start_plans_for_someone_not_in_its_care(api, omar, agreed_plan):
    plan, _, _ = agreed_plan
    assert api(omar).get("/careplans", person=plan.person_id).status_code == 404
    assert error_fields(api(omar).post("/careplans", {"person": plan.person_id})) == {"person"}
    assert CarePlan.objects.count() == 1


@pytest.mark.parametrize("who", ["vic", "cora"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_provider_staff_and_commissioners_get_403_and_nothing_changes(api, request, agreed_plan, who, name):
    plan, goal, action = agreed_plan
    method, path, body = endpoints(plan, goal, action)[name]
    before = state(plan)
    caller = api(request.getfixturevalue(who))
    events_before = AuditEvent.objects.count()  # issuing the token is audited

    response = call(caller, method, path, body)

    assert response.status_code == 403, response.content
    assert response.json() == {"detail": "Your role does not allow this"}
    assert state(plan) == before
    assert AuditEvent.objects.count() == events_before


# -- the OpenAPI document ----------------------------------------------------------------------------------


def test_the_openapi_document_lists_the_care_plan_paths(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path, method in [
        ("/api/v1/careplans", "get"),
        ("/api/v1/careplans", "post"),
        ("/api/v1/careplans/{plan_id}", "patch"),
        ("/api/v1/careplans/{plan_id}/goals/{goal_id}/actions", "post"),
        ("/api/v1/careplans/{plan_id}/agree", "post"),
        ("/api/v1/careplans/{plan_id}/budget/spends", "post"),
        ("/api/v1/careplans/{plan_id}/revisions", "get"),
    ]:
        assert method in paths[path], (path, method)
        assert paths[path][method]["tags"] == ["Care plans"]
    assert "409" in paths["/api/v1/careplans/{plan_id}"]["patch"]["responses"]
    goal_in = document["components"]["schemas"]["GoalIn"]["properties"]["importance"]
    assert "10" in json.dumps(goal_in)
