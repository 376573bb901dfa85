"""Changing a service: who may, what each change records (HSDS metadata + audit), conflicts, reviews."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.directory.models import (
    Attribute,
    CostOption,
    Metadata,
    Schedule,
    SearchEntry,
    Service,
    ServiceCapacity,
)
from carehouse.directory.search.engine import SearchQuery, search
from carehouse.directory.services import keeping
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import make_service, term
from carehouse.directory.tests.keeping_helpers import claimed_by, form_data, other_provider


@pytest.fixture
def service(vic) -> Service:
    return make_service(
        "Tuesday walks",
        organization=claimed_by(vic.organisation),
        terms=["mtm:walking-groups"],
        at=[ROTHERHAM],
        days="TU",
        opens=datetime.time(10),
        closes=datetime.time(12),
    )


def _edit_url(service: Service) -> str:
    return reverse("directory:edit_service", kwargs={"service_id": service.id})


def _snapshot(service: Service) -> tuple[object, ...]:
    service.refresh_from_db()
    return (service.name, service.version, service.last_modified, Metadata.objects.count())


def test_a_keeper_changes_fields_and_each_change_is_recorded(client, signed_in, vic, service) -> None:
    signed_in(client, vic)
    form = client.get(_edit_url(service))
    assert form.status_code == 200
    assert 'value="Tuesday walks"' in form.content.decode()
    audit_before = AuditEvent.objects.filter(action="update", object_type="directory.Service").count()

    response = client.post(
        _edit_url(service),
        form_data(
            service,
            name="Tuesday health walks",
            minimum_age="18",
            cost="charge",
            cost_amount="2.50",
            referral_routes=["self_referral", "link_workers"],
            capacity_available="4",
            capacity_maximum="20",
            capacity_waiting_list="0",
            opening_days=["TU", "TH"],
            opens_at="09:30",
            closes_at="11:00",
            categories=[str(term("mtm:walking-groups").id), str(term("mtm:green-activity").id)],
        ),
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Tuesday health walks"
    assert service.minimum_age == 18
    assert service.version == 2
    assert service.last_modified is not None
    assert sorted(service.referral_routes) == ["link_workers", "self_referral"]
    assert [o.amount for o in CostOption.objects.filter(service=service)] == [2.5]
    capacity = ServiceCapacity.objects.get(service=service)
    assert (capacity.available, capacity.maximum, capacity.waiting_list, capacity.unit.name) == (4, 20, 0, "places")
    schedule = Schedule.objects.get(service=service)
    assert (schedule.byday, schedule.opens_at, schedule.closes_at) == ("TU,TH", datetime.time(9, 30), datetime.time(11))
    codes = set(
        Attribute.objects.filter(link_id=service.id, link_entity="service").values_list(
            "taxonomy_term__code", flat=True
        )
    )
    assert codes == {"mtm:walking-groups", "mtm:green-activity"}

    rows = {m.field_name: m for m in Metadata.objects.filter(resource_id=service.id)}
    assert set(rows) == {
        "name",
        "minimum_age",
        "referral_routes",
        "cost_option.amount",
        "service_capacity.available",
        "service_capacity.maximum",
        "service_capacity.waiting_list",
        "schedule.byday",
        "schedule.opens_at",
        "schedule.closes_at",
        "attribute.taxonomy_term",
    }
    name = rows["name"]
    assert (name.resource_type, name.last_action_type, name.previous_value, name.replacement_value) == (
        "service",
        "update",
        "Tuesday walks",
        "Tuesday health walks",
    )
    assert name.updated_by == "Vic Provider (vic@example.org)"
    assert rows["cost_option.amount"].replacement_value == "£2.50"
    assert rows["schedule.byday"].replacement_value == "Tuesday, Thursday"
    assert (rows["schedule.opens_at"].previous_value, rows["schedule.opens_at"].replacement_value) == ("10:00", "09:30")

    events = AuditEvent.objects.filter(action="update", object_type="directory.Service", object_id=str(service.id))
    assert events.count() == audit_before + 1
    event = events.order_by("-sequence").first()
    assert event is not None and event.actor_email == "vic@example.org"
    assert event.changes["fields"]["name"] == {"from": "Tuesday walks", "to": "Tuesday health walks"}

    # Search sees the change at once.
    entry = SearchEntry.objects.get(service=service)
    assert (entry.name, entry.self_referral, entry.has_capacity, entry.is_free) == (
        "Tuesday health walks",
        True,
        True,
        False,
    )


def test_saving_without_changes_records_nothing(client, signed_in, vic, service) -> None:
    signed_in(client, vic)
    before = _snapshot(service)
    response = client.post(_edit_url(service), form_data(service))
    assert response.status_code == 302
    assert _snapshot(service) == before


def test_another_providers_staff_cannot_change_the_service(client, signed_in, service) -> None:
    olga = other_provider()
    signed_in(client, olga)
    before = _snapshot(service)
    assert client.get(_edit_url(service)).status_code == 403
    assert client.post(_edit_url(service), form_data(service, name="Hijacked")).status_code == 403
    assert client.post(reverse("directory:mark_reviewed", kwargs={"service_id": service.id})).status_code == 403
    assert client.get(reverse("directory:history", kwargs={"service_id": service.id})).status_code == 403
    assert _snapshot(service) == before
    with pytest.raises(PermissionDenied):
        keeping.update_service(Actor.for_membership(olga), service, {"name": "Hijacked"}, expected_version=1)
    assert _snapshot(service) == before


def test_provider_staff_cannot_change_a_service_of_an_unclaimed_organisation(client, signed_in, vic) -> None:
    service = make_service("Unclaimed walks", organization=claimed_by(None))
    signed_in(client, vic)
    before = _snapshot(service)
    assert client.post(_edit_url(service), form_data(service, name="Mine now")).status_code == 403
    assert _snapshot(service) == before


def test_commissioners_and_the_public_cannot_change_services(client, signed_in, cora, service) -> None:
    before = _snapshot(service)
    anonymous = client.post(_edit_url(service), form_data(service, name="Changed"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    signed_in(client, cora)
    assert client.post(_edit_url(service), form_data(service, name="Changed")).status_code == 403
    assert client.get(reverse("directory:organisations")).status_code == 403
    assert _snapshot(service) == before


def test_administrators_can_change_any_service(client, signed_in, ada) -> None:
    service = make_service("Unclaimed walks", organization=claimed_by(None))
    signed_in(client, ada)
    response = client.post(_edit_url(service), form_data(service, alert="Closed until 5 January"))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.alert == "Closed until 5 January"
    assert Metadata.objects.get(resource_id=service.id).updated_by == "Ada Administrator (ada@example.org)"


def test_a_stale_save_is_refused_and_the_typing_kept(client, signed_in, vic, ada, service) -> None:
    signed_in(client, vic)
    stale_form = form_data(service, name="Vic's new name", description="Vic typed this description")
    # Someone else saves first.
    keeping.update_service(Actor.for_membership(ada), service, {"alert": "Closed today"}, expected_version=1)
    before = _snapshot(service)

    response = client.post(_edit_url(service), stale_form)

    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else changed this service after you opened it" in text
    assert 'value="Vic&#39;s new name"' in text or 'value="Vic\'s new name"' in text
    assert "Vic typed this description" in text
    assert 'name="version" value="2"' in text  # saving again is against the version now stored
    assert _snapshot(service) == before
    assert Service.objects.get(pk=service.pk).name == "Tuesday walks"


def test_form_errors_use_nhs_messages_and_change_nothing(client, signed_in, vic, service) -> None:
    signed_in(client, vic)
    before = _snapshot(service)
    response = client.post(
        _edit_url(service),
        form_data(
            service, name="", minimum_age="40", maximum_age="20", cost="charge", cost_amount="", closes_at="08:00"
        ),
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in text
    for message in (
        "Enter the service name",
        "Maximum age must be the same as or more than the minimum age",
        "Enter how much it costs",
        "Closing time must be after the opening time",
    ):
        assert message in text
    assert _snapshot(service) == before


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180)
def test_marking_reviewed_makes_a_stale_service_fresh_in_search(client, signed_in, vic) -> None:
    long_ago = timezone.now() - datetime.timedelta(days=400)
    service = make_service("Old walks", organization=claimed_by(vic.organisation), reviewed_at=long_ago)
    Service.objects.filter(pk=service.pk).update(review_reminders_sent=2, review_reminded_at=long_ago)
    assert search(SearchQuery()).hits[0].is_stale is True

    signed_in(client, vic)
    response = client.post(reverse("directory:mark_reviewed", kwargs={"service_id": service.id}))

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.last_reviewed_by == vic.user
    assert service.assured_date == timezone.localdate()
    assert service.assurer_email == "vic@example.org"
    assert (service.review_reminders_sent, service.review_reminded_at) == (0, None)
    hit = search(SearchQuery()).hits[0]
    assert (hit.service_id, hit.is_stale) == (service.id, False)
    row = Metadata.objects.get(resource_id=service.id)
    assert (row.last_action_type, row.field_name, row.replacement_value) == (
        "reviewed",
        "assured_date",
        timezone.localdate().isoformat(),
    )
    assert AuditEvent.objects.filter(object_id=str(service.id), summary__contains="still correct").count() == 1
    history = client.get(reverse("directory:history", kwargs={"service_id": service.id})).content.decode()
    today = timezone.localdate()
    assert f"{today.day} {today:%B %Y}" in history
    assert "Checked as still correct" in history


def test_the_organisation_page_lists_services_with_their_review_state(client, signed_in, vic) -> None:
    organisation = claimed_by(vic.organisation)
    make_service("Fresh walks", organization=organisation)
    make_service("Old walks", organization=organisation, reviewed=False)
    signed_in(client, vic)
    text = client.get(reverse("directory:organisation", kwargs={"organization_id": organisation.id})).content.decode()
    assert "Fresh walks" in text and "Old walks" in text
    assert text.count("Needs checking") == 1
    assert "This information is still correct" in text
    listing = client.get(reverse("directory:organisations")).content.decode()
    assert "Organisations you keep" in listing and organisation.name in listing


def test_history_is_newest_first(vic, service) -> None:
    actor = Actor.for_membership(vic)
    keeping.update_service(actor, service, {"name": "Second name"}, expected_version=1)
    keeping.update_service(actor, service, {"name": "Third name"}, expected_version=2)
    from carehouse.directory.selectors import service_history

    assert [m.replacement_value for m in service_history(service)] == ["Third name", "Second name"]


def test_history_page_is_not_found_for_a_service_that_does_not_exist(client, signed_in, vic) -> None:
    signed_in(client, vic)
    assert client.get(reverse("directory:history", kwargs={"service_id": uuid.uuid4()})).status_code == 404
