"""Reading care plans: every query here is scoped to what the actor may see, and audited.

A plan is visible to whoever may see its person (``carehouse.people.selectors.visible_people``):
staff in the person's care, the person themselves and a carer with consent. The person and
carers see plans once agreed (not drafts, nor entries made in error). A plan the actor may not
see is "not found" (404), never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from carehouse.careplans.models import (
    OPEN_STATUSES,
    REVIEWABLE_STATUSES,
    Action,
    CarePlan,
    Goal,
    PersonalHealthBudget,
    PlanNote,
    PlanRevision,
    PlanStatus,
    PreparationPack,
    Review,
)
from carehouse.careplans.services.plans import ITEM_KINDS
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.services import audit
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

#: What the person and their carers see: plans that have been agreed.
SHARED_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW, PlanStatus.COMPLETED)
#: How far ahead the caseload looks for reviews coming up.
DUE_SOON_DAYS = 28
CASELOAD_PAGE = 25


def visible_plans(actor: Actor | None) -> QuerySet[CarePlan]:
    if actor is None or actor.user is None:
        return CarePlan.objects.none()
    plans = CarePlan.objects.filter(person__in=visible_people(actor))
    if actor.role in (Role.PERSON, Role.CARER):
        plans = plans.filter(status__in=SHARED_STATUSES)
    return plans


def get_plan(actor: Actor | None, plan_id: int, *, purpose: str = "", audited: bool = True) -> CarePlan:
    """One plan, audited as a read; 404 when the actor may not see it."""
    plan = (
        visible_plans(actor)
        .select_related(
            "person",
            "person__registered_practice",
            "organisation",
            "key_worker__organisation",
            "review_owner__organisation",
            "lead",
        )
        .filter(pk=plan_id)
        .first()
    )
    if plan is None or actor is None:
        raise Http404("No care plan found")
    if audited:
        audit.record(
            actor, AuditAction.READ, obj=plan, person_id=plan.person_id, summary="Viewed care plan", purpose=purpose
        )
    return plan


def plans_for_person(actor: Actor, person: Person) -> list[CarePlan]:
    """The plans of a person the actor has already been allowed to see (via get_person)."""
    return list(visible_plans(actor).filter(person=person).select_related("lead").order_by("-created_at", "-pk"))


def get_item(plan: CarePlan, kind_name: str, item_id: int) -> models.Model:
    """An item of a plan the actor may see; 404 if it is not in this plan."""
    kind = ITEM_KINDS.get(kind_name)
    if kind is None:
        raise Http404("No such part of a plan")
    items = (
        kind.model._default_manager.filter(goal__plan=plan)
        if kind.parent == "goal"
        else kind.model._default_manager.filter(plan=plan)
    )
    item = items.filter(pk=item_id).first()
    if item is None:
        raise Http404("Not found in this plan")
    return item


def get_goal(plan: CarePlan, goal_id: int) -> Goal:
    goal = Goal.objects.filter(plan=plan, pk=goal_id).first()
    if goal is None:
        raise Http404("No such goal in this plan")
    return goal


def get_action(plan: CarePlan, action_id: int) -> Action:
    action = Action.objects.filter(goal__plan=plan, pk=action_id).select_related("goal").first()
    if action is None:
        raise Http404("No such action in this plan")
    return action


def plan_contents(plan: CarePlan) -> dict[str, list[models.Model]]:
    """Every section of a plan already read through ``get_plan``, in a few queries."""
    return {
        "strengths": list(plan.strengths.all()),
        "needs": list(plan.needs.all()),
        "goals": list(plan.goals.prefetch_related("needs", "stage_goals", "actions", "actions__referrals")),
        "contingency_plans": list(plan.contingency_plans.all()),
        "additional_plans": list(plan.additional_plans.all()),
    }


def revisions_of(plan: CarePlan) -> list[PlanRevision]:
    """The plan's revisions, newest first, without their snapshots (the history shows the changes)."""
    return list(PlanRevision.objects.filter(plan=plan).defer("snapshot").order_by("-number"))


def latest_revision(plan: CarePlan) -> PlanRevision | None:
    return PlanRevision.objects.filter(plan=plan).defer("snapshot").order_by("-number").first()


def budget_of(plan: CarePlan) -> PersonalHealthBudget | None:
    """The budget of a plan the caller has already been allowed to see (via get_plan)."""
    return PersonalHealthBudget.objects.filter(plan=plan).first()


def get_revision(plan: CarePlan, number: int) -> PlanRevision:
    revision = PlanRevision.objects.filter(plan=plan, number=number).first()
    if revision is None:
        raise Http404("No such revision")
    return revision


def notes_of(plan: CarePlan) -> list[PlanNote]:
    return list(PlanNote.objects.filter(plan=plan).select_related("goal", "action"))


def reviews_of(plan: CarePlan) -> list[Review]:
    return list(Review.objects.filter(plan=plan).select_related("started_by", "completed_by"))


def open_review(plan: CarePlan) -> Review | None:
    return Review.objects.filter(plan=plan, completed_at=None).first()


# Preparation packs -------------------------------------------------------------------------


def visible_packs(actor: Actor | None) -> QuerySet[PreparationPack]:
    if actor is None or actor.user is None:
        return PreparationPack.objects.none()
    if actor.role == Role.CARER:
        return PreparationPack.objects.none()
    return PreparationPack.objects.filter(person__in=visible_people(actor))


