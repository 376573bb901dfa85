"""HSDS 3.0 serialisation: shapes, the empty-is-absent rule, numbers and dates, and the query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carehouse.directory.hsds import serialise
from carehouse.directory.models import (
    Contact,
    CostOption,
    Language,
    Metadata,
    Phone,
    Schedule,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from carehouse.directory.tests import schemas
from carehouse.directory.tests.conftest import ROTHERHAM, SHEFFIELD
from carehouse.directory.tests.factories import make_service

pytestmark = pytest.mark.django_db


def test_full_service_is_valid_hsds_with_everything_nested() -> None:
    service = make_service(
        "Walk and Talk",
        terms=["mtm:walking-groups"],
        at=[ROTHERHAM],
        districts="S60 S61",
        days="MO,WE",
        opens=datetime.time(10),
        closes=datetime.time(12, 30),
        minimum_age=18.0,
        referral_routes=["link_workers"],
        how_to_refer="Ring Sam",
    )
    sal = ServiceAtLocation.objects.get(service=service)
    contact = Contact.objects.create(service=service, location=sal.location, name="Sam")
    phone = Phone.objects.create(service=service, contact=contact, number="01709 123456", extension=12.0)
    Language.objects.create(phone=phone, service=service, name="Urdu", code="ur")
    CostOption.objects.create(service=service, amount=3.5, currency="GBP", option="Adults")

    data = serialise.service_full(service)

    schemas.validate_service_full(data)
    assert data["minimum_age"] == 18 and isinstance(data["minimum_age"], int)
    assert data["schedules"][0]["opens_at"] == "10:00:00"
    assert data["schedules"][0]["closes_at"] == "12:30:00"
    assert data["service_areas"][0]["extent"] == "S60 S61"
    assert data["attributes"][0]["taxonomy_term"]["code"] == "mtm:walking-groups"
    assert "taxonomy_detail" in data["attributes"][0]["taxonomy_term"]
    # The phone hangs from the service and the contact, so it is written under both.
    assert data["phones"][0]["id"] == str(phone.id)
    assert data["phones"][0]["extension"] == 12
    assert data["phones"][0]["languages"][0]["code"] == "ur"
    assert data["contacts"][0]["phones"][0]["id"] == str(phone.id)
    # The contact is the service's and the location's.
    location = data["service_at_locations"][0]["location"]
    assert location["contacts"][0]["id"] == str(contact.id)
    assert location["latitude"] == ROTHERHAM[0]
    assert location["addresses"][0]["postal_code"] == "S60 1AA"
    assert data["cost_options"][0]["amount"] == 3.5
    assert data["organization"]["locations"][0]["id"] == location["id"]
    assert data["carehouse_referral"] == {"referral_routes": ["link_workers"], "how_to_refer": "Ring Sam"}
    assert data["last_modified"].endswith("Z") and len(data["last_modified"]) == len("2023-03-15T10:30:45.123Z")


def test_empty_values_are_left_out_but_required_fields_stay() -> None:
    service = make_service("Bare", referral_routes=[])
    service.description = ""
    service.last_modified = None
    service.save()

    data = serialise.service_full(service)

    schemas.validate_service_full(data)
    assert data["name"] == "Bare" and data["status"] == "active"
    assert "description" not in data and "last_modified" not in data and "alternate_name" not in data
    assert "phones" not in data and "carehouse_referral" not in data and "capacities" not in data
    assert data["organization"]["description"] == "A community organisation."


def test_referral_details_can_be_left_out() -> None:
    service = make_service("Referred", referral_routes=["professionals"])

    assert "carehouse_referral" in serialise.service_full(service)
    assert "carehouse_referral" not in serialise.service_full(service, referral=False)


def test_capacity_is_an_extra_hsds_3_1_property() -> None:
    service = make_service("Places")
    unit = Unit.objects.create(name="places")
    ServiceCapacity.objects.create(
        service=service,
        unit=unit,
        available=4.0,
        maximum=12.0,
        updated=datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC),
        waiting_list=3,
    )

    data = serialise.service_full(service)

    assert data["capacities"] == [
        {
            "id": str(service.capacities.get().id),
            "unit": {"id": str(unit.id), "name": "places"},
            "available": 4,
            "maximum": 12,
            "updated": "2026-01-02T03:04:05.678Z",
            "carehouse_waiting_list": 3,
        }
    ]
    schemas.validate_service_full(data)


def test_summary_has_organisation_and_program_only() -> None:
    service = make_service("Summary", at=[ROTHERHAM], days="MO")

    data = serialise.service_summary(service)

    schemas.validate_service_summary(data)
    assert data["organization"]["name"] == service.organization.name
    assert "schedules" not in data and "service_at_locations" not in data and "carehouse_referral" not in data


def test_service_at_location_and_organisation_records_are_valid() -> None:
    service = make_service("Venue service", at=[ROTHERHAM, SHEFFIELD], days="TU")
    sal = ServiceAtLocation.objects.filter(service=service).select_related(
        "location", "service__organization", "service__program"
    )[0]
    Schedule.objects.create(service_at_location=sal, byday="FR", freq="WEEKLY")

    full = serialise.service_at_location_full(sal)
    summary = serialise.service_at_location_summary(sal)
    organisation = serialise.organization_full(service.organization)

    schemas.validate_definition("service_at_location", full)
    schemas.validate_definition("service_at_location", summary)
    schemas.validate_definition("organization", organisation)
    schemas.validate_definition("organization", serialise.organization_summary(service.organization))
    assert full["schedules"][0]["byday"] == "FR"
    assert full["location"]["id"] == str(sal.location_id)
    assert full["service"]["id"] == str(service.id) and "service_at_locations" not in full["service"]
    assert full["service"]["organization"]["id"] == str(service.organization_id)
    assert summary["service"]["organization"]["id"] == str(service.organization_id)
    assert [s["id"] for s in organisation["services"]] == [str(service.id)]
    assert "organization" not in organisation["services"][0]
    assert len(organisation["locations"]) == 2


def test_taxonomy_and_term() -> None:
    taxonomy = Taxonomy.objects.create(name="Needs", description="Kinds of need", uri="http://example.com/t")
    parent = TaxonomyTerm.objects.create(name="Parent", description="Top", taxonomy_detail=taxonomy)
    child = TaxonomyTerm.objects.create(
        name="Child", description="Below", parent=parent, taxonomy_detail=taxonomy, code="c1", language="en"
    )

    term = serialise.taxonomy_term(TaxonomyTerm.objects.select_related("taxonomy_detail").get(id=child.id))

    schemas.validate_definition("taxonomy_term", term)
    schemas.validate_definition("taxonomy", serialise.taxonomy(taxonomy))
    assert term["parent_id"] == str(parent.id)
    assert term["taxonomy_detail"] == {
        "id": str(taxonomy.id),
        "name": "Needs",
        "description": "Kinds of need",
        "uri": "http://example.com/t",
    }


def test_metadata_is_nested_under_its_record_with_a_date() -> None:
    service = make_service("Changed")
    Metadata.objects.create(
        resource_id=service.id,
        resource_type="service",
        last_action_date=datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC),
        last_action_type="update",
        field_name="name",
        previous_value="Old",
        replacement_value="Changed",
        updated_by="Vic",
    )

    data = serialise.service_full(service)

    schemas.validate_service_full(data)
    assert data["metadata"][0]["last_action_date"] == "2026-03-04"
    assert "resource_id" not in data["metadata"][0]


def test_many_services_take_a_fixed_number_of_queries() -> None:
    for number in range(3):
        make_service(f"Few {number}", at=[ROTHERHAM], terms=["mtm:walking-groups"], days="MO", districts="S60")
    with CaptureQueriesContext(connection) as few:
        three = serialise.services_full(list(serialise.Service.objects.all()))
    for number in range(12):
        make_service(f"Many {number}", at=[ROTHERHAM, SHEFFIELD], terms=["mtm:walking-groups"], days="MO")
    with CaptureQueriesContext(connection) as many:
        fifteen = serialise.services_full(serialise.Service.objects.all())

    assert len(three) == 3 and len(fifteen) == 15
    assert len(many.captured_queries) <= len(few.captured_queries) + 1
    assert [s["name"] for s in fifteen] == sorted(s["name"] for s in fifteen)
    for item in fifteen:
        schemas.validate_service_full(item)
