"""A tour of the other pages each kind of user can reach, so that axe checks them all.

The visitor checks every page it lands on, including each form sent back with its errors
(error messages on radios, checkboxes, selects and text boxes are where problems hide).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carehouse.core.demo_data import DemoSummary
from carehouse.people.models import Consent, Person
from carehouse.referrals.models import MessageToGP, Referral
from carehouse.referrals.states import ReferralState
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system


def visit_each_menu_item(visitor: Visitor) -> list[str]:
    """Open every page in the header's menu (some may be folded under "More" on narrow screens)."""
    links = visitor.page.get_by_role("banner").locator(".nhsuk-header__navigation-list a")
    hrefs = list(dict.fromkeys(link.get_attribute("href") or "" for link in links.all()))
    assert hrefs, "The header has no menu"
    for href in hrefs:
        response = visitor.visit(href)
        assert response is not None
        assert response.ok, f"{href} answered {response.status}"
    return hrefs


def submit_empty(visitor: Visitor, button: str, problem: str | None = None) -> None:
    """Send a form without filling it in, and see it come back with its errors."""
    response = visitor.submit(button)
    assert response is not None
    assert response.status == 400
    summary = visitor.page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    if problem:
        expect(summary).to_contain_text(problem)


def test_administrator_pages(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the demo administrator, signed in
    sign_in(visitor, "admin@example.org")

    # When they open each page in their menu, and send each of their forms empty,
    # then every page, and every form with its errors, passes axe (checked by the visitor)
    assert set(visit_each_menu_item(visitor)) >= {"/admin/organisations", "/admin/users", "/admin/audit", "/admin/jobs"}

    visitor.visit("/admin/organisations/add")
    submit_empty(visitor, "Add organisation", "Enter the ODS code")
    visitor.visit("/admin/users/add")
    submit_empty(visitor, "Add user")
    visitor.visit("/account")
    submit_empty(visitor, "Change password")


def test_practitioner_record_pages(visitor: Visitor, demo: DemoSummary) -> None:
    person = Person.objects.filter(registered_practice__ods_code="Y99001").order_by("pk").first()
    assert person is not None
    consent = Consent.objects.filter(person__registered_practice__ods_code="Y99001").order_by("pk").first()
    assert consent is not None, "The demo data should include a consent at Riverside Medical Centre"
    # Given a practitioner, signed in
    sign_in(visitor, "practitioner@example.org")

    # When they open each page in their menu, then each form of a person's record, and send
    # each form empty, then every page, and every form with its errors, passes axe
    visit_each_menu_item(visitor)
    record = f"/people/{person.pk}"
    visitor.visit(record)
    visitor.follow("Add someone to the care team")
    submit_empty(visitor, "Add to care team")
    visitor.visit(record)
    visitor.follow("Add a carer or personal contact")
    submit_empty(visitor, "Add contact")
    visitor.visit(record)
    visitor.follow("Record a consent decision")
    submit_empty(visitor, "Record decision", "Select what the consent is for")
    visitor.visit(f"{record}/edit")
    expect(visitor.field("First name")).to_have_value(person.given_name)
    visitor.visit(f"/people/{consent.person_id}/consents/{consent.pk}/withdraw")
    submit_empty(visitor, "Withdraw consent")
    visitor.visit("/account/two-factor")
    expect(visitor.page.get_by_role("img", name="QR code to add Carehouse to your authenticator app")).to_be_visible()


def test_carer_pages(visitor: Visitor, demo: DemoSummary) -> None:
    # Given a carer, signed in
    sign_in(visitor, "carer@example.org")

    # When they open each page in their menu, and the record of the person they care for
    visit_each_menu_item(visitor)
    visitor.follow("People I care for")
    people = visitor.page.get_by_role("main").get_by_role("listitem").get_by_role("link")
    expect(people).to_have_count(1)
    visitor.click_and_load(people.first)

    # Then they see that record, and every page passes axe
    expect(visitor.page.get_by_role("heading", name="Personal details")).to_be_visible()


def test_referral_pages_and_their_errors(visitor: Visitor, demo: DemoSummary) -> None:
    sent = Referral.objects.filter(status=ReferralState.SENT, receiving_organization__claimed_by__ods_code="V99001")
    waiting = sent.order_by("pk").first()
    closed = Referral.objects.filter(status__in=["rejected", "completed", "failed", "cancelled"])
    made = closed.filter(referring_organisation__ods_code="U99001").order_by("pk").first()
    message = MessageToGP.objects.filter(practice__ods_code="Y99001").order_by("pk").first()
    assert waiting is not None and made is not None and message is not None, "The demo should have referrals"

    # The provider's inbox, a new referral, and its forms sent back with their errors
    sign_in(visitor, "provider@example.org")
    visit_each_menu_item(visitor)
    visitor.visit(f"/referrals/inbox/{waiting.pk}")
    visitor.click_and_load(visitor.page.get_by_role("main").get_by_role("button", name="Decline the referral"))
    submit_empty(visitor, "Decline the referral", "Select a reason")
    visitor.visit(f"/referrals/inbox/{waiting.pk}")
    visitor.follow("Record contact with the person")
    submit_empty(visitor, "Save")
    visitor.visit("/notifications")
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))

    # The link worker's caseload and a closed referral, with its follow-up, goal and note forms
    sign_in(visitor, "linkworker@example.org")
    visit_each_menu_item(visitor)
    visitor.visit(f"/referrals/{made.pk}")
    expect(visitor.page.get_by_role("main").get_by_role("heading", level=1)).to_contain_text(made.reference)
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))

    # A practitioner's messages back to the GP
    sign_in(visitor, "practitioner@example.org")
    visitor.visit(f"/referrals/gp-messages/{message.pk}")
    expect(visitor.page.get_by_role("main")).to_contain_text(message.referral.reference)
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))

    # The person's referrals, and the feedback form sent back empty
    sign_in(visitor, "person@example.org")
    visit_each_menu_item(visitor)
    visitor.follow("My referrals")
    visitor.click_and_load(
        visitor.page.get_by_role("main").get_by_role("link", name=re.compile("^Tell us how it went"))
    )
    submit_empty(visitor, "Send", "Select how helpful")