def get_pack(actor: Actor | None, pack_id: int, *, purpose: str = "") -> PreparationPack:
    pack = visible_packs(actor).select_related("person", "organisation", "created_by").filter(pk=pack_id).first()
    if pack is None or actor is None:
        raise Http404("No preparation pack found")
    audit.record(
        actor, AuditAction.READ, obj=pack, person_id=pack.person_id, summary="Viewed preparation pack", purpose=purpose
    )
    return pack


def packs_for_person(person: Person) -> list[PreparationPack]:
    """Packs of a person the caller may see (checked already), newest first."""
    return list(PreparationPack.objects.filter(person=person).order_by("-sent_at", "-pk"))


def latest_answered_pack(person: Person) -> PreparationPack | None:
    """The newest pack the person answered that no plan has used yet."""
    return (
        PreparationPack.objects.filter(person=person, plan=None)
        .exclude(completed_at=None)
        .order_by("-completed_at")
        .first()
    )


def my_packs(actor: Actor) -> list[PreparationPack]:
    """The signed-in person's own packs."""
    if actor.role != Role.PERSON:
        return []
    return list(visible_packs(actor).order_by("-sent_at", "-pk"))


# Caseload --------------------------------------------------------------------------------------


@dataclass
class Caseload:
    scope: str
    today: datetime.date
    overdue: list[CarePlan] = field(default_factory=list)
    overdue_count: int = 0
    due_soon: list[CarePlan] = field(default_factory=list)
    due_soon_count: int = 0
    drafts: list[CarePlan] = field(default_factory=list)
    drafts_count: int = 0
    invited: list[PreparationPack] = field(default_factory=list)
    invited_count: int = 0


def caseload(actor: Actor, *, scope: str = "mine", today: datetime.date | None = None) -> Caseload:
    """Plans due for review, overdue reviews, drafts, and people invited but without a plan.

    ``scope`` "mine" is the plans the actor leads and packs they sent; "organisation" is every
    plan held by, and pack sent from, the actor's organisation. Either way only people the actor
    may see. One audit event records whose records were listed.

    It reads in steps so that it stays fast with very many plans (``benchmarks/careplans_at_scale.py``):
    the ids of every plan and pack in each list, in order, straight from the caseload indexes; then,
    in one query, which of their people the actor may see; then the first page of each list. Asked
    for "the first 25 plans whose person the actor may see" in one query, PostgreSQL scanned every
    plan in the table (the visibility test looks costly per row to its planner, so it preferred a
    parallel scan in date order): 40 to 90 ms a list at 100,000 plans, against a few ms this way.
    """
    if actor.role not in CARE_ROLES or actor.organisation is None or actor.user is None:
        return Caseload(scope=scope, today=today or timezone.localdate())
    day = today or timezone.localdate()
    result = Caseload(scope=scope, today=day)
    plans = CarePlan.objects.all()
    packs = PreparationPack.objects.exclude(sent_at=None)
    if scope == "organisation":
        plans = plans.filter(organisation=actor.organisation)
        packs = packs.filter(organisation=actor.organisation)
    else:
        plans = plans.filter(lead=actor.user)
        packs = packs.filter(created_by=actor.user)
    reviewable = plans.filter(status__in=REVIEWABLE_STATUSES)
    soon_until = day + datetime.timedelta(DUE_SOON_DAYS)
    has_open_plan = CarePlan.objects.filter(person=OuterRef("person"), status__in=OPEN_STATUSES)
    lists: dict[str, QuerySet[Any]] = {
        "overdue": reviewable.filter(next_review_due__lt=day).order_by("next_review_due", "pk"),
        "due_soon": reviewable.filter(next_review_due__gte=day, next_review_due__lte=soon_until).order_by(
            "next_review_due", "pk"
        ),
        "drafts": plans.filter(status=PlanStatus.DRAFT).order_by("-updated_at", "-pk"),
        "invited": packs.filter(~Exists(has_open_plan)).order_by("sent_at", "pk"),
    }
    candidates = {name: list(rows.values_list("pk", "person_id")) for name, rows in lists.items()}
    their_people = {person_id for rows in candidates.values() for _, person_id in rows}
    seen = (
        set(visible_people(actor).filter(pk__in=their_people).order_by().values_list("pk", flat=True))
        if their_people
        else set()
    )
    shown = {name: [pk for pk, person_id in rows if person_id in seen] for name, rows in candidates.items()}
    first = {name: ids[:CASELOAD_PAGE] for name, ids in shown.items()}
    found_plans = CarePlan.objects.select_related("person").in_bulk(
        [*first["overdue"], *first["due_soon"], *first["drafts"]]
    )
    found_packs = PreparationPack.objects.select_related("person").in_bulk(first["invited"])
    result.overdue = [found_plans[pk] for pk in first["overdue"] if pk in found_plans]
    result.overdue_count = len(shown["overdue"])
    result.due_soon = [found_plans[pk] for pk in first["due_soon"] if pk in found_plans]
    result.due_soon_count = len(shown["due_soon"])
    result.drafts = [found_plans[pk] for pk in first["drafts"] if pk in found_plans]
    result.drafts_count = len(shown["drafts"])
    result.invited = [found_packs[pk] for pk in first["invited"] if pk in found_packs]
    result.invited_count = len(shown["invited"])
    listed = sorted(
        {p.person_id for p in (*result.overdue, *result.due_soon, *result.drafts)}
        | {p.person_id for p in result.invited}
    )
    audit.record(
        actor, AuditAction.SEARCH, summary="Viewed caseload", changes={"scope": scope, "people_listed": listed}
    )
    return result
