"""Directory records as HSDS 3.0 JSON: the shapes of the Open Referral API and of our exports.

Field names are HSDS's own. The nested shapes follow the HSDS 3.0 examples
(``tests/fixtures/openreferral/hsds-3.0/json``): ``service_full`` is ``GET /services/{id}``,
``service_summary`` an item of ``GET /services``, and so on.

Rules every function keeps:

- **Empty is absent.** A value that is ``null``, ``""`` or ``[]`` is left out, unless HSDS
  requires the field (``id``, ``name``, ``status``, an organisation's ``description``, an
  address's lines...), which is always written. HSDS makes every other field optional, so a
  reader treats a missing field as empty, and an import of our export stores exactly what it
  had (an empty string, a null or no children), which keeps round trips lossless.
- Whole numbers are integers (``100``, not ``100.0``); dates are ``YYYY-MM-DD``; times
  ``HH:MM:SS``; ``last_modified`` is UTC with milliseconds (``2023-03-15T10:30:45.123Z``).
  A metadata ``last_action_date`` is a date, as HSDS 3.0 defines it.
- A child that hangs from several parents (a phone of a service, its contact and its
  location) is written under every parent whose key it carries, as the HSDS examples do.
- Keys that the nesting already says are left out: a phone under a service has no
  ``service_id``, a nested attribute no ``link_id``, nested metadata no ``resource_id``.
  A location nested under a service at location names its ``organization_id`` only when
  it belongs to another organisation than the service's (the service's own organisation
  lists it under ``organization.locations``).
- Ours, kept apart: ``capacities`` (HSDS 3.1 ``service_capacity`` with its ``unit``) and one
  object, ``carehouse_referral``, with our referral-readiness fields. Both are extra
  properties, which HSDS allows; both are left out when empty.

Many services at once: ``services_full`` loads everything for a batch of services in a fixed
number of queries (about twenty per 200 services), never one per service.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet

from carehouse.directory.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    DirectoryOrganization,
    Funding,
    Language,
    Location,
    Metadata,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
)

JSON = dict[str, Any]

#: Services loaded per batch by ``services_full``.
BATCH = 200
#: The name of our one extra object on a service.
REFERRAL_KEY = "carehouse_referral"


# -- values ----------------------------------------------------------------------------------------------


def number(value: float | int | None) -> float | int | None:
    """A whole float as an int (``100.0`` → ``100``); other numbers unchanged."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def date_text(value: datetime.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat()


