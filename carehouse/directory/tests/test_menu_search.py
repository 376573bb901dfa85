"""The practitioner's menu: the search page and a service's page.

Services are built with ``make_service`` at real places in Rotherham (see ``conftest``); the
postcode S60 1AA is found at the shipped S60 1 sector centroid.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.context_processors import navigation_for
from carehouse.core.models import Membership, User
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.directory import geography
from carehouse.directory.models import Accessibility, Attribute, Phone, Service, ServiceCapacity, Unit
from carehouse.directory.search.index import reindex_services
from carehouse.directory.tests.conftest import KIMBERWORTH, LEEDS, ROTHERHAM
from carehouse.directory.tests.factories import make_service, term

pytestmark = pytest.mark.django_db

SEARCH = reverse("directory:search")


def text_of(html: str) -> str:
    """The page's words, without tags, on one line."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def card(html: str, service: Service) -> str:
    """The words of one result card."""
    marker = f'id="service-{service.id}"'
    assert marker in html, f"{service.name} is not in the results"
    rest = html.split(marker, 1)[1]
    return text_of(re.split(r'id="service-|id="postcode-attribution"|class="nhsuk-pagination', rest)[0])


@pytest.fixture
def mary_user() -> User:
    return UserFactory(email="mary@example.org", full_name="Mary Seacole")


@pytest.fixture
def walking() -> Service:
    service = make_service(
        "Rother Valley Walking Group",
        description="Gentle walks for people who want to get moving again.",
        terms=["mtm:walking-groups", "access:step-free"],
        at=[ROTHERHAM],
        districts="S60 S61",
        days="MO,WE",
        opens=datetime.time(10),
        closes=datetime.time(12),
        referral_routes=["link_workers", "self_referral"],
        how_to_refer="Phone Jo on the number below",
        referral_email="walks@example.org",
        response_time_days=3,
    )
    unit = Unit.objects.create(name="place")
    ServiceCapacity.objects.create(service=service, unit=unit, available=3, updated=timezone.now())
    reindex_services([service.id])
    return service


@pytest.fixture
def far_away() -> Service:
    return make_service("Leeds Walking Club", terms=["mtm:walking-groups"], at=[LEEDS], districts="LS1")


def test_search_shows_results_with_facets_for_postcode_text_and_category(
    client: Client, walking: Service, far_away: Service
) -> None:
    make_service("Kimberworth Knit and Natter", terms=["mtm:social-groups"], at=[KIMBERWORTH], districts="S61")
    category = term("mtm:walking-groups")
    response = client.get(SEARCH, {"q": "walks", "category": str(category.id), "postcode": "s601aa"})
    assert response.status_code == 200
    html = response.content.decode()
    words = text_of(html)
    assert "1 service for S60 1AA" in words
    assert "Rother Valley Walking Group" in words
    assert "Leeds Walking Club" not in words
    assert "Kimberworth Knit and Natter" not in words
    # The service link carries the postcode, so its page can show the nearest venue.
    assert f'href="/directory/services/{walking.id}?postcode=S60+1AA"' in html
    # Facet counts beside the filters, and the chosen category shown as a removable filter.
    assert "Step-free access (1)" in words
    assert "Hearing loop (0)" in words
    assert "are free (1)" in words
    assert "Monday (1)" in words
    assert "Tuesday (0)" in words
    assert re.search(r'id="category-facets".*Physical activity</a> \(1\)', html, re.S)
    chosen = text_of(html.split('id="chosen-filters"')[1].split("Clear filters")[0])
    assert "Remove filter: Physical activity: Walking groups" in chosen
    assert 'href="/directory/?q=walks&amp;postcode=s601aa">Clear filters' in html
    # OGL attribution whenever a postcode was used.
    assert geography.ATTRIBUTION.split(".")[0] in words


