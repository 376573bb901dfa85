"""The one search service: the practitioner's menu, the public pages and the Open Referral API all use it.

How a search works (``docs/adr/0016-service-directory.md``):

1. Filters that every result must pass are SQL on the search index: status, age, day and time,
   cost, referral routes, capacity, modified after, organisation, taxonomy terms (a term
   includes its sub-terms) and the words typed (every word, or a word it starts, or a close
   spelling of a word the index does not know).
2. With a postcode, the coverage rule comes before distance (ALISS's rule): a service shows when
   its service area covers the postcode, or when one of its locations is within reach and it
   names no service area at all. A nearby service that serves somewhere else is not shown as
   local. With an explicit ``proximity`` a service must also have a location that close.
3. Order: records not reviewed within the review period sink below every fresh one and are
   flagged; local services come before those offered across the whole country; then best match
   (the average of the distance rank and the text rank), nearest, name or most recently reviewed.
4. Facets count the matching services per category, accessibility term, day and filter.

Without a postcode there is nothing to measure, so ordering, counting and paging all happen in
the database (``_browse``). With one, the candidates the coverage rule lets through are read
once, measured, ordered and counted in Python (they are the services around one place).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from carehouse.directory import geography
from carehouse.directory.geography import Place
from carehouse.directory.models import Schedule, SearchArea, SearchEntry, SearchPoint, SearchTerm, TaxonomyTerm
from carehouse.directory.search import text
from carehouse.directory.search.index import DAY_BITS


class Sort(StrEnum):
    BEST = "best"
    NEAREST = "nearest"
    NAME = "name"
    REVIEWED = "reviewed"


SORT_LABELS = {
    Sort.BEST: "Best match",
    Sort.NEAREST: "Nearest",
    Sort.NAME: "Name (A to Z)",
    Sort.REVIEWED: "Most recently checked",
}
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class SearchQuery:
    """Everything a search can ask. Each part narrows the results (they combine with AND)."""

    text: str = ""
    term_ids: tuple[uuid.UUID, ...] = ()
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    postcode: str = ""
    proximity: float | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: str = ""
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    modified_after: datetime.datetime | None = None
    free_only: bool = False
    accepts_referrals: bool = False
    self_referral: bool = False
    has_capacity: bool = False
    include_inactive: bool = False
    sort: Sort = Sort.BEST
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class Hit:
    service_id: uuid.UUID
    entry_id: int
    #: Metres to the nearest location, when a postcode was given and the service has a location.
    distance: float | None
    #: The nearest service-at-location (show it first).
    nearest_service_at_location_id: uuid.UUID | None
    #: Serves the searcher's area (by its service area, or by being near and naming no area).
    is_local: bool
    #: Offered across the whole country rather than locally.
    is_national: bool
    #: Not reviewed within the review period: demoted and flagged.
    is_stale: bool
    score: float | None


@dataclass(frozen=True)
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[Hit]
    total: int
    place: Place | None = None
    corrections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.DIRECTORY_REVIEW_PERIOD_DAYS)


# -- step 1: the filters ---------------------------------------------------------------------------------------


def _filtered(query: SearchQuery) -> QuerySet[SearchEntry]:
    entries = SearchEntry.objects.all()
    if not query.include_inactive:
        entries = entries.filter(is_active=True)
    for term_id in query.term_ids:  # every chosen category must apply
        entries = entries.filter(id__in=SearchTerm.objects.filter(term_id=term_id).values("entry_id"))
    if query.taxonomy_id is not None:
        in_taxonomy = TaxonomyTerm.objects.filter(taxonomy_detail_id=query.taxonomy_id).values("id")
        entries = entries.filter(id__in=SearchTerm.objects.filter(term_id__in=in_taxonomy).values("entry_id"))
    if query.organization_id is not None:
        entries = entries.filter(service__organization_id=query.organization_id)
    # Ages: the service's range overlaps the range asked about (one age: min = max).
    if query.maximum_age is not None:
        entries = entries.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.maximum_age))
    if query.minimum_age is not None:
        entries = entries.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.minimum_age))
    if query.day and not (query.start_time or query.end_time):
        entries = entries.annotate(open_that_day=F("days").bitand(DAY_BITS[query.day])).filter(open_that_day__gt=0)
    if query.start_time or query.end_time:
        entries = entries.filter(service_id__in=_open_between(query))
    if query.modified_after is not None:
        entries = entries.filter(last_modified__gt=query.modified_after)
    if query.free_only:
        entries = entries.filter(is_free=True)
    if query.accepts_referrals:
        entries = entries.filter(accepts_referrals=True)
    if query.self_referral:
        entries = entries.filter(self_referral=True)
    if query.has_capacity:
        entries = entries.filter(has_capacity=True)
    return entries


def _open_between(query: SearchQuery) -> set[uuid.UUID]:
    """Services with a session on the day (if given) that overlaps the times asked about."""
    sessions = Schedule.objects.all()
    if query.day:
        sessions = sessions.filter(byday__contains=query.day)
    if query.end_time is not None:
        sessions = sessions.filter(opens_at__lt=query.end_time)
    if query.start_time is not None:
        sessions = sessions.filter(closes_at__gt=query.start_time)
    found: set[uuid.UUID] = set()
    for service_id, sal_service_id in sessions.values_list("service_id", "service_at_location__service_id"):
        found.update(i for i in (service_id, sal_service_id) if i is not None)
    return found


# -- steps 2 and 3: candidates, coverage, order --------------------------------------------------------------


@dataclass
class _Candidate:
    """A row as the database gave it (ids are converted only for the hits shown)."""

    entry_id: int
    service_id: Any
    name_sort: str
    reviewed_at: datetime.datetime | None
    is_national: bool
    has_areas: bool
    facts: tuple[Any, ...]
    score: float | None = None
    distance: float | None = None
    nearest: Any = None
    covers: bool = False


FACT_FIELDS = ("is_free", "accepts_referrals", "self_referral", "has_capacity", "days")
CANDIDATE_FIELDS = ("id", "service_id", "name_sort", "reviewed_at", "is_national", "has_areas", *FACT_FIELDS)


def _candidates(entries: QuerySet[SearchEntry], words: text.TextQuery) -> list[_Candidate]:
    if not words or connection.vendor == "postgresql":
        rows = (
            entries.values_list(*CANDIDATE_FIELDS, Value(None, output_field=FloatField()))
            if not words
            else text.matching(entries, words).values_list(*CANDIDATE_FIELDS, "text_score")
        )
        # Up to thousands of rows: read them straight from the cursor, converting only what ordering needs.
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [
                _Candidate(r[0], r[1], r[2], _aware(r[3]), bool(r[4]), bool(r[5]), r[6:-1], score=r[-1])
                for r in cursor.fetchall()
            ]
    match_sql, match_params = text.match_sql(words)
    inner_sql, inner_params = entries.values("id").query.sql_with_params()
    columns = ", ".join(f"e.{c}" for c in CANDIDATE_FIELDS)
    # Column and table names are ours; every value is a parameter.
    sql = (
        f"WITH m AS MATERIALIZED ({match_sql}) "  # noqa: S608
        f"SELECT {columns}, m.score FROM m JOIN directory_searchentry e ON e.id = m.entry_id WHERE e.id IN ({inner_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *inner_params])  # type: ignore[list-item]
        rows = cursor.fetchall()
    return [
        _Candidate(r[0], _uuid(r[1]), r[2], _aware(r[3]), bool(r[4]), bool(r[5]), r[6:-1], score=r[-1]) for r in rows
    ]


def _one_of(ids: Iterable[int]) -> RawSQL:
    """A subquery yielding these ids, passed as ONE parameter (a long ``IN`` list costs Django dearly)."""
    values = sorted(ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _aware(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _measure(candidates: list[_Candidate], place: Place) -> None:
    """Distance to each candidate's nearest venue, and whether its service area covers the place."""
    if not candidates:
        return
    by_entry = {c.entry_id: c for c in candidates}
    ids = _one_of(by_entry)
    covering = SearchArea.objects.filter(entry_id__in=ids, code__in=sorted(place.area_codes)).values_list("entry_id")
    venues = SearchPoint.objects.filter(entry_id__in=ids).values_list(
        "entry_id", "service_at_location_id", "latitude", "longitude"
    )
    with connection.cursor() as cursor:
        cursor.execute(*covering.query.sql_with_params())
        for (entry_id,) in cursor.fetchall():
            by_entry[entry_id].covers = True
        cursor.execute(*venues.query.sql_with_params())
        for entry_id, sal_id, latitude, longitude in cursor.fetchall():
            metres = geography.distance_metres(place.latitude, place.longitude, latitude, longitude)
            candidate = by_entry[entry_id]
            if candidate.distance is None or metres < candidate.distance:
                candidate.distance, candidate.nearest = metres, sal_id


