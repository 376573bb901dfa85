"""What the "How care is delivered" and "Measurement hierarchy" pages show: process indicators, disclosure-controlled.

Every figure shown is made from raw numerators and denominators by ``carehouse.core.disclosure``:
counts rounded to 5 (1 to 7 shown as *), percentages from the rounded parts, averages only over 8
or more, and no area broken down when fewer than 8 people are in its denominator.
"""

from __future__ import annotations

from dataclasses import dataclass

from carehouse.commissioning import charts
from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.dimensions import Filters, add_months, areas_for
from carehouse.commissioning.indicator_figures import Figure, figures
from carehouse.commissioning.indicators import (
    INDICATORS,
    PROCESS,
    PURPOSE_LABELS,
    TIER_LABELS,
    Indicator,
    Tier,
)
from carehouse.commissioning.models import HierarchyEntry
from carehouse.core.actor import Actor
from carehouse.core.disclosure import (
    SUPPRESSED,
    breakdown_allowed,
    safe_count,
    safe_mean,
    safe_percentage,
    safe_rate,
)

NO_BREAKDOWN = "Too few to show"
TREND_MONTHS = 6


def shown(indicator: Indicator, figure: Figure) -> str:
    """The indicator's value as printed: a percentage from rounded parts, or an average over 8 or more."""
    if indicator.is_mean:
        return f"{safe_mean(figure.value_sum, figure.denominator)}"
    if figure.denominator == 0:
        return "No data"
    return safe_percentage(figure.numerator, figure.denominator)


def plotted(indicator: Indicator, figure: Figure) -> float | None:
    """The value a chart draws (None when suppressed): a percentage or an average."""
    if indicator.is_mean:
        if not breakdown_allowed(figure.denominator):
            return None
        return figure.value_sum / figure.denominator
    rate = safe_rate(figure.numerator, figure.denominator)
    return None if rate is None else 100 * rate


def unit(indicator: Indicator) -> str:
    return f"Average ({indicator.mean_unit})" if indicator.is_mean else "Percentage"


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    numerator: str
    denominator: str
    value: str


@dataclass(frozen=True)
class ProcessPage:
    rows: list[IndicatorRow]
    chosen: Indicator
    choices: list[tuple[str, str]]
    area_head: list[str]
    area_rows: list[list[str]]
    area_chart: charts.BarChart
    trend_head: list[str]
    trend_rows: list[list[str]]
    trend_chart: charts.LineChart
    note: str

    @property
    def summary_rows(self) -> list[list[str]]:
        return [[row.indicator.name, row.numerator or "-", row.denominator, row.value] for row in self.rows]


def _row(indicator: Indicator, figure: Figure) -> IndicatorRow:
    numerator = "" if indicator.is_mean else str(safe_count(figure.numerator))
    return IndicatorRow(indicator, numerator, str(safe_count(figure.denominator)), shown(indicator, figure))


def _names(actor: Actor) -> dict[int, str]:
    return {org.pk: org.name for org in areas_for(actor)}


def process_page(actor: Actor, filters: Filters, chosen_key: str = "") -> ProcessPage:
    """Every process indicator for the filters, and the chosen one by area and month."""
    rows = [_row(indicator, figures(actor, indicator, filters).get((), Figure(0, 0))) for indicator in PROCESS]
    chosen = next((i for i in PROCESS if i.key == chosen_key), PROCESS[0])
    names = _names(actor)
    area_rows: list[list[str]] = []
    bars: list[tuple[str, float | None, str]] = []
    for grouping, kind in (("network", "Network"), ("practice", "Practice")):
        for (org_id,), found in sorted(
            figures(actor, chosen, filters, [grouping]).items(), key=lambda item: names.get(item[0][0], "")
        ):
            label = f"{names.get(org_id, 'Not known')} ({kind.lower()})"
            if not breakdown_allowed(found.denominator):
                area_rows.append([label, NO_BREAKDOWN, NO_BREAKDOWN, NO_BREAKDOWN])
                bars.append((label, None, SUPPRESSED))
                continue
            row = _row(chosen, found)
            area_rows.append([label, row.numerator or "-", row.denominator, row.value])
            bars.append((label, plotted(chosen, found), row.value))
    monthly = figures(actor, chosen, filters, ["month"])
    trend_rows: list[list[str]] = []
    points: list[tuple[str, float | None]] = []
    for month in filters.months:
        found = monthly.get((month,), Figure(0, 0))
        row = _row(chosen, found)
        trend_rows.append([f"{month:%b %Y}", row.numerator or "-", row.denominator, row.value])
        points.append((f"{month:%b %y}", plotted(chosen, found)))
    head = ["Area", "Numerator", "Denominator", unit(chosen)]
    note = ""
    if chosen.key == "plan_coverage" and (filters.age_band or filters.deprivation or filters.condition is not None):
        note = "Plan coverage is only counted by practice, so it cannot be shown by age, deprivation or condition."
    return ProcessPage(
        rows=rows,
        chosen=chosen,
        choices=[(i.key, i.name) for i in PROCESS],
        area_head=head,
        area_rows=area_rows,
        area_chart=charts.bar_chart(f"{chosen.name} by area", bars),
        trend_head=["Month", "Numerator", "Denominator", unit(chosen)],
        trend_rows=trend_rows,
        trend_chart=charts.line_chart(f"{chosen.name} by month", points),
        note=note,
    )


