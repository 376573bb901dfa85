"""What the "What people need" page shows: needs, goals and what matters, from agreed care plans.

Every figure is worked out from raw cell sums and shown only through ``core.disclosure``: counts
rounded to 5, 1 to 7 shown as *, no breakdown of an area with fewer than 8 people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from carehouse.commissioning import cells
from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.charts import BarChart, LineChart, bar_chart, line_chart
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.text.themes import OTHER, OTHER_LABEL, THEMES_BY_CODE
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED, SafeCount, breakdown_allowed, safe_count, safe_percentage
from carehouse.core.models import Organisation

TOP = 10
#: Theme measures and what their tables are called.
THEME_MEASURES: tuple[tuple[str, str], ...] = (
    ("what_matters_theme", "What matters most to people"),
    ("goal_theme", "What people want to achieve (their goals)"),
    ("need_theme", "How needs were described"),
)


def theme_label(code: str) -> str:
    if code == OTHER:
        return OTHER_LABEL
    theme = THEMES_BY_CODE.get(code)
    return theme.label if theme else code


@dataclass(frozen=True)
class Ranked:
    """A ranked list of figures, as a bar chart and the same figures as table rows."""

    caption: str
    chart: BarChart
    rows: list[list[str]]


@dataclass(frozen=True)
class NeedsPage:
    people: SafeCount
    coded_needs: Ranked
    themes: list[Ranked]
    trend: LineChart
    trend_rows: list[list[str]]
    area_head: list[str]
    area_rows: list[list[str]]


def ranked(caption: str, figures: Iterable[tuple[str, int]], denominator: int, top: int = TOP) -> Ranked:
    """The biggest groups first (by their shown figure, then name), with the share of everyone."""
    shown = [(label, safe_count(raw), raw) for label, raw in figures if raw > 0]
    shown.sort(key=lambda item: (-(item[1].value or 0), item[0]))
    chosen = shown[:top]
    chart = bar_chart(caption, [(label, count.value, str(count)) for label, count, _ in chosen])
    rows = [[label, str(count), safe_percentage(raw, denominator)] for label, count, raw in chosen]
    return Ranked(caption, chart, rows)


def _people(actor: Actor, filters: Filters) -> int:
    return cells.total(actor, "need_plans", filters).people


def coded_needs(actor: Actor, filters: Filters, denominator: int) -> Ranked:
    rows = cells.totals(actor, "need", filters, ["key", "detail"])
    by_key: dict[str, tuple[str, int]] = {}
    for row in rows:
        key, label = str(row.group["key"]), str(row.group["detail"] or row.group["key"])
        previous = by_key.get(key, (label, 0))
        by_key[key] = (previous[0], previous[1] + row.people)
    return ranked("The most common needs recorded in plans", by_key.values(), denominator)


def themes(actor: Actor, filters: Filters, denominator: int) -> list[Ranked]:
    found = []
    for measure, caption in THEME_MEASURES:
        rows = cells.totals(actor, measure, filters, ["key"])
        found.append(ranked(caption, [(theme_label(str(r.group["key"])), r.people) for r in rows], denominator))
    return found


def trend(actor: Actor, filters: Filters) -> tuple[LineChart, list[list[str]]]:
    by_month = {row.group["month"]: row.people for row in cells.totals(actor, "need_plans", filters, ["month"])}
    points = [(f"{month:%b %Y}", safe_count(by_month.get(month, 0))) for month in filters.months]
    chart = line_chart("People with a care plan agreed, by month", [(label, count.value) for label, count in points])
    return chart, [[label, str(count)] for label, count in points]


def by_area(actor: Actor, filters: Filters) -> tuple[list[str], list[list[str]]]:
    """Each network and practice: people with a plan, and how many raised the three commonest goal themes."""
    practices = filters.practices(actor)
    plans = {row.group["practice"]: row.people for row in cells.totals(actor, "need_plans", filters, ["practice"])}
    goal_rows = cells.totals(actor, "goal_theme", filters, ["practice", "key"])
    overall: dict[str, int] = defaultdict(int)
    per_practice: dict[tuple[int, str], int] = defaultdict(int)
    for row in goal_rows:
        key = str(row.group["key"])
        if key != OTHER:
            overall[key] += row.people
            per_practice[(row.group["practice"], key)] += row.people
    top = [key for key, _ in sorted(overall.items(), key=lambda item: (-safe_value(item[1]), item[0]))[:3]]
    head = ["Area", "People with an agreed plan", *[f"Goals: {theme_label(key)}" for key in top]]
    networks: dict[int | None, list[Organisation]] = defaultdict(list)
    for practice in practices:
        networks[practice.parent_id].append(practice)
    parents = {org.pk: org for org in Organisation.objects.filter(pk__in=[k for k in networks if k is not None])}
    rows: list[list[str]] = []
    for network_id, members in sorted(
        networks.items(), key=lambda item: parents[item[0]].name if item[0] in parents else ""
    ):
        if network_id in parents and len(members) > 1:
            total = sum(plans.get(p.pk, 0) for p in members)
            parts = [sum(per_practice.get((p.pk, key), 0) for p in members) for key in top]
            rows.append(_area_row(f"{parents[network_id].name} (network)", total, parts))
        for practice in sorted(members, key=lambda org: org.name):
            parts = [per_practice.get((practice.pk, key), 0) for key in top]
            rows.append(_area_row(practice.name, plans.get(practice.pk, 0), parts))
    return head, rows


def safe_value(raw: int) -> int:
    return safe_count(raw).value or 0


def _area_row(name: str, group: int, parts: list[int]) -> list[str]:
    if group == 0:
        return [name, "0", *["0" for _ in parts]]
    if not breakdown_allowed(group):
        return [name, str(safe_count(group)), *[SUPPRESSED for _ in parts]]
    return [name, str(safe_count(group)), *[str(safe_count(part)) for part in parts]]


def needs_page(actor: Actor, filters: Filters) -> NeedsPage:
    people = _people(actor, filters)
    chart, trend_rows = trend(actor, filters)
    head, area_rows = by_area(actor, filters)
    return NeedsPage(
        people=safe_count(people),
        coded_needs=coded_needs(actor, filters, people),
        themes=themes(actor, filters, people),
        trend=chart,
        trend_rows=trend_rows,
        area_head=head,
        area_rows=area_rows,
    )


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """The needs analysis for a board paper, in short plain sentences."""
    page = needs_page(actor, filters)
    paragraphs = [f"{page.people} people had a care plan agreed in this time."]
    what_matters = page.themes[0]
    if what_matters.rows:
        first = what_matters.rows[0]
        paragraphs.append(f"What mattered most to people was most often: {first[0].lower()}.")
        paragraphs.append(f"That was {first[1]} people.")
    if page.coded_needs.rows:
        paragraphs.append(f"The need recorded most often was: {page.coded_needs.rows[0][0].lower()}.")
    paragraphs.append("Counts of 1 to 7 people are shown as *.")
    tables = [
        BoardTable(ranked_.caption, ["Theme", "People", "Share of people with a plan"], ranked_.rows)
        for ranked_ in page.themes[:2]
    ]
    tables.append(
        BoardTable(page.coded_needs.caption, ["Need", "People", "Share of people with a plan"], page.coded_needs.rows)
    )
    charts: list[object] = [page.themes[0].chart, page.trend]
    return BoardSection("needs", "What people need", paragraphs, tables, charts)
