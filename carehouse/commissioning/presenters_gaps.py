"""What the "Unmet needs and gaps" page shows: referrals services could not take, waiting lists,
and how many local services of each kind are within reach of each practice.

Counts of people and referrals go through ``core.disclosure``. Counts of services are not about
people, so they are shown as they are (research section 4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from carehouse.commissioning import cells
from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.charts import BarChart, LineChart, bar_chart, line_chart
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.facts.gaps import GAP_KEYS
from carehouse.commissioning.facts.reach import REACH_METRES, THEME_TERMS
from carehouse.commissioning.presenters_needs import safe_value, theme_label
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED, breakdown_allowed, safe_count, safe_percentage
from carehouse.core.models import Organisation
from carehouse.directory.models import TaxonomyTerm

DECLINED = [key for key in GAP_KEYS if key.startswith("declined:")]
REACH_MILES = round(REACH_METRES / 1609.344)


@dataclass(frozen=True)
class GapsPage:
    reasons_chart: BarChart
    reasons_rows: list[list[str]]
    trend: LineChart
    trend_head: list[str]
    trend_rows: list[list[str]]
    kinds_head: list[str]
    kinds_rows: list[list[str]]
    area_head: list[str]
    area_rows: list[list[str]]
    unmet_rows: list[list[str]]
    directory_rows: list[list[str]]
    practice_rows: list[list[str]]
    practices_not_placed: int


def _parts(group: int, parts: list[int]) -> list[str]:
    """A group's parts as shown: all * when the group is under 8 (no breakdown of a small group)."""
    if group and not breakdown_allowed(group):
        return [SUPPRESSED for _ in parts]
    return [str(safe_count(part)) for part in parts]


def reasons(actor: Actor, filters: Filters) -> tuple[BarChart, list[list[str]]]:
    raw = {str(row.group["key"]): row.people for row in cells.totals(actor, "gap_referral", filters, ["key"])}
    shown = [(label, safe_count(raw.get(key, 0))) for key, label in GAP_KEYS.items()]
    chart = bar_chart("Referrals services could not take", [(label, c.value, str(c)) for label, c in shown])
    return chart, [[label, str(count)] for label, count in shown]


def trend(actor: Actor, filters: Filters) -> tuple[LineChart, list[str], list[list[str]]]:
    raw: dict[tuple[object, str], int] = defaultdict(int)
    for row in cells.totals(actor, "gap_referral", filters, ["month", "key"]):
        key = "declined" if str(row.group["key"]).startswith("declined:") else str(row.group["key"])
        raw[(row.group["month"], key)] += row.people
    head = ["Month", "Declined (capacity, eligibility or area)", "No answer in time", "Went on a waiting list"]
    rows, points = [], []
    for month in filters.months:
        declined = safe_count(raw.get((month, "declined"), 0))
        points.append((f"{month:%b %Y}", declined.value))
        rows.append(
            [
                f"{month:%b %Y}",
                str(declined),
                *[str(safe_count(raw.get((month, k), 0))) for k in ("expired", "waiting")],
            ]
        )
    chart = line_chart("Referrals declined for capacity, eligibility or area, by month", points)
    return chart, head, rows


def by_kind(actor: Actor, filters: Filters) -> tuple[list[str], list[list[str]]]:
    raw: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in cells.totals(actor, "gap_referral", filters, ["detail", "key"]):
        raw[str(row.group["detail"])][str(row.group["key"])] += row.people
    head = ["Kind of service", "All", *GAP_KEYS.values()]
    ordered = sorted(raw.items(), key=lambda item: (-safe_value(sum(item[1].values())), item[0]))
    rows = []
    for kind, counts in ordered:
        group = sum(counts.values())
        rows.append([kind, str(safe_count(group)), *_parts(group, [counts.get(key, 0) for key in GAP_KEYS])])
    return head, rows


def by_area(actor: Actor, filters: Filters) -> tuple[list[str], list[list[str]]]:
    practices = filters.practices(actor)
    raw: dict[tuple[int, str], int] = defaultdict(int)
    for row in cells.totals(actor, "gap_referral", filters, ["practice", "key"]):
        key = "declined" if str(row.group["key"]).startswith("declined:") else str(row.group["key"])
        raw[(row.group["practice"], key)] += row.people
    keys = ("declined", "expired", "waiting")
    head = ["Area", "All", "Declined (capacity, eligibility or area)", "No answer in time", "On a waiting list"]
    networks: dict[int | None, list[Organisation]] = defaultdict(list)
    for practice in practices:
        networks[practice.parent_id].append(practice)
    parents = {org.pk: org for org in Organisation.objects.filter(pk__in=[k for k in networks if k is not None])}
    rows = []
    for network_id, members in sorted(
        networks.items(), key=lambda item: parents[item[0]].name if item[0] in parents else ""
    ):
        if network_id in parents and len(members) > 1:
            parts = [sum(raw.get((p.pk, key), 0) for p in members) for key in keys]
            rows.append(
                [f"{parents[network_id].name} (network)", str(safe_count(sum(parts))), *_parts(sum(parts), parts)]
            )
        for practice in sorted(members, key=lambda org: org.name):
            parts = [raw.get((practice.pk, key), 0) for key in keys]
            rows.append([practice.name, str(safe_count(sum(parts))), *_parts(sum(parts), parts)])
    return head, rows


