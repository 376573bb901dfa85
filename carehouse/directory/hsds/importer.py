"""Importing HSDS 3.0 data: JSON records, pages, ndjson, the tabular CSV datapackage, taxonomies.

What it reads (``import_path``):

- a JSON file holding one full service (``GET /services/{id}``), a list of them, an API page
  (``{"contents": [...]}``), an organisation (``GET /organizations/{id}``, with its services),
  a service at location (its ``service`` is imported with it), or a taxonomy document
  (``{"taxonomies": [...], "taxonomy_terms": [...]}``, or one taxonomy term record);
- an ndjson / jsonl file (one of the above a line);
- a folder with HSDS tables as CSV (``services.csv``, ``locations.csv``... with or without
  ``datapackage.json``). The Open Referral UK profile's folder is read too: where it has both a
  singular and a plural file (``address.csv`` and ``addresses.csv``), their rows are merged by id;
- a folder of JSON / ndjson files.

How it writes:

- Every top-level record (a service with everything nested in it, an organisation, a taxonomy
  term) is checked in full before anything is written, then written in its own savepoint. A
  bad record is refused with a plain reason ("Service 'X' (id ...): location latitude 100 is
  not between -90 and 90") and never half-written; the others still import.
- Records are upserted by their UUID. A service record is the truth about the service's own
  children: phones, schedules, contacts... that hang from the service but are no longer in the
  record lose their link to it (and are deleted when nothing else holds them).
- Our extensions (``carehouse_referral``, ``capacities``) change only when the record carries
  them, so re-importing plain HSDS from elsewhere does not wipe our referral details.
- A reference to a record that is neither in the directory nor in the file is dropped with a
  warning when HSDS lets it be empty (an organisation's ``parent_organization_id``, a term's
  ``parent_id``); when the record cannot stand without it (an attribute's taxonomy term, a
  service at location's location) the record is refused.
- Every touched service is reindexed for search, and one audit event records the run. A dry
  run does all of this inside a transaction that is rolled back, so it reports exactly what
  an import would do.

Coordinates: the Open Referral example location has ``latitude: 100, longitude: 101``, which
is not a place on Earth. We refuse it like any other out-of-range coordinate, because search
ranks by distance and such a point would be nonsense (and the issue asks that a bad latitude be
refused with a clear message while the rest import). The shipped examples are therefore tested
with the coordinates corrected in a copy (``tests/test_hsds_import.py``); a separate test feeds
the unmodified example and checks that it is refused with the latitude named.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.directory import geography
from carehouse.directory.hsds.serialise import REFERRAL_KEY
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
    ReferralRoute,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from carehouse.directory.search.index import reindex_services
from carehouse.directory.services.taxonomy import facet_terms

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

# -- what each HSDS entity is, and what nests in it ---------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    name: str
    model: type[models.Model]
    #: Nested lists: JSON key -> (child entity, the child's key naming this parent).
    lists: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Nested one-to-one objects: JSON key -> (entity, this record's key naming it).
    objects: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Fields that are ours and not HSDS: never read from a plain HSDS record.
    ours: frozenset[str] = frozenset()


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity(
            "service",
            Service,
            lists={
                "phones": ("phone", "service"),
                "schedules": ("schedule", "service"),
                "service_areas": ("service_area", "service"),
                "service_at_locations": ("service_at_location", "service"),
                "languages": ("language", "service"),
                "funding": ("funding", "service"),
                "cost_options": ("cost_option", "service"),
                "required_documents": ("required_document", "service"),
                "contacts": ("contact", "service"),
            },
            objects={"organization": ("organization", "organization"), "program": ("program", "program")},
            ours=frozenset(
                {
                    "referral_routes",
                    "how_to_refer",
                    "referral_url",
                    "referral_email",
                    "response_time_days",
                    "last_reviewed_at",
                    "last_reviewed_by",
                    "review_reminders_sent",
                    "review_reminded_at",
                    "version",
                }
            ),
        ),
        Entity(
            "organization",
            DirectoryOrganization,
            lists={
                "funding": ("funding", "organization"),
                "contacts": ("contact", "organization"),
                "phones": ("phone", "organization"),
                "locations": ("location", "organization"),
                "programs": ("program", "organization"),
                "organization_identifiers": ("organization_identifier", "organization"),
            },
            ours=frozenset({"claimed_by", "version"}),
        ),
        Entity(
            "service_at_location",
            ServiceAtLocation,
            lists={
                "contacts": ("contact", "service_at_location"),
                "phones": ("phone", "service_at_location"),
                "schedules": ("schedule", "service_at_location"),
                "service_areas": ("service_area", "service_at_location"),
            },
            objects={"location": ("location", "location")},
        ),
        Entity(
            "location",
            Location,
            lists={
                "languages": ("language", "location"),
                "addresses": ("address", "location"),
                "contacts": ("contact", "location"),
                "accessibility": ("accessibility", "location"),
                "phones": ("phone", "location"),
                "schedules": ("schedule", "location"),
            },
        ),
        Entity("contact", Contact, lists={"phones": ("phone", "contact")}),
        Entity("phone", Phone, lists={"languages": ("language", "phone")}),
        Entity("language", Language),
        Entity("schedule", Schedule),
        Entity("service_area", ServiceArea, ours=frozenset({"kind", "codes"})),
        Entity("address", Address),
        Entity("accessibility", Accessibility),
        Entity("funding", Funding),
        Entity("cost_option", CostOption),
        Entity("required_document", RequiredDocument),
        Entity("program", Program),
        Entity("organization_identifier", OrganizationIdentifier),
        Entity("attribute", Attribute, objects={"taxonomy_term": ("taxonomy_term", "taxonomy_term")}),
        Entity("metadata", Metadata),
        Entity(
            "taxonomy_term",
            TaxonomyTerm,
            objects={"taxonomy_detail": ("taxonomy", "taxonomy_detail")},
            ours=frozenset({"equivalent_terms"}),
        ),
        Entity("taxonomy", Taxonomy),
        Entity("service_capacity", ServiceCapacity, objects={"unit": ("unit", "unit")}),
        Entity("unit", Unit),
    ]
}
ENTITY_OF_MODEL = {e.model: e for e in ENTITIES.values()}

#: The order rows are written in, so that every parent exists before its children.
WRITE_ORDER = [
    "taxonomy",
    "taxonomy_term",
    "organization",
    "program",
    "organization_identifier",
    "service",
    "location",
    "service_at_location",
    "contact",
    "phone",
    "language",
    "schedule",
    "service_area",
    "funding",
    "cost_option",
    "required_document",
    "address",
    "accessibility",
    "unit",
    "service_capacity",
    "attribute",
    "metadata",
]

#: Children a service record owns, by the model's key naming the service.
SERVICE_CHILDREN: list[type[models.Model]] = [
    Phone,
    Contact,
    Schedule,
    ServiceArea,
    Language,
    Funding,
    CostOption,
    RequiredDocument,
    ServiceAtLocation,
]


def _json_key(entity: Entity, f: models.ForeignKey[Any, Any]) -> str:
    """The HSDS column naming a parent: ``organization_id``, ``parent_id``, ``taxonomy_id``..."""
    if entity.name == "taxonomy_term" and f.name == "taxonomy_detail":
        return "taxonomy_id"
    return f"{f.name}_id"


# -- the report ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    id: str
    name: str
    result: str  # "created", "updated" or "refused"
    reason: str = ""

    @property
    def described(self) -> str:
        label = self.kind.replace("_", " ").capitalize()
        named = f"{label} '{self.name}' (id {self.id})" if self.name else f"{label} (id {self.id})"
        return f"{named}: {self.reason}" if self.reason else named


@dataclass
class ImportReport:
    dry_run: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reindexed: int = 0

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == "refused"]

    @property
    def summary(self) -> str:
        prefix = "Dry run: would have " if self.dry_run else ""
        return (
            f"{prefix}created {self.created}, updated {self.updated}, refused {len(self.refused)} "
            f"record(s); {len(self.warnings)} warning(s)"
        )


class Refused(Exception):
    """A record cannot be imported; the message says why, for a person to fix."""


# -- reading files ------------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """The top-level records of one import, in the order they are written."""

    taxonomies: list[JSON] = field(default_factory=list)
    terms: list[JSON] = field(default_factory=list)
    organizations: list[JSON] = field(default_factory=list)
    services: list[JSON] = field(default_factory=list)
    #: Rows whose parent is not in the file (CSV only): written on their own.
    loose: list[tuple[str, JSON]] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.taxonomies += other.taxonomies
        self.terms += other.terms
        self.organizations += other.organizations
        self.services += other.services
        self.loose += other.loose


def read_path(path: Path) -> Batch:
    """The records in a file or folder (see the module docstring for what is understood)."""
    if path.is_dir():
        if (path / "datapackage.json").exists() or any(path.glob("services.csv")):
            return read_tables(path)
        batch = Batch()
        for child in sorted(path.iterdir()):
            if child.suffix.lower() in {".json", ".ndjson", ".jsonl"} and child.name != "datapackage.json":
                batch.extend(read_path(child))
        return batch
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in {".ndjson", ".jsonl"}:
        return read_documents(json.loads(line) for line in text.splitlines() if line.strip())
    return read_documents([json.loads(text)])


def read_documents(documents: Iterable[Any]) -> Batch:
    """Sort parsed JSON documents into taxonomy, organisation and service records."""
    batch = Batch()
    for document in documents:
        _classify(document, batch)
    return batch


def _classify(document: Any, batch: Batch) -> None:
    if isinstance(document, list):
        for item in document:
            _classify(item, batch)
        return
    if not isinstance(document, dict):
        raise ValidationError("This is not HSDS JSON: expected an object or a list of objects")
    if "contents" in document and isinstance(document["contents"], list):
        _classify(document["contents"], batch)
    elif "taxonomies" in document or "taxonomy_terms" in document:
        batch.taxonomies += list(document.get("taxonomies") or [])
        batch.terms += list(document.get("taxonomy_terms") or [])
    elif isinstance(document.get("service"), dict) and isinstance(document.get("location"), dict):
        # A service at location record: import its service, with this service at location in it.
        service = dict(document["service"])
        sal = {k: v for k, v in document.items() if k != "service"}
        service["service_at_locations"] = [*list(service.get("service_at_locations") or []), sal]
        batch.services.append(service)
    elif "taxonomy_detail" in document or ("parent_id" in document and "status" not in document):
        batch.terms.append(document)
    elif "services" in document or ("status" not in document and _looks_like_organization(document)):
        batch.organizations.append(document)
    elif "version" in document and "status" not in document and "name" in document:
        batch.taxonomies.append(document)
    else:
        batch.services.append(document)


#: Keys only a service has: a record with none of them and no ``status`` is an organisation.
SERVICE_ONLY_KEYS = frozenset(
    {
        "status",
        "organization",
        "organization_id",
        "program",
        "program_id",
        "service_at_locations",
        "service_areas",
        "cost_options",
        "required_documents",
        "schedules",
        "languages",
        "minimum_age",
        "maximum_age",
        "eligibility_description",
        "application_process",
        "fees",
        "fees_description",
        "last_modified",
        "url",
        "capacities",
        REFERRAL_KEY,
    }
)


def _looks_like_organization(document: JSON) -> bool:
    keys = {"website", "tax_status", "legal_status", "year_incorporated", "organization_identifiers", "programs"}
    return bool(keys & set(document)) or not (SERVICE_ONLY_KEYS & set(document))


# -- the CSV datapackage ---------------------------------------------------------------------------------------

#: HSDS table file names (plural as in HSDS 3.0), with the UK profile's singular duplicates.
TABLE_FILES: dict[str, tuple[str, ...]] = {
    "organization": ("organizations", "organization"),
    "organization_identifier": ("organization_identifiers", "organization_identifier"),
    "program": ("programs", "program"),
    "service": ("services", "service"),
    "service_at_location": ("service_at_location", "service_at_locations"),
    "location": ("locations", "location"),
    "address": ("addresses", "address"),
    "accessibility": ("accessibility",),
    "contact": ("contacts", "contact"),
    "phone": ("phones", "phone"),
    "language": ("languages", "language"),
    "schedule": ("schedules", "schedule"),
    "service_area": ("service_areas", "service_area"),
    "funding": ("funding",),
    "cost_option": ("cost_options", "cost_option"),
    "required_document": ("required_documents", "required_document"),
    "attribute": ("attributes", "attribute"),
    "metadata": ("metadata",),
    "taxonomy": ("taxonomies", "taxonomy"),
    "taxonomy_term": ("taxonomy_terms", "taxonomy_term"),
    "service_capacity": ("service_capacities", "service_capacity"),
    "unit": ("units", "unit"),
}


def _read_table(folder: Path, names: tuple[str, ...]) -> list[JSON]:
    rows: dict[str, JSON] = {}
    for name in names:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as stream:
            for row in csv.DictReader(stream):
                clean = {k.strip(): (v if v is not None else "") for k, v in row.items() if k}
                key = clean.get("id") or f"row-{len(rows)}"
                rows.setdefault(key, clean)
    return list(rows.values())


def read_tables(folder: Path) -> Batch:
    """An HSDS tabular datapackage: each table is read, then nested into service and organisation records."""
    tables = {entity: _read_table(folder, names) for entity, names in TABLE_FILES.items()}
    by_parent: dict[tuple[str, str, str], list[JSON]] = {}
    for entity, rows in tables.items():
        for row in rows:
            for key, value in row.items():
                if value and (key.endswith("_id") or key in {"link_id", "resource_id"}):
                    by_parent.setdefault((entity, key, value), []).append(row)
    placed: set[str] = set()

    def children(entity: str, key: str, parent_id: str) -> list[JSON]:
        return by_parent.get((entity, key, parent_id), [])

    def nest(entity_name: str, row: JSON, depth: int = 0) -> JSON:
        entity = ENTITIES[entity_name]
        out = dict(row)
        placed.add(row.get("id", ""))
        if depth < 6:
            for list_key, (child, parent_key) in entity.lists.items():
                found = children(child, f"{parent_key}_id", row.get("id", ""))
                if found:
                    out[list_key] = [nest(child, r, depth + 1) for r in found]
        attributes = children("attribute", "link_id", row.get("id", ""))
        if attributes:
            out["attributes"] = [dict(a) for a in attributes]
            placed.update(a.get("id", "") for a in attributes)
        metadata = children("metadata", "resource_id", row.get("id", ""))
        if metadata:
            out["metadata"] = [dict(m) for m in metadata]
            placed.update(m.get("id", "") for m in metadata)
        return out

    batch = Batch(taxonomies=tables["taxonomy"], terms=tables["taxonomy_term"])
    placed.update(r.get("id", "") for r in tables["taxonomy"] + tables["taxonomy_term"])
    locations = {r["id"]: r for r in tables["location"] if r.get("id")}
    for org in tables["organization"]:
        batch.organizations.append(nest("organization", org))
    units = {r["id"]: r for r in tables["unit"] if r.get("id")}
    for service in tables["service"]:
        record = nest("service", service)
        for sal in record.get("service_at_locations", []):
            location = locations.get(sal.get("location_id", ""))
            if location is not None:
                sal["location"] = nest("location", location)
        capacities = children("service_capacity", "service_id", service.get("id", ""))
        if capacities:
            record["capacities"] = [
                {**c, "unit": units[c["unit_id"]]} if c.get("unit_id") in units else dict(c) for c in capacities
            ]
            placed.update(c.get("id", "") for c in capacities)
        batch.services.append(record)
    # Locations not at any service and not under an organisation in the file, and any other row nothing holds.
    for entity in ("location", "attribute", "metadata"):
        for row in tables[entity]:
            if row.get("id") and row["id"] not in placed:
                batch.loose.append((entity, nest(entity, row) if entity == "location" else row))
    return batch


# -- turning a nested record into rows --------------------------------------------------------------------------


@dataclass
class Row:
    entity: Entity
    id: uuid.UUID
    values: dict[str, Any]
    where: str
    given: set[str] = field(default_factory=set)


class Collector:
    """Walks one nested record into rows, merging the parents of a child written in several places."""

    def __init__(self, known_in_file: set[uuid.UUID]) -> None:
        self.rows: dict[tuple[str, uuid.UUID], Row] = {}
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.known_in_file = known_in_file
        self.extras: dict[uuid.UUID, JSON] = {}

    def walk(self, entity_name: str, data: Any, parents: dict[str, uuid.UUID], where: str) -> uuid.UUID | None:
        entity = ENTITIES[entity_name]
        if not isinstance(data, dict):
            self.problems.append(f"{where or 'the record'} is not an object")
            return None
        record_id = self._uuid(data.get("id"), _label(where, "id"))
        if record_id is None:
            return None
        values, given = self._values(entity, data, where)
        for key, value in parents.items():
            values[key] = value
            given.add(key)
        for key, (child_name, attr) in entity.objects.items():
            if isinstance(data.get(key), dict):
                child_id = self.walk(child_name, data[key], {}, _child_where(child_name))
                if child_id is not None:
                    values[f"{attr}_id"] = child_id
                    given.add(f"{attr}_id")
        row = self._merge(entity, record_id, values, given, where)
        for key, (child_name, parent_key) in entity.lists.items():
            items = data.get(key)
            if items in (None, ""):
                continue
            if not isinstance(items, list):
                self.problems.append(f"{_label(where, key)} is not a list")
                continue
            for item in items:
                self.walk(child_name, item, {f"{parent_key}_id": record_id}, _child_where(child_name))
        for item in data.get("attributes") or []:
            self.walk(
                "attribute",
                {"link_entity": entity_name, **item} if isinstance(item, dict) else item,
                {"link_id": record_id},
                "attribute",
            )
        for item in data.get("metadata") or []:
            self.walk(
                "metadata",
                {"resource_type": entity_name, **item} if isinstance(item, dict) else item,
                {"resource_id": record_id},
                "metadata",
            )
        if entity_name == "service":
            program_id = row.values.get("program_id")
            program_row = self.rows.get(("program", program_id)) if program_id else None
            if program_row is not None and program_row.values.get("organization_id") is None:
                program_row.values["organization_id"] = row.values.get("organization_id")
                program_row.given.add("organization_id")
            self.extras[record_id] = {k: data[k] for k in (REFERRAL_KEY, "capacities") if k in data}
            for item in data.get("capacities") or []:
                self.walk("service_capacity", item, {"service_id": record_id}, "capacity")
        return row.id

    def _merge(self, entity: Entity, record_id: uuid.UUID, values: JSON, given: set[str], where: str) -> Row:
        key = (entity.name, record_id)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = Row(entity, record_id, values, where, given)
            return row
        for name, value in values.items():
            if name in given and (value not in (None, "") or name not in row.given):
                row.values[name] = value
        row.given |= given
        return row

    def _uuid(self, value: Any, label: str) -> uuid.UUID | None:
        if value in (None, ""):
            self.problems.append(f"{label} is missing")
            return None
        try:
            return uuid.UUID(str(value))
        except ValueError:
            self.problems.append(f"{label} {value!r} is not a UUID")
            return None

    def _values(self, entity: Entity, data: JSON, where: str) -> tuple[JSON, set[str]]:
        values: JSON = {}
        given: set[str] = set()
        for f in entity.model._meta.concrete_fields:
            if f.primary_key or f.name in entity.ours:
                continue
            if isinstance(f, models.ForeignKey):
                key = _json_key(entity, f)
                raw = data.get(key)
                if raw not in (None, ""):
                    parsed = self._uuid(raw, _label(where, key))
                    if parsed is not None:
                        values[f.attname] = parsed
                        given.add(f.attname)
                continue
            source = (
                "carehouse_waiting_list" if (entity.name == "service_capacity" and f.name == "waiting_list") else f.name
            )
            raw = data.get(source)
            try:
                values[f.attname] = _convert(f, raw)
            except ValueError as error:
                self.problems.append(f"{_label(where, f.name)} {raw!r} is not {error}")
                continue
            given.add(f.attname)
        return values, given


def _label(where: str, name: str) -> str:
    """``location latitude`` for a nested row; just ``name`` for the record itself (``where`` is empty)."""
    return f"{where} {name}".strip()


def _child_where(entity_name: str) -> str:
    return entity_name.replace("_", " ")


def _convert(f: models.Field[Any, Any], raw: Any) -> Any:
    """An HSDS value (JSON or CSV text) as the model field holds it; ``ValueError`` says what it should be."""
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
    if isinstance(f, models.JSONField):
        return raw if raw is not None else f.get_default()
    if isinstance(f, (models.CharField, models.TextField)):
        if empty:
            return ""
        return raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, (dict, list)) else str(raw)
    if empty:
        return None if f.null else f.get_default() if f.has_default() else None
    if isinstance(f, models.BooleanField):
        return str(raw).lower() in {"true", "1", "yes"}
    if isinstance(f, models.FloatField):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ValueError("a number") from None
    if isinstance(f, models.IntegerField):
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise ValueError("a whole number") from None
        if not number.is_integer():
            raise ValueError("a whole number")
        return int(number)
    if isinstance(f, models.DateTimeField):
        text = str(raw)
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError("a date and time (like 2023-03-15T10:30:45.123Z)")
            moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment
    if isinstance(f, models.DateField):
        text = str(raw)[:10]
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise ValueError("a date (YYYY-MM-DD)")
        return day
    if isinstance(f, models.TimeField):
        text = str(raw).rstrip("Z")
        try:
            moment_time = parse_time(text)
        except ValueError:
            moment_time = None
        if moment_time is None:
            raise ValueError("a time (HH:MM:SS)")
        return moment_time
    if isinstance(f, models.UUIDField):
        try:
            return uuid.UUID(str(raw))
        except ValueError:
            raise ValueError("a UUID") from None
    return raw


# -- checking ---------------------------------------------------------------------------------------------------


def _describe_error(row: Row, name: str, error: ValidationError) -> str:
    label = row.where
    value = row.values.get(name)
    f = row.entity.model._meta.get_field(name)
    lowest = highest = None
    for validator in getattr(f, "validators", []):
        code = getattr(validator, "code", "")
        if code == "min_value":
            lowest = validator.limit_value
        elif code == "max_value":
            highest = validator.limit_value
    code = getattr(error, "code", None)
    prefix = _label(label, name)
    if code in {"blank", "null", "required"}:
        return f"{prefix} is missing"
    if code in {"min_value", "max_value"}:
        shown = _plain_number(value)
        if lowest is not None and highest is not None:
            return f"{prefix} {shown} is not between {_plain_number(lowest)} and {_plain_number(highest)}"
        if lowest is not None:
            return f"{prefix} {shown} is less than {_plain_number(lowest)}"
        return f"{prefix} {shown} is more than {_plain_number(highest)}"
    if code == "invalid_choice":
        choices = ", ".join(str(c) for c, _ in getattr(f, "choices", None) or [])
        return f"{prefix} {value!r} is not one of: {choices}"
    if code == "max_length":
        return f"{prefix} is longer than {getattr(f, 'max_length', '?')} characters"
    message = " ".join(str(m) for m in error.messages)
    return f"{prefix} {value!r}: {message}"


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Parent keys HSDS lets be empty: a missing parent is dropped with a warning instead of refusing.
OPTIONAL_REFERENCES = {"parent_organization_id", "parent_id", "taxonomy_detail_id", "organization_id", "program_id"}


def _check(collector: Collector, in_file: set[uuid.UUID]) -> list[str]:
    """Why the record cannot be written (empty if it can). Drops dangling optional references."""
    problems = list(collector.problems)
    wanted: dict[type[models.Model], set[uuid.UUID]] = {}
    for row in collector.rows.values():
        for f in row.entity.model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and row.values.get(f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(row.values[f.attname])
    present: set[uuid.UUID] = {row.id for row in collector.rows.values()}
    for model, ids in wanted.items():
        missing = ids - present
        if missing:
            present |= set(model._default_manager.filter(pk__in=missing).values_list("pk", flat=True))
    for row in collector.rows.values():
        for f in row.entity.model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey):
                continue
            target = row.values.get(f.attname)
            if target is None or target in present:
                continue
            key = _json_key(row.entity, f)
            if row.entity.name == "attribute" and f.name == "taxonomy_term":
                problems.append(f"taxonomy term {target} is not in the directory or this file")
            elif f.null:
                where = f"{row.where or row.entity.name.replace('_', ' ')} {row.id}"
                reason = "was not imported (see above)" if target in in_file else "is not in the directory or this file"
                collector.warnings.append(f"{where}: {key} {target} {reason}, so the link was left out")
                row.values[f.attname] = None
                row.given.discard(f.attname)
            else:
                problems.append(f"{_label(row.where, key)} {target} is not in the directory or this file")
    for row in collector.rows.values():
        instance = row.entity.model(id=row.id, **row.values)
        exclude = [f.name for f in row.entity.model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, errors in error.error_dict.items():
                for item in errors:
                    problems.append(_describe_error(row, name, item))
    if any(
        row.entity.name == "service_at_location" and not row.values.get("location_id")
        for row in collector.rows.values()
    ):
        problems.append("a service at location has no location")
    return list(dict.fromkeys(problems))


# -- writing ------------------------------------------------------------------------------------------------------


def _write(collector: Collector, touched: set[uuid.UUID]) -> None:
    rows_by_entity: dict[str, list[Row]] = {}
    for row in collector.rows.values():
        rows_by_entity.setdefault(row.entity.name, []).append(row)
    for name in WRITE_ORDER:
        for row in rows_by_entity.get(name, []):
            _save(row, collector)
            touched.add(row.id)


def _save(row: Row, collector: Collector) -> None:
    model = row.entity.model
    existing = model._default_manager.filter(pk=row.id).first()
    fks = {f.attname for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)}
    instance = existing if existing is not None else model(id=row.id)
    for name, value in row.values.items():
        # A parent key the record does not give keeps what it was: the row may hang from parents elsewhere.
        if name in fks and name not in row.given and existing is not None:
            continue
        setattr(instance, name, value)
    if isinstance(instance, ServiceArea):
        kind, codes = geography.read_area(instance.name, instance.extent, instance.extent_type, instance.uri)
        instance.kind, instance.codes = kind, codes
    if isinstance(instance, Service):
        _apply_ours(instance, collector.extras.get(row.id, {}))
    if isinstance(instance, (Service, DirectoryOrganization)) and existing is not None:
        instance.version = (instance.version or 0) + 1
    instance.save()


def _apply_ours(service: Service, extras: JSON) -> None:
    if REFERRAL_KEY not in extras:
        return
    referral = extras[REFERRAL_KEY] or {}
    routes = referral.get("referral_routes") or []
    service.referral_routes = [r for r in routes if r in ReferralRoute.values]
    service.how_to_refer = referral.get("how_to_refer") or ""
    service.referral_url = referral.get("referral_url") or ""
    service.referral_email = referral.get("referral_email") or ""
    service.response_time_days = referral.get("response_time_days")


def _check_ours(collector: Collector) -> list[str]:
    problems = []
    for extras in collector.extras.values():
        referral = extras.get(REFERRAL_KEY)
        if referral is None:
            continue
        if not isinstance(referral, dict):
            problems.append(f"{REFERRAL_KEY} is not an object")
            continue
        unknown = [r for r in referral.get("referral_routes") or [] if r not in ReferralRoute.values]
        if unknown:
            problems.append(f"referral route {unknown[0]!r} is not one of: {', '.join(ReferralRoute.values)}")
        days = referral.get("response_time_days")
        if days is not None and (not isinstance(days, int) or days < 0):
            problems.append(f"response_time_days {days!r} is not a whole number of days")
    return problems


def _prune_service(service_id: uuid.UUID, collector: Collector) -> None:
    """Children that hang from the service but are no longer in its record lose the link (or go)."""
    # Kept: rows the record nests under this service (not merely somewhere else in it).
    kept = {
        row.id
        for row in collector.rows.values()
        if service_id in (row.values.get("service_id"), row.values.get("link_id"))
    }
    for model in SERVICE_CHILDREN:
        stale = model._default_manager.filter(service_id=service_id).exclude(pk__in=kept)
        if model in {CostOption, RequiredDocument, ServiceAtLocation}:
            stale.delete()
            continue
        other_parents = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.attname != "service_id"
        ]
        for child in stale:
            if any(getattr(child, name) is not None for name in other_parents):
                model._default_manager.filter(pk=child.pk).update(service_id=None)
            else:
                child.delete()
    Attribute.objects.filter(link_id=service_id).exclude(pk__in=kept).delete()
    if "capacities" in collector.extras.get(service_id, {}):
        ServiceCapacity.objects.filter(service_id=service_id).exclude(pk__in=kept).delete()


# -- the import -------------------------------------------------------------------------------------------------


def _name_of(data: Any) -> str:
    return str(data.get("name") or "") if isinstance(data, dict) else ""


def _id_of(data: Any) -> str:
    return str(data.get("id") or "?") if isinstance(data, dict) else "?"


def _ids_in(batch: Batch) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            raw = value.get("id")
            if isinstance(raw, str):
                with contextlib.suppress(ValueError):
                    found.add(uuid.UUID(raw))
            for item in value.values():
                if isinstance(item, (dict, list)):
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(batch.taxonomies)
    visit(batch.terms)
    visit(batch.organizations)
    visit(batch.services)
    visit([row for _, row in batch.loose])
    return found


def _import_one(
    kind: str, entity_name: str, data: Any, report: ImportReport, in_file: set[uuid.UUID], touched: set[uuid.UUID]
) -> None:
    outcome = Outcome(kind=kind, id=_id_of(data), name=_name_of(data), result="refused")
    report.outcomes.append(outcome)
    collector = Collector(in_file)
    top = collector.walk(entity_name, data, {}, "")
    problems = _check(collector, in_file) + _check_ours(collector)
    report.warnings += collector.warnings
    if top is None or problems:
        outcome.reason = "; ".join(problems) or "the record could not be read"
        return
    model = ENTITIES[entity_name].model
    existed = model._default_manager.filter(pk=top).exists()
    try:
        with transaction.atomic():
            written: set[uuid.UUID] = set()
            if entity_name == "service":
                _prune_service(top, collector)
            _write(collector, written)
            if connection.vendor == "postgresql":
                # Foreign keys are checked at commit; check them now, so a bad record fails on its own.
                connection.check_constraints()
    except (IntegrityError, DatabaseError, ValidationError) as error:
        logger.info("HSDS record %s not saved: %s", top, error)
        outcome.reason = f"it could not be saved: {error}"
        return
    touched |= written
    outcome.result = "updated" if existed else "created"


def import_batch(batch: Batch, *, actor: Actor | None = None, dry_run: bool = False, source: str = "") -> ImportReport:
    """Write the records of a batch (see the module docstring); returns what happened to each."""
    report = ImportReport(dry_run=dry_run)
    in_file = _ids_in(batch)
    touched: set[uuid.UUID] = set()
    with transaction.atomic():
        for taxonomy in batch.taxonomies:
            _import_one("taxonomy", "taxonomy", taxonomy, report, in_file, touched)
        for term in _parents_first(batch.terms):
            _import_one("taxonomy_term", "taxonomy_term", term, report, in_file, touched)
        for organization in batch.organizations:
            services = organization.get("services") if isinstance(organization, dict) else None
            record = {k: v for k, v in organization.items() if k != "services"} if services else organization
            _import_one("organization", "organization", record, report, in_file, touched)
            for service in services or []:
                if isinstance(service, dict) and "organization" not in service:
                    service = {**service, "organization_id": organization.get("id")}
                _import_one("service", "service", service, report, in_file, touched)
        for service in batch.services:
            _import_one("service", "service", service, report, in_file, touched)
        for entity_name, row in batch.loose:
            _import_one(entity_name, entity_name, row, report, in_file, touched)
        service_ids = _services_touched(touched)
        report.reindexed = reindex_services(service_ids)
        facet_terms.cache_clear()
        if not dry_run:
            audit.record(
                actor or Actor.system("directory import"),
                AuditAction.CREATE,
                summary=f"Directory import{f' of {source}' if source else ''}: {report.summary}"[:300],
                changes={
                    "created": report.created,
                    "updated": report.updated,
                    "refused": len(report.refused),
                    "services_reindexed": report.reindexed,
                },
            )
        else:
            transaction.set_rollback(True)
    if dry_run:
        facet_terms.cache_clear()
    return report


def _parents_first(terms: list[JSON]) -> list[JSON]:
    by_id = {str(t.get("id")): t for t in terms if isinstance(t, dict)}
    ordered: list[JSON] = []
    seen: set[str] = set()

    def visit(term: JSON, depth: int = 0) -> None:
        key = str(term.get("id"))
        if key in seen:
            return
        seen.add(key)
        parent = by_id.get(str(term.get("parent_id")))
        if parent is not None and depth < 50:
            visit(parent, depth + 1)
        ordered.append(term)

    for term in terms:
        if isinstance(term, dict):
            visit(term)
        else:
            ordered.append(term)
    return ordered


def _services_touched(touched: set[uuid.UUID]) -> list[uuid.UUID]:
    if not touched:
        return []
    ids = set(Service.objects.filter(pk__in=touched).values_list("pk", flat=True))
    ids |= set(Service.objects.filter(organization_id__in=touched).values_list("pk", flat=True))
    ids |= set(ServiceAtLocation.objects.filter(location_id__in=touched).values_list("service_id", flat=True))
    tagged = Attribute.objects.filter(taxonomy_term_id__in=touched, link_entity="service")
    ids |= set(Service.objects.filter(pk__in=tagged.values("link_id")).values_list("pk", flat=True))
    return sorted(ids)


def import_path(path: Path | str, *, actor: Actor | None = None, dry_run: bool = False) -> ImportReport:
    """Import a file or folder of HSDS data (see the module docstring)."""
    path = Path(path)
    try:
        batch = read_path(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(f"{path.name} is not valid JSON: {error}") from error
    return import_batch(batch, actor=actor, dry_run=dry_run, source=path.name)


def import_documents(documents: Iterable[Any], *, actor: Actor | None = None, dry_run: bool = False) -> ImportReport:
    """Import parsed HSDS JSON documents (records, lists, pages or taxonomy documents)."""
    return import_batch(read_documents(documents), actor=actor, dry_run=dry_run)


def iter_lines(report: ImportReport) -> Iterator[str]:
    """The report for a person: totals, each refusal with its reason, then warnings."""
    yield report.summary
    for outcome in report.refused:
        yield f"Refused: {outcome.described}"
    for warning in report.warnings:
        yield f"Warning: {warning}"
