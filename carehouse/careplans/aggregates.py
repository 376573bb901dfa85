"""The five criteria for a personalised care and support plan, counted for commissioners.

NHS England's five criteria (the person was involved, the plan is shared, goals are in the
person's words, actions are agreed, a review date is set) are kept as flags on every plan as
it is saved. Commissioners see them only as disclosure-controlled counts of agreed plans held
at practices and networks within their organisation: never a plan, never a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q

from carehouse.careplans.models import REVIEWABLE_STATUSES, CarePlan
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SafeCount, safe_count, safe_percentage
from carehouse.core.rules import require_permission
from carehouse.people.aggregates import organisations_within

CRITERIA = (
    ("involved_person", "The person was involved in making the plan"),
    ("shared_with_person", "The person has a copy of their plan"),
    ("goals_in_own_words", "Goals are in the person's own words"),
    ("actions_agreed", "Actions are agreed"),
    ("review_date_set", "A review date is set"),
)


@dataclass(frozen=True)
class CriterionCount:
    label: str
    plans: SafeCount
    percentage: str


@dataclass(frozen=True)
class PlanQuality:
    agreed_plans: SafeCount
    all_five: CriterionCount
    criteria: list[CriterionCount]


def five_criteria(actor: Actor) -> PlanQuality:
    """Agreed plans (active or under review) held within the commissioner's organisation, by criterion."""
    require_permission(actor, "careplans.view_plan_aggregates")
    if actor.organisation is None:
        raise PermissionDenied("careplans.view_plan_aggregates")
    holders = organisations_within(actor.organisation)
    plans = CarePlan.objects.filter(organisation__in=holders, status__in=REVIEWABLE_STATUSES)
    all_five = Q(**{name: True for name, _ in CRITERIA})
    counts = plans.aggregate(
        total=Count("pk"),
        all_five=Count("pk", filter=all_five),
        **{name: Count("pk", filter=Q(**{name: True})) for name, _ in CRITERIA},
    )
    total = counts["total"]
    rows = [
        CriterionCount(label, safe_count(counts[name]), safe_percentage(counts[name], total))
        for name, label in CRITERIA
    ]
    return PlanQuality(
        agreed_plans=safe_count(total),
        all_five=CriterionCount(
            "Meets all five criteria", safe_count(counts["all_five"]), safe_percentage(counts["all_five"], total)
        ),
        criteria=rows,
    )
