"""The directory from both sides: a link worker finds a service for someone, its provider keeps it true.

A link worker searches the demo directory by need and postcode, filters to services with places,
opens one (last checked over a year ago, so flagged), and adds it to a shortlist. The provider
who runs it claims their organisation's entry; an administrator approves the claim; the provider
changes the service and says the rest is still correct. The link worker's next search shows the
service as recently checked, with the provider's change.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from carehouse.core.demo_data import DemoSummary
from carehouse.directory.models import ClaimStatus, Metadata, OrganizationClaim, Service, ShortlistItem
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system

SERVICE = "Therapeutic Gardening"
ORGANISATION = "Rother Valley Green Spaces"
NEW_WORDS = "Small-group gardening on raised beds, now on Tuesdays and Fridays."


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def sign_out(visitor: Visitor) -> None:
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))


def nav(visitor: Visitor, text: str) -> None:
    visitor.click_and_load(visitor.page.get_by_role("navigation").get_by_role("link", name=text, exact=True))


def result(visitor: Visitor, name: str) -> Locator:
    return main(visitor).locator(".nhsuk-card").filter(has=visitor.page.get_by_role("heading", name=name))


def search_for_gardening(visitor: Visitor) -> None:
    nav(visitor, "Find services")
    visitor.fill("What does the person need?", "gardning")  # a typo, as people type
    visitor.fill("Postcode", "s60 1aa")
    visitor.submit("Search")


def test_a_link_worker_finds_a_service_and_its_provider_keeps_it_true(visitor: Visitor, demo: DemoSummary) -> None:
    page = visitor.page

    # A link worker searches by need and postcode
    sign_in(visitor, "linkworker@example.org")
    search_for_gardening(visitor)
    expect(main(visitor).locator("#did-you-mean")).to_contain_text("gardening")
    expect(main(visitor).locator("#results-count")).to_contain_text("for S60 1AA")
    card = result(visitor, SERVICE)
    expect(card).to_contain_text("miles")
    expect(card).to_contain_text("Not checked since")
    expect(main(visitor).locator("#postcode-attribution")).to_contain_text("Office for National Statistics")

    # ...filters to services with places now
    main(visitor).get_by_role("checkbox", name=re.compile(r"^have places now")).check()
    visitor.submit("Apply filters")
    expect(main(visitor).locator("#chosen-filters")).to_contain_text("have places now")
    expect(result(visitor, SERVICE)).to_be_visible()
    expect(result(visitor, "Green Gym")).to_have_count(0)  # no capacity recorded

    # ...opens the service and adds it to the shortlist
    visitor.click_and_load(result(visitor, SERVICE).get_by_role("link", name=SERVICE))
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text(SERVICE)
    expect(main(visitor)).to_contain_text("Brinsworth Allotments")
    visitor.click_and_load(main(visitor).get_by_role("button", name=re.compile(r"^Add to shortlist")))
    expect(page.locator(".nhsuk-inset-text, [role=status]").first).to_contain_text("added to your shortlist")
    visitor.click_and_load(main(visitor).get_by_role("link", name=re.compile(r"^Your shortlist")).first)
    expect(main(visitor)).to_contain_text(SERVICE)
    assert ShortlistItem.objects.filter(
        service__name=SERVICE, shortlist__owner__email="linkworker@example.org"
    ).exists()
    sign_out(visitor)

    # The provider who runs it asks to keep their organisation's entry
    sign_in(visitor, "provider@example.org")
    nav(visitor, "Directory entries")
    visitor.fill("Find an organisation by name", "Green Spaces")
    visitor.submit("Search")
    visitor.click_and_load(main(visitor).locator("#results").get_by_role("link", name=ORGANISATION))
    visitor.follow("Ask to keep this entry")
    visitor.fill("Your role at the organisation", "Volunteer coordinator")
    visitor.fill("How can we check you work there?", "I run the Tuesday gardening group; call the hub on 01709 000000.")
    visitor.submit("Send claim")
    expect(main(visitor)).to_contain_text("Your claim has been sent")
    sign_out(visitor)

    # An administrator approves the claim
    sign_in(visitor, "admin@example.org")
    nav(visitor, "Directory claims")
    visitor.follow(ORGANISATION)
    visitor.choose("Approve the claim")
    visitor.submit("Save decision")
    assert OrganizationClaim.objects.get(directory_organization__name=ORGANISATION).status == ClaimStatus.APPROVED
    sign_out(visitor)

    # The provider changes the service and confirms the rest is still correct
    sign_in(visitor, "provider@example.org")
    nav(visitor, "Directory entries")
    visitor.click_and_load(main(visitor).get_by_role("link", name=ORGANISATION).first)  # now among "yours"
    visitor.click_and_load(main(visitor).get_by_role("link", name=re.compile(rf"^Change\s*{SERVICE}")))
    visitor.fill("Description", NEW_WORDS)
    visitor.submit("Save changes")
    expect(main(visitor)).to_contain_text(f"Your changes to {SERVICE} have been saved")
    visitor.click_and_load(
        main(visitor).get_by_role("button", name=re.compile(rf"^This information is still correct\s*for {SERVICE}"))
    )
    service = Service.objects.get(name=SERVICE)
    assert service.description == NEW_WORDS
    assert service.last_reviewed_at is not None
    assert Metadata.objects.filter(resource_id=service.id, field_name="description").exists()
    sign_out(visitor)

    # The link worker's next search shows it as recently checked, with the new words
    sign_in(visitor, "linkworker@example.org")
    search_for_gardening(visitor)
    card = result(visitor, SERVICE)
    expect(card).to_contain_text("raised beds")
    expect(card).not_to_contain_text("Not checked since")

    visitor.finish()
