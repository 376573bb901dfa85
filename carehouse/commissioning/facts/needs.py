"""Needs analysis from care and support plans: what people need, aim for and say matters to them.

Only plans that were agreed count: agreed and active, under review, or completed (a draft is not
yet the person's plan; stopped plans and plans entered in error are left out). A plan belongs to
the month it was agreed (or was started, if no agreement date was recorded).

Measures (one person counted once per plan and key):

- ``need_plans``: people with an agreed plan (the denominator);
- ``need``: coded needs by SNOMED CT code (``detail`` is the wording most often used for it, when
  at least 8 needs used it; otherwise the code itself), and uncoded needs by category;
- ``need_theme``, ``goal_theme``, ``what_matters_theme``: the themes of needs' wording, goals and
  "what is most important to me" (``carehouse.commissioning.text.themes``);
- ``theme_reach``: each theme a person raised anywhere in their plan that a kind of local service
  meets (``reach.THEME_TERMS``); ``improved`` = 1 when no such active service is within reach of
  their practice ("needs with no matching service within reach").

Free text is grouped into themes in batches, each distinct wording once;
``COMMISSIONING_THEME_METHOD`` says how ("keywords" for national-scale rebuilds).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from carehouse.careplans.models import CarePlan, Goal, Need, NeedCategory, PlanStatus
from carehouse.commissioning.facts import Cell, Population
from carehouse.commissioning.facts import reach as reach_module
from carehouse.commissioning.text.themes import OTHER, assign_themes
from carehouse.core.disclosure import SUPPRESSION_THRESHOLD

#: Plans that were agreed with the person.
COUNTED_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW, PlanStatus.COMPLETED)
PLAN_BATCH = 5_000
#: Wordings remembered between batches; beyond this the memory is cleared (repeated wording is common).
CACHE_LIMIT = 200_000
CATEGORY_KEY = "category:"


def category_label(category: str) -> str:
    labels = dict(NeedCategory.choices)
    return f"{labels.get(category, category)} (not coded)"


def _counted() -> Q:
    return Q(status__in=COUNTED_STATUSES)


def snomed_labels() -> dict[str, str]:
    """The wording used most often for each SNOMED CT code, when at least 8 needs used it."""
    counts = (
        Need.objects.filter(plan__status__in=COUNTED_STATUSES)
        .exclude(snomed_code="")
        .values_list("snomed_code", "text")
        .annotate(uses=Count("pk"))
    )
    best: dict[str, tuple[int, str]] = {}
    for code, text, uses in counts.iterator(chunk_size=10_000):
        wording = " ".join(text.split())[:100]
        if uses >= SUPPRESSION_THRESHOLD and (code not in best or (uses, wording) > best[code]):
            best[code] = (uses, wording)
    return {code: wording for code, (_uses, wording) in best.items()}


class ThemeCache:
    """Themes of wordings already seen, so each distinct wording is grouped only once."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.known: dict[str, str] = {}

    def resolve(self, texts: Iterable[str]) -> None:
        new = sorted({text for text in texts if text and text not in self.known})
        if not new:
            return
        if len(self.known) + len(new) > CACHE_LIMIT:
            self.known.clear()
        for match in assign_themes(new, method=self.method):  # type: ignore[arg-type]
            self.known[match.text] = match.theme

    def theme(self, text: str) -> str:
        return self.known.get(text, OTHER) if text else OTHER


def _clean(text: str) -> str:
    return " ".join((text or "").split())[:500]