def test_commissioner_commissioning_pages(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the demo commissioner, signed in
    sign_in(visitor, "commissioner@example.org")

    # When they open every commissioning page from the contents list, and the demo's incentive scheme
    visitor.visit("/commissioning/")
    pages = visitor.page.get_by_role("navigation", name="Commissioning pages").get_by_role("link")
    hrefs = list(dict.fromkeys(link.get_attribute("href") or "" for link in pages.all()))
    assert len(hrefs) >= 9, hrefs
    for href in hrefs:
        response = visitor.visit(href)
        assert response is not None and response.ok, f"{href} answered {response.status if response else None}"
    visitor.visit("/commissioning/incentives")
    visitor.click_and_load(visitor.page.get_by_role("main").locator("table a").first)
    expect(visitor.page.get_by_role("heading", level=1)).to_contain_text("Social prescribing")

    # And send each of their forms empty, then every page and every form with its errors passes axe
    visitor.visit("/commissioning/evaluations")
    submit_empty(visitor, "Save the plan and work out the results", "Enter a name for the evaluation")
    visitor.visit("/commissioning/incentives")
    submit_empty(visitor, "Set up scheme")
    visitor.visit("/commissioning/hierarchy")
    visitor.click_and_load(visitor.page.get_by_role("link", name=re.compile(r"^Change owner or purpose")).first)
    visitor.fill("Who owns this indicator here", "")
    submit_empty(visitor, "Save owner and purpose")
    visitor.visit("/commissioning/business-case")
    visitor.click_and_load(visitor.page.get_by_role("link", name=re.compile(r"^Change the cost of")).first)
    visitor.fill("Cost in pounds", "")
    submit_empty(visitor, "Save the local cost")
    visitor.visit("/commissioning/board-papers")
    visitor.fill("First month", "soon")
    submit_empty(visitor, "Make a board paper", "Enter the first month")
    visitor.finish()
