"""The person's own view of their plan: plain language, progress and notes, and nothing else changed.

Carers with the person's consent read the same plan; without consent it is not found.
"""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from carehouse.careplans.models import (
    Action,
    ActionStatus,
    Goal,
    PlanNote,
    PlanRevision,
    PlanStatus,
)
from carehouse.careplans.presenters import format_date
from carehouse.careplans.services import budget
from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import in_days
from carehouse.careplans.tests.factories import PreparationPackFactory
from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.people.models import ConsentPurpose
from carehouse.people.tests.factories import (
    ConsentFactory,
    PersonalContactFactory,
    PersonFactory,
)


@pytest.fixture
def plan(agreed_plan):
    return agreed_plan


def goal_of(plan) -> Goal:
    return Goal.objects.get(plan=plan)


def action_of(plan) -> Action:
    return Action.objects.get(goal__plan=plan)


def mark_action(client, plan, status):
    """Post the progress form of the plan's action, as the person's view does."""
    action = action_of(plan)
    return client.post(f"/careplans/{plan.pk}/actions/{action.pk}/progress", {f"action-{action.pk}-status": status})


def mark_goal(client, plan, achievement):
    goal = goal_of(plan)
    return client.post(f"/careplans/{plan.pk}/goals/{goal.pk}/progress", {f"goal-{goal.pk}-achievement": achievement})


# Reading -------------------------------------------------------------------------------------------


def test_the_person_sees_their_agreed_plan_in_plain_language(as_mary, plan):
    response = as_mary.get(f"/careplans/{plan.pk}/view")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>My care and support plan - Carehouse</title>" in html
    for heading in ("What matters to me", "My goals", "What I will do and who will help", "If things get worse"):
        assert f">{heading}</h2>" in html
    assert f"My review: {format_date(plan.next_review_due)} with Priya Shah</h2>" in html
    assert "You agreed this plan with Priya Practitioner on" in html
    assert "My grandson Sam and my garden" in html
    assert "Goal 1: Walk to the park with my grandson" in html
    assert "Why it matters to me" in html
    assert "Walk to the end of the road every morning" in html
    assert "A chest infection" in html
    # The person marks progress and adds notes; there is no way here to change a professional's wording.
    assert f'action="/careplans/{plan.pk}/goals/{goal_of(plan).pk}/progress"' in html
    assert f'action="/careplans/{plan.pk}/actions/{action_of(plan).pk}/progress"' in html
    assert f'action="/careplans/{plan.pk}/notes/add"' in html
    assert f"/careplans/{plan.pk}/goal/" not in html
    # Each button says what it saves, for screen readers (and the markup is not escaped into view).
    assert '<span class="nhsuk-u-visually-hidden"> how goal 1 is going</span>' in html
    assert "where you are with: Walk to the end of the road every morning</span>" in html
    assert "&lt;span" not in html
    assert f'href="/careplans/{plan.pk}/about-me"' in html


def test_reading_the_plan_is_audited(as_mary, plan, mary):
    before = AuditEvent.objects.filter(action="read", object_type="careplans.CarePlan").count()
    as_mary.get(f"/careplans/{plan.pk}/view")
    event = AuditEvent.objects.filter(action="read", object_type="careplans.CarePlan").order_by("-sequence").first()
    assert AuditEvent.objects.filter(action="read", object_type="careplans.CarePlan").count() == before + 1
    assert event.object_id == str(plan.pk)
    assert event.person_id == mary.pk
    assert event.actor_role == "person"
    assert event.actor_email == "mary@example.org"


def test_drafts_are_not_shown_to_the_person(as_mary, staff, mary, plan):
    draft = services.start_plan(staff, mary, title="Next year's plan")
    assert as_mary.get(f"/careplans/{draft.pk}/view").status_code == 404
    assert as_mary.get(f"/careplans/{draft.pk}/print").status_code == 404


def test_my_care_plan_goes_straight_to_the_one_open_plan(as_mary, plan):
    response = as_mary.get("/careplans/mine")
    assert response.status_code == 302
    assert response["Location"] == f"/careplans/{plan.pk}/view"


