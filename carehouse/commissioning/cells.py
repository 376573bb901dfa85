"""Reading the precomputed figures for a commissioner: scoped to their area, then grouped.

``totals`` returns raw sums; every caller turns them into what is shown through
``carehouse.core.disclosure`` (the presenters do, and so does the board paper). A total is always
summed from the raw cells and rounded once, never added up from rounded parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.models import AggregateCell, AggregateRefresh, Grouping
from carehouse.core.actor import Actor
from carehouse.core.rules import require_permission

#: What a figure may be grouped by, and the column that holds it.
GROUPINGS = {
    "month": "month",
    "practice": "practice_id",
    "network": "practice__parent_id",
    "key": "key",
    "detail": "detail",
}


@dataclass(frozen=True)
class Totals:
    """One group's raw sums."""

    group: dict[str, Any]
    people: int
    improved: int
    value_sum: float
    value_sum_squares: float
    second_sum: float

    @property
    def mean(self) -> float | None:
        return self.value_sum / self.people if self.people else None


def scoped_cells(
    actor: Actor, measure: str, filters: Filters, *, whole_period: bool = False
) -> QuerySet[AggregateCell]:
    """The cells of one measure inside the commissioner's chosen area and period, for the one split chosen."""
    require_permission(actor, "commissioning.view_intelligence")
    cells = AggregateCell.objects.filter(measure=measure, practice__in=filters.practices(actor))
    if not whole_period:
        cells = cells.filter(month__gte=filters.start, month__lte=filters.end)
    if filters.age_band:
        return cells.filter(grouping=Grouping.AGE, age_band=filters.age_band)
    if filters.deprivation:
        return cells.filter(grouping=Grouping.DEPRIVATION, deprivation=filters.deprivation)
    if filters.condition is not None:
        return cells.filter(grouping=Grouping.CONDITION, condition=filters.condition)
    return cells.filter(grouping=Grouping.NONE)


def totals(
    actor: Actor,
    measure: str,
    filters: Filters,
    group_by: Sequence[str] = (),
    *,
    keys: Sequence[str] | None = None,
    where: Q | None = None,
    whole_period: bool = False,
) -> list[Totals]:
    """Raw sums of one measure grouped by ``group_by`` (names from ``GROUPINGS``)."""
    cells = scoped_cells(actor, measure, filters, whole_period=whole_period)
    if keys is not None:
        cells = cells.filter(key__in=list(keys))
    if where is not None:
        cells = cells.filter(where)
    sums = {
        "s_people": Sum("people"),
        "s_improved": Sum("improved"),
        "s_value": Sum("value_sum"),
        "s_squares": Sum("value_sum_squares"),
        "s_second": Sum("second_sum"),
    }
    if not group_by:
        row = cells.aggregate(**sums)
        return [_totals({}, row)]
    columns = {name: F(GROUPINGS[name]) for name in group_by}
    grouped = cells.annotate(**{f"g_{name}": expr for name, expr in columns.items()}).values(
        *[f"g_{name}" for name in group_by]
    )
    rows = grouped.annotate(**sums).order_by(*[f"g_{name}" for name in group_by])
    return [_totals({name: row[f"g_{name}"] for name in group_by}, row) for row in rows]


def _totals(group: dict[str, Any], row: dict[str, Any]) -> Totals:
    return Totals(
        group=group,
        people=row["s_people"] or 0,
        improved=row["s_improved"] or 0,
        value_sum=row["s_value"] or 0.0,
        value_sum_squares=row["s_squares"] or 0.0,
        second_sum=row["s_second"] or 0.0,
    )


def total(actor: Actor, measure: str, filters: Filters, **kwargs: Any) -> Totals:
    """One measure's raw sums over everything the filters select."""
    return totals(actor, measure, filters, (), **kwargs)[0]


def last_refresh() -> AggregateRefresh | None:
    return AggregateRefresh.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
