"""The demo's care plans: built through the services, visible to the right people, and a caseload worth showing."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from carehouse.careplans import selectors
from carehouse.careplans.models import (
    ActionStatus,
    CarePlan,
    PlanRevision,
    PlanStatus,
    PreparationPack,
    StageGoal,
)
from carehouse.careplans.services.budget import summarise
from carehouse.core import demo_data
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, User
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.people.models import Person


@pytest.fixture
def seeded(db) -> demo_data.DemoSummary:
    return demo_data.seed(people=30, seed_value=1)


def person_actor() -> Actor:
    return Actor(user=User.objects.get(email="person@example.org"), role=Role.PERSON)


def carer_actor() -> Actor:
    return Actor(user=User.objects.get(email="carer@example.org"), role=Role.CARER)


def staff_actor(email: str) -> Actor:
    return Actor.for_membership(Membership.objects.get(user__email=email))


def test_the_demo_person_has_an_agreed_plan_with_every_section(seeded):
    me = Person.objects.get(user__email="person@example.org")
    plans = list(selectors.visible_plans(person_actor()))
    assert [p.person_id for p in plans] == [me.pk]
    plan = plans[0]
    assert plan.status == PlanStatus.ACTIVE
    assert plan.template == "diabetes"
    assert all(getattr(plan, name) for name in CarePlan.ABOUT_ME_FIELDS)
    assert plan.key_worker is not None and plan.key_worker.person_id == me.pk
    assert plan.next_review_due is not None and plan.next_review_due > timezone.localdate()
    # The five criteria are all met.
    assert plan.involved_person and plan.shared_with_person and plan.goals_in_own_words
    assert plan.actions_agreed and plan.review_date_set

    contents = selectors.plan_contents(plan)
    assert len(contents["strengths"]) >= 2 and len(contents["needs"]) >= 2
    goals = contents["goals"]
    assert len(goals) == 2 and all(g.in_own_words for g in goals)
    statuses = [a.status for g in goals for a in g.actions.all()]
    assert statuses.count(ActionStatus.COMPLETED) == 1 and len(statuses) >= 3
    assert contents["contingency_plans"][0].triggers

    budget = summarise(plan.budget)
    assert budget.agreed > 0 and len(budget.lines) == 2 and 0 < budget.spent < budget.allocated

    pack = PreparationPack.objects.get(plan=plan)
    assert pack.template == "diabetes" and pack.completed_at is not None and any(pack.answers)
    assert "HbA1c" in [r["name"] for r in pack.results]


def test_the_demo_carer_sees_the_same_plan(seeded):
    mine = list(selectors.visible_plans(person_actor()).values_list("pk", flat=True))
    assert mine
    assert list(selectors.visible_plans(carer_actor()).values_list("pk", flat=True)) == mine


def test_every_plan_was_written_through_the_services(seeded):
    plans = list(CarePlan.objects.all())
    assert len(plans) >= 10
    for plan in plans:
        numbers = list(PlanRevision.objects.filter(plan=plan).order_by("number").values_list("number", flat=True))
        assert numbers == list(range(1, plan.version + 1)), plan
        assert AuditEvent.objects.filter(object_type="careplans.CarePlan", object_id=str(plan.pk)).count() >= len(
            numbers
        )
    assert audit.verify().ok


def test_the_practitioners_caseload_has_something_in_every_list(seeded):
    priya = staff_actor("practitioner@example.org")
    today = timezone.localdate()
    mine = selectors.caseload(priya)
    assert mine.overdue and all(p.next_review_due is not None and p.next_review_due < today for p in mine.overdue)
    assert mine.due_soon and all(
        p.next_review_due and 0 <= (p.next_review_due - today).days <= 28 for p in mine.due_soon
    )
    assert mine.drafts and all(p.status == PlanStatus.DRAFT for p in mine.drafts)
    assert mine.invited and all(not p.person.care_plans.exists() for p in mine.invited)
    statuses = set(CarePlan.objects.filter(lead=priya.user).values_list("status", flat=True))
    assert {PlanStatus.UNDER_REVIEW, PlanStatus.COMPLETED} <= statuses


def test_the_link_worker_has_a_recovery_plan_in_three_stages(seeded):
    plan = CarePlan.objects.get(template="mental_health_recovery")
    assert plan.lead.email == "linkworker@example.org"
    assert plan in selectors.visible_plans(staff_actor("linkworker@example.org"))
    stages = list(StageGoal.objects.filter(goal__plan=plan).values_list("stage", flat=True))
    assert stages == ["Emotional support", "Aspirations", "Barriers"]


class _RollBack(Exception):
    pass


def plans_built(seed_value: int) -> list[tuple[object, ...]]:
    try:
        with transaction.atomic():
            demo_data.seed(people=30, seed_value=seed_value)
            built = list(
                CarePlan.objects.order_by("person__nhs_number").values_list(
                    "person__nhs_number", "status", "template", "next_review_due", "lead__email", "version"
                )
            )
            raise _RollBack
    except _RollBack:
        pass
    return built


def test_the_same_seed_builds_the_same_plans(db):
    first = plans_built(1)
    assert first and first == plans_built(1)
