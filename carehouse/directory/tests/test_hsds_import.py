"""Importing HSDS 3.0: JSON records, pages, ndjson, CSV datapackages and taxonomies.

The shared Open Referral example puts its location at latitude 100, longitude 101, which is no
place on Earth. The importer refuses such coordinates (search ranks by distance), so the tests
that need the example to import use a copy with the coordinates corrected (``corrected``); one
test feeds the example unchanged and checks that it is refused with the latitude named. The
example also points at a parent organisation and a parent taxonomy term that it does not
contain; ``example_parents`` puts those in the directory first, where a round trip needs them.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from carehouse.core.models.audit import AuditEvent
from carehouse.directory.hsds import importer, serialise
from carehouse.directory.models import (
    AreaKind,
    Attribute,
    Contact,
    DirectoryOrganization,
    Location,
    Phone,
    ReferralRoute,
    SearchEntry,
    Service,
    ServiceArea,
    Taxonomy,
    TaxonomyTerm,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openreferral"
EXAMPLE = FIXTURES / "hsds-3.0" / "json" / "service_full.json"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
PARENT_ORGANIZATION = "cd09a387-91f4-4555-94ec-e799c35344cd"
PARENT_TERM = "0bc248fa-dc27-4650-9ba4-8f1a24ef16a2"
#: Rotherham, to stand in for the example's impossible coordinates.
LATITUDE, LONGITUDE = 53.43, -1.357


def corrected(data: Any) -> Any:
    """A copy of an example with its location moved to a real place."""
    text = json.dumps(data)
    text = text.replace('"latitude": 100', f'"latitude": {LATITUDE}').replace(
        '"longitude": 101', f'"longitude": {LONGITUDE}'
    )
    return json.loads(text)


def example() -> dict[str, Any]:
    data: dict[str, Any] = corrected(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    return data


def corrected_csv(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    locations = target / "locations.csv"
    locations.write_text(
        locations.read_text(encoding="utf-8").replace(",100,101,", f",{LATITUDE},{LONGITUDE},"), encoding="utf-8"
    )
    return target


@pytest.fixture
def example_parents() -> None:
    DirectoryOrganization.objects.create(id=PARENT_ORGANIZATION, name="Parent Organisation", description="Parent")
    TaxonomyTerm.objects.create(id=PARENT_TERM, name="Parent term", description="Parent")


def test_the_example_service_imports_whole(example_parents: None) -> None:
    before = AuditEvent.objects.count()

    report = importer.import_documents([example()])

    assert [(o.result, o.id) for o in report.outcomes] == [("created", SERVICE_ID)]
    assert report.warnings == []
    service = Service.objects.get(id=SERVICE_ID)
    assert service.organization is not None and service.organization.name == "Example Organization Inc."
    assert service.organization.parent_organization_id == uuid.UUID(PARENT_ORGANIZATION)
    assert service.program is not None and service.program.organization_id == service.organization_id
    # One phone, hung from all five of its parents.
    phone = Phone.objects.get()
    assert phone.service_id == service.id and phone.location_id == uuid.UUID(LOCATION_ID)
    assert phone.contact_id is not None and phone.organization_id is not None
    assert phone.service_at_location_id is not None
    assert phone.extension == 100 and phone.number == '"+44 1234 234567"'
    assert Contact.objects.get().organization_id == service.organization_id
    assert Location.objects.get().latitude == LATITUDE
    assert SearchEntry.objects.filter(service=service).exists()
    events = AuditEvent.objects.order_by("sequence")[before:]
    assert [e.action for e in events] == ["create"]
    assert "created 1" in events[0].summary


def test_the_unchanged_example_is_refused_for_its_latitude_and_nothing_is_written() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))

    report = importer.import_documents([data])

    [outcome] = report.refused
    assert outcome.described == (
        f"Service 'Community Counselling' (id {SERVICE_ID}): location latitude 100 is not between -90 and 90"
    )
    assert not Service.objects.exists()
    assert not DirectoryOrganization.objects.exists()
    assert not Phone.objects.exists() and not Location.objects.exists()


def test_a_bad_record_is_refused_while_the_rest_import(example_parents: None) -> None:
    good = example()
    bad_latitude = {
        "id": str(uuid.uuid4()),
        "name": "Lost Walks",
        "status": "active",
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {"id": str(uuid.uuid4()), "location_type": "physical", "latitude": 123},
            }
        ],
    }
    nameless = {"id": str(uuid.uuid4()), "status": "active", "description": "No name"}
    bad_status = {"id": str(uuid.uuid4()), "name": "Odd", "status": "sometimes"}

    report = importer.import_documents([[bad_latitude, good, nameless, bad_status]])

    assert report.created == 1
    reasons = {o.name: o.reason for o in report.refused}
    assert reasons["Lost Walks"] == "location latitude 123 is not between -90 and 90"
    assert reasons[""] == "name is missing"
    assert reasons["Odd"].startswith("status 'sometimes' is not one of: active, inactive")
    assert list(Service.objects.values_list("name", flat=True)) == ["Community Counselling"]
    assert not Location.objects.filter(latitude=123).exists()


def test_an_unknown_taxonomy_term_refuses_the_record() -> None:
    missing = uuid.uuid4()
    record = {
        "id": str(uuid.uuid4()),
        "name": "Tagged",
        "status": "active",
        "attributes": [{"id": str(uuid.uuid4()), "taxonomy_term_id": str(missing), "link_entity": "service"}],
    }

    report = importer.import_documents([record])

    assert report.refused[0].reason == f"taxonomy term {missing} is not in the directory or this file"
    assert not Service.objects.exists()


def test_reimport_updates_and_drops_children_no_longer_listed(example_parents: None) -> None:
    importer.import_documents([example()])
    changed = example()
    changed["name"] = "Community Counselling (renamed)"
    changed["cost_options"] = []
    changed["phones"] = []  # the phone still hangs from the contact and location, so it stays there

    report = importer.import_documents([changed])

    assert [o.result for o in report.outcomes] == ["updated"]
    service = Service.objects.get()
    assert service.name == "Community Counselling (renamed)" and service.version == 2
    assert not service.cost_options.exists()
    phone = Phone.objects.get()
    assert phone.service_id is None and phone.location_id == uuid.UUID(LOCATION_ID)
    assert SearchEntry.objects.get(service=service).name == "Community Counselling (renamed)"


def test_our_referral_details_survive_plain_hsds_and_import_when_given() -> None:
    record = {
        "id": str(uuid.uuid4()),
        "name": "Refer me",
        "status": "active",
        "carehouse_referral": {
            "referral_routes": ["link_workers"],
            "how_to_refer": "Email us",
            "response_time_days": 3,
        },
    }
    importer.import_documents([record])
    plain = {k: v for k, v in record.items() if k != "carehouse_referral"}

    importer.import_documents([plain])

    service = Service.objects.get()
    assert service.referral_routes == [ReferralRoute.LINK_WORKERS]
    assert service.how_to_refer == "Email us" and service.response_time_days == 3
    bad = {**record, "carehouse_referral": {"referral_routes": ["anyone"]}}
    assert "referral route 'anyone'" in importer.import_documents([bad]).refused[0].reason


def test_pages_and_ndjson_and_folders_of_json(tmp_path: Path, example_parents: None) -> None:
    page = {"total_items": 1, "contents": [example()]}
    (tmp_path / "page.json").write_text(json.dumps(page))
    other = {"id": str(uuid.uuid4()), "name": "Line two", "status": "active"}
    ndjson = tmp_path / "more.ndjson"
    ndjson.write_text(json.dumps(other) + "\n\n")

    report = importer.import_path(tmp_path)

    assert report.created == 2
    assert set(Service.objects.values_list("name", flat=True)) == {"Community Counselling", "Line two"}


def test_service_area_kind_is_read_from_the_area() -> None:
    record = {
        "id": str(uuid.uuid4()),
        "name": "Local",
        "status": "active",
        "service_areas": [{"id": str(uuid.uuid4()), "name": "Rotherham", "extent": "S60 S61", "extent_type": "text"}],
    }

    importer.import_documents([record])

    area = ServiceArea.objects.get()
    assert area.kind == AreaKind.POSTCODE_DISTRICTS and area.codes == ["S60", "S61"]


def test_dry_run_reports_but_changes_nothing(example_parents: None) -> None:
    before = AuditEvent.objects.count()

    report = importer.import_documents([example()], dry_run=True)

    assert report.created == 1 and report.dry_run
    assert report.summary.startswith("Dry run: would have created 1")
    assert not Service.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_hsds_csv_datapackage_imports(tmp_path: Path) -> None:
    folder = corrected_csv(FIXTURES / "hsds-3.0" / "csv", tmp_path / "csv")

    report = importer.import_path(folder)

    assert not report.refused, [o.described for o in report.refused]
    service = Service.objects.get(id=SERVICE_ID)
    assert service.organization_id == uuid.UUID("d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert service.schedules.get().byday == "TH,FR"
    assert service.service_at_locations.get().location.latitude == LATITUDE
    assert Phone.objects.get().contact_id is not None
    assert Taxonomy.objects.filter(id="5c4d79d7-cc55-470e-9f1f-8cad074e4892").exists()
    assert TaxonomyTerm.objects.filter(id="3f7b145d-84af-42d7-8fae-eaca714b02b2").exists()
    assert Attribute.objects.filter(id="ae58cc39-8b70-4ab1-8aea-786882e5ac8e").exists()
    # The example's tables point at records they do not hold: those links are dropped, and said so.
    assert any("parent_organization_id" in w for w in report.warnings)
    assert any("ae67a707-5893-4225-b0b1-320ab9cb596b" in w for w in report.warnings)


def test_the_uk_profile_csv_folder_imports(tmp_path: Path) -> None:
    folder = corrected_csv(FIXTURES / "oruk-uk-profile-3.0" / "csv", tmp_path / "uk")

    report = importer.import_path(folder)

    # Its one attribute names no link_entity and tags a record the file does not hold.
    assert [o.described for o in report.refused] == [
        "Attribute (id ae58cc39-8b70-4ab1-8aea-786882e5ac8e): link_entity is missing"
    ]
    service = Service.objects.get(id=SERVICE_ID)
    assert service.name == "Community Counselling"
    assert service.service_at_locations.get().location.addresses.count() == 1
    assert service.schedules.count() == 1


def test_taxonomy_documents_import() -> None:
    taxonomy_id, parent_id, child_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    document = {
        "taxonomies": [{"id": str(taxonomy_id), "name": "Needs", "description": "Kinds of need"}],
        "taxonomy_terms": [
            {
                "id": str(child_id),
                "name": "Child",
                "description": "c",
                "parent_id": str(parent_id),
                "taxonomy_id": str(taxonomy_id),
            },
            {"id": str(parent_id), "name": "Parent", "description": "p", "taxonomy_id": str(taxonomy_id)},
            {"id": str(uuid.uuid4()), "description": "no name"},
        ],
    }

    report = importer.import_documents([document])

    assert report.created == 3
    assert [o.reason for o in report.refused] == ["name is missing"]
    child = TaxonomyTerm.objects.get(id=child_id)
    assert child.parent_id == parent_id and child.taxonomy_detail_id == taxonomy_id
    term = serialise.taxonomy_term(child)
    assert term["parent_id"] == str(parent_id)


def test_the_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], example_parents: None) -> None:
    bad = {"id": str(uuid.uuid4()), "status": "active"}
    path = tmp_path / "services.json"
    path.write_text(json.dumps([example(), bad]))

    call_command("directory", "import", str(path), "--dry-run")
    assert not Service.objects.exists()
    call_command("directory", "import", str(path))

    out, err = capsys.readouterr()
    assert "Dry run: would have created 1" in out
    assert "created 1, updated 0, refused 1" in out
    assert f"Refused: Service (id {bad['id']}): name is missing" in err
    assert Service.objects.count() == 1
