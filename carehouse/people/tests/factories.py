"""factory_boy factories for people, contacts, care teams and consent."""

from __future__ import annotations

import datetime

import factory

from carehouse.core.tests.factories import OrganisationFactory
from carehouse.people.identifiers import nhs_number_check_digit
from carehouse.people.models import CareTeamMember, Consent, ConsentPurpose, Person, PersonalContact


def synthetic_nhs_number(n: int) -> str:
    """A valid NHS number in the 999 range, which is never issued to real people."""
    base = 999_000_000 + n
    while True:
        digits = f"{base:09d}"
        check = nhs_number_check_digit(digits)
        if check is not None:
            return digits + str(check)
        base += 1_000_000 if base + 1_000_000 < 1_000_000_000 else -998_000_000


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    nhs_number = factory.Sequence(lambda n: synthetic_nhs_number(n * 7 + 1))
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(1950, 6, 15)
    registered_practice = factory.SubFactory(OrganisationFactory)


class PersonalContactFactory(factory.django.DjangoModelFactory[PersonalContact]):
    class Meta:
        model = PersonalContact

    person = factory.SubFactory(PersonFactory)
    name = factory.Faker("name", locale="en_GB")
    relationship = "daughter"
    is_carer = True


class CareTeamMemberFactory(factory.django.DjangoModelFactory[CareTeamMember]):
    class Meta:
        model = CareTeamMember

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Faker("name", locale="en_GB")
    role_title = "Practice nurse"


class ConsentFactory(factory.django.DjangoModelFactory[Consent]):
    class Meta:
        model = Consent
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.DIRECT_CARE

    @factory.post_generation
    def recipient_organisations(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.recipient_organisations.set(extracted)

    @factory.post_generation
    def recipient_contacts(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.recipient_contacts.set(extracted)

    @factory.post_generation
    def recipient_directory_organisations(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.recipient_directory_organisations.set(extracted)
