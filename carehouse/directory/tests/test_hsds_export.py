"""Exporting HSDS 3.0 (JSON, ndjson, CSV datapackage) and round trips through the importer.

The example is imported with its impossible coordinates corrected, and with its parent
organisation and parent taxonomy term already in the directory (see ``test_hsds_import``):
with those, every field of ``service_full.json`` comes back exactly as it went in.
"""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from carehouse.directory.hsds import exporter, importer
from carehouse.directory.models import (
    Attribute,
    DirectoryOrganization,
    Location,
    Metadata,
    Service,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from carehouse.directory.tests import schemas
from carehouse.directory.tests.conftest import ROTHERHAM, SHEFFIELD
from carehouse.directory.tests.factories import make_service
from carehouse.directory.tests.test_hsds_import import FIXTURES, SERVICE_ID, corrected_csv, example

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _example_parents() -> None:
    DirectoryOrganization.objects.create(
        id="cd09a387-91f4-4555-94ec-e799c35344cd", name="Parent Organisation", description="Parent"
    )
    TaxonomyTerm.objects.create(id="0bc248fa-dc27-4650-9ba4-8f1a24ef16a2", name="Parent term", description="Parent")


def _clear_directory() -> None:
    """Remove everything an import writes (the shipped taxonomies stay)."""
    Attribute.objects.all().delete()
    Metadata.objects.all().delete()
    ServiceCapacity.objects.all().delete()
    Unit.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    DirectoryOrganization.objects.exclude(id="cd09a387-91f4-4555-94ec-e799c35344cd").delete()
    TaxonomyTerm.objects.filter(id="3f7b145d-84af-42d7-8fae-eaca714b02b2").delete()
    Taxonomy.objects.filter(name="name").delete()


def _mixed_directory() -> None:
    importer.import_documents([example()])
    service = make_service(
        "Walk and Talk",
        terms=["mtm:walking-groups"],
        at=[ROTHERHAM, SHEFFIELD],
        districts="S60 S61",
        days="MO,WE",
        opens=datetime.time(10),
        closes=datetime.time(12),
        minimum_age=18.5,
        referral_routes=["link_workers", "self_referral"],
        how_to_refer="Ring Sam",
    )
    ServiceCapacity.objects.create(
        service=service,
        unit=Unit.objects.create(name="places"),
        available=3,
        updated=datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC),
        waiting_list=2,
    )
    DirectoryOrganization.objects.create(name="Runs nothing yet", description="A new group")


def test_the_example_comes_back_exactly_as_it_went_in(tmp_path: Path) -> None:
    original = example()
    importer.import_documents([original])
    out = tmp_path / "directory.json"

    exporter.export("json", out)

    records = json.loads(out.read_text(encoding="utf-8"))
    [exported] = [r for r in records if r["id"] == SERVICE_ID]
    assert exported == original
    schemas.validate_service_full(exported)


def test_json_round_trip_is_stable(tmp_path: Path) -> None:
    _mixed_directory()
    first = tmp_path / "first.json"
    exporter.export("json", first)
    _clear_directory()

    report = importer.import_path(first)
    second = tmp_path / "second.json"
    exporter.export("json", second)

    assert not report.refused, [o.described for o in report.refused]
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    records = json.loads(first.read_text(encoding="utf-8"))
    walk = next(r for r in records if r["name"] == "Walk and Talk")
    assert walk["carehouse_referral"]["referral_routes"] == ["link_workers", "self_referral"]
    assert walk["capacities"][0]["carehouse_waiting_list"] == 2
    assert walk["minimum_age"] == 18.5
    assert any(r["name"] == "Runs nothing yet" for r in records)
    for record in records:
        if "status" in record:
            schemas.validate_service_full(record)
        else:
            schemas.validate_definition("organization", record)


def test_ndjson_round_trip_is_stable(tmp_path: Path) -> None:
    _mixed_directory()
    first = tmp_path / "first.ndjson"
    exporter.export("ndjson", first)
    lines = first.read_text(encoding="utf-8").splitlines()
    _clear_directory()

    importer.import_path(first)
    second = tmp_path / "second.ndjson"
    exporter.export("ndjson", second)

    assert len(lines) == 4  # two services, the example's parent organisation and one that runs nothing
    assert second.read_text(encoding="utf-8").splitlines() == lines


def test_csv_datapackage_round_trip_is_stable(tmp_path: Path) -> None:
    importer.import_path(corrected_csv(FIXTURES / "hsds-3.0" / "csv", tmp_path / "source"))
    _mixed_directory()
    exporter.export("csv", tmp_path / "first")
    _clear_directory()

    report = importer.import_path(tmp_path / "first")
    exporter.export("csv", tmp_path / "second")

    assert not report.refused, [o.described for o in report.refused]
    names = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "second").iterdir())
    for name in names:
        assert (tmp_path / "second" / name).read_text() == (tmp_path / "first" / name).read_text(), name


def test_csv_tables_follow_the_hsds_datapackage(tmp_path: Path) -> None:
    importer.import_documents([example()])

    exporter.export("csv", tmp_path)

    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["license"]["type"] == "CC-BY-SA-4.0"
    for resource in package["resources"]:
        with (tmp_path / resource["path"]).open(newline="", encoding="utf-8") as stream:
            header = next(csv.reader(stream))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
    with (tmp_path / "services.csv").open(newline="", encoding="utf-8") as stream:
        [row] = list(csv.DictReader(stream))
    assert row["id"] == SERVICE_ID and row["minimum_age"] == "12" and row["last_modified"] == "2023-03-15T10:30:45.123Z"
    with (tmp_path / "phones.csv").open(newline="", encoding="utf-8") as stream:
        [phone] = list(csv.DictReader(stream))
    assert phone["extension"] == "100" and phone["number"] == '"+44 1234 234567"'
    assert phone["contact_id"] and phone["location_id"] and phone["service_id"] and phone["organization_id"]
    with (tmp_path / "metadata.csv").open(newline="", encoding="utf-8") as stream:
        [entry] = list(csv.DictReader(stream))
    assert entry["last_action_date"] == "2011-01-01"


def test_export_and_reindex_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    importer.import_documents([example()])

    call_command("directory", "export", "--format", "ndjson", str(tmp_path / "out.ndjson"))
    call_command("directory", "export", "--format", "csv", str(tmp_path / "tables"))
    call_command("directory", "reindex")

    out = capsys.readouterr().out
    assert "Exported 2 records as HSDS ndjson" in out  # the service, and the parent organisation that runs none
    assert "Exported 1 services as HSDS CSV tables" in out
    assert "Reindexed 1 services" in out
    assert (tmp_path / "tables" / "services.csv").exists()
