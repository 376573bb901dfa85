"""What changed: questionnaire changes and hospital use before and after support, ready to show.

Every figure goes through ``carehouse.core.disclosure``: counts rounded to 5 and suppressed from
1 to 7, means suppressed for 7 people or fewer, percentages and changes worked out from the
rounded figures. The regression-to-the-mean caveat goes with every before-and-after figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from carehouse.commissioning import cells
from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.charts import BarChart, bar_chart
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.facts.outcomes import ANY_IMPROVED, MEASURE, outcomes
from carehouse.commissioning.facts.utilisation import BED_DAYS, KEYS, PARTIAL
from carehouse.commissioning.facts.utilisation import MEASURE as UTILISATION
from carehouse.commissioning.models import ActivitySetting
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED, safe_count, safe_mean, safe_percentage, safe_rate

SETTING_LABELS: dict[str, str] = {**dict(ActivitySetting.choices), BED_DAYS: "Days in hospital (bed days)"}
RTM_CAVEAT = (
    "People are often referred when things are at their worst: a crisis, a fall, a bad few months. "
    "After a peak, things often get better on their own. This is called regression to the mean. "
    "So some of the fall in hospital use, and some of the rise in wellbeing, would have happened "
    "without any support. These figures compare people with themselves, not with similar people "
    "who did not get support, so we cannot be sure the changes were caused by the support. "
    "Use the evaluation page for a comparison group."
)
CHANGE_HEAD = ["Score", "Better when", "People answering twice", "Average change", "Improved"]
UTILISATION_HEAD = [
    "Hospital use",
    "People",
    "12 months before",
    "12 months after",
    "Change",
    "Change per 100 people",
]


@dataclass(frozen=True)
class OutcomesPage:
    """The figures on the What changed page."""

    change_rows: list[list[str]]
    change_chart: BarChart
    any_people: str
    any_share: str
    utilisation_people: str
    utilisation_rows: list[list[str]]
    utilisation_chart: BarChart
    partial_people: str
    meaningful_notes: list[str]
    caveat: str = RTM_CAVEAT


def _signed(shown: str) -> str:
    return shown if shown in (SUPPRESSED, "No data") or shown.startswith("-") or shown == "0.0" else f"+{shown}"


def _change(before: int, after: int, people: int) -> tuple[str, str]:
    """(% change, change per 100 people) from the rounded figures; suppressed when any part is."""
    b, a, n = safe_count(before).value, safe_count(after).value, safe_count(people).value
    if b is None or a is None or not n:
        return SUPPRESSED, SUPPRESSED
    percent = f"{100 * (a - b) / b:+.0f}%" if b else "No activity before"
    return percent, f"{100 * (a - b) / n:+.0f}"


def outcomes_page(actor: Actor, filters: Filters) -> OutcomesPage:
    known = outcomes()
    by_key = {row.group["key"]: row for row in cells.totals(actor, MEASURE, filters, ["key"])}
    change_rows: list[list[str]] = []
    chart_rows: list[tuple[str, float | None, str]] = []
    for key, outcome in known.items():
        row = by_key.get(key)
        if row is None:
            continue
        improved = safe_percentage(row.improved, row.people)
        change_rows.append(
            [
                outcome.label,
                "Higher" if outcome.higher_is_better else "Lower",
                str(safe_count(row.people)),
                _signed(safe_mean(row.value_sum, row.people)),
                improved,
            ]
        )
        rate = safe_rate(row.improved, row.people)
        chart_rows.append((outcome.label, None if rate is None else round(100 * rate), improved))
    any_row = cells.total(actor, ANY_IMPROVED, filters)
    util = {row.group["key"]: row for row in cells.totals(actor, UTILISATION, filters, ["key"])}
    people = max((row.people for row in util.values()), default=0)
    utilisation_rows: list[list[str]] = []
    util_chart: list[tuple[str, float | None, str]] = []
    for key in KEYS:
        row = util.get(key)
        if row is None:
            continue
        before, after = int(row.value_sum), int(row.second_sum)
        percent, per_100 = _change(before, after, row.people)
        utilisation_rows.append(
            [
                SETTING_LABELS[key],
                str(safe_count(row.people)),
                str(safe_count(before)),
                str(safe_count(after)),
                percent,
                per_100,
            ]
        )
        if key != BED_DAYS:
            for when, count in (("before", before), ("after", after)):
                shown = safe_count(count)
                util_chart.append((f"{SETTING_LABELS[key]}, {when}", shown.value, str(shown)))
    partial = cells.total(actor, PARTIAL, filters)
    notes = [
        f"{outcome.label}: improved means a change of at least {outcome.meaningful_change:g} points the better way."
        for outcome in known.values()
        if outcome.meaningful_change is not None and outcome.key in by_key
    ]
    return OutcomesPage(
        change_rows=change_rows,
        change_chart=bar_chart("Percentage of people whose score improved", chart_rows),
        any_people=str(safe_count(any_row.people)),
        any_share=safe_percentage(any_row.improved, any_row.people),
        utilisation_people=str(safe_count(people)),
        utilisation_rows=utilisation_rows,
        utilisation_chart=bar_chart("Hospital use in the 12 months before and after support started", util_chart),
        partial_people=str(safe_count(partial.people)),
        meaningful_notes=notes,
    )


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """What changed, for a board paper: short sentences, every figure disclosure-controlled."""
    page = outcomes_page(actor, filters)
    paragraphs: list[str] = []
    if page.any_people not in ("0", SUPPRESSED):
        paragraphs.append(f"About {page.any_people} people filled in the same questionnaire twice.")
        if page.any_share != SUPPRESSED:
            paragraphs.append(f"{page.any_share} of them did better in at least one part of their wellbeing.")
    else:
        paragraphs.append("Too few people filled in a questionnaire twice to show any change.")
    for row in page.utilisation_rows:
        label, _people, before, after, percent, per_100 = row
        if SUPPRESSED in (before, after, per_100) or label == SETTING_LABELS[BED_DAYS]:
            continue
        paragraphs.append(f"{label}: {before} in the year before support and {after} in the year after.")
        if percent.endswith("%"):
            paragraphs.append(f"That is {per_100} for every 100 people, or {percent}.")
    if page.utilisation_rows:
        paragraphs.append("People often get help when things are at their worst.")
        paragraphs.append("Things often get better after that, even with no help.")
        paragraphs.append("So we cannot be sure this was caused by the support.")
    tables = [BoardTable("Change in questionnaire scores", CHANGE_HEAD, page.change_rows)]
    if page.utilisation_rows:
        tables.append(
            BoardTable(
                "Hospital use in the 12 months before and after support", UTILISATION_HEAD, page.utilisation_rows
            )
        )
    return BoardSection("outcomes", "What changed", paragraphs, tables, [page.change_chart, page.utilisation_chart])
