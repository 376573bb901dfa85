"""Signing in: every demo role lands on its own start page; a wrong password is explained."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from carehouse.core.demo_data import DemoSummary
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def shows_people_in_care(page: Page) -> None:
    expect(main(page).get_by_role("link", name="People in your care")).to_be_visible()
    expect(main(page).get_by_role("link", name="Add a person")).to_be_visible()


def shows_provider_organisation(page: Page) -> None:
    expect(main(page)).to_contain_text("You are signed in for Riverside Walking Friends")
    expect(
        main(page).get_by_role("heading", name="People at Riverside Walking Friends who use Carehouse")
    ).to_be_visible()


def shows_registered_people_by_practice(page: Page) -> None:
    table = main(page).get_by_role("table", name="Registered people by practice")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(["Practice", "ODS code", "People"])
    for practice in ["Riverside Medical Centre", "Bridge Street Surgery", "Meadowbank Health Centre", "Total"]:
        expect(table.get_by_role("rowheader", name=practice)).to_be_visible()
    expect(main(page)).to_contain_text("Numbers from 1 to 7 are hidden and shown as *")


def shows_administration(page: Page) -> None:
    for card in ["Organisations", "Users", "Audit log"]:
        expect(main(page).get_by_role("link", name=card, exact=True)).to_be_visible()


def shows_own_start_page(page: Page) -> None:
    person = Person.objects.get(user__email="person@example.org")
    expect(page).to_have_url(re.compile(r"/start$"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text(f"Hello {person.user.get_short_name()}")
    expect(main(page).get_by_role("link", name="My care and support plan")).to_be_visible()
    expect(main(page).get_by_role("link", name="My record")).to_have_attribute("href", "/people/me")


def shows_people_cared_for(page: Page) -> None:
    expect(main(page)).to_contain_text("You can see the records of 1 person")
    expect(main(page).get_by_role("link", name="See the people you care for")).to_be_visible()


@dataclass(frozen=True)
class DemoRole:
    email: str
    role: str
    organisation: str | None
    start_page_shows: Callable[[Page], None]


DEMO_ROLES = [
    DemoRole("practitioner@example.org", "Practitioner", "Riverside Medical Centre", shows_people_in_care),
    DemoRole("linkworker@example.org", "Link worker", "Riverside Central Primary Care Network", shows_people_in_care),
    DemoRole("provider@example.org", "Provider staff", "Riverside Walking Friends", shows_provider_organisation),
    DemoRole(
        "commissioner@example.org",
        "Commissioner",
        "NHS Riverside Integrated Care Board",
        shows_registered_people_by_practice,
    ),
    DemoRole("admin@example.org", "Administrator", "NHS Riverside Integrated Care Board", shows_administration),
    DemoRole("person@example.org", "Person", "Riverside Medical Centre", shows_own_start_page),
    DemoRole("carer@example.org", "Carer", None, shows_people_cared_for),
]


@pytest.mark.parametrize("demo_role", DEMO_ROLES, ids=[r.email.split("@")[0] for r in DEMO_ROLES])
def test_each_demo_user_signs_in_to_their_own_start_page(
    visitor: Visitor, demo: DemoSummary, demo_role: DemoRole
) -> None:
    # Given the demo data, and a demo user on the landing page
    # When they sign in (the administrator also enters the code from their authenticator app)
    sign_in(visitor, demo_role.email)

    # Then they land on the start page for their role
    demo_role.start_page_shows(visitor.page)

    # And the header says who they are, in which role and for which organisation
    header = visitor.page.get_by_role("banner")
    expect(header).to_contain_text(f", {demo_role.role}")
    if demo_role.organisation:
        expect(header).to_contain_text(f"{demo_role.role} - {demo_role.organisation}")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_password_is_explained_and_the_email_kept(visitor: Visitor, demo: DemoSummary) -> None:
    # Given a practitioner on the sign-in page
    visitor.visit("/login")

    # When they type the wrong password
    visitor.fill("Email address", "practitioner@example.org")
    visitor.fill("Password", "not-the-password")
    response = visitor.submit("Sign in")

    # Then the page explains there is a problem, in the title and an error summary that has focus
    assert response is not None
    assert response.status == 400
    page = visitor.page
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(summary).to_be_focused()

    # And the email address they typed is kept, but not the password
    expect(visitor.field("Email address")).to_have_value("practitioner@example.org")
    expect(visitor.field("Password")).to_have_value("")

    # And they are not signed in
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_have_count(0)
