"""Reads for the person's own pages, the budget pages and the printable plan.

Built on ``carehouse.careplans.selectors`` (which scope every query to the actor): this module
only narrows those scoped querysets, and writes the audit events these pages need (a carer's
list of plans, the export of a plan as a PDF).
"""

from __future__ import annotations

from dataclasses import dataclass

from carehouse.careplans.models import (
    Action,
    BudgetSpend,
    CarePlan,
    PersonalHealthBudget,
    PlanStatus,
    PreparationPack,
)
from carehouse.careplans.selectors import my_packs, visible_plans
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit

#: The plans that count as "the plan" the person is working to now.
CURRENT_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW)


@dataclass(frozen=True)
class PersonPlans:
    """One person's plans, as the person or one of their carers may see them."""

    name: str
    plans: list[CarePlan]


def shared_plans(actor: Actor) -> list[PersonPlans]:
    """The plans the person (their own) or a carer (of each person they care for) may see, newest first.

    Only agreed plans: drafts are never shared. A carer listing other people's plans is audited,
    one event per person listed, as ``people.selectors.list_cared_for`` does for their records.
    """
    if actor.role not in (Role.PERSON, Role.CARER):
        return []
    plans = list(visible_plans(actor).select_related("person").order_by("person_id", "-created_at", "-pk"))
    grouped: dict[int, PersonPlans] = {}
    for plan in plans:
        group = grouped.setdefault(plan.person_id, PersonPlans(plan.person.full_name, []))
        group.plans.append(plan)
    if actor.role == Role.CARER:
        for person_id, group in grouped.items():
            audit.record(
                actor,
                AuditAction.READ,
                person_id=person_id,
                summary="Listed care plans of someone they care for",
                changes={"plans": [p.pk for p in group.plans]},
            )
    return sorted(grouped.values(), key=lambda g: g.name)


def unanswered_packs(actor: Actor) -> list[PreparationPack]:
    """The person's preparation packs still waiting for their answers, soonest conversation first."""
    packs = [pack for pack in my_packs(actor) if pack.completed_at is None and pack.plan_id is None]
    return sorted(packs, key=lambda p: (p.conversation_on is None, p.conversation_on, p.pk))


def actions_of(plan: CarePlan) -> list[Action]:
    """The actions of a plan already read through ``selectors.get_plan``, in the plan's order."""
    return list(
        Action.objects.filter(goal__plan=plan)
        .select_related("goal")
        .order_by("goal__position", "goal_id", "position", "pk")
    )


def spends_of(budget: PersonalHealthBudget) -> list[BudgetSpend]:
    """Spending from a budget already read through its plan, oldest first."""
    return list(BudgetSpend.objects.filter(budget=budget).select_related("allocation").order_by("spent_on", "pk"))


def record_export(actor: Actor, plan: CarePlan, *, file_format: str, purpose: str = "") -> None:
    """A plan leaving Carehouse as a file is an export, not just a read: the audit log says so."""
    audit.record(
        actor,
        AuditAction.EXPORT,
        obj=plan,
        person_id=plan.person_id,
        summary=f"Exported the care plan as {file_format.upper()}",
        changes={"format": file_format, "version": plan.version},
        purpose=purpose,
    )