def unmet(actor: Actor, filters: Filters) -> list[list[str]]:
    """Each theme a kind of service meets: people who raised it, and those with no such service within reach."""
    names = dict(
        TaxonomyTerm.objects.filter(code__in={c for codes in THEME_TERMS.values() for c in codes}).values_list(
            "code", "name"
        )
    )
    rows = {str(row.group["key"]): row for row in cells.totals(actor, "theme_reach", filters, ["key"])}
    found = []
    for theme, codes in THEME_TERMS.items():
        row = rows.get(theme)
        people, without = (row.people, row.improved) if row else (0, 0)
        kinds = ", ".join(dict.fromkeys(names.get(code, code) for code in codes))
        shown_without = _parts(people, [without])[0]
        found.append(
            [
                theme_label(theme),
                kinds,
                str(safe_count(people)),
                shown_without,
                safe_percentage(without, people)
                if people and breakdown_allowed(people)
                else SUPPRESSED
                if people
                else "0%",
            ]
        )
    found.sort(key=lambda r: r[0])
    return found


def directory(actor: Actor, filters: Filters) -> tuple[list[list[str]], list[list[str]], int]:
    """Active services within reach by kind (distinct services across the area), and by practice."""
    everywhere = replace(filters, age_band="", deprivation="", condition=None)
    practices = filters.practices(actor)
    placed = {
        row.group["practice"]
        for row in cells.totals(actor, "directory_place", everywhere, ["practice"], whole_period=True)
    }
    pairs = cells.totals(actor, "directory_reach", everywhere, ["practice", "key", "detail"], whole_period=True)
    services_by_kind: dict[str, set[str]] = defaultdict(set)
    practices_by_kind: dict[str, set[int]] = defaultdict(set)
    services_by_practice: dict[int, set[str]] = defaultdict(set)
    for row in pairs:
        kind, service, practice = str(row.group["key"]), str(row.group["detail"]), row.group["practice"]
        services_by_kind[kind].add(service)
        practices_by_kind[kind].add(practice)
        services_by_practice[practice].add(service)
    kind_rows = [
        [kind, str(len(services)), str(len(placed - practices_by_kind[kind]))]
        for kind, services in sorted(services_by_kind.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    practice_rows = [
        [
            practice.name,
            str(len(services_by_practice.get(practice.pk, set()))) if practice.pk in placed else "Not known",
        ]
        for practice in sorted(practices, key=lambda org: org.name)
    ]
    return kind_rows, practice_rows, sum(1 for practice in practices if practice.pk not in placed)


def gaps_page(actor: Actor, filters: Filters) -> GapsPage:
    reasons_chart, reasons_rows = reasons(actor, filters)
    chart, trend_head, trend_rows = trend(actor, filters)
    kinds_head, kinds_rows = by_kind(actor, filters)
    area_head, area_rows = by_area(actor, filters)
    directory_rows, practice_rows, not_placed = directory(actor, filters)
    return GapsPage(
        reasons_chart=reasons_chart,
        reasons_rows=reasons_rows,
        trend=chart,
        trend_head=trend_head,
        trend_rows=trend_rows,
        kinds_head=kinds_head,
        kinds_rows=kinds_rows,
        area_head=area_head,
        area_rows=area_rows,
        unmet_rows=unmet(actor, filters),
        directory_rows=directory_rows,
        practice_rows=practice_rows,
        practices_not_placed=not_placed,
    )


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """Unmet needs and gaps for a board paper, in short plain sentences."""
    page = gaps_page(actor, filters)
    shown = {row[0]: row[1] for row in page.reasons_rows}
    paragraphs = [
        f"Services turned down {shown[GAP_KEYS[DECLINED[0]]]} referrals because they were full.",
        f"{shown[GAP_KEYS['waiting']]} referrals are on a waiting list now.",
        f"{shown[GAP_KEYS['expired']]} referrals got no answer in time.",
        f"We count services with a venue within {REACH_MILES} miles of each practice.",
    ]
    tables = [
        BoardTable("Referrals services could not take", ["Reason", "Referrals"], page.reasons_rows),
        BoardTable(
            "Needs with no matching service nearby",
            ["Need", "Kinds of service", "People", "People with none nearby", "Share"],
            page.unmet_rows,
        ),
    ]
    return BoardSection("gaps", "Unmet needs and gaps", paragraphs, tables, [page.reasons_chart, page.trend])
