"""Exporting the whole directory as HSDS 3.0: JSON, ndjson, or the tabular CSV datapackage.

- ``json``: a list of full service records (``GET /services/{id}`` each, with our
  ``carehouse_referral`` and ``capacities``), then every organisation that runs no service, as
  an organisation record. Services are in name order; children in id order.
- ``ndjson``: the same records, one a line.
- ``csv``: a folder with one CSV per HSDS table (HSDS column names, in the order of the HSDS 3.0
  ``datapackage.json``) and that descriptor. We add, at the end, what our directory holds beyond
  HSDS 3.0: ``service_areas.service_at_location_id`` and ``attributes.label`` (both HSDS 3.1)
  and the HSDS 3.1 ``service_capacities`` and ``units`` tables. Our referral-readiness fields are
  not HSDS and travel only in the JSON forms.

The descriptor is Open Referral's (CC BY-SA 4.0, see ``SOURCE.md`` here). What ``importer``
reads back from any of these is what was exported: importing an export and exporting again
gives the same files.
"""

from __future__ import annotations

import copy
import csv
import datetime
import json
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.db import models

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.directory.hsds import serialise
from carehouse.directory.hsds.importer import ENTITIES, Entity
from carehouse.directory.models import DirectoryOrganization, Service

DESCRIPTOR = Path(__file__).resolve().parent / "datapackage.json"
FORMATS = ("json", "ndjson", "csv")

#: Columns and tables we add to the HSDS 3.0 descriptor (all from HSDS 3.1).
EXTRA_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "service_area": [("service_at_location_id", "string", "The service at location this area belongs to (HSDS 3.1).")],
    "attribute": [("label", "string", "A label for the attribute's value (HSDS 3.1).")],
}
EXTRA_TABLES: list[tuple[str, str, str, list[str]]] = [
    (
        "unit",
        "units.csv",
        "What a capacity is counted in (HSDS 3.1).",
        ["id", "name", "scheme", "identifier", "uri"],
    ),
    (
        "service_capacity",
        "service_capacities.csv",
        "How many places a service has free (HSDS 3.1), with Carehouse's waiting list.",
        ["id", "service_id", "unit_id", "available", "maximum", "description", "updated", "carehouse_waiting_list"],
    ),
]


def iter_records(*, referral: bool = True) -> Iterator[dict[str, Any]]:
    """Every service as a full record, then the organisations that run none."""
    yield from serialise.iter_services_full(Service.objects.all(), referral=referral)
    lonely = DirectoryOrganization.objects.filter(services__isnull=True).order_by("name", "id")
    for organization in lonely:
        yield serialise.organization_full(organization, referral=referral)


def write_json(stream: IO[str]) -> int:
    count = 0
    stream.write("[")
    for record in iter_records():
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(record, ensure_ascii=False, indent=2))
        count += 1
    stream.write("\n]\n")
    return count


def write_ndjson(stream: IO[str]) -> int:
    count = 0
    for record in iter_records():
        stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


@cache
def _template() -> dict[str, Any]:
    descriptor: dict[str, Any] = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    return descriptor


def descriptor() -> dict[str, Any]:
    """The HSDS 3.0 datapackage descriptor with our HSDS 3.1 columns and tables added."""
    package = copy.deepcopy(_template())
    for resource in package["resources"]:
        for name, kind, description in EXTRA_FIELDS.get(resource["name"], []):
            resource["schema"]["fields"].append(
                {"name": name, "type": kind, "description": description, "constraints": {"required": False}}
            )
    for name, path, description, columns in EXTRA_TABLES:
        package["resources"].append(
            {
                "name": name,
                "path": path,
                "description": description,
                "format": "csv",
                "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {
                    "primaryKey": "id",
                    "fields": [{"name": column, "type": "string"} for column in columns],
                },
            }
        )
    return package


def _columns(entity: Entity) -> dict[str, str]:
    """HSDS column name -> model attribute name."""
    mapping: dict[str, str] = {}
    for f in entity.model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey):
            mapping[("taxonomy_id" if f.name == "taxonomy_detail" else f"{f.name}_id")] = f.attname
        else:
            mapping[f.name] = f.attname
    if entity.name == "service_capacity":
        mapping["carehouse_waiting_list"] = "waiting_list"
    return mapping


def _cell(value: Any, *, as_date: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (serialise.date_text(value) if as_date else serialise.datetime_text(value)) or ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return serialise.time_text(value) or ""
    if isinstance(value, float):
        return str(serialise.number(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def write_tables(folder: Path) -> dict[str, int]:
    """Write the CSV datapackage into ``folder``; returns rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    package = descriptor()
    counts: dict[str, int] = {}
    for resource in package["resources"]:
        columns = [f["name"] for f in resource["schema"]["fields"]]
        entity = ENTITIES.get(resource["name"])
        with (folder / resource["path"]).open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            counts[resource["name"]] = 0
            if entity is None:
                continue  # meta_table_description: nothing of ours to describe
            mapping = _columns(entity)
            rows = entity.model._default_manager.order_by("pk").values_list(
                *[mapping[c] for c in columns if c in mapping]
            )
            present = [c for c in columns if c in mapping]
            for values in rows.iterator(chunk_size=2000):
                by_column = dict(zip(present, values, strict=True))
                writer.writerow(
                    [
                        _cell(by_column.get(c), as_date=(entity.name == "metadata" and c == "last_action_date"))
                        for c in columns
                    ]
                )
                counts[resource["name"]] += 1
    (folder / "datapackage.json").write_text(json.dumps(package, indent=4, ensure_ascii=False) + "\n", "utf-8")
    return counts


def export(format: str, out: Path, *, actor: Actor | None = None) -> str:
    """Export the directory to ``out`` (a file for json/ndjson, a folder for csv); returns a summary."""
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if format == "csv":
        counts = write_tables(out)
        summary = f"Exported {counts.get('service', 0)} services as HSDS CSV tables to {out}"
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as stream:
            count = write_json(stream) if format == "json" else write_ndjson(stream)
        summary = f"Exported {count} records as HSDS {format} to {out}"
    audit.record(actor or Actor.system("directory export"), AuditAction.EXPORT, summary=summary[:300])
    return summary
