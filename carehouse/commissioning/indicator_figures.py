"""Raw numerators and denominators of the measurement hierarchy's indicators, read from the cells.

Raw: everything here goes through ``carehouse.core.disclosure`` before anyone sees it (the
presenters do that). Each indicator says how its monthly cells add up (``Combine``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carehouse.commissioning import cells
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.facts.indicators import PROVIDER_MEASURE
from carehouse.commissioning.indicators import Combine, Indicator
from carehouse.core.actor import Actor

Group = tuple[Any, ...]


@dataclass(frozen=True)
class Figure:
    """One indicator's raw figures for one group: numerator, denominator and (for means) the summed values."""

    numerator: int
    denominator: int
    value_sum: float = 0.0

    @property
    def fraction(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def mean(self) -> float | None:
        return self.value_sum / self.denominator if self.denominator else None


def _usable(indicator: Indicator, filters: Filters) -> bool:
    """Practice-level indicators (plan coverage) cannot be cut by age, deprivation or condition."""
    if indicator.combine != Combine.STOCK:
        return True
    return not (filters.age_band or filters.deprivation or filters.condition is not None)


def _key_of(group: dict[str, Any], group_by: Sequence[str]) -> Group:
    return tuple(group[name] for name in group_by)


def figures(actor: Actor, indicator: Indicator, filters: Filters, group_by: Sequence[str] = ()) -> dict[Group, Figure]:
    """The indicator's raw figures for each group (by ``cells.GROUPINGS`` names), over the filters' period."""
    if not _usable(indicator, filters):
        return {}
    keys = [indicator.key] if indicator.measure == "indicator" else None
    group_by = list(group_by)
    if indicator.combine == Combine.STOCK and "month" not in group_by:
        rows = cells.totals(actor, indicator.measure, filters, [*group_by, "month"], keys=keys)
        latest: dict[Group, tuple[datetime.date, Figure]] = {}
        for row in rows:
            group = _key_of(row.group, group_by)
            if not (row.people or row.improved):
                continue
            month = row.group["month"]
            if group not in latest or latest[group][0] < month:
                latest[group] = (month, Figure(row.improved, row.people, row.value_sum))
        # A total over several practices adds each practice's latest month.
        if group_by and "practice" in group_by:
            return {group: figure for group, (_month, figure) in latest.items()}
        by_practice = cells.totals(actor, indicator.measure, filters, [*group_by, "practice", "month"], keys=keys)
        newest: dict[tuple[Group, Any], tuple[datetime.date, Figure]] = {}
        for row in by_practice:
            if not (row.people or row.improved):
                continue
            place = (_key_of(row.group, group_by), row.group["practice"])
            month = row.group["month"]
            if place not in newest or newest[place][0] < month:
                newest[place] = (month, Figure(row.improved, row.people))
        summed: dict[Group, Figure] = {}
        for (group, _practice), (_month, latest_figure) in newest.items():
            before = summed.get(group, Figure(0, 0))
            summed[group] = Figure(
                before.numerator + latest_figure.numerator, before.denominator + latest_figure.denominator
            )
        return summed
    rows = cells.totals(actor, indicator.measure, filters, group_by, keys=keys)
    found = {_key_of(row.group, group_by): Figure(row.improved, row.people, row.value_sum) for row in rows}
    if indicator.combine == Combine.RATE:
        list_group = [name for name in group_by if name != "month"]
        sizes = {
            _key_of(row.group, list_group): row.people
            for row in cells.totals(
                actor, indicator.measure, filters, list_group, keys=[indicator.denominator_key], whole_period=True
            )
        }
        found = {
            group: Figure(
                figure.numerator,
                sizes.get(tuple(value for name, value in zip(group_by, group, strict=True) if name != "month"), 0),
            )
            for group, figure in found.items()
        }
    return found


def figure(actor: Actor, indicator: Indicator, filters: Filters) -> Figure:
    """The indicator's raw figures over everything the filters select."""
    return figures(actor, indicator, filters).get((), Figure(0, 0))


def provider_figures(actor: Actor, indicator: Indicator, filters: Filters) -> dict[str, Figure]:
    """Raw figures by receiving directory organisation, for referrals from the commissioner's practices."""
    if not indicator.by_provider:
        return {}
    rows = cells.totals(actor, PROVIDER_MEASURE, filters, ["detail"], keys=[indicator.key])
    return {str(row.group["detail"]): Figure(row.improved, row.people, row.value_sum) for row in rows}
