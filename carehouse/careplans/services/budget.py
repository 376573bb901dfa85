"""Personal health budgets: the indicative and agreed amounts, allocations, spending and the balance.

Money is ``Decimal`` to the penny. Allocations may not add up to more than the agreed budget.
Spending beyond the agreed budget is refused unless the overspend is confirmed with a reason.
Spending is history: an entry is never edited; a mistake is put right with a correcting entry
(a negative amount). Every change also writes a plan revision, so the budget's history is kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from carehouse.careplans.models import (
    Action,
    BudgetAllocation,
    BudgetSpend,
    CarePlan,
    PersonalHealthBudget,
)
from carehouse.careplans.revisions import BUDGET_FIELDS
from carehouse.careplans.services.plans import _check_open, _commit, _lock
from carehouse.core.actor import Actor
from carehouse.core.rules import require_permission

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")


class OverspendNotConfirmed(ValidationError):
    """The spend would take the total beyond the agreed budget and nobody confirmed it."""

    def __init__(self, message: str, *, over_by: Decimal) -> None:
        super().__init__({"confirm_overspend": message})
        self.over_by = over_by


def pounds(value: Decimal | float | int | None) -> Decimal:
    """A database total as pounds and pence.

    SQLite adds decimals as floating point (5.64 - 4.90 comes back as 0.7399999…), so every total
    read from the database is rounded to the penny before it is compared or shown.
    """
    return Decimal(str(value or 0)).quantize(PENNY)


def _total(rows: QuerySet[Any]) -> Decimal:
    return pounds(rows.aggregate(total=Sum("amount"))["total"])


def money(value: Decimal | None) -> str:
    """£1,234.50 (or £0.00); negative amounts as -£12.00."""
    amount = value or ZERO
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@dataclass(frozen=True)
class AllocationLine:
    allocation: BudgetAllocation
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.allocation.amount - self.spent


@dataclass(frozen=True)
class BudgetSummary:
    budget: PersonalHealthBudget
    agreed: Decimal
    allocated: Decimal
    spent: Decimal
    lines: list[AllocationLine]

    @property
    def balance(self) -> Decimal:
        """What is left of the agreed budget (negative when overspent)."""
        return self.agreed - self.spent

    @property
    def unallocated(self) -> Decimal:
        return self.agreed - self.allocated

    @property
    def overspent(self) -> bool:
        return self.spent > self.agreed


def summarise(budget: PersonalHealthBudget) -> BudgetSummary:
    allocations = list(budget.allocations.select_related("action"))
    spent_by_allocation = {
        row["allocation"]: pounds(row["total"])
        for row in BudgetSpend.objects.filter(budget=budget).values("allocation").annotate(total=Sum("amount"))
    }
    spent = sum(spent_by_allocation.values(), ZERO)
    allocated = sum((a.amount for a in allocations), ZERO)
    lines = [AllocationLine(a, spent_by_allocation.get(a.pk, ZERO)) for a in allocations]
    return BudgetSummary(
        budget=budget, agreed=budget.agreed_amount or ZERO, allocated=allocated, spent=spent, lines=lines
    )


def _amount(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(PENNY)
    except Exception as error:
        raise ValidationError({field: "Enter an amount in pounds and pence, like 120.50"}) from error
    if not allow_negative and amount < 0:
        raise ValidationError({field: "The amount must be £0 or more"})
    if abs(amount) >= Decimal("100000000"):
        raise ValidationError({field: "The amount must be less than £100,000,000"})
    return amount


def set_budget(actor: Actor, plan: CarePlan, data: dict[str, Any], *, expected_version: int) -> PersonalHealthBudget:
    """Create or change the budget: how it is held, indicative and agreed amounts, period, exclusions."""
    require_permission(actor, "careplans.manage_budget")
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        budget, created = PersonalHealthBudget.objects.select_for_update().get_or_create(plan=current)
        for name in BUDGET_FIELDS:
            if name not in data:
                continue
            value = data[name]
            if name in ("indicative_amount", "agreed_amount", "agreed_on", "period_start", "period_end"):
                # Amounts and dates may be left empty; text fields keep "" (they are never NULL).
                value = None if value in (None, "") else value
                if value is not None and name.endswith("_amount"):
                    value = _amount(value, name)
            elif value is None:
                value = ""
            setattr(budget, name, value)
        if budget.agreed_amount is not None:
            allocated = _total(budget.allocations.all())
            if allocated > budget.agreed_amount:
                raise ValidationError(
                    {
                        "agreed_amount": f"The agreed budget cannot be less than the {money(allocated)} "
                        "already allocated. Change the allocations first"
                    }
                )
        if budget.period_start and budget.period_end and budget.period_end < budget.period_start:
            raise ValidationError({"period_end": "The end of the budget period must be after its start"})
        budget.full_clean(exclude=["plan"])
        budget.version += 0 if created else 1
        budget.save()
        _commit(
            actor, current, "Set up the personal health budget" if created else "Changed the personal health budget"
        )
    return budget


def _budget_for(plan: CarePlan) -> PersonalHealthBudget:
    budget = PersonalHealthBudget.objects.select_for_update().filter(plan=plan).first()
    if budget is None:
        raise ValidationError("Set up the personal health budget first")
    return budget


def add_allocation(
    actor: Actor,
    plan: CarePlan,
    *,
    description: str,
    amount: Any,
    action: Action | None = None,
    expected_version: int,
) -> BudgetAllocation:
    """Set part of the agreed budget aside, usually for an action in the plan."""
    require_permission(actor, "careplans.manage_budget")
    value = _amount(amount, "amount")
    if value <= 0:
        raise ValidationError({"amount": "The amount must be more than £0"})
    if not description.strip():
        raise ValidationError({"description": "Enter what the money is for"})
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        budget = _budget_for(current)
        if budget.agreed_amount is None:
            raise ValidationError({"amount": "Enter the agreed budget before allocating it"})
        if action is not None and action.goal.plan_id != current.pk:
            raise ValidationError({"action": "Choose an action in this plan"})
        allocated = _total(budget.allocations.all())
        if allocated + value > budget.agreed_amount:
            raise ValidationError(
                {
                    "amount": f"Only {money(budget.agreed_amount - allocated)} of the agreed budget of "
                    f"{money(budget.agreed_amount)} is left to allocate"
                }
            )
        allocation = BudgetAllocation.objects.create(
            budget=budget, action=action, description=description.strip(), amount=value
        )
        _commit(actor, current, f"Allocated {money(value)} of the budget: {allocation.description}")
    return allocation


def record_spend(
    actor: Actor,
    plan: CarePlan,
    *,
    spent_on: datetime.date,
    payee: str,
    description: str,
    amount: Any,
    allocation: BudgetAllocation | None = None,
    confirm_overspend: bool = False,
    overspend_reason: str = "",
) -> BudgetSpend:
    """Record money spent from the budget; refuses to go beyond the agreed budget unless confirmed.

    Appending cannot overwrite anyone's work, so no version is needed; the budget row is locked
    so that two spends at once are checked against each other.
    """
    require_permission(actor, "careplans.manage_budget")
    value = _amount(amount, "amount", allow_negative=True)
    errors: dict[str, str] = {}
    if value == 0:
        errors["amount"] = "Enter an amount other than £0"
    if not payee.strip():
        errors["payee"] = "Enter who was paid"
    if not description.strip():
        errors["description"] = "Enter what the money was spent on"
    if spent_on > timezone.localdate():
        errors["spent_on"] = "The date of the spending must be today or in the past"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _lock(plan, None)
        _check_open(current)
        budget = _budget_for(current)
        if budget.agreed_amount is None:
            raise ValidationError({"amount": "Enter the agreed budget before recording spending"})
        if allocation is not None and allocation.budget_id != budget.pk:
            raise ValidationError({"allocation": "Choose an allocation from this budget"})
        spent = _total(BudgetSpend.objects.filter(budget=budget))
        if spent + value < 0:
            raise ValidationError(
                {"amount": f"A correction cannot take the total spent below £0 (spent: {money(spent)})"}
            )
        over_by = spent + value - budget.agreed_amount
        if value > 0 and over_by > 0:
            if not confirm_overspend:
                raise OverspendNotConfirmed(
                    f"This would take spending to {money(spent + value)}, which is {money(over_by)} over the "
                    f"agreed budget of {money(budget.agreed_amount)}. Confirm the overspend and give a reason "
                    "to record it",
                    over_by=over_by,
                )
            if not overspend_reason.strip():
                raise ValidationError({"overspend_reason": "Enter why the agreed budget is being overspent"})
        entry = BudgetSpend.objects.create(
            budget=budget,
            allocation=allocation,
            spent_on=spent_on,
            payee=payee.strip(),
            description=description.strip(),
            amount=value,
            overspend_confirmed=value > 0 and over_by > 0,
            overspend_reason=overspend_reason.strip() if over_by > 0 else "",
            recorded_by=actor.user,
            recorded_at=timezone.now(),
        )
        what = "Corrected spending" if value < 0 else "Recorded spending"
        _commit(actor, current, f"{what}: {money(value)} to {entry.payee}")
    return entry