def _ranks(values: list[float | None], reverse: bool) -> list[float]:
    """Position of each value in order (1 = best); missing values come last."""
    present = sorted((v for v in values if v is not None), reverse=reverse)
    position: dict[float, int] = {}
    for index, value in enumerate(present, start=1):
        position.setdefault(value, index)
    worst = len(present) + 1
    return [float(position[v]) if v is not None else float(worst) for v in values]


def search(query: SearchQuery) -> SearchResults:
    """Run a search (``query``), returning one page of hits, the total, and facet counts."""
    place = geography.locate(query.postcode) if query.postcode else None
    words = text.parse(query.text) if query.text.strip() else text.TextQuery((), ())
    entries = _filtered(query)
    if place is None:
        # No distances to work out: order, count and page in the database.
        return _browse(query, entries, words)
    radius = query.proximity or settings.DIRECTORY_DEFAULT_RADIUS_METRES
    candidates = _candidates(entries.filter(_reach_filter(place, radius, strict=bool(query.proximity))), words)
    _measure(candidates, place)
    candidates = [c for c in candidates if _reaches(c, radius, bool(query.proximity))]
    cutoff = stale_before()
    hits = _order(query, candidates, cutoff, place)
    facets = _facets_of(query, candidates)
    page = hits[query.offset : query.offset + query.per_page]
    return SearchResults(
        query=query, hits=page, total=len(hits), place=place, corrections=words.corrections, facets=facets
    )


