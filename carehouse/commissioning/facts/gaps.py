"""Unmet needs and gaps: referrals services could not take, waiting lists, and directory coverage.

Measures:

- ``gap_referral``: referrals by the month they ended or went on the list, for the person referred.
  ``key`` is ``declined:no-capacity``, ``declined:not-eligible``, ``declined:out-of-area`` (declined
  by the service for that reason), ``expired`` (no answer from the service in time, cancelled by
  Carehouse's timer) or ``waiting`` (on hold on the service's waiting list now, by the month it
  went on the list); ``detail`` is the kind of service (its top-level directory taxonomy term).
- ``directory_reach``: one cell per practice, kind of service and active service within reach of
  the practice (``reach``), in the month of the rebuild. Not about people: ``detail`` is the
  service's id so that an area's distinct services can be counted. ``directory_place``: one cell
  for each practice whose postcode we could place (the others have no coverage figures).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone

from carehouse.commissioning.facts import Cell, Dims, Population
from carehouse.commissioning.facts import reach as reach_module
from carehouse.directory.models import Attribute
from carehouse.referrals.models import Referral
from carehouse.referrals.states import Reason, ReferralState

DECLINE_REASONS = (Reason.NO_CAPACITY, Reason.NOT_ELIGIBLE, Reason.OUT_OF_AREA)
WAITLISTED = str(Reason.WAITLISTED)
GAP_KEYS: dict[str, str] = {
    f"declined:{Reason.NO_CAPACITY}": "Declined: no places or capacity",
    f"declined:{Reason.NOT_ELIGIBLE}": "Declined: not eligible",
    f"declined:{Reason.OUT_OF_AREA}": "Declined: outside the area the service covers",
    "expired": "No answer from the service in time",
    "waiting": "On a waiting list now",
}


def _month(*moments: datetime.datetime | None) -> datetime.date | None:
    for moment in moments:
        if moment is not None:
            day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
            return day.replace(day=1)
    return None


def service_kinds() -> dict[uuid.UUID, str]:
    """Each service's kind: the name of the top-level taxonomy term of its first "More than medicine" term."""
    codes, tops = reach_module._terms()
    kinds: dict[uuid.UUID, str] = {}
    rows = Attribute.objects.filter(link_entity="service").order_by("link_id", "pk")
    for link_id, term_id in rows.values_list("link_id", "taxonomy_term_id").iterator(chunk_size=10_000):
        if link_id not in kinds and any(code.startswith("mtm:") for code in codes.get(term_id, ())):
            kinds[link_id] = tops[term_id]
    return kinds


def build(population: Population) -> Iterator[Cell]:
    yield from referral_cells(population)
    yield from directory_cells(population.today)


def referral_cells(population: Population) -> Iterator[Cell]:
    kinds = service_kinds()
    gaps = Referral.objects.filter(
        Q(status=ReferralState.REJECTED, status_reason__in=DECLINE_REASONS)
        | Q(status=ReferralState.CANCELLED, status_reason=Reason.EXPIRED)
        | (Q(status=ReferralState.ON_HOLD) & (Q(status_reason=Reason.WAITLISTED) | Q(business_status=WAITLISTED)))
    ).values_list("person_id", "service_id", "status", "status_reason", "closed_at", "last_activity_at", "created_at")
    for person_id, service_id, status, reason, closed, active, created in gaps.iterator(chunk_size=10_000):
        dims = population.of(person_id)
        if dims is None:
            continue
        if status == ReferralState.REJECTED:
            key, month = f"declined:{reason}", _month(closed, active, created)
        elif status == ReferralState.CANCELLED:
            key, month = "expired", _month(closed, active, created)
        else:
            key, month = "waiting", _month(active, created)
        if month is not None:
            yield Cell("gap_referral", month, dims, key=key, detail=kinds.get(service_id, reach_module.NO_TYPE))


def directory_cells(today: datetime.date) -> Iterator[Cell]:
    month = today.replace(day=1)
    reach = reach_module.services_within_reach(reach_module.local_services(), reach_module.practice_places())
    for practice_id, services in reach.items():
        dims = Dims.of_practice(practice_id)
        yield Cell("directory_place", month, dims)
        for service in services:
            for kind in service.kinds:
                yield Cell("directory_reach", month, dims, key=kind, detail=str(service.id))
