"""Steps that several journeys share, written as a person would do them."""

from __future__ import annotations

import datetime

from django_otp.oath import totp

from carehouse.core import demo_data
from carehouse.core.models import Organisation
from carehouse.core.tests.factories import UserFactory
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory, synthetic_nhs_number
from tests.system.browser import Visitor


def current_security_code() -> str:
    """The code the demo administrator's authenticator app shows now."""
    return f"{totp(bytes.fromhex(demo_data.DEMO_ADMIN_TOTP_KEY_HEX)):06d}"


def sign_in(visitor: Visitor, email: str, password: str = demo_data.DEMO_PASSWORD) -> None:
    """From the landing page, sign in; enter a security code if Carehouse asks for one."""
    visitor.visit("/")
    visitor.click_and_load(visitor.page.get_by_role("button", name="Sign in"))
    visitor.fill("Email address", email)
    visitor.fill("Password", password)
    visitor.submit("Sign in")
    if visitor.path == "/login/security-code":
        visitor.fill("Security code", current_security_code())
        visitor.submit("Continue")


def person_with_a_sign_in(email: str, given_name: str, family_name: str, born: datetime.date) -> Person:
    """Someone registered at Riverside Medical Centre who uses Carehouse themselves, with no plan yet."""
    practice = Organisation.objects.get(ods_code="Y99001")
    taken = set(Person.objects.values_list("nhs_number", flat=True))
    nhs_number = next(n for n in map(synthetic_nhs_number, range(1, 1000)) if n not in taken)
    user = UserFactory(email=email, full_name=f"{given_name} {family_name}", password=demo_data.DEMO_PASSWORD)
    return PersonFactory(
        given_name=given_name,
        family_name=family_name,
        nhs_number=nhs_number,
        date_of_birth=born,
        registered_practice=practice,
        user=user,
    )
