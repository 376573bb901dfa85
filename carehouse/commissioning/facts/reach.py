"""Which community services in the directory are within reach of each GP practice.

Kept simple and honest: a service is *within reach* of a practice when it is active and either
has a venue within ``REACH_METRES`` of the centroid of the practice's postcode, or names a service
area (postcode districts or local authorities) that covers the practice's postcode. National
services (helplines, websites) are left out: they are everywhere, so they say nothing about local
gaps. A practice whose postcode we cannot place has no services within reach counted, and the
page says how many such practices there are.

``THEME_TERMS`` maps the themes people's needs and goals fall into to the directory's "More than
medicine" taxonomy terms that meet them. Themes left out (getting out and transport, family and
relationships, independence at home) have no matching kind of service in that taxonomy, so no
gap is claimed for them.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from carehouse.core.models import Organisation, OrganisationType
from carehouse.directory.geography import distance_metres
from carehouse.directory.models import (
    AreaKind,
    Attribute,
    PostcodePoint,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)

#: How far a venue may be from the practice and still count as within reach: 5 miles.
REACH_METRES = 8_047.0
#: The kind of service that meets each theme (a service tagged with a term or any term under it).
THEME_TERMS: dict[str, tuple[str, ...]] = {
    "loneliness": ("mtm:social-connection", "mtm:befriending", "mtm:social-groups", "mtm:peer-support"),
    "physical_activity": ("mtm:physical-activity",),
    "mental_wellbeing": ("mtm:mental-wellbeing", "mtm:peer-support"),
    "money": ("mtm:welfare-rights", "mtm:debt-advice", "mtm:debt-and-housing", "mtm:energy-advice"),
    "housing": ("mtm:housing-advice", "mtm:debt-and-housing"),
    "long_term_condition": ("mtm:structured-education", "mtm:self-management-courses", "mtm:diabetes-education"),
    "diet_weight": ("mtm:healthy-eating", "mtm:weight-management", "mtm:cooking-skills"),
    "caring": ("mtm:carers-support",),
    "work_learning": ("mtm:volunteering", "mtm:digital-skills", "mtm:coaching"),
}
NO_TYPE = "No type recorded"
_GRID_DEGREES = 0.1


@dataclass
class LocalService:
    """An active service: its kinds (top-level term names and every term code) and where it is."""

    id: uuid.UUID
    kinds: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    points: list[tuple[float, float]] = field(default_factory=list)
    areas: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PracticePlace:
    practice_id: int
    latitude: float
    longitude: float
    codes: frozenset[str]  # postcode district and local authority


def _terms() -> tuple[dict[uuid.UUID, set[str]], dict[uuid.UUID, str]]:
    """Each term's code with its ancestors' codes, and its top-level term's name."""
    rows = {
        pk: (code, name, parent)
        for pk, code, name, parent in TaxonomyTerm.objects.values_list("pk", "code", "name", "parent_id")
    }
    codes: dict[uuid.UUID, set[str]] = {}
    tops: dict[uuid.UUID, str] = {}
    for pk in rows:
        found: set[str] = set()
        current: uuid.UUID | None = pk
        top_name = rows[pk][1]
        for _ in range(10):  # terms nest a few levels at most; stop on a loop
            if current is None or current not in rows:
                break
            code, name, parent = rows[current]
            if code:
                found.add(code)
            top_name = name
            current = parent
        codes[pk], tops[pk] = found, top_name
    return codes, tops


