"""Keeping the search index in step with the directory.

Every write to a service (or anything hanging from it) calls ``reindex_services`` in the same
transaction, so search never shows a record as it was. An import reindexes what it touched in
bulk. ``rebuild`` starts again from nothing (``carehouse directory reindex``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from carehouse.directory.models import (
    AreaKind,
    Attribute,
    Location,
    LocationType,
    ReferralRoute,
    SearchArea,
    SearchEntry,
    SearchPoint,
    SearchTerm,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)
from carehouse.directory.search import text

DAY_BITS = {"MO": 1, "TU": 2, "WE": 4, "TH": 8, "FR": 16, "SA": 32, "SU": 64}
CHUNK = 500


def day_mask(byday: str) -> int:
    mask = 0
    for code in byday.upper().replace(" ", "").split(","):
        # RFC 5545 allows an ordinal before the day ("1MO", "-1FR").
        mask |= DAY_BITS.get(code.lstrip("+-0123456789"), 0)
    return mask


def _term_ancestors() -> dict[uuid.UUID, list[uuid.UUID]]:
    parents = dict(TaxonomyTerm.objects.values_list("id", "parent_id"))
    result: dict[uuid.UUID, list[uuid.UUID]] = {}
    for term_id in parents:
        chain: list[uuid.UUID] = []
        seen = {term_id}
        parent = parents.get(term_id)
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = parents.get(parent)
        result[term_id] = chain
    return result


def _services(ids: Sequence[uuid.UUID]) -> QuerySet[Service]:
    locations = Location.objects.only("id", "latitude", "longitude", "location_type").prefetch_related("schedules")
    return (
        Service.objects.filter(id__in=ids)
        .select_related("organization")
        .prefetch_related(
            "schedules",
            "service_areas",
            "cost_options",
            "capacities",
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related(None).prefetch_related(
                    "schedules", "service_areas", Prefetch("location", queryset=locations)
                ),
            ),
        )
    )


def _is_free(service: Service) -> bool:
    options = list(service.cost_options.all())
    if options:
        return all((o.amount or 0) == 0 for o in options)
    return not (service.fees.strip() or service.fees_description.strip())


def _reviewed_at(service: Service) -> datetime.datetime | None:
    dates = [service.last_reviewed_at] if service.last_reviewed_at else []
    if service.assured_date:
        dates.append(datetime.datetime.combine(service.assured_date, datetime.time(), tzinfo=datetime.UTC))
    return max(dates) if dates else None


def reindex_services(ids: Iterable[uuid.UUID]) -> int:
    """Rebuild the index entries of these services (removing those of services that are gone)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    ancestors = _term_ancestors()
    term_names = dict(TaxonomyTerm.objects.values_list("id", "name"))
    done = 0
    with transaction.atomic():
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            old = list(SearchEntry.objects.filter(service_id__in=chunk).values_list("id", flat=True))
            text.remove(old)
            SearchEntry.objects.filter(id__in=old).delete()
            services = list(_services(chunk))
            tags: dict[uuid.UUID, set[uuid.UUID]] = {}
            for link_id, term_id in Attribute.objects.filter(
                link_entity="service", link_id__in=[s.id for s in services]
            ).values_list("link_id", "taxonomy_term_id"):
                tags.setdefault(link_id, set()).add(term_id)
            # Terms on a service's locations (accessibility features, mostly) describe the service too.
            service_of_location: dict[uuid.UUID, set[uuid.UUID]] = {}
            for service in services:
                for sal in service.service_at_locations.all():
                    service_of_location.setdefault(sal.location_id, set()).add(service.id)
            for link_id, term_id in Attribute.objects.filter(
                link_entity="location", link_id__in=list(service_of_location)
            ).values_list("link_id", "taxonomy_term_id"):
                for service_id in service_of_location[link_id]:
                    tags.setdefault(service_id, set()).add(term_id)
            done += _write(services, tags, ancestors, term_names)
    return done