def test_my_care_plan_and_the_view_show_a_pack_waiting_for_answers(as_mary, mary, plan):
    pack = PreparationPackFactory(person=mary, conversation_on=in_days(10), sent_at=timezone.now())
    listing = as_mary.get("/careplans/mine")
    assert listing.status_code == 200
    link = f'href="/careplans/preparation/{pack.pk}"'
    assert link in listing.content.decode()
    assert f"Get ready for your appointment on {format_date(pack.conversation_on)}" in listing.content.decode()
    assert link in as_mary.get(f"/careplans/{plan.pk}/view").content.decode()


def test_the_navigation_offers_my_care_plan_to_the_person(as_mary, plan):
    html = as_mary.get(f"/careplans/{plan.pk}/view").content.decode()
    assert 'href="/careplans/mine"' in html
    assert "My care plan" in html


def test_another_practice_cannot_see_the_plan(client, signed_in, omar, plan):
    signed_in(client, omar)
    assert client.get(f"/careplans/{plan.pk}/view").status_code == 404


def test_the_person_sees_a_read_only_summary_of_their_budget(as_mary, staff, plan):
    budget.set_budget(staff, plan, {"agreed_amount": "1200.00"}, expected_version=plan.version)
    plan.refresh_from_db()
    budget.record_spend(
        staff, plan, spent_on=timezone.localdate(), payee="Walking group", description="Membership", amount="200"
    )
    html = as_mary.get(f"/careplans/{plan.pk}/view").content.decode()
    assert "My personal health budget" in html
    assert "£1,200.00" in html
    assert "£1,000.00" in html  # left to spend
    assert f"/careplans/{plan.pk}/budget/spend" not in html


# Progress and notes ------------------------------------------------------------------------------


def test_the_person_marks_an_action_done(as_mary, plan):
    action = action_of(plan)
    revisions = PlanRevision.objects.filter(plan=plan).count()
    response = mark_action(as_mary, plan, ActionStatus.COMPLETED)
    assert response.status_code == 302
    assert response["Location"] == f"/careplans/{plan.pk}/view#action-{action.pk}"
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert action.what == "Walk to the end of the road every morning"
    assert PlanRevision.objects.filter(plan=plan).count() == revisions + 1
    revision = PlanRevision.objects.filter(plan=plan).order_by("-number").first()
    assert revision.summary == "Progress on an action: Done"
    assert revision.saved_by_role == "person"
    assert "Saved: done." in as_mary.get(response["Location"]).content.decode()


def test_the_person_says_how_a_goal_is_going(as_mary, plan):
    goal = goal_of(plan)
    response = mark_goal(as_mary, plan, "improving")
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.achievement == "improving"
    assert goal.text == "Walk to the park with my grandson"


def test_an_unknown_progress_choice_is_refused_and_changes_nothing(as_mary, plan):
    action = action_of(plan)
    revisions = PlanRevision.objects.filter(plan=plan).count()
    response = mark_action(as_mary, plan, "x")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select how this is going" in html
    assert f'href="#id_action-{action.pk}-status"' in html
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED
    assert PlanRevision.objects.filter(plan=plan).count() == revisions


def test_the_person_adds_a_note_about_an_action(as_mary, plan):
    action = action_of(plan)
    response = as_mary.post(
        f"/careplans/{plan.pk}/notes/add",
        {"note-text": "Managed it four mornings this week", "note-about": f"action-{action.pk}"},
    )
    assert response.status_code == 302
    note = PlanNote.objects.get(plan=plan)
    assert note.text == "Managed it four mornings this week"
    assert note.action == action
    assert note.written_by_role == "person"
    page = as_mary.get(f"/careplans/{plan.pk}/view").content.decode()
    assert "Managed it four mornings this week" in page
    assert AuditEvent.objects.filter(action="create", object_type="careplans.PlanNote").exists()


def test_an_empty_note_is_refused_with_the_typing_kept(as_mary, plan):
    response = as_mary.post(f"/careplans/{plan.pk}/notes/add", {"note-text": "   ", "note-about": "plan"})
    assert response.status_code == 400
    assert "Enter your note" in response.content.decode()
    assert not PlanNote.objects.filter(plan=plan).exists()