def _reach_filter(place: Place, radius: float, *, strict: bool) -> Q:
    """The coverage rule as SQL; the venue test uses a box a little wider than the circle (``_reaches`` is exact).

    A service is within reach when its area covers the place, or when it names no area and has
    a venue near enough; with ``strict`` (a distance was given) it must also have a venue that
    near. One ``IN (... UNION ...)`` rather than an ``OR`` of two, which PostgreSQL would test
    entry by entry.
    """
    south, north, west, east = geography.bounding_box(place.latitude, place.longitude, radius)
    boxed = SearchPoint.objects.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    )
    covering = SearchArea.objects.filter(code__in=sorted(place.area_codes)).values("entry_id")
    if strict:
        return Q(id__in=boxed.values("entry_id")) & (Q(has_areas=False) | Q(id__in=covering))
    return Q(id__in=covering.union(boxed.filter(entry__has_areas=False).values("entry_id")))


def _reaches(candidate: _Candidate, radius: float, strict: bool) -> bool:
    near = candidate.distance is not None and candidate.distance <= radius
    if strict:
        return near and (candidate.covers or not candidate.has_areas)
    return candidate.covers or (near and not candidate.has_areas)


def _is_stale(reviewed_at: datetime.datetime | None, cutoff: datetime.datetime) -> bool:
    return reviewed_at is None or reviewed_at < cutoff


