"""Shared by the Open Referral API tests: a rich example record and small request helpers."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.test import Client

from carehouse.directory.models import (
    Accessibility,
    Contact,
    CostOption,
    DirectoryOrganization,
    Funding,
    Language,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
)
from carehouse.directory.search.index import reindex_services
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import make_service


def get_json(client: Client, url: str, status: int = 200, **query: Any) -> Any:
    response = client.get(url, query)
    assert response.status_code == status, (url, query, response.content[:500])
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["contents"]]


def example_record() -> Service:
    """The HSDS example service ("Community Counselling") with every kind of child, made real for the UK.

    Its one venue is in Rotherham (about 250 m from the centre of the S60 1 postcode sector), it
    serves ages 12 to 100, meets Mondays and Wednesdays 09:00 to 17:00 and is tagged as a mental
    wellbeing group.
    """
    organization = DirectoryOrganization.objects.create(
        name="Example Organization Ltd",
        alternate_name="Example Org",
        description="A charity providing services to people in Rotherham.",
        email="hello@example.org",
        website="https://example.org",
        legal_status="Charity",
        year_incorporated=2011,
        uri="https://example.org/org",
    )
    OrganizationIdentifier.objects.create(
        organization=organization, identifier_scheme="GB-CHC", identifier_type="Charity number", identifier="1234567"
    )
    program = Program.objects.create(
        organization=organization, name="Community Mental Health Support", description="Counselling and groups."
    )
    service = make_service(
        "Community Counselling",
        description="Counselling provided by trained professionals for anxiety, low mood and difficult times.",
        organization=organization,
        terms=["mtm:wellbeing-groups"],
        at=[ROTHERHAM],
        postcode="S60 1AA",
        districts="S60 S61",
        minimum_age=12,
        maximum_age=100,
        index=False,
        alternate_name="Rotherham Counselling",
        url="https://example.org/counselling",
        email="counselling@example.org",
        interpretation_services="Interpreters for Urdu, Polish and Slovak",
        application_process="Ask your GP or link worker, or ring reception",
        fees_description="Free for NHS patients",
        accreditations="BACP accredited",
        eligibility_description="People aged 12 and over in Rotherham",
        assured_date=datetime.date(2024, 1, 5),
        assurer_email="assurer@example.org",
        alert="Some sessions are online",
        program=program,
    )
    sal = ServiceAtLocation.objects.get(service=service)
    location = sal.location
    Schedule.objects.create(
        service=service,
        freq="WEEKLY",
        byday="MO,WE",
        opens_at=datetime.time(9),
        closes_at=datetime.time(17),
        description="Mondays and Wednesdays, 9am to 5pm",
        valid_from=datetime.date(2024, 1, 1),
        valid_to=datetime.date(2030, 12, 31),
    )
    contact = Contact.objects.create(
        service=service, name="Sam Reception", title="Receptionist", email="sam@example.org"
    )
    phone = Phone.objects.create(service=service, contact=contact, number="01709 234567", type="voice")
    Language.objects.create(phone=phone, name="English", code="en")
    Language.objects.create(service=service, name="Urdu", code="ur")
    Accessibility.objects.create(location=location, description="Step-free access", details="Ramp at the front")
    CostOption.objects.create(service=service, option="Private clients", currency="GBP", amount=50)
    Funding.objects.create(service=service, source="NHS South Yorkshire")
    RequiredDocument.objects.create(service=service, document="GP referral letter")
    reindex_services([service.id])
    service.refresh_from_db()
    return service