def test_the_person_cannot_change_a_professionals_wording(as_mary, plan):
    """The staff edit page for a goal refuses the person (403), and the goal is unchanged."""
    goal = goal_of(plan)
    plan.refresh_from_db()
    revisions = PlanRevision.objects.filter(plan=plan).count()
    response = as_mary.post(
        f"/careplans/{plan.pk}/goal/{goal.pk}", {"text": "Something else entirely", "version": str(plan.version)}
    )
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.text == "Walk to the park with my grandson"
    assert PlanRevision.objects.filter(plan=plan).count() == revisions


def test_the_person_cannot_mark_progress_on_someone_elses_plan(client, staff, practice, plan):
    other_user = UserFactory(email="other@example.org")
    PersonFactory(registered_practice=practice, user=other_user)
    sign_in(client, other_user, role=Role.PERSON)
    action = action_of(plan)
    response = mark_action(client, plan, ActionStatus.COMPLETED)
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED


def test_a_completed_plan_is_read_only_for_the_person(as_mary, staff, plan):
    plan.refresh_from_db()
    services.end_plan(staff, plan, PlanStatus.COMPLETED, reason="Goals met", expected_version=plan.version)
    html = as_mary.get(f"/careplans/{plan.pk}/view").content.decode()
    assert "You can read it but not change it" in html
    assert "/progress" not in html
    action = action_of(plan)
    response = mark_action(as_mary, plan, ActionStatus.COMPLETED)
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED


# Carers ---------------------------------------------------------------------------------------------


def test_a_carer_with_consent_reads_the_plan_about_the_person(as_carer, plan):
    response = as_carer.get(f"/careplans/{plan.pk}/view")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Mary's care and support plan" in html
    assert "Mary's goals" in html
    assert "What Mary will do and who will help" in html
    assert "Walk to the park with my grandson" in html
    assert "because they agreed that you may" in html
    assert "/progress" not in html
    assert "/notes/add" not in html


def test_a_carer_reaches_the_plans_from_their_list(as_carer, plan):
    response = as_carer.get("/careplans/mine")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/careplans/{plan.pk}/view"' in html
    assert "Mary Seacole" in html


def test_a_carer_cannot_change_anything(as_carer, plan):
    action = action_of(plan)
    goal = goal_of(plan)
    revisions = PlanRevision.objects.filter(plan=plan).count()
    refused = [
        mark_action(as_carer, plan, "completed"),
        mark_goal(as_carer, plan, "achieved"),
        as_carer.post(f"/careplans/{plan.pk}/notes/add", {"note-text": "Hello", "note-about": "plan"}),
        as_carer.post(f"/careplans/{plan.pk}/goal/{goal.pk}", {"text": "Changed"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    action.refresh_from_db()
    goal.refresh_from_db()
    assert action.status == ActionStatus.NOT_STARTED
    assert goal.achievement == "in-progress"
    assert goal.text == "Walk to the park with my grandson"
    assert not PlanNote.objects.exists()
    assert PlanRevision.objects.filter(plan=plan).count() == revisions


def test_a_carer_without_consent_gets_not_found(client, carer_user, carer_contact, plan):
    # A carer of someone else, so that they can sign in as a carer at all.
    other = PersonFactory(registered_practice=plan.organisation)
    other_contact = PersonalContactFactory(person=other, user=carer_user)
    ConsentFactory(person=other, purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts=[other_contact])
    sign_in(client, carer_user, role=Role.CARER)
    assert client.get(f"/careplans/{plan.pk}/view").status_code == 404
    assert client.get(f"/careplans/{plan.pk}/print").status_code == 404
    assert f"/careplans/{plan.pk}/view" not in client.get("/careplans/mine").content.decode()


def test_a_carer_listing_plans_is_audited(as_carer, plan, mary):
    as_carer.get("/careplans/mine")
    event = AuditEvent.objects.filter(summary="Listed care plans of someone they care for").get()
    assert event.person_id == mary.pk
    assert event.actor_role == "carer"


def test_money_in_the_person_view_uses_pounds_and_pence(as_mary, staff, plan):
    budget.set_budget(staff, plan, {"agreed_amount": Decimal("99.5")}, expected_version=plan.version)
    assert "£99.50" in as_mary.get(f"/careplans/{plan.pk}/view").content.decode()
