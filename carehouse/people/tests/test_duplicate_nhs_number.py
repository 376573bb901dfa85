"""One person, one record: a second record with the same NHS number is refused, clearly."""

from __future__ import annotations

from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "given_name": "Ada",
        "family_name": "Newrecord",
        "date_of_birth_day": "3",
        "date_of_birth_month": "4",
        "date_of_birth_year": "1950",
        "sex": "female",
        "ethnicity": "99",
    }
    data.update(overrides)
    return data


def test_adding_a_person_whose_nhs_number_is_already_recorded_is_refused_on_the_form(
    client, signed_in, priya, other_practice
):
    existing = PersonFactory(registered_practice=other_practice)
    signed_in(client, priya)
    before = Person.objects.count()

    response = client.post("/people/add", _form(nhs_number=existing.nhs_number))

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

    data = _form(
        given_name=person.given_name,
        family_name=person.family_name,
        nhs_number=other.nhs_number,
        version=str(person.version),
        date_of_birth_day=str(person.date_of_birth.day),
        date_of_birth_month=str(person.date_of_birth.month),
        date_of_birth_year=str(person.date_of_birth.year),
    )
    response = client.post(f"/people/{person.pk}/edit", data)

    assert response.status_code == 400
    assert "A record with this NHS number already exists" in response.content.decode()
    person.refresh_from_db()
    assert person.nhs_number != other.nhs_number
