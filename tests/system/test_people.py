"""A practitioner finds a person's record, and adds someone new."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carehouse.core.demo_data import DemoSummary
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system


def test_practitioner_finds_a_person_and_opens_their_record(visitor: Visitor, demo: DemoSummary) -> None:
    # Given a practitioner at Riverside Medical Centre, and someone registered there
    person = Person.objects.filter(registered_practice__ods_code="Y99001").order_by("pk").first()
    assert person is not None
    sign_in(visitor, "practitioner@example.org")
    page = visitor.page

    # When they search for that person by name
    visitor.click_and_load(page.get_by_role("link", name="Find a person"))
    visitor.fill("Search by name or NHS number", f"{person.given_name} {person.family_name}")
    visitor.submit("Search")

    # Then the person is in the results
    results = page.get_by_role("table")
    expect(results.locator("caption")).to_contain_text("matching your search")
    link = results.get_by_role("link", name=f"{person.family_name.upper()}, {person.given_name}")
    expect(link).to_be_visible()

    # When they open the record
    visitor.click_and_load(link)

    # Then they see the person's details
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(person.full_name)
    expect(main).to_contain_text(f"NHS number {person.formatted_nhs_number}")
    expect(main.get_by_role("heading", name="Personal details")).to_be_visible()
    expect(main.get_by_role("heading", name="Care team")).to_be_visible()
    expect(main.get_by_role("heading", name="Consent")).to_be_visible()


def test_practitioner_adds_a_person_after_correcting_mistakes(visitor: Visitor, demo: DemoSummary) -> None:
    # Given a practitioner on the list of people
    sign_in(visitor, "practitioner@example.org")
    visitor.follow("People")
    page = visitor.page

    # When they start adding a person, but leave out the last name and sex and mistype the date of birth
    visitor.follow("Add a person")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    visitor.fill("First name", "Ada")
    visitor.fill("Pronouns (optional)", "she/her")
    visitor.fill_date("Date of birth", "31", "2", "1950")
    response = visitor.submit("Add person")

    # Then the page says what to fix, and focuses the summary
    assert response is not None
    assert response.status == 400
    expect(page).to_have_title(re.compile(r"^Error: Add a person"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter their last name", "Date of birth must be a real date", "Select their sex"]
    )
    expect(summary).to_be_focused()

    # And each field with a problem shows its own error message
    expect(page.locator("#id_family_name-error")).to_contain_text("Enter their last name")
    expect(page.locator("#id_date_of_birth-error")).to_contain_text("Date of birth must be a real date")

    # And what they typed is kept, including each box of the date of birth
    expect(visitor.field("First name")).to_have_value("Ada")
    expect(visitor.field("Pronouns (optional)")).to_have_value("she/her")
    date_of_birth = page.get_by_role("group", name="Date of birth")
    expect(date_of_birth.get_by_label("Day", exact=True)).to_have_value("31")
    expect(date_of_birth.get_by_label("Month", exact=True)).to_have_value("2")
    expect(date_of_birth.get_by_label("Year", exact=True)).to_have_value("1950")

    # When they follow the date error in the summary, they land in the day box
    summary.get_by_role("link", name="Date of birth must be a real date").click()
    expect(date_of_birth.get_by_label("Day", exact=True)).to_be_focused()

    # When they put everything right and add the person
    visitor.fill("Last name", "Lovelace")
    visitor.fill_date("Date of birth", "10", "12", "1950")
    visitor.choose("Female")
    visitor.submit("Add person")

    # Then they see the new record, with what they typed
    main = page.get_by_role("main")
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    expect(main.get_by_role("status")).to_contain_text("Ada Lovelace has been added.")
    expect(main.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(main).to_contain_text("No NHS number recorded")
    details = main.locator(".nhsuk-summary-list").first
    expect(details).to_contain_text("10 December 1950")
    expect(details).to_contain_text("Female")
    expect(details).to_contain_text("she/her")
    expect(details).to_contain_text("Riverside Medical Centre")

    # And the new person can be found by name
    visitor.follow("People")
    visitor.fill("Search by name or NHS number", "Lovelace")
    visitor.submit("Search")
    expect(page.get_by_role("table").get_by_role("link", name="LOVELACE, Ada")).to_be_visible()
