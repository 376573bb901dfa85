"""The person pages: NHS.UK error messages, typing kept on error, and edit conflicts shown, not lost."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.core.models import AuditEvent, Organisation
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

# -- reading pages ---------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a rendered page the tests look at."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.inputs: dict[str, list[dict[str, str]]] = {}
        self.textareas: dict[str, str] = {}
        self.selected: dict[str, str] = {}
        self.error_links: list[tuple[str, str]] = []
        self.error_messages: list[str] = []
        self.table_rows: list[list[str]] = []
        self._stack: list[str] = []
        self._in_title = False
        self._in_summary = False
        self._link: str | None = None
        self._link_text = ""
        self._textarea: str | None = None
        self._select: str | None = None
        self._error_message = False
        self._error_span_depth = 0
        self._row: list[str] | None = None
        self._cell: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "title" and not self.title:  # the page's, not the logo's <svg><title>
            self._in_title = True
        elif tag == "div" and "nhsuk-error-summary" in classes:
            self._in_summary = True
        elif tag == "a" and self._in_summary:
            self._link, self._link_text = a.get("href", ""), ""
        elif tag == "input" and "name" in a:
            self.inputs.setdefault(a["name"], []).append(a)
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self.textareas[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a.get("value", "")
        elif tag == "span" and self._error_message:
            self._error_span_depth += 1
        elif tag == "span" and "nhsuk-error-message" in classes:
            self._error_message = True
            self._error_span_depth = 0
            self.error_messages.append("")
        elif tag == "tr" and "nhsuk-table__row" in classes:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._link is not None:
            self.error_links.append((self._link, " ".join(self._link_text.split())))
            self._link = None
        elif tag == "ul" and self._in_summary:
            self._in_summary = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "span" and self._error_message:
            if self._error_span_depth:
                self._error_span_depth -= 1
            else:
                self._error_message = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.table_rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._link is not None:
            self._link_text += data
        if self._textarea is not None:
            self.textareas[self._textarea] += data
        if self._error_message:
            self.error_messages[-1] += data
        if self._cell is not None:
            self._cell += data

    def value(self, name: str) -> str:
        [element] = self.inputs[name]
        return element.get("value", "")

    def checked(self, name: str) -> list[str]:
        return [e["value"] for e in self.inputs.get(name, []) if "checked" in e]

    def clean_error_messages(self) -> list[str]:
        return [" ".join(m.split()).removeprefix("Error: ") for m in self.error_messages]


def page_of(response: Any) -> Page:
    return Page(response.content.decode())


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "given_name": "Mary",
        "family_name": "Seacole",
        "preferred_name": "",
        "nhs_number": "943 476 5919",
        "date_of_birth_day": "23",
        "date_of_birth_month": "11",
        "date_of_birth_year": "1955",
        "sex": "female",
        "ethnicity": "99",
        "address": "1 High Street\nLeeds",
        "postcode": "ls1 4ap",
        "phone": "0113 496 0000",
        "email": "",
        "preferred_contact_method": "phone",
        "preferred_language": "English",
        "communication_needs": "",
        "registered_practice": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def as_priya(client: Client, signed_in, priya) -> Client:
    return signed_in(client, priya)


# -- adding a person -------------------------------------------------------------------------


def test_add_form_starts_with_the_practitioners_practice(as_priya, practice):
    response = as_priya.get("/people/add")
    assert response.status_code == 200
    page = page_of(response)
    assert page.title == "Add a person - Carehouse"
    assert page.selected["registered_practice"] == str(practice.pk)


def test_adding_a_person_saves_and_shows_their_record(as_priya, practice: Organisation):
    response = as_priya.post("/people/add", form_data(registered_practice=str(practice.pk), may_leave_messages="on"))
    assert response.status_code == 302
    person = Person.objects.get()
    assert response["Location"] == f"/people/{person.pk}"
    assert (person.given_name, person.nhs_number, person.postcode) == ("Mary", "9434765919", "LS1 4AP")
    assert person.date_of_birth == datetime.date(1955, 11, 23)
    assert person.registered_practice == practice
    assert person.may_leave_messages is True
    assert person.address == "1 High Street\nLeeds"
    detail = as_priya.get(response["Location"])
    assert "Mary Seacole has been added." in detail.content.decode()


def test_invalid_person_form_shows_the_error_summary_and_keeps_what_was_typed(as_priya, practice):
    typed = form_data(
        given_name="",
        family_name="O'Brien <Keep>",
        nhs_number="943 476 5918",
        postcode="ABC 123",
        email="mary-at-example",
        sex="female",
        preferred_contact_method="text",
        registered_practice=str(practice.pk),
        phone="07700 900123",
    )
    response = as_priya.post("/people/add", typed)
    assert response.status_code == 400
    assert Person.objects.count() == 0
    assert AuditEvent.objects.filter(action="create").count() == 0

    html = response.content.decode()
    page = page_of(response)
    assert page.title.startswith("Error: ")
    assert page.title == "Error: Add a person - Carehouse"
    assert "There is a problem" in html
    assert page.error_links == [
        ("#id_given_name", "Enter their first name"),
        ("#id_nhs_number", "Enter a valid NHS number: this one has the wrong check digit"),
        ("#id_postcode", "Enter a full UK postcode, like LS1 4AP"),
        ("#id_email", "Enter an email address in the correct format, like name@example.com"),
    ]
    # Each link goes to a field that is on the page, and the field shows the same message.
    for href, _ in page.error_links:
        assert f'id="{href[1:]}"' in html
    assert page.clean_error_messages() == [text for _, text in page.error_links]

    # What was typed is still there, escaped, not normalised away.
    assert page.value("given_name") == ""
    assert page.value("family_name") == "O'Brien <Keep>"
    assert "O'Brien <Keep>" not in html  # escaped in the page, not injected
    assert page.value("nhs_number") == "943 476 5918"
    assert page.value("postcode") == "ABC 123"
    assert page.value("email") == "mary-at-example"
    assert page.value("phone") == "07700 900123"
    assert page.value("date_of_birth_day") == "23"
    assert page.value("date_of_birth_month") == "11"
    assert page.value("date_of_birth_year") == "1955"
    assert page.textareas["address"].strip() == "1 High Street\nLeeds"
    assert page.checked("sex") == ["female"]
    assert page.checked("preferred_contact_method") == ["text"]
    assert page.selected["registered_practice"] == str(practice.pk)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("15", "", "1984", "Date of birth must include a month"),
        ("", "", "1984", "Date of birth must include a day and month"),
        ("31", "2", "1980", "Date of birth must be a real date"),
        ("15", "13", "1984", "Date of birth must be a real date"),
        ("15", "3", "84", "Date of birth must be a real date"),
        ("x", "3", "1984", "Date of birth must be a real date"),
        ("1", "1", "1899", "Date of birth must be after 1 January 1900"),
        ("", "", "", "Enter their date of birth"),
    ],
)
def test_date_of_birth_errors(as_priya, day, month, year, message):
    response = as_priya.post(
        "/people/add", form_data(date_of_birth_day=day, date_of_birth_month=month, date_of_birth_year=year)
    )
    assert response.status_code == 400
    page = page_of(response)
    assert page.title.startswith("Error: ")
    assert page.error_links == [("#id_date_of_birth_day", message)]
    assert page.value("date_of_birth_day") == day
    assert page.value("date_of_birth_month") == month
    assert page.value("date_of_birth_year") == year
    assert Person.objects.count() == 0


def test_date_of_birth_in_the_future_is_refused(as_priya):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = as_priya.post(
        "/people/add",
        form_data(
            date_of_birth_day=str(tomorrow.day),
            date_of_birth_month=str(tomorrow.month),
            date_of_birth_year=str(tomorrow.year),
        ),
    )
    assert response.status_code == 400
    assert page_of(response).error_links == [("#id_date_of_birth_day", "Date of birth must be today or in the past")]
    assert Person.objects.count() == 0


def test_date_of_birth_today_is_accepted(as_priya):
    today = timezone.localdate()
    response = as_priya.post(
        "/people/add",
        form_data(
            date_of_birth_day=str(today.day), date_of_birth_month=str(today.month), date_of_birth_year=str(today.year)
        ),
    )
    assert response.status_code == 302
    assert Person.objects.get().date_of_birth == today


def test_add_page_without_errors_has_no_error_summary(as_priya):
    html = as_priya.get("/people/add").content.decode()
    assert "There is a problem" not in html
    assert "<title>Error" not in html


# -- editing, and two people editing at once -------------------------------------------------


@pytest.fixture
def mary(practice) -> Person:
    return PersonFactory(
        given_name="Mary",
        family_name="Seacole",
        nhs_number="9434765919",
        date_of_birth=datetime.date(1955, 11, 23),
        sex="female",
        postcode="LS1 4AP",
        registered_practice=practice,
    )


def test_edit_form_shows_the_saved_details_and_version(as_priya, mary):
    page = page_of(as_priya.get(f"/people/{mary.pk}/edit"))
    assert page.value("given_name") == "Mary"
    assert page.value("nhs_number") == "9434765919"
    assert page.value("date_of_birth_day") == "23"
    assert page.value("version") == "1"


def test_two_edits_from_the_same_version_the_second_sees_a_conflict(client, signed_in, priya, practice, mary):
    signed_in(client, priya)
    version = page_of(client.get(f"/people/{mary.pk}/edit")).value("version")
    assert version == "1"

    first = client.post(
        f"/people/{mary.pk}/edit",
        form_data(family_name="Grant", version=version, registered_practice=str(practice.pk)),
    )
    assert first.status_code == 302
    assert first["Location"] == f"/people/{mary.pk}"

    second = client.post(
        f"/people/{mary.pk}/edit",
        form_data(family_name="Jamaica", version=version, registered_practice=str(practice.pk)),
    )
    assert second.status_code == 409
    page = page_of(second)
    assert page.title.startswith("Error: ")
    assert "Someone else changed this record" in second.content.decode()
    assert ["Family name", "Jamaica", "Grant"] in page.table_rows
    # What the second editor typed is kept, ready to save against the version now stored.
    assert page.value("family_name") == "Jamaica"
    assert page.value("version") == "2"

    mary.refresh_from_db()
    assert mary.family_name == "Grant"
    assert mary.version == 2
    assert AuditEvent.objects.filter(action="update", person_id=mary.pk).count() == 1

    # Saving again from the conflict page keeps the second editor's version, on purpose.
    third = client.post(
        f"/people/{mary.pk}/edit",
        form_data(family_name="Jamaica", version=page.value("version"), registered_practice=str(practice.pk)),
    )
    assert third.status_code == 302
    mary.refresh_from_db()
    assert (mary.family_name, mary.version) == ("Jamaica", 3)


def test_invalid_edit_changes_nothing(as_priya, practice, mary):
    response = as_priya.post(
        f"/people/{mary.pk}/edit",
        form_data(family_name="Grant", postcode="nonsense", version="1", registered_practice=str(practice.pk)),
    )
    assert response.status_code == 400
    assert page_of(response).error_links == [("#id_postcode", "Enter a full UK postcode, like LS1 4AP")]
    mary.refresh_from_db()
    assert (mary.family_name, mary.version) == ("Seacole", 1)


# -- consent pages ---------------------------------------------------------------------------


def test_consent_form_needs_an_organisation_for_record_sharing(as_priya, mary):
    response = as_priya.post(
        f"/people/{mary.pk}/consents/add",
        {"purpose": "direct_care", "decision": "given", "scope": "whole_record", "given_by": "person"},
    )
    assert response.status_code == 400
    assert page_of(response).error_links == [("#id_recipient_organisations", "Select at least one organisation")]
    assert not mary.consents.exists()


def test_consent_recorded_through_the_page_shares_the_record(client, signed_in, priya, omar, practice, mary):
    signed_in(client, omar)
    assert client.get(f"/people/{mary.pk}").status_code == 404
    signed_in(client, priya)
    response = client.post(
        f"/people/{mary.pk}/consents/add",
        {
            "purpose": "care_planning",
            "decision": "given",
            "scope": "care_plan",
            "given_by": "person",
            "recipient_organisations": [str(omar.organisation.pk)],
        },
    )
    assert response.status_code == 302
    signed_in(client, omar)
    assert client.get(f"/people/{mary.pk}").status_code == 200


def test_date_field_falls_back_to_naming_its_label_when_no_message_is_given():
    from django.core.exceptions import ValidationError

    from carehouse.nhsuk_forms.fields import DateField

    with pytest.raises(ValidationError) as raised:
        DateField(label="Review date").clean(["", "", ""])
    assert raised.value.messages == ["Enter review date"]
    assert DateField(label="Review date", required=False).clean(["", "", ""]) is None
    assert DateField(label="Review date").clean(["1", "2", "2030"]) == datetime.date(2030, 2, 1)


# -- one person, one record ------------------------------------------------------------------


def test_adding_a_person_whose_nhs_number_is_already_recorded_is_refused_on_the_form(
    client, signed_in, priya, other_practice
):
    existing = PersonFactory(registered_practice=other_practice)
    signed_in(client, priya)
    before = Person.objects.count()

    response = client.post("/people/add", form_data(nhs_number=existing.nhs_number, family_name="Newrecord"))

    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "A record with this NHS number already exists" in page
    assert 'href="#id_nhs_number"' in page
    assert existing.family_name not in page  # says the number is in use, not whose record it is
    assert 'value="Newrecord"' in page  # what was typed is kept
    assert Person.objects.count() == before


def test_changing_a_person_to_an_nhs_number_already_recorded_is_refused(client, signed_in, priya, practice):
    person = PersonFactory(registered_practice=practice)
    other = PersonFactory(registered_practice=practice)
    signed_in(client, priya)

    response = client.post(
        f"/people/{person.pk}/edit", form_data(nhs_number=other.nhs_number, version=str(person.version))
    )

    assert response.status_code == 400
    assert "A record with this NHS number already exists" in response.content.decode()
    person.refresh_from_db()
    assert person.nhs_number != other.nhs_number
