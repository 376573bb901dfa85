"""The practitioner's care and support plan pages: start, items, agreeing, conflicts, drafts, history."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import (
    Action,
    AdditionalSupportPlan,
    CarePlan,
    ContingencyPlan,
    FormDraft,
    Goal,
    Need,
    PlanStatus,
    PreparationPack,
    Review,
    StageGoal,
    Strength,
)
from carehouse.careplans.presenters import describe_change, format_date
from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import add_goal, add_item, agree, in_days
from carehouse.careplans.tests.factories import PreparationPackFactory
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.people.tests.factories import PersonFactory
from carehouse.people.tests.test_views import page_of


def date_fields(name: str, day: datetime.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def version_of(plan: CarePlan) -> str:
    plan.refresh_from_db()
    return str(plan.version)


def goal_form(text: str, version: str, **extra: str) -> dict[str, str]:
    data = {
        "text": text,
        "in_own_words": "on",
        "why_it_matters": "I miss seeing the ducks",
        "importance": "6",
        "achievement": "in-progress",
        "version": version,
        **date_fields("target_date", None),
    }
    data.update(extra)
    return data


# -- starting a plan from a template and a preparation pack ---------------------------------------


def test_starting_from_a_template_brings_the_preparation_answers_to_the_top_of_the_plan(as_priya, mary):
    pack = PreparationPackFactory(
        person=mary,
        template="diabetes",
        prompts=["What would you like to talk about at your appointment?", "What is going well for you?"],
        answers=["My feet have been sore", ""],
        results=[{"name": "HbA1c", "value": "52", "unit": "mmol/mol", "taken_on": "2027-01-10", "note": ""}],
        sent_at=timezone.now(),
        completed_at=timezone.now(),
    )
    start_page = as_priya.get(f"/careplans/start/{mary.pk}")
    assert start_page.status_code == 200
    assert page_of(start_page).checked("template") == ["diabetes"]  # the pack's pathway, offered first
    assert "answered a preparation pack" in start_page.content.decode()

    response = as_priya.post(f"/careplans/start/{mary.pk}", {"template": "diabetes"})
    assert response.status_code == 302
    plan = CarePlan.objects.get(person=mary)
    assert response["Location"] == f"/careplans/{plan.pk}"
    assert (plan.template, plan.status, plan.preparation_pack_id) == ("diabetes", PlanStatus.DRAFT, pack.pk)
    pack.refresh_from_db()
    assert pack.plan == plan

    html = as_priya.get(response["Location"]).content.decode()
    top = html.index("What Mary would like to talk about")
    assert top < html.index("Prompts for the conversation") < html.index('id="about-me-heading"')
    assert "My feet have been sore" in html
    assert "Not answered" in html  # the second prompt, left blank
    assert "HbA1c" in html and "52 mmol/mol, 10 January 2027" in html
    # Template prompts and goal suggestions are offered, never written into the plan.
    assert "Foot check, eye screening and kidney results" in html
    assert "Be more active in a way I enjoy" in html
    assert not plan.goals.exists()


def test_starting_without_a_template_and_without_a_choice(as_priya, mary):
    refused = as_priya.post(f"/careplans/start/{mary.pk}", {})
    assert refused.status_code == 400
    assert page_of(refused).error_links == [("#id_template", "Select a template, or no template")]
    assert not CarePlan.objects.exists()

    response = as_priya.post(f"/careplans/start/{mary.pk}", {"template": "none"})
    assert response.status_code == 302
    plan = CarePlan.objects.get()
    assert plan.template == ""
    assert plan.preparation_pack is None
    html = as_priya.get(response["Location"]).content.decode()
    assert "would like to talk about" not in html
    assert "Prompts for the conversation" not in html


def test_the_persons_record_lists_their_plans_and_offers_to_start_one(as_priya, mary, plan):
    html = as_priya.get(f"/people/{mary.pk}").content.decode()
    assert "Care and support plans" in html
    assert f'href="/careplans/{plan.pk}"' in html
    assert f'href="/careplans/start/{mary.pk}"' in html


# -- adding, changing and removing every kind of item ---------------------------------------------

ITEMS: list[tuple[str, type, dict[str, str], dict[str, str], str, Any]] = [
    (
        "strength",
        Strength,
        {"text": "Loves gardening"},
        {"text": "Loves gardening and baking"},
        "text",
        "Loves gardening and baking",
    ),
    (
        "need",
        Need,
        {"text": "Breathless on stairs", "category": "health-concern"},
        {"text": "Breathless on stairs", "category": "problem-list-item"},
        "category",
        "problem-list-item",
    ),
    (
        "goal",
        Goal,
        goal_form("Walk to the park", ""),
        goal_form("Walk to the park", "", importance="8"),
        "importance",
        8,
    ),
    (
        "stage_goal",
        StageGoal,
        {"text": "Walk to the gate", "achievement": "in-progress"},
        {"text": "Walk to the gate", "achievement": "achieved"},
        "achievement",
        "achieved",
    ),
    (
        "action",
        Action,
        {"what": "Walk every morning", "who": "carer", "who_name": "Sam", "status": "not-started", "confidence": "7"},
        {"what": "Walk every morning", "who": "carer", "who_name": "Sam", "status": "in-progress", "confidence": "7"},
        "status",
        "in-progress",
    ),
    (
        "contingency",
        ContingencyPlan,
        {
            "name": "If my breathing gets worse",
            "triggers": "A chest infection\n\nCold weather",
            "has_advance_statement": "no",
        },
        {
            "name": "If my breathing gets worse",
            "triggers": "A chest infection",
            "has_advance_statement": "yes",
            "advance_statement_location": "In the kitchen drawer",
        },
        "triggers",
        ["A chest infection"],
    ),
    (
        "additional_plan",
        AdditionalSupportPlan,
        {"name": "Falls prevention plan", "content": "Kept by the falls team"},
        {"name": "Falls prevention plan", "content": "Kept by the community falls team"},
        "content",
        "Kept by the community falls team",
    ),
]


@pytest.mark.parametrize(("kind", "model", "added", "changed", "field", "value"), ITEMS, ids=[i[0] for i in ITEMS])
def test_each_kind_of_item_is_added_changed_and_removed(
    as_priya, staff, plan, kind, model, added, changed, field, value
):
    query = ""
    if kind in ("stage_goal", "action"):
        query = f"?goal={add_goal(staff, plan).pk}"
    form_page = as_priya.get(f"/careplans/{plan.pk}/{kind}/add{query}")
    assert form_page.status_code == 200
    assert page_of(form_page).value("version") == version_of(plan)

    response = as_priya.post(f"/careplans/{plan.pk}/{kind}/add{query}", {**added, "version": version_of(plan)})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].startswith(f"/careplans/{plan.pk}#")
    item = model.objects.order_by("-pk").first()
    assert item is not None
    shown = as_priya.get(f"/careplans/{plan.pk}").content.decode()
    assert str(item).split("\n")[0] in shown

    edit = f"/careplans/{plan.pk}/{kind}/{item.pk}"
    assert as_priya.get(edit).status_code == 200
    response = as_priya.post(edit, {**changed, "version": version_of(plan)})
    assert response.status_code == 302, response.content.decode()
    item.refresh_from_db()
    assert getattr(item, field) == value

    confirm = as_priya.get(f"{edit}/remove")
    assert confirm.status_code == 200
    assert "Are you sure you want to remove" in confirm.content.decode()
    response = as_priya.post(f"{edit}/remove", {"version": version_of(plan)})
    assert response.status_code == 302
    assert not model.objects.filter(pk=item.pk).exists()
    assert plan.revisions.first().summary.startswith("Removed")


def test_a_contingency_plan_needs_a_trigger(as_priya, plan):
    response = as_priya.post(
        f"/careplans/{plan.pk}/contingency/add",
        {
            "name": "If things get worse",
            "triggers": "  \n ",
            "has_advance_statement": "no",
            "version": version_of(plan),
        },
    )
    assert response.status_code == 400
    assert page_of(response).error_links == [
        ("#id_triggers", "Enter at least one trigger: what might lead to a crisis")
    ]
    assert not ContingencyPlan.objects.exists()


def test_a_goal_is_typed_in_the_persons_words_and_can_meet_the_plans_needs(as_priya, staff, plan):
    need = add_item(staff, plan, "need", {"text": "Lonely since moving"})
    form = as_priya.get(f"/careplans/{plan.pk}/goal/add")
    html = form.content.decode()
    assert "What Mary wants to achieve, in their own words" in html
    assert page_of(form).textareas["text"].strip() == ""  # never pre-filled
    response = as_priya.post(
        f"/careplans/{plan.pk}/goal/add",
        goal_form(
            "See my friends at the lunch club",
            version_of(plan),
            needs=str(need.pk),
            **date_fields("target_date", in_days(60)),
        ),
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert list(goal.needs.all()) == [need]
    assert goal.target_date == in_days(60)
    plan_page = as_priya.get(f"/careplans/{plan.pk}").content.decode()
    assert "6 out of 10" in plan_page
    assert format_date(in_days(60)) in plan_page
    assert "In Mary&#39;s own words" in plan_page


def test_an_out_of_range_importance_is_refused_with_the_typing_kept(as_priya, plan):
    response = as_priya.post(
        f"/careplans/{plan.pk}/goal/add", goal_form("Walk to the park", version_of(plan), importance="11")
    )
    assert response.status_code == 400
    page = page_of(response)
    assert page.error_links == [("#id_importance", "Enter a whole number from 1 to 10")]
    assert page.textareas["text"].strip() == "Walk to the park"
    assert not Goal.objects.exists()


def test_steps_offer_the_stages_of_a_recovery_plan(as_priya, staff, mary):
    plan = services.start_plan(staff, mary, template="mental_health_recovery")
    goal = add_goal(staff, plan, "Feel less alone")
    page = page_of(as_priya.get(f"/careplans/{plan.pk}/stage_goal/add?goal={goal.pk}"))
    assert [i["value"] for i in page.inputs["stage"]] == ["Emotional support", "Aspirations", "Barriers"]
    response = as_priya.post(
        f"/careplans/{plan.pk}/stage_goal/add?goal={goal.pk}",
        {
            "stage": "Aspirations",
            "text": "Go to the café on Fridays",
            "achievement": "in-progress",
            "version": version_of(plan),
        },
    )
    assert response.status_code == 302
    assert StageGoal.objects.get().stage == "Aspirations"


def test_an_action_without_a_goal_is_not_found(as_priya, plan):
    assert as_priya.get(f"/careplans/{plan.pk}/action/add").status_code == 404


# -- agreeing, reviewing and ending ----------------------------------------------------------------


def test_agreeing_is_refused_without_agreement_or_review_date(as_priya, plan):
    response = as_priya.post(
        f"/careplans/{plan.pk}/agree",
        {"agreed_with": "", **date_fields("next_review_due", None), "version": version_of(plan)},
    )
    assert response.status_code == 400
    page = page_of(response)
    assert page.title.startswith("Error: ")
    assert page.error_links == [
        ("#id_agreed_with", "Select who the plan was agreed with before you make it active"),
        ("#id_next_review_due_day", "Enter the date the plan will be reviewed before you make it active"),
    ]
    assert page.clean_error_messages() == [text for _, text in page.error_links]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT

    response = as_priya.post(
        f"/careplans/{plan.pk}/agree",
        {"agreed_with": "person", **date_fields("next_review_due", None), "version": version_of(plan)},
    )
    assert response.status_code == 400
    assert page_of(response).error_links == [
        ("#id_next_review_due_day", "Enter the date the plan will be reviewed before you make it active")
    ]
    assert page_of(response).checked("agreed_with") == ["person"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_agreeing_with_both_makes_the_plan_active_then_a_review_cycle_and_an_ending(as_priya, plan):
    response = as_priya.post(
        f"/careplans/{plan.pk}/agree",
        {"agreed_with": "person", **date_fields("next_review_due", in_days(90)), "version": version_of(plan)},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.next_review_due, plan.agreed_with) == (PlanStatus.ACTIVE, in_days(90), "person")
    html = as_priya.get(f"/careplans/{plan.pk}").content.decode()
    assert "Agreed and active" in html
    assert f"Agreed with the person themselves on {format_date(timezone.localdate())}" in html

    response = as_priya.post(
        f"/careplans/{plan.pk}/review", {"attendees": "Mary and her daughter", "version": version_of(plan)}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UNDER_REVIEW
    response = as_priya.post(
        f"/careplans/{plan.pk}/review",
        {"attendees": "Mary and her daughter", "summary": "Walking is going well", "version": version_of(plan)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/careplans/{plan.pk}/agree"
    agree_page = as_priya.get(response["Location"]).content.decode()
    assert "Complete the review" in agree_page and "Walking is going well" in agree_page
    response = as_priya.post(
        f"/careplans/{plan.pk}/agree",
        {"agreed_with": "person", **date_fields("next_review_due", in_days(180)), "version": version_of(plan)},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.next_review_due) == (PlanStatus.ACTIVE, in_days(180))
    review = Review.objects.get(plan=plan)
    assert review.completed_at is not None and review.summary == "Walking is going well"

    refused = as_priya.post(
        f"/careplans/{plan.pk}/end", {"outcome": "completed", "reason": "", "version": version_of(plan)}
    )
    assert refused.status_code == 400
    assert page_of(refused).error_links == [("#id_reason", "Enter why the plan is ending")]
    response = as_priya.post(
        f"/careplans/{plan.pk}/end", {"outcome": "completed", "reason": "Goals achieved", "version": version_of(plan)}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert "Add a goal" not in as_priya.get(f"/careplans/{plan.pk}").content.decode()


def test_plan_details_set_the_key_worker_and_review(as_priya, plan, mary, practice):
    from carehouse.people.tests.factories import CareTeamMemberFactory

    nurse = CareTeamMemberFactory(person=mary, organisation=practice, name="Nia Nurse", role_title="Practice nurse")
    response = as_priya.post(
        f"/careplans/{plan.pk}/details",
        {
            "title": "Mary's plan",
            "formulation": "",
            "funding_source": "",
            "other_documents": "",
            "key_worker": str(nurse.pk),
            "review_owner": str(nurse.pk),
            **date_fields("next_review_due", in_days(30)),
            "version": version_of(plan),
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.key_worker, plan.next_review_due) == ("Mary's plan", nurse, in_days(30))
    assert "Nia Nurse, Practice nurse" in as_priya.get(f"/careplans/{plan.pk}").content.decode()


# -- two people editing at once ----------------------------------------------------------------------


def test_the_second_of_two_edits_to_the_same_goal_sees_the_conflict_and_keeps_its_typing(
    client, signed_in, priya, practice, staff, plan
):
    goal = add_goal(staff, plan, "Walk to the park")
    colleague = MembershipFactory(
        user=UserFactory(email="pat@example.org", full_name="Pat Practitioner"),
        organisation=practice,
        role=Role.PRACTITIONER,
    )
    first, second = signed_in(client, priya), signed_in(Client(), colleague)
    url = f"/careplans/{plan.pk}/goal/{goal.pk}"
    version = page_of(first.get(url)).value("version")
    assert page_of(second.get(url)).value("version") == version

    saved = first.post(url, goal_form("Walk to the park every day", version))
    assert saved.status_code == 302

    clash = second.post(url, goal_form("Walk to the shops with Sam", version, importance="9"))
    assert clash.status_code == 409
    html = clash.content.decode()
    page = page_of(clash)
    assert "Someone else changed this plan after you opened it. Your changes have not been saved" in html
    assert [
        "What Mary wants to achieve, in their own words",
        "Walk to the shops with Sam",
        "Walk to the park every day",
    ] in page.table_rows
    assert ["How important this is to Mary, from 1 to 10 (optional)", "9", "6"] in page.table_rows
    assert "Changed a goal: Walk to the park every day (Priya Practitioner, Practitioner at Test Medical Centre" in html
    # The second user's typing is kept, ready to save against the version now stored.
    assert page.textareas["text"].strip() == "Walk to the shops with Sam"
    assert page.value("importance") == "9"
    assert page.value("version") == version_of(plan)

    goal.refresh_from_db()
    assert goal.text == "Walk to the park every day"

    again = second.post(url, goal_form("Walk to the shops with Sam", page.value("version"), importance="9"))
    assert again.status_code == 302
    goal.refresh_from_db()
    assert (goal.text, goal.importance) == ("Walk to the shops with Sam", 9)


# -- who may do what ---------------------------------------------------------------------------------


def test_the_person_cannot_change_a_goals_wording(as_mary, staff, plan):
    goal = add_goal(staff, plan, "Walk to the park")
    agree(staff, plan)

    response = as_mary.post(f"/careplans/{plan.pk}/goal/{goal.pk}", goal_form("Something else", version_of(plan)))
    assert response.status_code == 403
    assert as_mary.get(f"/careplans/{plan.pk}/goal/{goal.pk}").status_code == 403
    assert as_mary.post(f"/careplans/{plan.pk}/goal/{goal.pk}/remove", {"version": version_of(plan)}).status_code == 403
    goal.refresh_from_db()
    assert goal.text == "Walk to the park"
    assert Goal.objects.filter(pk=goal.pk).exists()
    # The staff plan page sends the person to their own view of the plan.
    response = as_mary.get(f"/careplans/{plan.pk}")
    assert (response.status_code, response["Location"]) == (302, f"/careplans/{plan.pk}/view")
    # They may keep a draft of About me, and of nothing else.
    key = f"plan-{plan.pk}-goal-{goal.pk}"
    assert as_mary.post(f"/careplans/{plan.pk}/drafts/{key}", {"text": "Something else"}).status_code == 403
    about = f"plan-{plan.pk}-about-me"
    assert as_mary.post(f"/careplans/{plan.pk}/drafts/{about}", {"about_people": "Sam"}).status_code == 200
    assert list(FormDraft.objects.values_list("form_key", flat=True)) == [about]


def test_the_person_may_write_about_me(as_mary, staff, plan):
    agree(staff, plan)
    form = as_mary.get(f"/careplans/{plan.pk}/about-me")
    assert form.status_code == 200
    assert "Tell the people who support you what matters to you" in form.content.decode()
    response = as_mary.post(
        f"/careplans/{plan.pk}/about-me", {"about_most_important": "My grandson Sam", "version": version_of(plan)}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/careplans/{plan.pk}/view"
    plan.refresh_from_db()
    assert plan.about_most_important == "My grandson Sam"


def test_another_practices_practitioner_finds_nothing(client, signed_in, omar, staff, plan, mary):
    goal = add_goal(staff, plan, "Walk to the park")
    signed_in(client, omar)
    for url in (
        f"/careplans/{plan.pk}",
        f"/careplans/{plan.pk}/details",
        f"/careplans/{plan.pk}/about-me",
        f"/careplans/{plan.pk}/agree",
        f"/careplans/{plan.pk}/history",
        f"/careplans/{plan.pk}/goal/add",
        f"/careplans/{plan.pk}/goal/{goal.pk}",
        f"/careplans/{plan.pk}/goal/{goal.pk}/remove",
        f"/careplans/start/{mary.pk}",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/careplans/{plan.pk}/goal/{goal.pk}", goal_form("Mine now", version_of(plan)))
    assert response.status_code == 404
    assert client.post(f"/careplans/{plan.pk}/drafts/plan-{plan.pk}-goal-{goal.pk}", {"text": "x"}).status_code == 404
    goal.refresh_from_db()
    assert goal.text == "Walk to the park"
    assert not FormDraft.objects.exists()


def test_an_item_of_another_plan_is_not_found_through_this_one(as_priya, staff, plan, mary):
    other_plan = services.start_plan(staff, PersonFactory(registered_practice=mary.registered_practice))
    other_goal = add_goal(staff, other_plan, "Not this one")
    assert as_priya.get(f"/careplans/{plan.pk}/goal/{other_goal.pk}").status_code == 404
    assert as_priya.get(f"/careplans/{plan.pk}/action/add?goal={other_goal.pk}").status_code == 404


def test_every_page_view_is_audited_as_a_read_of_the_plan(as_priya, staff, plan, priya):
    goal = add_goal(staff, plan)
    for url in (
        f"/careplans/{plan.pk}",
        f"/careplans/{plan.pk}/details",
        f"/careplans/{plan.pk}/about-me",
        f"/careplans/{plan.pk}/agree",
        f"/careplans/{plan.pk}/end",
        f"/careplans/{plan.pk}/history",
        f"/careplans/{plan.pk}/goal/add",
        f"/careplans/{plan.pk}/goal/{goal.pk}",
        f"/careplans/{plan.pk}/goal/{goal.pk}/remove",
        f"/careplans/{plan.pk}/action/add?goal={goal.pk}",
    ):
        reads = AuditEvent.objects.filter(action="read", object_type="careplans.CarePlan", object_id=str(plan.pk))
        before = reads.count()
        assert as_priya.get(url).status_code == 200, url
        assert reads.count() == before + 1, url
        event = reads.order_by("-sequence").first()
        assert (event.person_id, event.actor_email) == (plan.person_id, priya.user.email)


# -- autosaved drafts ---------------------------------------------------------------------------------


def test_autosave_keeps_the_typing_and_the_form_brings_it_back(as_priya, staff, plan, priya):
    goal = add_goal(staff, plan, "Walk to the park")
    url = f"/careplans/{plan.pk}/goal/{goal.pk}"
    page = as_priya.get(url).content.decode()
    key = f"plan-{plan.pk}-goal-{goal.pk}"
    assert f'data-autosave-url="/careplans/{plan.pk}/drafts/{key}"' in page
    assert "data-autosave-status" in page

    response = as_priya.post(
        f"/careplans/{plan.pk}/drafts/{key}",
        {
            **goal_form("Walk to the park and back", version_of(plan), importance="7"),
            **date_fields("target_date", datetime.date(2027, 3, 5)),
            "in_own_words": "",
            "csrfmiddlewaretoken": "x",
        },
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    draft = FormDraft.objects.get(user=priya.user, form_key=key)
    assert answer["saved_at"] == draft.saved_at.isoformat()
    assert draft.data["text"] == "Walk to the park and back"
    assert "csrfmiddlewaretoken" not in draft.data

    restored = as_priya.get(url)
    html = restored.content.decode()
    assert "We restored what you typed on" in html and "but had not saved" in html
    form = page_of(restored)
    assert form.textareas["text"].strip() == "Walk to the park and back"
    assert form.value("importance") == "7"
    assert (form.value("target_date_day"), form.value("target_date_month")) == ("5", "3")
    assert form.value("target_date_year") == "2027"
    assert form.checked("achievement") == ["in-progress"]
    assert form.checked("in_own_words") == []  # unticked in the typing, so unticked now
    assert form.value("version") == version_of(plan)

    saved = as_priya.post(url, goal_form("Walk to the park and back", form.value("version"), importance="7"))
    assert saved.status_code == 302
    assert not FormDraft.objects.filter(form_key=key).exists()
    assert "We restored" not in as_priya.get(url).content.decode()


def test_a_draft_older_than_the_saved_plan_is_not_restored(as_priya, staff, plan, priya):
    goal = add_goal(staff, plan, "Walk to the park")
    key = f"plan-{plan.pk}-goal-{goal.pk}"
    as_priya.post(f"/careplans/{plan.pk}/drafts/{key}", goal_form("Old typing", version_of(plan)))
    add_goal(staff, plan, "A later change by someone")
    page = as_priya.get(f"/careplans/{plan.pk}/goal/{goal.pk}")
    assert "We restored" not in page.content.decode()
    assert page_of(page).textareas["text"].strip() == "Walk to the park"


def test_the_draft_endpoint_needs_the_csrf_token(signed_in, priya, plan):
    strict = signed_in(Client(enforce_csrf_checks=True), priya)
    response = strict.post(f"/careplans/{plan.pk}/drafts/plan-{plan.pk}-details", {"title": "Typed"})
    assert response.status_code == 403
    assert not FormDraft.objects.exists()
    assert strict.get(f"/careplans/{plan.pk}/drafts/plan-{plan.pk}-details").status_code == 405


def test_the_draft_endpoint_refuses_another_plans_form(as_priya, plan):
    response = as_priya.post(f"/careplans/{plan.pk}/drafts/plan-{plan.pk + 1}-details", {"title": "Typed"})
    assert response.status_code == 400
    assert not FormDraft.objects.exists()


# -- history ----------------------------------------------------------------------------------------


def test_history_shows_each_revisions_changes_in_words(as_priya, plan):
    as_priya.post(f"/careplans/{plan.pk}/goal/add", goal_form("Walk to the park", version_of(plan)))
    goal = Goal.objects.get()
    as_priya.post(
        f"/careplans/{plan.pk}/goal/{goal.pk}", goal_form("Walk to the park", version_of(plan), importance="8")
    )

    response = as_priya.get(f"/careplans/{plan.pk}/history")
    assert response.status_code == 200
    html = response.content.decode().replace("&#39;", "'")
    assert "Version 3: Changed a goal: Walk to the park" in html
    assert "Goal 'Walk to the park': How important this is to me changed from 6 to 8" in html
    assert "Version 2: Added a goal: Walk to the park" in html
    assert "Added goal 'Walk to the park'" in html
    assert "Version 1: Started the plan" in html
    assert "Priya Practitioner, Practitioner at Test Medical Centre" in html
    assert html.index("Version 3") < html.index("Version 2") < html.index("Version 1")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {
                "section": "Goal",
                "item": "Walk",
                "field": "Target date",
                "before": "",
                "after": "2027-03-05",
                "kind": "changed",
            },
            "Goal 'Walk': Target date set to 5 March 2027",
        ),
        (
            {
                "section": "Plan",
                "item": "",
                "field": "Status",
                "before": "Draft",
                "after": "Agreed and active",
                "kind": "changed",
            },
            "Status changed from Draft to Agreed and active",
        ),
        (
            {"section": "Action", "item": "Swim", "field": "When", "before": "Mondays", "after": "", "kind": "changed"},
            "Action 'Swim': When cleared (it was Mondays)",
        ),
        (
            {"section": "Contingency plan", "item": "Flare", "field": "", "before": "", "after": "", "kind": "removed"},
            "Removed contingency plan 'Flare'",
        ),
    ],
)
def test_changes_are_worded_for_people(change, words):
    assert describe_change(change) == words


def test_a_preparation_pack_already_used_is_not_brought_in_again(as_priya, staff, mary, plan):
    pack = PreparationPackFactory(person=mary, completed_at=timezone.now(), plan=plan)
    as_priya.post(f"/careplans/start/{mary.pk}", {"template": "none"})
    newest = CarePlan.objects.exclude(pk=plan.pk).get()
    assert newest.preparation_pack is None
    assert PreparationPack.objects.get(pk=pack.pk).plan == plan