def test_a_result_shows_distance_address_opening_times_cost_and_places(client: Client, walking: Service) -> None:
    html = client.get(SEARCH, {"postcode": "S60 1AA"}).content.decode()
    words = card(html, walking)
    sector = geography.locate("S60 1AA")
    metres = geography.distance_metres(sector.latitude, sector.longitude, *ROTHERHAM)
    assert f"{geography.describe_distance(metres)} away: 1 High Street, Rotherham, S60 1AA" in words
    assert "Mondays and Wednesdays, 10am to 12pm" in words
    assert "Cost Free" in words
    assert "Places 3 places" in words
    assert "Rother Valley Valley" not in words


def test_national_services_say_where_they_are_available(client: Client) -> None:
    national = make_service("Silver Line Phone Friends", terms=["mtm:befriending"], national=True)
    html = client.get(SEARCH, {"postcode": "S60 1AA", "q": "silver"}).content.decode()
    assert "Available across England" in card(html, national)


def test_bad_postcode_shows_the_nhs_error_and_keeps_what_was_typed(client: Client, walking: Service) -> None:
    response = client.get(SEARCH, {"q": "walking", "postcode": "XX", "age": "67", "day": "MO"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert re.search(
        r'<a href="#id_postcode"\s*>\s*Enter a real postcode, like S60 1AA, or the first half of one', html
    )
    assert 'id="id_postcode-error"' in html
    assert 'value="walking"' in html
    assert 'value="67"' in html
    assert re.search(r'<option value="MO" selected', html)
    assert "Rother Valley Walking Group" not in html


def test_unknown_postcode_is_an_error_on_the_field(client: Client) -> None:
    response = client.get(SEARCH, {"postcode": "TQ99 9ZZ"})
    assert response.status_code == 400
    assert "We do not know where TQ99 9ZZ is" in response.content.decode()


def test_distance_needs_a_postcode(client: Client) -> None:
    response = client.get(SEARCH, {"q": "walk", "distance": "3"})
    assert response.status_code == 400
    assert "Enter a postcode to search within a distance" in response.content.decode()


def test_a_distance_narrows_to_services_that_close(client: Client, walking: Service) -> None:
    kimberworth = make_service("Kimberworth Walkers", terms=["mtm:walking-groups"], at=[KIMBERWORTH], districts="S61")
    words = text_of(client.get(SEARCH, {"postcode": "S60 1AA", "distance": "1"}).content.decode())
    assert "Rother Valley Walking Group" in words
    assert kimberworth.name not in words
    assert "Remove filter: Within 1 miles" in words


def test_stale_results_carry_a_warning(client: Client, walking: Service) -> None:
    checked = timezone.now() - datetime.timedelta(days=400)
    old = make_service("Old Walking Club", terms=["mtm:walking-groups"], at=[ROTHERHAM], reviewed_at=checked)
    html = client.get(SEARCH, {"q": "walking", "postcode": "S60 1AA"}).content.decode()
    local = timezone.localtime(checked)
    assert f"Not checked since {local.day} {local:%B %Y}" in card(html, old)
    assert "Not checked" not in card(html, walking)
    # Stale records sink below fresh ones.
    assert html.index(f"service-{walking.id}") < html.index(f"service-{old.id}")


def test_a_misspelt_word_says_what_was_searched_instead(client: Client, walking: Service) -> None:
    html = client.get(SEARCH, {"q": "walkng"}).content.decode()
    assert 'id="did-you-mean"' in html
    assert "Did you mean" in text_of(html)
    assert "Rother Valley Walking Group" in html


def test_no_misspelling_no_notice(client: Client, walking: Service) -> None:
    html = client.get(SEARCH, {"q": "walking"}).content.decode()
    assert 'id="did-you-mean"' not in html


def test_pages_of_results(client: Client) -> None:
    for n in range(23):
        make_service(f"Walking group {n:02d}", terms=["mtm:walking-groups"], at=[ROTHERHAM])
    first = client.get(SEARCH, {"q": "walking", "sort": "name"}).content.decode()
    assert "23 services" in text_of(first)
    assert "nhsuk-pagination" in first
    assert 'href="/directory/?q=walking&amp;sort=name&amp;page=2"' in first
    second = client.get(SEARCH, {"q": "walking", "sort": "name", "page": "2"}).content.decode()
    assert "Walking group 22" in second
    assert "Walking group 00" not in second


def test_signed_out_people_can_search_but_get_no_shortlist_or_referral_details(
    client: Client, walking: Service
) -> None:
    html = client.get(SEARCH, {"q": "walking", "postcode": "S60 1AA"}).content.decode()
    assert "Rother Valley Walking Group" in html
    assert "Add to shortlist" not in html
    assert "How to refer" not in html
    service_page = client.get(reverse("directory:service", kwargs={"service_id": walking.id})).content.decode()
    assert "walks@example.org" not in service_page
    assert "Add to shortlist" not in service_page


def test_practitioners_get_shortlist_buttons_and_how_to_refer(
    client: Client, signed_in: Callable[[Client, Membership], Client], priya: Membership, walking: Service
) -> None:
    signed_in(client, priya)
    html = client.get(SEARCH, {"q": "walking", "postcode": "S60 1AA"}).content.decode()
    words = card(html, walking)
    assert "Add to shortlist" in words
    assert "Referrals from: Social prescribing link workers and the person themselves" in words
    assert "Usually replies within 3 working days" in words


def test_provider_staff_see_referral_details_but_cannot_shortlist(
    client: Client, signed_in: Callable[[Client, Membership], Client], vic: Membership, walking: Service
) -> None:
    signed_in(client, vic)
    html = client.get(reverse("directory:service", kwargs={"service_id": walking.id})).content.decode()
    words = text_of(html)
    assert "How to refer Phone Jo on the number below" in words
    assert "Referral email walks@example.org" in words
    assert "Add to shortlist" not in words


def test_the_service_page_lists_locations_nearest_first_with_distances(client: Client) -> None:
    service = make_service(
        "Two Venue Walks", terms=["mtm:walking-groups"], at=[LEEDS, ROTHERHAM], days="TU", opens=datetime.time(14)
    )
    venue = service.service_at_locations.get(location__name="Two Venue Walks venue 2").location
    Accessibility.objects.create(location=venue, description="Ramp at the side door")
    Phone.objects.create(service=service, number="01709 000000")
    Attribute.objects.create(link_id=service.id, link_entity="service", taxonomy_term=term("access:hearing-loop"))
    service.alert = "No walks in August"
    service.minimum_age = 18
    service.save()
    reindex_services([service.id])
    url = reverse("directory:service", kwargs={"service_id": service.id})
    html = client.get(url, {"postcode": "S60 1AA"}).content.decode()
    words = text_of(html)
    assert words.index("Two Venue Walks venue 2") < words.index("Two Venue Walks venue 1")
    assert re.search(r"Distance \d+\.\d miles from S60 1AA", words)
    assert "Ramp at the side door" in words
    assert "Tuesdays, from 2pm" in words
    assert "01709 000000" in words
    assert "No walks in August" in words
    assert "18 years and over" in words
    assert "Accessibility Hearing loop" in words
    assert "Categories Walking groups" in words
    assert f'href="/directory/services/{service.id}/suggest"' in html
    assert geography.ATTRIBUTION.split(".")[0] in words


def test_a_stale_service_page_warns(client: Client) -> None:
    service = make_service("Unchecked Club", reviewed=False)
    html = client.get(reverse("directory:service", kwargs={"service_id": service.id})).content.decode()
    assert 'id="stale-warning"' in html
    assert "Not checked yet" in html


def test_an_unknown_service_is_not_found(client: Client) -> None:
    response = client.get("/directory/services/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404


def test_navigation_offers_the_directory_to_the_right_roles(
    lena: Membership, vic: Membership, ada: Membership, cora: Membership, mary_user: User
) -> None:
    def links(actor: Actor) -> dict[str, str]:
        return {item["text"]: item["href"] for item in navigation_for(actor, "/")}

    for membership in (lena, vic, ada):
        assert links(Actor.for_membership(membership))["Find services"] == SEARCH
    assert "Find services" not in links(Actor.for_membership(cora))
    person = links(Actor(user=mary_user, role=Role.PERSON))
    assert person["Services for me"] == reverse("directory:mine")
    assert "Find services" not in person