def _write(
    services: list[Service],
    tags: dict[uuid.UUID, set[uuid.UUID]],
    ancestors: dict[uuid.UUID, list[uuid.UUID]],
    term_names: dict[uuid.UUID, str],
) -> int:
    entries: list[SearchEntry] = []
    extras: list[tuple[Service, set[uuid.UUID], set[uuid.UUID]]] = []
    for service in services:
        direct = tags.get(service.id, set())
        inherited = {a for t in direct for a in ancestors.get(t, [])} - direct
        sals = list(service.service_at_locations.all())
        schedules = list(service.schedules.all()) + [s for sal in sals for s in sal.schedules.all()]
        schedules += [s for sal in sals for s in sal.location.schedules.all()]
        areas = list(service.service_areas.all()) + [a for sal in sals for a in sal.service_areas.all()]
        known_areas = [a for a in areas if a.kind != AreaKind.UNKNOWN]
        capacities = sorted(service.capacities.all(), key=lambda c: c.updated, reverse=True)
        routes = set(service.referral_routes)
        words = [service.alternate_name, service.description]
        if service.organization is not None:
            words.append(service.organization.name)
        words += [term_names.get(t, "") for t in sorted(direct | inherited)]
        entries.append(
            SearchEntry(
                service=service,
                name=service.name,
                name_sort=service.name.casefold()[:255],
                body=" ".join(w for w in words if w),
                is_active=service.status == ServiceStatus.ACTIVE,
                minimum_age=service.minimum_age,
                maximum_age=service.maximum_age,
                is_free=_is_free(service),
                accepts_referrals=bool(routes - {ReferralRoute.SIGNPOSTING_ONLY}),
                self_referral=ReferralRoute.SELF_REFERRAL in routes,
                has_capacity=bool(capacities) and capacities[0].available > 0,
                days=_days(schedules),
                is_national=bool(known_areas) and all(a.kind == AreaKind.NATIONAL for a in known_areas),
                has_areas=bool(known_areas),
                reviewed_at=_reviewed_at(service),
                last_modified=service.last_modified,
            )
        )
        extras.append((service, direct, inherited))
    SearchEntry.objects.bulk_create(entries)
    by_service = {e.service_id: e for e in entries}
    if any(e.pk is None for e in entries):  # databases that do not return ids from bulk inserts
        ids = dict(SearchEntry.objects.filter(service_id__in=list(by_service)).values_list("service_id", "id"))
        for entry in entries:
            entry.pk = entry.id = ids[entry.service_id]
    terms: list[SearchTerm] = []
    areas_rows: list[SearchArea] = []
    points: list[SearchPoint] = []
    for service, direct, inherited in extras:
        entry = by_service[service.id]
        terms += [SearchTerm(entry=entry, term_id=t, direct=True) for t in direct]
        terms += [SearchTerm(entry=entry, term_id=t, direct=False) for t in inherited]
        sals = list(service.service_at_locations.all())
        codes = {c for a in service.service_areas.all() for c in a.codes}
        codes |= {c for sal in sals for a in sal.service_areas.all() for c in a.codes}
        areas_rows += [SearchArea(entry=entry, code=c[:12]) for c in sorted(codes)]
        for sal in sals:
            location = sal.location
            if (
                location.location_type == LocationType.PHYSICAL
                and location.latitude is not None
                and location.longitude is not None
            ):
                points.append(
                    SearchPoint(
                        entry=entry, service_at_location=sal, latitude=location.latitude, longitude=location.longitude
                    )
                )
    SearchTerm.objects.bulk_create(terms, batch_size=2000)
    SearchArea.objects.bulk_create(areas_rows, batch_size=2000)
    SearchPoint.objects.bulk_create(points, batch_size=2000)
    text.write([(e.pk, e.name, e.body) for e in entries])
    return len(entries)


def _days(schedules: list) -> int:  # type: ignore[type-arg]
    mask = 0
    for schedule in schedules:
        if schedule.byday:
            mask |= day_mask(schedule.byday)
    return mask


def rebuild(progress: object = None) -> int:
    """Reindex every service, a chunk at a time."""
    ids = list(Service.objects.order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(ids), CHUNK * 4):
        done += reindex_services(ids[start : start + CHUNK * 4])
        if callable(progress):
            progress(done, len(ids))
    return done