def local_services() -> list[LocalService]:
    """Every active service, with its kinds, venues and the local areas it covers."""
    services = {
        pk: LocalService(pk) for pk in Service.objects.filter(status=ServiceStatus.ACTIVE).values_list("pk", flat=True)
    }
    codes, tops = _terms()
    tagged = Attribute.objects.filter(link_entity="service").values_list("link_id", "taxonomy_term_id")
    for link_id, term_id in tagged.iterator(chunk_size=10_000):
        service = services.get(link_id)
        if service is not None and term_id in codes and any(code.startswith("mtm:") for code in codes[term_id]):
            service.codes |= codes[term_id]
            service.kinds.add(tops[term_id])
    venues = ServiceAtLocation.objects.filter(location__latitude__isnull=False, location__longitude__isnull=False)
    for service_id, latitude, longitude in venues.values_list(
        "service_id", "location__latitude", "location__longitude"
    ):
        if service_id in services and latitude is not None and longitude is not None:
            services[service_id].points.append((latitude, longitude))
    areas = ServiceArea.objects.filter(
        service__isnull=False, kind__in=[AreaKind.POSTCODE_DISTRICTS, AreaKind.LOCAL_AUTHORITY]
    )
    for service_id, area_codes in areas.values_list("service_id", "codes"):
        if service_id in services and isinstance(area_codes, list):
            services[service_id].areas |= {str(code).upper() for code in area_codes}
    for service in services.values():
        if not service.kinds:
            service.kinds.add(NO_TYPE)
    return list(services.values())


def practice_places() -> list[PracticePlace]:
    """Where each GP practice is, from its postcode (full postcode, else sector, else district centroid)."""
    practices = list(
        Organisation.objects.filter(type=OrganisationType.GP_PRACTICE)
        .exclude(postcode="")
        .values_list("pk", "postcode")
    )
    wanted: dict[int, list[str]] = {}
    for pk, postcode in practices:
        squashed = postcode.upper().replace(" ", "")
        if len(squashed) < 5:
            continue
        outward, inward = squashed[:-3], squashed[-3:]
        wanted[pk] = [f"{outward} {inward}", f"{outward} {inward[0]}", outward]
    points = {
        point.code: point
        for point in PostcodePoint.objects.filter(code__in={code for codes in wanted.values() for code in codes})
    }
    places = []
    for pk, candidates in wanted.items():
        best = next((points[code] for code in candidates if code in points), None)
        if best is None:
            continue
        area_codes = {candidates[-1]} | {
            points[c].local_authority for c in candidates if c in points and points[c].local_authority
        }
        places.append(PracticePlace(pk, best.latitude, best.longitude, frozenset(area_codes)))
    return places


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / _GRID_DEGREES), math.floor(longitude / _GRID_DEGREES)


def services_within_reach(services: list[LocalService], places: list[PracticePlace]) -> dict[int, list[LocalService]]:
    """For each practice we can place, the active services within reach of it."""
    grid: dict[tuple[int, int], list[tuple[float, float, LocalService]]] = defaultdict(list)
    by_area: dict[str, list[LocalService]] = defaultdict(list)
    for service in services:
        for latitude, longitude in service.points:
            grid[_cell(latitude, longitude)].append((latitude, longitude, service))
        for code in service.areas:
            by_area[code].append(service)
    # A grid cell is about 11 km tall and at least 5 km wide in Great Britain: look two cells out.
    reach: dict[int, list[LocalService]] = {}
    for place in places:
        found: dict[uuid.UUID, LocalService] = {}
        row, column = _cell(place.latitude, place.longitude)
        for d_row in (-1, 0, 1):
            for d_column in (-2, -1, 0, 1, 2):
                for latitude, longitude, service in grid.get((row + d_row, column + d_column), ()):
                    if service.id not in found and (
                        distance_metres(place.latitude, place.longitude, latitude, longitude) <= REACH_METRES
                    ):
                        found[service.id] = service
        for code in place.codes:
            for service in by_area.get(code.upper(), ()):
                found.setdefault(service.id, service)
        reach[place.practice_id] = list(found.values())
    return reach


def themes_met(reach: dict[int, list[LocalService]]) -> dict[int, set[str]]:
    """For each practice, the themes (in ``THEME_TERMS``) that at least one service within reach meets."""
    met: dict[int, set[str]] = {}
    for practice_id, services in reach.items():
        codes = set().union(*(service.codes for service in services)) if services else set()
        met[practice_id] = {theme for theme, terms in THEME_TERMS.items() if codes.intersection(terms)}
    return met
