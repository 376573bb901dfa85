"""The synthetic demo data: repeatable, obviously not real, and with a working sign-in for every role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django_otp.oath import totp

from carehouse.core import demo_data
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.people.identifiers import is_valid_nhs_number
from carehouse.people.models import Consent, ConsentPurpose, Person


class _RollBack(Exception):
    pass


def people_built_by_seed(*args: str) -> list[tuple[object, ...]]:
    """Run ``carehouse seed`` on an empty database, note the people it built, then undo it all."""
    assert not Person.objects.exists()
    try:
        with transaction.atomic():
            call_command("seed", *args, stdout=StringIO())
            people = list(
                Person.objects.order_by("pk").values_list(
                    "given_name",
                    "family_name",
                    "nhs_number",
                    "date_of_birth",
                    "postcode",
                    "registered_practice__ods_code",
                )
            )
            raise _RollBack
    except _RollBack:
        pass
    assert not Person.objects.exists()
    return people


@pytest.fixture
def seeded(db) -> str:
    out = StringIO()
    call_command("seed", "--people", "20", "--seed", "7", stdout=out)
    return out.getvalue()


def test_the_same_seed_builds_the_same_people(db):
    first = people_built_by_seed("--people", "20", "--seed", "7")
    second = people_built_by_seed("--people", "20", "--seed", "7")
    assert len(first) == 20
    assert first == second
    assert len({p[2] for p in first}) == 20  # NHS numbers are unique


def test_a_different_seed_builds_different_people(db):
    assert people_built_by_seed("--people", "20", "--seed", "7") != people_built_by_seed(
        "--people", "20", "--seed", "8"
    )


def test_every_nhs_number_is_valid_and_synthetic(seeded):
    numbers = list(Person.objects.values_list("nhs_number", flat=True))
    assert len(numbers) == 20
    for number in numbers:
        assert is_valid_nhs_number(number), number
        assert number.startswith("9"), number
    for person in Person.objects.all():
        person.full_clean()  # every record would pass the same checks as one typed in


def test_the_demo_data_is_fully_audited_and_the_chain_is_intact(seeded):
    assert AuditEvent.objects.filter(action="create", object_type="people.Person").count() == 20
    assert audit.verify().ok


def test_there_is_a_sign_in_for_every_role(seeded):
    for role in Role:
        assert role.label in seeded, role
    staff_roles = set(Membership.objects.values_list("role", flat=True))
    assert staff_roles == {r.value for r in Role if r not in (Role.PERSON, Role.CARER)}
    assert demo_data.DEMO_PASSWORD in seeded
    assert demo_data.demo_admin_key_base32() in seeded


def test_seeding_twice_is_refused(seeded):
    with pytest.raises(CommandError, match="already there"):
        call_command("seed", "--people", "20", stdout=StringIO())
    assert Person.objects.count() == 20


def test_seeding_needs_at_least_two_people(db):
    with pytest.raises(CommandError, match="at least 2"):
        call_command("seed", "--people", "1", stdout=StringIO())
    assert not Person.objects.exists()


def sign_in_as(email: str) -> Client:
    client = Client()
    response = client.post("/login", {"email": email, "password": demo_data.DEMO_PASSWORD})
    assert response.status_code == 302, email
    if response["Location"] == "/login/security-code":
        code = f"{totp(bytes.fromhex(demo_data.DEMO_ADMIN_TOTP_KEY_HEX)):06d}"
        response = client.post("/login/security-code", {"code": code})
        assert response.status_code == 302
    response = client.get("/choose-role")
    assert response.status_code == 302, email
    assert response["Location"] == "/start", email
    return client


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("practitioner@example.org", "/people/"),
        ("gp@example.org", "/people/"),
        ("linkworker@example.org", "/people/"),
        ("provider@example.org", "/start"),
        ("commissioner@example.org", "/start"),
        ("admin@example.org", "/admin/audit"),
    ],
)
def test_each_staff_login_works(seeded, email, path):
    client = sign_in_as(email)
    assert client.get(path).status_code == 200


def test_the_demo_person_sees_their_own_record(seeded):
    me = Person.objects.get(user__email="person@example.org")
    client = sign_in_as("person@example.org")
    start = client.get("/start")
    assert start.status_code == 200
    assert "My care and support plan" in start.content.decode()
    response = client.get("/people/me")
    assert response.status_code == 200
    assert me.full_name in response.content.decode()
    others = Person.objects.exclude(pk=me.pk)
    assert all(client.get(f"/people/{p.pk}").status_code == 404 for p in others[:5])


def test_the_demo_carer_sees_the_person_they_care_for(seeded):
    consent = Consent.objects.get(
        purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts__user__email="carer@example.org"
    )
    cared_for = consent.person
    client = sign_in_as("carer@example.org")
    listing = client.get("/people/cared-for")
    assert listing.status_code == 200
    assert f'href="/people/{cared_for.pk}"' in listing.content.decode()
    record = client.get(f"/people/{cared_for.pk}")
    assert record.status_code == 200
    assert cared_for.full_name in record.content.decode()
    assert client.get(f"/people/{Person.objects.exclude(pk=cared_for.pk).first().pk}").status_code == 404