def _order(
    query: SearchQuery, candidates: list[_Candidate], cutoff: datetime.datetime, place: Place | None
) -> list[Hit]:
    text_rank = _ranks([c.score for c in candidates], reverse=True)
    distance_rank = _ranks([c.distance for c in candidates], reverse=False)
    keyed = []
    for index, c in enumerate(candidates):
        stale = _is_stale(c.reviewed_at, cutoff)
        local = place is not None and (
            (c.covers and not c.is_national)
            or (c.distance or 1e12) <= (query.proximity or settings.DIRECTORY_DEFAULT_RADIUS_METRES)
        )
        if query.sort == Sort.NEAREST:
            order: tuple[Any, ...] = (distance_rank[index], text_rank[index])
        elif query.sort == Sort.NAME:
            order = (c.name_sort,)
        elif query.sort == Sort.REVIEWED:
            order = (-(c.reviewed_at.timestamp() if c.reviewed_at else 0),)
        elif c.score is not None and place is not None:
            order = ((text_rank[index] + distance_rank[index]) / 2, distance_rank[index])
        elif c.score is not None:
            order = (text_rank[index],)
        else:
            order = (distance_rank[index],)
        demote = (stale, place is not None and not local) if query.sort in (Sort.BEST, Sort.NEAREST) else ()
        keyed.append(
            (
                (*demote, *order, c.name_sort),
                Hit(
                    service_id=_uuid(c.service_id),
                    entry_id=c.entry_id,
                    distance=c.distance,
                    nearest_service_at_location_id=_uuid(c.nearest) if c.nearest is not None else None,
                    is_local=bool(local),
                    is_national=c.is_national,
                    is_stale=stale,
                    score=c.score,
                ),
            )
        )
    keyed.sort(key=lambda pair: pair[0])
    return [hit for _, hit in keyed]


def _browse(query: SearchQuery, entries: QuerySet[SearchEntry], words: text.TextQuery) -> SearchResults:
    """No postcode: order, count and page in the database (with the text rank when words were typed)."""
    cutoff = stale_before()
    unmatched = entries
    if words:
        entries = text.matching(entries, words)
    total, facets = _facets_in_database(query, entries)
    if words and query.sort == Sort.BEST:
        rows = _ranked_page(query, unmatched, entries, words, cutoff)
    else:
        if query.sort == Sort.REVIEWED:
            ordering: list[Any] = [F("reviewed_at").desc(nulls_last=True), "name_sort"]
        elif query.sort == Sort.NAME:
            ordering = ["name_sort"]
        else:
            fresh = ExpressionWrapper(Q(reviewed_at__gte=cutoff), output_field=BooleanField())
            entries = entries.annotate(fresh=fresh)
            ordering = [F("fresh").desc(nulls_last=True), "name_sort"]
        rows = [
            (*row, None)
            for row in entries.order_by(*ordering).values_list("id", "service_id", "reviewed_at", "is_national")[
                query.offset : query.offset + query.per_page
            ]
        ]
    hits = [
        Hit(
            service_id=_uuid(service_id),
            entry_id=entry_id,
            distance=None,
            nearest_service_at_location_id=None,
            is_local=False,
            is_national=bool(is_national),
            is_stale=_is_stale(_aware(reviewed_at), cutoff),
            score=score,
        )
        for entry_id, service_id, reviewed_at, is_national, score in rows
    ]
    return SearchResults(query=query, hits=hits, total=total, corrections=words.corrections, facets=facets)


