"""The plan's lifecycle as an explicit state machine.

draft → active (agreed) → under review → active … → completed / stopped (revoked) / entered in
error. A plan cannot become active until someone has agreed it with the person and a review
date is set (NHS England's fifth criterion; PRSB's planned review date).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from carehouse.careplans.models import CarePlan, PlanStatus

S = PlanStatus

#: (from, to) pairs the lifecycle allows.
TRANSITIONS: frozenset[tuple[PlanStatus, PlanStatus]] = frozenset(
    {
        (S.DRAFT, S.ACTIVE),
        (S.DRAFT, S.REVOKED),
        (S.DRAFT, S.ENTERED_IN_ERROR),
        (S.ACTIVE, S.UNDER_REVIEW),
        (S.ACTIVE, S.COMPLETED),
        (S.ACTIVE, S.REVOKED),
        (S.ACTIVE, S.ENTERED_IN_ERROR),
        (S.UNDER_REVIEW, S.ACTIVE),
        (S.UNDER_REVIEW, S.COMPLETED),
        (S.UNDER_REVIEW, S.REVOKED),
        (S.UNDER_REVIEW, S.ENTERED_IN_ERROR),
    }
)

#: The ways a plan can end, in the order the page offers them.
ENDINGS = (S.COMPLETED, S.REVOKED, S.ENTERED_IN_ERROR)


def can_move(current: str, target: str) -> bool:
    return (PlanStatus(current), PlanStatus(target)) in TRANSITIONS


def check_move(plan: CarePlan, target: PlanStatus) -> None:
    """Raise ``ValidationError`` naming the problem when the plan may not move to ``target``."""
    if plan.status == target:
        raise ValidationError(f"This plan is already {target.label.lower()}")
    if not can_move(plan.status, target):
        raise ValidationError(
            f"A plan that is {plan.get_status_display().lower()} cannot be made {target.label.lower()}"
        )
    if target == S.ACTIVE:
        check_ready_to_agree(plan.agreed_with, plan.next_review_due)


def check_ready_to_agree(agreed_with: str, next_review_due: datetime.date | None) -> None:
    errors: dict[str, str] = {}
    if not agreed_with:
        errors["agreed_with"] = "Select who the plan was agreed with before you make it active"
    if next_review_due is None:
        errors["next_review_due"] = "Enter the date the plan will be reviewed before you make it active"
    elif next_review_due < timezone.localdate():
        errors["next_review_due"] = "The review date must be today or in the future"
    if errors:
        raise ValidationError(errors)
