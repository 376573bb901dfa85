"""Shortlists: a practitioner adds and takes off services, prints the list and sends it to a person.

Priya (a practitioner at ``practice``) makes the shortlist for Mary, who is registered there.
Omar works at another practice: he cannot see Priya's shortlist nor send anything to Mary. Every
change is in the audit log; sending is recorded against Mary.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.conftest import sign_in
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, User
from carehouse.core.models.audit import AuditAction, AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.directory import selectors
from carehouse.directory.models import Service, Shortlist, ShortlistItem
from carehouse.directory.services import shortlists
from carehouse.directory.tests.conftest import KIMBERWORTH, ROTHERHAM
from carehouse.directory.tests.factories import make_service
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SHORTLIST = reverse("directory:shortlist")
ADD = reverse("directory:shortlist_add")
REMOVE = reverse("directory:shortlist_remove")
SEND = reverse("directory:shortlist_send")
PRINT = reverse("directory:shortlist_print")
MINE = reverse("directory:mine")


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def walking() -> Service:
    return make_service(
        "Rother Valley Walking Group",
        terms=["mtm:walking-groups"],
        at=[ROTHERHAM],
        districts="S60",
        days="MO,WE",
        opens=datetime.time(10),
        closes=datetime.time(12),
        how_to_refer="Email the coordinator",
        referral_email="walks@example.org",
        email="hello@walks.example.org",
    )


@pytest.fixture
def knitting() -> Service:
    return make_service("Kimberworth Knit and Natter", terms=["mtm:social-groups"], at=[KIMBERWORTH], days="TH")


@pytest.fixture
def mary_user(db: None) -> User:
    return UserFactory(email="mary@example.org", full_name="Mary Seacole")


@pytest.fixture
def mary(practice: Organisation, mary_user: User) -> Person:
    return PersonFactory(
        registered_practice=practice, given_name="Mary", family_name="Seacole", user=mary_user, nhs_number="9434765919"
    )


@pytest.fixture
def as_priya(client: Client, signed_in: Callable[[Client, Membership], Client], priya: Membership) -> Client:
    return signed_in(client, priya)


def events(action: AuditAction, object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action.value, object_type=object_type).order_by("sequence"))


def test_add_and_remove_services_with_a_banner_and_audit(as_priya: Client, walking: Service, knitting: Service) -> None:
    here = "/directory/?q=walking&postcode=S60+1AA"
    response = as_priya.post(ADD, {"service_id": str(walking.id), "next": here})
    assert response.status_code == 302
    assert response["Location"] == f"{here}#service-{walking.id}"
    as_priya.post(ADD, {"service_id": str(knitting.id), "next": here})
    as_priya.post(ADD, {"service_id": str(knitting.id), "next": here})  # twice: still once
    page = as_priya.get(here).content.decode()
    assert "Kimberworth Knit and Natter has been added to your shortlist." in page
    assert "Take off shortlist" in page
    assert "Your shortlist (2)" in text_of(page)
    shortlist = Shortlist.objects.get()
    assert shortlist.sent_at is None and shortlist.person is None
    assert sorted(ShortlistItem.objects.values_list("service__name", flat=True)) == [
        "Kimberworth Knit and Natter",
        "Rother Valley Walking Group",
    ]
    assert len(events(AuditAction.CREATE, "directory.ShortlistItem")) == 2

    response = as_priya.post(REMOVE, {"service_id": str(knitting.id), "next": SHORTLIST})
    assert response["Location"] == SHORTLIST
    page = as_priya.get(SHORTLIST).content.decode()
    assert "Kimberworth Knit and Natter has been taken off your shortlist." in page
    assert list(ShortlistItem.objects.values_list("service_id", flat=True)) == [walking.id]
    assert len(events(AuditAction.DELETE, "directory.ShortlistItem")) == 1


def test_the_add_buttons_carry_a_csrf_token_that_django_accepts(
    signed_in: Callable[[Client, Membership], Client], priya: Membership, walking: Service
) -> None:
    browser = signed_in(Client(enforce_csrf_checks=True), priya)
    for page in (f"/directory/services/{walking.id}", "/directory/?q=walking"):
        html = browser.get(page).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None, page
        response = browser.post(ADD, {"service_id": str(walking.id), "next": page, "csrfmiddlewaretoken": token[1]})
        assert response.status_code == 302
    assert ShortlistItem.objects.filter(service=walking).count() == 1


def test_add_refuses_other_sites_as_the_way_back(as_priya: Client, walking: Service) -> None:
    response = as_priya.post(ADD, {"service_id": str(walking.id), "next": "https://evil.example.com/"})
    assert response["Location"] == SHORTLIST


def test_adding_needs_a_post(as_priya: Client, walking: Service) -> None:
    assert as_priya.get(ADD, {"service_id": str(walking.id)}).status_code == 405
    assert not ShortlistItem.objects.exists()


def test_the_shortlist_page_and_print_show_what_the_person_needs(
    as_priya: Client, priya: Membership, walking: Service
) -> None:
    as_priya.post(ADD, {"service_id": str(walking.id)})
    page = text_of(as_priya.get(SHORTLIST).content.decode())
    assert "Rother Valley Walking Group" in page
    assert "Print the shortlist" in page and "Send to a person" in page
    printed = as_priya.get(PRINT).content.decode()
    assert 'href="/static/css/print.css"' in printed
    words = text_of(printed)
    today = timezone.localdate()
    assert f"Printed on {today.day} {today:%B %Y} by Priya Practitioner" in words
    assert "Where 1 High Street, Rotherham, S60 1AA" in words
    assert "When Mondays and Wednesdays, 10am to 12pm" in words
    assert "Email hello@walks.example.org" in words
    assert "How to refer Email the coordinator" in words
    assert "Referral email walks@example.org" in words


def test_send_to_a_person_then_start_again(
    as_priya: Client, priya: Membership, mary: Person, walking: Service, knitting: Service
) -> None:
    as_priya.post(ADD, {"service_id": str(walking.id)})
    as_priya.post(ADD, {"service_id": str(knitting.id)})
    found = as_priya.get(SEND, {"find": "Seacole"})
    assert found.status_code == 200
    assert "Mary Seacole, born 15 June 1950, NHS number 943 476 5919" in text_of(found.content.decode())
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH.value, summary="Searched for people").exists()

    response = as_priya.post(SEND, {"person": str(mary.pk), "title": "Ideas for you", "note": "Try the walks first"})
    assert response.status_code == 302
    assert response["Location"] == SHORTLIST
    sent = Shortlist.objects.get()
    assert sent.person == mary
    assert sent.sent_at is not None
    assert (sent.title, sent.note) == ("Ideas for you", "Try the walks first")
    audit = AuditEvent.objects.get(action=AuditAction.UPDATE.value, object_type="directory.Shortlist")
    assert audit.person_id == mary.pk
    assert audit.object_id == str(sent.pk)
    assert len(audit.changes["services"]) == 2

    after = as_priya.get(SHORTLIST).content.decode()
    assert "Your shortlist has been sent to Mary Seacole." in after
    assert "Your shortlist is empty." in after
    as_priya.post(ADD, {"service_id": str(walking.id)})
    assert Shortlist.objects.count() == 2
    assert Shortlist.objects.filter(sent_at=None, person=None).get().items.count() == 1


def test_send_needs_a_person_and_keeps_the_typing(as_priya: Client, mary: Person, walking: Service) -> None:
    as_priya.post(ADD, {"service_id": str(walking.id)})
    response = as_priya.post(SEND, {"person": "", "title": "Ideas", "note": "A note"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select who to send the shortlist to" in html
    assert "A note" in html
    assert Shortlist.objects.get().sent_at is None


def test_an_empty_shortlist_cannot_be_sent(as_priya: Client, mary: Person) -> None:
    response = as_priya.post(SEND, {"person": str(mary.pk)})
    assert response["Location"] == SHORTLIST
    assert not Shortlist.objects.filter(sent_at__isnull=False).exists()


def test_another_practice_cannot_see_the_shortlist_nor_send_to_someone_not_in_its_care(
    client: Client,
    signed_in: Callable[[Client, Membership], Client],
    priya: Membership,
    omar: Membership,
    mary: Person,
    walking: Service,
    knitting: Service,
) -> None:
    shortlists.add_service(Actor.for_membership(priya), walking)
    signed_in(client, omar)
    page = client.get(SHORTLIST).content.decode()
    assert "Rother Valley Walking Group" not in page
    assert "Your shortlist is empty." in page
    assert "Rother Valley Walking Group" not in client.get(PRINT).content.decode()
    # Omar's own list, sent to Mary (not in his care): refused, and nothing about Mary is shown.
    client.post(ADD, {"service_id": str(knitting.id)})
    found = text_of(client.get(SEND, {"find": "Seacole"}).content.decode())
    assert "No one in your care matches" in found
    assert "Mary Seacole" not in found
    response = client.post(SEND, {"person": str(mary.pk)})
    assert response.status_code == 400
    assert "Select who to send the shortlist to" in response.content.decode()
    assert not Shortlist.objects.filter(person=mary).exists()
    with pytest.raises(ValidationError):
        shortlists.send(Actor.for_membership(omar), mary)
    # Priya's list is untouched.
    priya_list = selectors.current_shortlist(Actor.for_membership(priya))
    assert priya_list is not None
    assert [item.service_id for item in selectors.shortlist_items(priya_list)] == [walking.id]


def test_a_person_sees_only_the_shortlists_sent_to_them(
    client: Client,
    priya: Membership,
    mary: Person,
    mary_user: User,
    practice: Organisation,
    walking: Service,
    knitting: Service,
) -> None:
    staff = Actor.for_membership(priya)
    shortlists.add_service(staff, walking)
    shortlists.send(staff, mary, title="Walks near you", note="Jo runs it: say I sent you")
    other_user = UserFactory(email="olive@example.org", full_name="Olive Other")
    olive = PersonFactory(registered_practice=practice, given_name="Olive", family_name="Other", user=other_user)
    shortlists.add_service(staff, knitting)
    shortlists.send(staff, olive, title="Knitting for Olive")
    shortlists.add_service(staff, knitting)  # still being made: not sent to anyone

    sign_in(client, mary_user, role=Role.PERSON)
    response = client.get(MINE)
    assert response.status_code == 200
    words = text_of(response.content.decode())
    assert "Walks near you" in words
    assert "Jo runs it: say I sent you" in words
    assert "Sent by Priya Practitioner, Test Medical Centre" in words
    assert "When Mondays and Wednesdays, 10am to 12pm" in words
    assert "Knitting" not in words
    assert "walks@example.org" not in words  # referral details are for staff
    read = AuditEvent.objects.filter(action=AuditAction.READ.value, object_type="directory.Shortlist")
    assert list(read.values_list("person_id", flat=True)) == [mary.pk]


def test_newest_sent_shortlist_first(
    client: Client, priya: Membership, mary: Person, mary_user: User, walking: Service, knitting: Service
) -> None:
    staff = Actor.for_membership(priya)
    shortlists.add_service(staff, walking)
    first = shortlists.send(staff, mary, title="First list")
    Shortlist.objects.filter(pk=first.pk).update(sent_at=timezone.now() - datetime.timedelta(days=3))
    shortlists.add_service(staff, knitting)
    shortlists.send(staff, mary, title="Second list")
    sign_in(client, mary_user, role=Role.PERSON)
    words = text_of(client.get(MINE).content.decode())
    assert words.index("Second list") < words.index("First list")


def test_only_people_have_services_for_me_and_only_care_staff_shortlists(
    client: Client,
    signed_in: Callable[[Client, Membership], Client],
    priya: Membership,
    vic: Membership,
    mary_user: User,
    mary: Person,
    walking: Service,
) -> None:
    signed_in(client, priya)
    assert client.get(MINE).status_code == 403
    client.logout()
    signed_in(client, vic)
    assert client.get(SHORTLIST).status_code == 403
    assert client.post(ADD, {"service_id": str(walking.id)}).status_code == 403
    with pytest.raises(PermissionDenied):
        shortlists.add_service(Actor.for_membership(vic), walking)
    client.logout()
    sign_in(client, mary_user, role=Role.PERSON)
    assert client.get(SHORTLIST).status_code == 403
    assert client.post(ADD, {"service_id": str(walking.id)}).status_code == 403
    client.logout()
    assert client.get(SHORTLIST).status_code == 302  # signed out: sign in first
    assert not ShortlistItem.objects.exists()


def test_an_unknown_service_cannot_be_added(as_priya: Client) -> None:
    assert as_priya.post(ADD, {"service_id": "not-a-uuid"}).status_code == 404
    assert as_priya.post(ADD, {"service_id": "00000000-0000-0000-0000-000000000000"}).status_code == 404
