"""Directory records for tests: ``make_service`` builds a whole, searchable service in one call."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import factory
from django.utils import timezone

from carehouse.directory.models import (
    Address,
    AreaKind,
    Attribute,
    DirectoryOrganization,
    Location,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from carehouse.directory.search.index import reindex_services


class DirectoryOrganizationFactory(factory.django.DjangoModelFactory[DirectoryOrganization]):
    class Meta:
        model = DirectoryOrganization

    name = factory.Sequence(lambda n: f"Community Organisation {n}")
    description = "A community organisation."


def term(code: str) -> TaxonomyTerm:
    """A shipped taxonomy term by its code, like ``"mtm:walking-groups"``."""
    return TaxonomyTerm.objects.get(code=code)


def make_service(
    name: str,
    *,
    description: str = "",
    organization: DirectoryOrganization | None = None,
    terms: Sequence[str] = (),
    at: Sequence[tuple[float, float]] = (),
    postcode: str = "S60 1AA",
    districts: str = "",
    local_authority: str = "",
    national: bool = False,
    days: str = "",
    opens: datetime.time | None = None,
    closes: datetime.time | None = None,
    minimum_age: float | None = None,
    maximum_age: float | None = None,
    referral_routes: Sequence[str] = ("link_workers", "professionals"),
    reviewed: bool = True,
    reviewed_at: datetime.datetime | None = None,
    index: bool = True,
    **fields: object,
) -> Service:
    """A service with its locations (``at``: latitude, longitude pairs), terms, area and opening times.

    ``districts`` ("S60 S61") or ``local_authority`` ("E08000018") or ``national`` set its service
    area; none of them means it names no area (found by distance alone). It is indexed for search
    unless ``index`` is False.
    """
    service = Service.objects.create(
        organization=organization or DirectoryOrganizationFactory.create(),
        name=name,
        description=description or f"{name}: a community service.",
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        referral_routes=list(referral_routes),
        last_reviewed_at=(reviewed_at or timezone.now()) if reviewed else None,
        last_modified=timezone.now(),
        **fields,
    )
    for number, (latitude, longitude) in enumerate(at, start=1):
        location = Location.objects.create(
            organization=service.organization,
            name=f"{name} venue {number}",
            latitude=latitude,
            longitude=longitude,
        )
        Address.objects.create(
            location=location,
            address_1=f"{number} High Street",
            city="Rotherham",
            state_province="South Yorkshire",
            postal_code=postcode,
            country="GB",
            address_type="physical",
        )
        ServiceAtLocation.objects.create(service=service, location=location)
    for code in terms:
        Attribute.objects.create(link_id=service.id, link_entity="service", taxonomy_term=term(code))
    if districts:
        ServiceArea.objects.create(
            service=service,
            name=districts,
            extent=districts,
            extent_type="text",
            kind=AreaKind.POSTCODE_DISTRICTS,
            codes=districts.split(),
        )
    if local_authority:
        ServiceArea.objects.create(
            service=service,
            name=local_authority,
            uri=f"http://statistics.data.gov.uk/id/statistical-geography/{local_authority}",
            kind=AreaKind.LOCAL_AUTHORITY,
            codes=[local_authority],
        )
    if national:
        ServiceArea.objects.create(
            service=service,
            name="England",
            uri="http://statistics.data.gov.uk/id/statistical-geography/E92000001",
            kind=AreaKind.NATIONAL,
            codes=["E92000001"],
        )
    if days:
        Schedule.objects.create(service=service, freq="WEEKLY", byday=days, opens_at=opens, closes_at=closes)
    if index:
        reindex_services([service.id])
    return service