def _ranked_page(
    query: SearchQuery,
    entries: QuerySet[SearchEntry],
    matched: QuerySet[SearchEntry],
    words: text.TextQuery,
    cutoff: datetime.datetime,
) -> list[tuple[Any, ...]]:
    """One page of the entries matching the words: fresh before stale, then by text rank."""
    if connection.vendor == "postgresql":
        fresh = ExpressionWrapper(Q(reviewed_at__gte=cutoff), output_field=BooleanField())
        page = (
            matched.annotate(fresh=fresh)
            .order_by(F("fresh").desc(nulls_last=True), F("text_score").desc(), "name_sort")
            .values_list("id", "service_id", "reviewed_at", "is_national", "text_score")
        )
        return list(page[query.offset : query.offset + query.per_page])
    match_sql, match_params = text.match_sql(words)
    inner_sql, inner_params = entries.values("id").query.sql_with_params()
    # Column and table names are ours; every value is a parameter.
    # Matching first (MATERIALIZED), so that neither database plans a walk through every entry.
    sql = (
        f"WITH m AS MATERIALIZED ({match_sql}) "  # noqa: S608
        "SELECT e.id, e.service_id, e.reviewed_at, e.is_national, m.score "
        "FROM m JOIN directory_searchentry e ON e.id = m.entry_id "
        f"WHERE e.id IN ({inner_sql}) "
        "ORDER BY CASE WHEN e.reviewed_at >= %s THEN 0 ELSE 1 END, m.score DESC, e.name_sort "
        "LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *inner_params, cutoff, query.per_page, query.offset])  # type: ignore[list-item]
        return list(cursor.fetchall())


# -- step 4: facets ----------------------------------------------------------------------------------------------

DAY_LABELS = dict(
    zip(DAY_BITS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
FILTER_LABELS = {
    "is_free": "Free",
    "accepts_referrals": "Accepts referrals",
    "self_referral": "People can refer themselves",
    "has_capacity": "Has places now",
}
QUERY_FLAG = {
    "is_free": "free_only",
    "accepts_referrals": "accepts_referrals",
    "self_referral": "self_referral",
    "has_capacity": "has_capacity",
}


def _facet_term_ids() -> list[uuid.UUID]:
    from carehouse.directory.services.taxonomy import facet_terms

    return [term.id for terms in facet_terms().values() for term in terms]


def _term_facets(query: SearchQuery, counts: dict[uuid.UUID, int]) -> dict[str, list[FacetValue]]:
    from carehouse.directory.services.taxonomy import facet_terms

    facets: dict[str, list[FacetValue]] = {}
    for facet_name, terms in facet_terms().items():
        facets[facet_name] = [
            FacetValue(
                key=str(term.id), label=term.name, count=counts.get(term.id, 0), selected=term.id in query.term_ids
            )
            for term in terms
        ]
    return facets


def _flag_facets(query: SearchQuery, flags: Counter[str], days: Counter[str]) -> dict[str, list[FacetValue]]:
    return {
        "filters": [
            FacetValue(key=name, label=label, count=flags[name], selected=bool(getattr(query, QUERY_FLAG[name])))
            for name, label in FILTER_LABELS.items()
        ],
        "days": [
            FacetValue(key=code, label=label, count=days[code], selected=query.day == code)
            for code, label in DAY_LABELS.items()
        ],
    }


def _facets_of(query: SearchQuery, candidates: list[_Candidate]) -> dict[str, list[FacetValue]]:
    flags: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for c in candidates:
        for name, value in zip(FACT_FIELDS[:4], c.facts[:4], strict=True):
            if value:
                flags[name] += 1
        mask = int(c.facts[4] or 0)
        for code, bit in DAY_BITS.items():
            if mask & bit:
                days[code] += 1
    counts: dict[uuid.UUID, int] = {}
    if candidates:
        terms = SearchTerm.objects.filter(
            entry_id__in=_one_of(c.entry_id for c in candidates), term_id__in=_facet_term_ids()
        )
        counts = {_uuid(t): n for t, n in terms.values_list("term_id").annotate(n=Count("id")).order_by()}
    return {**_term_facets(query, counts), **_flag_facets(query, flags, days)}


def _facets_in_database(query: SearchQuery, entries: QuerySet[SearchEntry]) -> tuple[int, dict[str, list[FacetValue]]]:
    """The number of entries and their facet counts, in two queries."""
    tagged = SearchTerm.objects.filter(entry_id__in=entries.values("id"), term_id__in=_facet_term_ids())
    counts = {_uuid(t): n for t, n in tagged.values_list("term_id").annotate(n=Count("id")).order_by()}
    with_days = entries.annotate(**{f"day_{code}": F("days").bitand(bit) for code, bit in DAY_BITS.items()})
    aggregates = with_days.aggregate(
        total=Count("id"),
        **{name: Count("id", filter=Q(**{name: True})) for name in FILTER_LABELS},
        **{f"open_{code}": Count("id", filter=Q(**{f"day_{code}__gt": 0})) for code in DAY_BITS},
    )
    flags: Counter[str] = Counter({name: aggregates[name] or 0 for name in FILTER_LABELS})
    days: Counter[str] = Counter({code: aggregates[f"open_{code}"] or 0 for code in DAY_BITS})
    return int(aggregates["total"] or 0), {**_term_facets(query, counts), **_flag_facets(query, flags, days)}