@dataclass(frozen=True)
class HierarchyRow:
    indicator: Indicator
    owner: str
    purpose: str
    purpose_label: str
    version: int
    local: bool
    trend: list[tuple[str, str]]


@dataclass(frozen=True)
class HierarchyTier:
    key: str
    label: str
    rows: list[HierarchyRow]


def hierarchy_page(actor: Actor, filters: Filters, entries: dict[str, HierarchyEntry]) -> list[HierarchyTier]:
    """The three tiers, each indicator with its local owner and purpose and its last six months."""
    recent = filters.with_period(add_months(filters.end, -(TREND_MONTHS - 1)), filters.end)
    tiers: list[HierarchyTier] = []
    for tier in Tier:
        rows: list[HierarchyRow] = []
        for indicator in (i for i in INDICATORS if i.tier == tier):
            trend: list[tuple[str, str]] = []
            if indicator.measure != "utilisation":
                monthly = figures(actor, indicator, recent, ["month"])
                trend = [
                    (f"{month:%b %Y}", shown(indicator, monthly.get((month,), Figure(0, 0)))) for month in recent.months
                ]
            entry = entries.get(indicator.key)
            purpose = entry.purpose if entry is not None else indicator.purpose
            rows.append(
                HierarchyRow(
                    indicator=indicator,
                    owner=entry.owner if entry is not None else indicator.owner,
                    purpose=purpose,
                    purpose_label=PURPOSE_LABELS.get(purpose, purpose),
                    version=entry.version if entry is not None else 0,
                    local=entry is not None,
                    trend=trend,
                )
            )
        tiers.append(HierarchyTier(tier.value, TIER_LABELS[tier], rows))
    return tiers


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """How care is delivered, for the board paper: short sentences and one table of every process indicator."""
    rows = [_row(indicator, figures(actor, indicator, filters).get((), Figure(0, 0))) for indicator in PROCESS]
    by_key = {row.indicator.key: row for row in rows}
    paragraphs = [
        "These figures show how care is given. They do not show whether people are better.",
    ]
    coverage = by_key["plan_coverage"]
    if coverage.value not in {SUPPRESSED, "No data"}:
        paragraphs.append(f"{coverage.value} of people found by case finding have an agreed plan.")
    quality = by_key["five_criteria"]
    if quality.value not in {SUPPRESSED, "No data"}:
        paragraphs.append(f"{quality.value} of agreed plans meet all five parts of a good plan.")
    reviews = by_key["reviews_on_time"]
    if reviews.value not in {SUPPRESSED, "No data"}:
        paragraphs.append(f"{reviews.value} of reviews were done on time.")
    contact = by_key["time_to_first_contact"]
    if contact.value not in {SUPPRESSED, "No data"}:
        paragraphs.append(f"On average, a service first spoke to the person {contact.value} days after referral.")
    table = BoardTable(
        caption=f"How care is delivered, {filters.describe()}",
        head=["Measure", "Counted", "Out of", "Result"],
        rows=[[row.indicator.name, row.numerator or "-", row.denominator, row.value] for row in rows],
    )
    return BoardSection("process", "How care is delivered", paragraphs, [table], [])