def datetime_text(value: datetime.datetime | None) -> str | None:
    """UTC with milliseconds and ``Z``: ``2023-03-15T10:30:45.123Z``."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def time_text(value: datetime.time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value is not None else None


def uuid_text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _record(required: Iterable[tuple[str, Any]], optional: Iterable[tuple[str, Any]] = ()) -> JSON:
    out: JSON = dict(required)
    for key, value in optional:
        if not _is_empty(value):
            out[key] = value
    return out


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def _extend(out: JSON, **values: Any) -> JSON:
    for key, value in values.items():
        if not _is_empty(value):
            out[key] = value
    return out


# -- the batch of rows behind a set of services ------------------------------------------------------------


class Graph:
    """Every row that the full records of some services (and organisations) need, loaded once.

    Children are indexed by the parent key they carry, so a phone with both ``service_id``
    and ``location_id`` is found under both.
    """

    def __init__(
        self,
        service_ids: Sequence[uuid.UUID],
        *,
        organization_ids: Iterable[uuid.UUID] = (),
        location_ids: Iterable[uuid.UUID] = (),
    ) -> None:
        self.services: dict[uuid.UUID, Service] = {
            s.id: s for s in Service.objects.filter(id__in=list(service_ids)).order_by("name", "id")
        }
        ids = list(self.services)
        self.sals = list(ServiceAtLocation.objects.filter(service_id__in=ids).order_by("id"))
        org_ids = {s.organization_id for s in self.services.values() if s.organization_id} | set(organization_ids)
        self.organizations: dict[uuid.UUID, DirectoryOrganization] = {
            o.id: o for o in DirectoryOrganization.objects.filter(id__in=org_ids)
        }
        self.locations: dict[uuid.UUID, Location] = {
            loc.id: loc
            for loc in Location.objects.filter(
                Q(id__in=[s.location_id for s in self.sals] + list(location_ids)) | Q(organization_id__in=org_ids)
            ).order_by("id")
        }
        program_ids = [s.program_id for s in self.services.values() if s.program_id]
        self.programs: dict[uuid.UUID, Program] = {
            p.id: p
            for p in Program.objects.filter(Q(id__in=program_ids) | Q(organization_id__in=org_ids)).order_by("id")
        }
        sal_ids = [s.id for s in self.sals]
        loc_ids = list(self.locations)
        self.children: dict[tuple[str, str], dict[uuid.UUID, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self._index("sal", "service_id", self.sals)
        self._index("location", "organization_id", self.locations.values())
        self._index("program", "organization_id", self.programs.values())
        self._index(
            "identifier",
            "organization_id",
            OrganizationIdentifier.objects.filter(organization_id__in=org_ids).order_by("id"),
        )
        contacts = list(
            Contact.objects.filter(
                Q(service_id__in=ids)
                | Q(service_at_location_id__in=sal_ids)
                | Q(location_id__in=loc_ids)
                | Q(organization_id__in=org_ids)
            ).order_by("id")
        )
        self._index("contact", ("service_id", "service_at_location_id", "location_id", "organization_id"), contacts)
        phones = list(
            Phone.objects.filter(
                Q(service_id__in=ids)
                | Q(service_at_location_id__in=sal_ids)
                | Q(location_id__in=loc_ids)
                | Q(organization_id__in=org_ids)
                | Q(contact_id__in=[c.id for c in contacts])
            ).order_by("id")
        )
        self._index(
            "phone", ("service_id", "service_at_location_id", "location_id", "organization_id", "contact_id"), phones
        )
        self._index(
            "language",
            ("service_id", "location_id", "phone_id"),
            Language.objects.filter(
                Q(service_id__in=ids) | Q(location_id__in=loc_ids) | Q(phone_id__in=[p.id for p in phones])
            ).order_by("id"),
        )
        self._index(
            "schedule",
            ("service_id", "location_id", "service_at_location_id"),
            Schedule.objects.filter(
                Q(service_id__in=ids) | Q(location_id__in=loc_ids) | Q(service_at_location_id__in=sal_ids)
            ).order_by("id"),
        )
        self._index(
            "area",
            ("service_id", "service_at_location_id"),
            ServiceArea.objects.filter(Q(service_id__in=ids) | Q(service_at_location_id__in=sal_ids)).order_by("id"),
        )
        self._index(
            "funding",
            ("service_id", "organization_id"),
            Funding.objects.filter(Q(service_id__in=ids) | Q(organization_id__in=org_ids)).order_by("id"),
        )
        self._index("cost", "service_id", CostOption.objects.filter(service_id__in=ids).order_by("id"))
        self._index("document", "service_id", RequiredDocument.objects.filter(service_id__in=ids).order_by("id"))
        self._index(
            "capacity",
            "service_id",
            ServiceCapacity.objects.filter(service_id__in=ids).select_related("unit").order_by("id"),
        )
        self._index("address", "location_id", Address.objects.filter(location_id__in=loc_ids).order_by("id"))
        self._index(
            "accessibility", "location_id", Accessibility.objects.filter(location_id__in=loc_ids).order_by("id")
        )
        every_id = set(ids) | set(sal_ids) | set(loc_ids) | set(org_ids) | set(self.programs)
        for group in self.children.values():
            for rows in group.values():
                every_id.update(row.id for row in rows)
        self._index(
            "attribute",
            "link_id",
            Attribute.objects.filter(link_id__in=every_id)
            .select_related("taxonomy_term__taxonomy_detail")
            .order_by("id"),
        )
        self._index("metadata", "resource_id", Metadata.objects.filter(resource_id__in=every_id).order_by("id"))

    def _index(self, kind: str, keys: str | tuple[str, ...], rows: Iterable[Model]) -> None:
        for key in (keys,) if isinstance(keys, str) else keys:
            self.children[(kind, key)]  # make the group even when empty
        for row in rows:
            for key in (keys,) if isinstance(keys, str) else keys:
                parent = getattr(row, key)
                if parent is not None:
                    self.children[(kind, key)][parent].append(row)

    def of(self, kind: str, key: str, parent: uuid.UUID) -> list[Any]:
        return self.children[(kind, key)].get(parent, [])

    # -- records ------------------------------------------------------------------------------------

    def extras(self, out: JSON, record_id: uuid.UUID) -> JSON:
        """``attributes`` and ``metadata`` of any record, when it has some."""
        return _extend(
            out,
            attributes=[attribute(a) for a in self.of("attribute", "link_id", record_id)],
            metadata=[metadata(m) for m in self.of("metadata", "resource_id", record_id)],
        )

    def language(self, row: Language) -> JSON:
        return self.extras(_language(row), row.id)

    def phone(self, row: Phone) -> JSON:
        out = _phone(row)
        _extend(out, languages=[self.language(lang) for lang in self.of("language", "phone_id", row.id)])
        return self.extras(out, row.id)

    def contact(self, row: Contact) -> JSON:
        out = _contact(row)
        _extend(out, phones=[self.phone(p) for p in self.of("phone", "contact_id", row.id)])
        return self.extras(out, row.id)

    def schedule(self, row: Schedule) -> JSON:
        return self.extras(_schedule(row), row.id)

    def location(self, row: Location, *, organization_id: uuid.UUID | None = None) -> JSON:
        """A full location; ``organization_id`` is written unless it is the one given (the nesting's)."""
        out = location_fields(row, with_organization=row.organization_id != organization_id)
        key = "location_id"
        _extend(
            out,
            languages=[self.language(x) for x in self.of("language", key, row.id)],
            addresses=[self.extras(address(x), x.id) for x in self.of("address", key, row.id)],
            contacts=[self.contact(x) for x in self.of("contact", key, row.id)],
            accessibility=[self.extras(accessibility(x), x.id) for x in self.of("accessibility", key, row.id)],
            phones=[self.phone(x) for x in self.of("phone", key, row.id)],
            schedules=[self.schedule(x) for x in self.of("schedule", key, row.id)],
        )
        return self.extras(out, row.id)

    def service_at_location(self, row: ServiceAtLocation, *, organization_id: uuid.UUID | None) -> JSON:
        key = "service_at_location_id"
        out = _record([("id", str(row.id))], [("description", row.description)])
        _extend(
            out,
            contacts=[self.contact(x) for x in self.of("contact", key, row.id)],
            phones=[self.phone(x) for x in self.of("phone", key, row.id)],
            schedules=[self.schedule(x) for x in self.of("schedule", key, row.id)],
            service_areas=[self.extras(service_area(x), x.id) for x in self.of("area", key, row.id)],
        )
        out["location"] = self.location(self.locations[row.location_id], organization_id=organization_id)
        return self.extras(out, row.id)

    def program(self, row: Program) -> JSON:
        return self.extras(program(row), row.id)

    def organization(self, row: DirectoryOrganization) -> JSON:
        key = "organization_id"
        out = organization_summary(row)
        _extend(
            out,
            funding=[self.extras(funding(x), x.id) for x in self.of("funding", key, row.id)],
            contacts=[self.contact(x) for x in self.of("contact", key, row.id)],
            phones=[self.phone(x) for x in self.of("phone", key, row.id)],
            locations=[self.location(x, organization_id=row.id) for x in self.of("location", key, row.id)],
            programs=[self.program(x) for x in self.of("program", key, row.id)],
            organization_identifiers=[
                self.extras(organization_identifier(x), x.id) for x in self.of("identifier", key, row.id)
            ],
        )
        return self.extras(out, row.id)

    def service(
        self,
        row: Service,
        *,
        with_organization: bool = True,
        with_locations: bool = True,
        referral: bool = True,
    ) -> JSON:
        key = "service_id"
        out = service_fields(row)
        _extend(
            out,
            phones=[self.phone(x) for x in self.of("phone", key, row.id)],
            schedules=[self.schedule(x) for x in self.of("schedule", key, row.id)],
            service_areas=[self.extras(service_area(x), x.id) for x in self.of("area", key, row.id)],
        )
        if with_locations:
            _extend(
                out,
                service_at_locations=[
                    self.service_at_location(x, organization_id=row.organization_id)
                    for x in self.of("sal", key, row.id)
                ],
            )
        _extend(out, languages=[self.language(x) for x in self.of("language", key, row.id)])
        if with_organization and row.organization_id is not None:
            out["organization"] = self.organization(self.organizations[row.organization_id])
        _extend(
            out,
            funding=[self.extras(funding(x), x.id) for x in self.of("funding", key, row.id)],
            cost_options=[self.extras(cost_option(x), x.id) for x in self.of("cost", key, row.id)],
        )
        if row.program_id is not None:
            out["program"] = self.program(self.programs[row.program_id])
        _extend(
            out,
            required_documents=[self.extras(required_document(x), x.id) for x in self.of("document", key, row.id)],
            contacts=[self.contact(x) for x in self.of("contact", key, row.id)],
        )
        self.extras(out, row.id)
        _extend(out, capacities=[capacity(x) for x in self.of("capacity", key, row.id)])
        if referral:
            _extend(out, **{REFERRAL_KEY: referral_fields(row)})
        return out


# -- one table's own fields ----------------------------------------------------------------------------------


def service_fields(row: Service) -> JSON:
    """A service's direct HSDS properties."""
    return _record(
        [("id", str(row.id)), ("name", row.name)],
        [
            ("alternate_name", row.alternate_name),
            ("description", row.description),
            ("url", row.url),
            ("email", row.email),
            ("status", row.status or "active"),
            ("interpretation_services", row.interpretation_services),
            ("application_process", row.application_process),
            ("fees_description", row.fees_description),
            ("wait_time", row.wait_time),
            ("fees", row.fees),
            ("accreditations", row.accreditations),
            ("eligibility_description", row.eligibility_description),
            ("minimum_age", number(row.minimum_age)),
            ("maximum_age", number(row.maximum_age)),
            ("assured_date", date_text(row.assured_date)),
            ("assurer_email", row.assurer_email),
            ("licenses", row.licenses),
            ("alert", row.alert),
            ("last_modified", datetime_text(row.last_modified)),
        ],
    )


def referral_fields(row: Service) -> JSON:
    """Ours: who may refer, and how (the ``carehouse_referral`` object)."""
    return _record(
        [],
        [
            ("referral_routes", list(row.referral_routes or [])),
            ("how_to_refer", row.how_to_refer),
            ("referral_url", row.referral_url),
            ("referral_email", row.referral_email),
            ("response_time_days", row.response_time_days),
        ],
    )


def location_fields(row: Location, *, with_organization: bool = True) -> JSON:
    return _record(
        [("id", str(row.id)), ("location_type", row.location_type)],
        [
            ("url", row.url),
            ("organization_id", uuid_text(row.organization_id) if with_organization else None),
            ("name", row.name),
            ("alternate_name", row.alternate_name),
            ("description", row.description),
            ("transportation", row.transportation),
            ("latitude", number(row.latitude)),
            ("longitude", number(row.longitude)),
            ("external_identifier", row.external_identifier),
            ("external_identifier_type", row.external_identifier_type),
        ],
    )


def _language(row: Language) -> JSON:
    return _record([("id", str(row.id))], [("name", row.name), ("code", row.code), ("note", row.note)])


def _phone(row: Phone) -> JSON:
    return _record(
        [("id", str(row.id)), ("number", row.number)],
        [("extension", number(row.extension)), ("type", row.type), ("description", row.description)],
    )


def _contact(row: Contact) -> JSON:
    return _record(
        [("id", str(row.id))],
        [("name", row.name), ("title", row.title), ("department", row.department), ("email", row.email)],
    )


def _schedule(row: Schedule) -> JSON:
    return _record(
        [("id", str(row.id))],
        [
            ("valid_from", date_text(row.valid_from)),
            ("valid_to", date_text(row.valid_to)),
            ("dtstart", row.dtstart),
            ("timezone", number(row.timezone)),
            ("until", row.until),
            ("count", row.count),
            ("wkst", row.wkst),
            ("freq", row.freq),
            ("interval", row.interval),
            ("byday", row.byday),
            ("byweekno", row.byweekno),
            ("bymonthday", row.bymonthday),
            ("byyearday", row.byyearday),
            ("description", row.description),
            ("opens_at", time_text(row.opens_at)),
            ("closes_at", time_text(row.closes_at)),
            ("schedule_link", row.schedule_link),
            ("attending_type", row.attending_type),
            ("notes", row.notes),
        ],
    )


def service_area(row: ServiceArea) -> JSON:
    return _record(
        [("id", str(row.id))],
        [
            ("name", row.name),
            ("description", row.description),
            ("extent", row.extent),
            ("extent_type", row.extent_type),
            ("uri", row.uri),
        ],
    )


def address(row: Address) -> JSON:
    """An address: HSDS requires its lines, city, region code, postcode, country and type."""
    out = _record([("id", str(row.id))], [("attention", row.attention)])
    out["address_1"] = row.address_1
    _extend(out, address_2=row.address_2)
    out["city"] = row.city
    _extend(out, region=row.region)
    out["state_province"] = row.state_province
    out["postal_code"] = row.postal_code
    out["country"] = row.country
    out["address_type"] = row.address_type
    return out


def accessibility(row: Accessibility) -> JSON:
    return _record(
        [("id", str(row.id))], [("description", row.description), ("details", row.details), ("url", row.url)]
    )


def funding(row: Funding) -> JSON:
    return _record([("id", str(row.id))], [("source", row.source)])


def cost_option(row: CostOption) -> JSON:
    return _record(
        [("id", str(row.id))],
        [
            ("valid_from", date_text(row.valid_from)),
            ("valid_to", date_text(row.valid_to)),
            ("option", row.option),
            ("currency", row.currency),
            ("amount", number(row.amount)),
            ("amount_description", row.amount_description),
        ],
    )


def required_document(row: RequiredDocument) -> JSON:
    return _record([("id", str(row.id))], [("document", row.document), ("uri", row.uri)])


def program(row: Program) -> JSON:
    return _record(
        [("id", str(row.id)), ("name", row.name)],
        [("alternate_name", row.alternate_name)],
    ) | {"description": row.description}


def organization_identifier(row: OrganizationIdentifier) -> JSON:
    return _record(
        [("id", str(row.id))],
        [
            ("identifier_scheme", row.identifier_scheme),
            ("identifier_type", row.identifier_type),
            ("identifier", row.identifier),
        ],
    )


def capacity(row: ServiceCapacity) -> JSON:
    """HSDS 3.1 ``service_capacity`` with its ``unit``; ``carehouse_waiting_list`` is ours."""
    unit = row.unit
    return _record(
        [("id", str(row.id))],
        [
            (
                "unit",
                _record(
                    [("id", str(unit.id)), ("name", unit.name)],
                    [("scheme", unit.scheme), ("identifier", unit.identifier), ("uri", unit.uri)],
                ),
            ),
            ("available", number(row.available)),
            ("maximum", number(row.maximum)),
            ("description", row.description),
            ("updated", datetime_text(row.updated)),
            ("carehouse_waiting_list", row.waiting_list),
        ],
    )


def metadata(row: Metadata) -> JSON:
    """A nested metadata row (its parent gives ``resource_id``)."""
    out = _record([("id", str(row.id))], [("resource_type", row.resource_type)])
    out.update(
        last_action_date=date_text(row.last_action_date),
        last_action_type=row.last_action_type,
        field_name=row.field_name,
        previous_value=row.previous_value,
        replacement_value=row.replacement_value,
        updated_by=row.updated_by,
    )
    return out


def attribute(row: Attribute) -> JSON:
    """A nested attribute (its parent gives ``link_id``) with its full taxonomy term."""
    return _record(
        [("id", str(row.id))],
        [
            ("link_type", row.link_type),
            ("link_entity", row.link_entity),
            ("value", row.value),
            ("label", row.label),
            ("taxonomy_term", taxonomy_term(row.taxonomy_term)),
        ],
    )


# -- public: one record -------------------------------------------------------------------------------------


def taxonomy(row: Taxonomy) -> JSON:
    """``GET /taxonomies/{id}``."""
    return _record(
        [("id", str(row.id)), ("name", row.name), ("description", row.description)],
        [("uri", row.uri), ("version", row.version)],
    )


def taxonomy_term(row: TaxonomyTerm) -> JSON:
    """``GET /taxonomy_terms/{id}``: the term with its ``taxonomy_detail``. Load with ``select_related``."""
    out = _record([("id", str(row.id))], [("code", row.code)])
    out["name"] = row.name
    out["description"] = row.description
    _extend(out, parent_id=uuid_text(row.parent_id), taxonomy=row.taxonomy)
    if row.taxonomy_detail_id is not None:
        out["taxonomy_detail"] = taxonomy(row.taxonomy_detail) if row.taxonomy_detail else None
    return _extend(out, language=row.language, term_uri=row.term_uri)


def organization_summary(row: DirectoryOrganization) -> JSON:
    """An item of ``GET /organizations``: the organisation's own fields."""
    out = _record([("id", str(row.id)), ("name", row.name)], [("alternate_name", row.alternate_name)])
    out["description"] = row.description
    return _extend(
        out,
        email=row.email,
        website=row.website,
        tax_status=row.tax_status,
        tax_id=row.tax_id,
        year_incorporated=row.year_incorporated,
        legal_status=row.legal_status,
        logo=row.logo,
        uri=row.uri,
        parent_organization_id=uuid_text(row.parent_organization_id),
    )


def service_summary(row: Service) -> JSON:
    """An item of ``GET /services``: direct fields, ``organization`` and ``program``.

    Load the services with ``select_related("organization", "program")`` for a list.
    """
    out = service_fields(row)
    if row.organization_id is not None and row.organization is not None:
        out["organization"] = organization_summary(row.organization)
    if row.program_id is not None and row.program is not None:
        out["program"] = program(row.program)
    return out


def service_at_location_summary(row: ServiceAtLocation) -> JSON:
    """An item of ``GET /service_at_locations``: with the location's and the service's own fields.

    Load with ``select_related("location", "service__organization", "service__program")``.
    """
    out = _record([("id", str(row.id))], [("description", row.description)])
    out["location"] = location_fields(row.location)
    out["service"] = service_summary(row.service)
    return out


def service_full(row: Service, *, referral: bool = True) -> JSON:
    """``GET /services/{id}``: the service with everything nested. ``referral=False`` leaves out ours."""
    graph = Graph([row.id])
    return graph.service(graph.services[row.id], referral=referral)


def services_full(services: QuerySet[Service] | Iterable[Service | uuid.UUID], *, referral: bool = True) -> list[JSON]:
    """Full records of many services in a fixed number of queries per batch of ``BATCH``, in name order."""
    return list(iter_services_full(services, referral=referral))


def iter_services_full(
    services: QuerySet[Service] | Iterable[Service | uuid.UUID], *, referral: bool = True
) -> Iterable[JSON]:
    """Like ``services_full``, one at a time (for streaming an export)."""
    if isinstance(services, QuerySet):
        ids = list(services.order_by("name", "id").values_list("id", flat=True))
    else:
        ids = [s.id if isinstance(s, Service) else s for s in services]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        graph = Graph(chunk)
        for service_id in chunk:
            if service_id in graph.services:
                yield graph.service(graph.services[service_id], referral=referral)


def service_at_location_full(row: ServiceAtLocation, *, referral: bool = True) -> JSON:
    """``GET /service_at_locations/{id}``: contacts, phones, schedules, the location and the service."""
    graph = Graph([row.service_id])
    service = graph.services[row.service_id]
    sal = next(s for s in graph.sals if s.id == row.id)
    out = graph.service_at_location(sal, organization_id=None)
    location = out.pop("location")
    for key in ("attributes", "metadata"):
        if key in out:
            out[key] = out.pop(key)
    out["location"] = location
    out["service"] = graph.service(service, with_locations=False, referral=referral)
    return out


def organization_full(row: DirectoryOrganization, *, referral: bool = True) -> JSON:
    """``GET /organizations/{id}``: the organisation with its locations, programs and full services."""
    return organizations_full([row], referral=referral)[0]


def organizations_full(rows: Sequence[DirectoryOrganization], *, referral: bool = True) -> list[JSON]:
    """Full records of several organisations (a page of them) from one graph of queries."""
    organization_ids = [row.id for row in rows]
    services_of: dict[uuid.UUID, list[uuid.UUID]] = {}
    for service_id, organization_id in (
        Service.objects.filter(organization_id__in=organization_ids)
        .order_by("name", "id")
        .values_list("id", "organization_id")
    ):
        services_of.setdefault(organization_id, []).append(service_id)
    graph = Graph([i for ids in services_of.values() for i in ids], organization_ids=organization_ids)
    records = []
    for row in rows:
        out = graph.organization(graph.organizations[row.id])
        services = [graph.services[i] for i in services_of.get(row.id, []) if i in graph.services]
        _extend(out, services=[graph.service(s, with_organization=False, referral=referral) for s in services])
        records.append(out)
    return records