def _grouped(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    for plan_id, items in groupby(rows, key=lambda row: row[0]):
        yield plan_id, list(items)


def _take(stream: Iterator[tuple[int, list[tuple[Any, ...]]]], pending: list[Any], plan_id: int) -> list[Any]:
    """The rows for ``plan_id`` from a stream ordered by plan id (``pending`` holds the one read ahead)."""
    while True:
        if not pending:
            following = next(stream, None)
            if following is None:
                return []
            pending.append(following)
        head_id, rows = pending[0]
        found: list[Any] = rows
        if head_id < plan_id:
            pending.clear()
            continue
        if head_id == plan_id:
            pending.clear()
            return found
        return []


def _month(agreed: datetime.datetime | None, created: datetime.datetime) -> datetime.date:
    when = agreed or created
    return timezone.localtime(when).date().replace(day=1) if timezone.is_aware(when) else when.date().replace(day=1)


def build(population: Population) -> Iterator[Cell]:
    """The needs-analysis cells for every agreed plan."""
    labels = snomed_labels()
    themes = ThemeCache(str(getattr(settings, "COMMISSIONING_THEME_METHOD", "auto")))
    services = reach_module.local_services()
    met = reach_module.themes_met(reach_module.services_within_reach(services, reach_module.practice_places()))
    plans = (
        CarePlan.objects.filter(_counted())
        .order_by("pk")
        .values_list("pk", "person_id", "agreed_at", "created_at", "about_most_important")
        .iterator(chunk_size=10_000)
    )
    needs = _grouped(
        Need.objects.filter(plan__status__in=COUNTED_STATUSES)
        .order_by("plan_id", "pk")
        .values_list("plan_id", "snomed_code", "category", "text")
        .iterator(chunk_size=10_000)
    )
    goals = _grouped(
        Goal.objects.filter(plan__status__in=COUNTED_STATUSES)
        .order_by("plan_id", "pk")
        .values_list("plan_id", "text")
        .iterator(chunk_size=10_000)
    )
    need_pending: list[Any] = []
    goal_pending: list[Any] = []
    batch: list[tuple[Any, ...]] = []
    for plan in plans:
        plan_id = plan[0]
        batch.append((plan, _take(needs, need_pending, plan_id), _take(goals, goal_pending, plan_id)))
        if len(batch) >= PLAN_BATCH:
            yield from _cells(batch, population, labels, themes, met)
            batch = []
    yield from _cells(batch, population, labels, themes, met)


def _cells(
    batch: list[tuple[Any, ...]],
    population: Population,
    labels: dict[str, str],
    themes: ThemeCache,
    met: dict[int, set[str]],
) -> Iterator[Cell]:
    texts: list[str] = []
    for (_pk, _person, _agreed, _created, most_important), need_rows, goal_rows in batch:
        texts.append(_clean(most_important))
        texts.extend(_clean(row[3]) for row in need_rows)
        texts.extend(_clean(row[1]) for row in goal_rows)
    themes.resolve(texts)
    for (_pk, person_id, agreed, created, most_important), need_rows, goal_rows in batch:
        dims = population.of(person_id)
        if dims is None:
            continue
        month = _month(agreed, created)
        yield Cell("need_plans", month, dims)
        coded: dict[str, str] = {}
        for _plan, code, category, _text in need_rows:
            if code:
                coded[code] = labels.get(code, f"SNOMED CT {code}")
            else:
                coded[f"{CATEGORY_KEY}{category}"] = category_label(category)
        for key, label in coded.items():
            yield Cell("need", month, dims, key=key, detail=label)
        raised: set[str] = set()
        for measure, wordings in (
            ("need_theme", [_clean(row[3]) for row in need_rows]),
            ("goal_theme", [_clean(row[1]) for row in goal_rows]),
            ("what_matters_theme", [_clean(most_important)] if most_important.strip() else []),
        ):
            found = {themes.theme(text) for text in wordings if text}
            for theme in found:
                yield Cell(measure, month, dims, key=theme)
            raised |= found
        practice_met = met.get(dims.practice_id, set()) if dims.practice_id is not None else set()
        for theme in sorted(raised & set(reach_module.THEME_TERMS)):
            yield Cell("theme_reach", month, dims, key=theme, improved=0 if theme in practice_met else 1)
