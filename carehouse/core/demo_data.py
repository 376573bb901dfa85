"""Synthetic demo data: a fictional integrated care board with every kind of user.

Nothing here is real. NHS numbers come from the range that is never issued (the
``nhs-number`` package's synthetic range, starting 9), names from Faker's en_GB provider,
and organisation codes are made up. The same seed always builds the same data.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from nhs_number import generate as generate_nhs_numbers

from carehouse.careplans.demo_data import seed_care_plans
from carehouse.casefinding.demo_data import seed_case_finding
from carehouse.commissioning.demo_data import seed_commissioning
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, OrganisationType, User
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.directory.demo_data import seed_directory
from carehouse.measures.demo_data import seed_measures
from carehouse.people.identifiers import normalise_postcode
from carehouse.people.models import (
    CareTeamMember,
    Consent,
    ConsentPurpose,
    ConsentScope,
    ContactMethod,
    EthnicCategory,
    Person,
    PersonalContact,
    Sex,
)
from carehouse.referrals.demo_data import seed_referrals

DEMO_PASSWORD = "carehouse-demo"
#: The demo administrator's authenticator key (base32), printed by ``carehouse demo``.
DEMO_ADMIN_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"

# Outward codes of a fictional town; inward codes are generated (format-valid, not real addresses).
POSTCODE_DISTRICTS = ["RV1", "RV2", "RV3", "RV4", "RV5", "RV6"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    organisation: str


@dataclass
class DemoSummary:
    organisations: int = 0
    people: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


ORGANISATIONS = [
    # (code, name, type, parent code)
    ("QRV", "NHS Riverside Integrated Care Board", OrganisationType.INTEGRATED_CARE_BOARD, None),
    ("U99001", "Riverside Central Primary Care Network", OrganisationType.PRIMARY_CARE_NETWORK, "QRV"),
    ("Y99001", "Riverside Medical Centre", OrganisationType.GP_PRACTICE, "U99001"),
    ("Y99002", "Bridge Street Surgery", OrganisationType.GP_PRACTICE, "U99001"),
    ("Y99003", "Meadowbank Health Centre", OrganisationType.GP_PRACTICE, "U99001"),
    ("Y99004", "Old Mill Practice", OrganisationType.GP_PRACTICE, "U99001"),
    ("LA9901", "Riverside City Council", OrganisationType.LOCAL_AUTHORITY, None),
    ("R9901", "Riverside Community Health NHS Trust", OrganisationType.NHS_TRUST, "QRV"),
    ("V99001", "Riverside Walking Friends", OrganisationType.VOLUNTARY_OR_COMMUNITY, None),
    ("V99002", "Riverside Citizens Advice", OrganisationType.VOLUNTARY_OR_COMMUNITY, None),
    ("V99003", "Carers Together Riverside", OrganisationType.VOLUNTARY_OR_COMMUNITY, None),
]

STAFF = [
    # (email, name, role, organisation code, job title)
    ("practitioner@example.org", "Priya Shah", Role.PRACTITIONER, "Y99001", "Practice nurse"),
    ("gp@example.org", "Dr Tom Okafor", Role.PRACTITIONER, "Y99002", "GP"),
    ("linkworker@example.org", "Sam Taylor", Role.LINK_WORKER, "U99001", "Social prescribing link worker"),
    ("provider@example.org", "Jo Evans", Role.PROVIDER_STAFF, "V99001", "Volunteer coordinator"),
    ("commissioner@example.org", "Alex Morgan", Role.COMMISSIONER, "QRV", "Head of personalised care"),
    ("admin@example.org", "Chris Lee", Role.ADMINISTRATOR, "QRV", "System administrator"),
]


def _postcode(rng: random.Random) -> str:
    district = rng.choice(POSTCODE_DISTRICTS)
    inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    return normalise_postcode(district + inward)


def _date_of_birth(rng: random.Random, today: datetime.date) -> datetime.date:
    # Weighted towards older adults, who most often live with long-term conditions.
    age = min(99, max(18, int(rng.triangular(18, 98, 72))))
    return today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))


def seed(*, people: int = 300, seed_value: int = 2026, commissioning_history: bool = False) -> DemoSummary:
    """Build the demo data in an empty database. Raises if it has already been seeded.

    ``commissioning_history`` adds a made-up history of past support for the commissioner's pages
    (``bin/demo`` asks for it; the tests' demo does not, so each app's demo records stay its own).
    """
    if Organisation.objects.filter(ods_code="QRV").exists():
        raise RuntimeError("The demo data is already there")
    rng = random.Random(seed_value)
    fake = Faker("en_GB")
    fake.seed_instance(seed_value)
    random.seed(seed_value)  # nhs_number.generate draws from the global generator
    system = Actor.system("demo data")
    today = timezone.localdate()
    summary = DemoSummary()

    with transaction.atomic():
        orgs: dict[str, Organisation] = {}
        for code, name, kind, parent in ORGANISATIONS:
            orgs[code] = Organisation.objects.create(
                ods_code=code,
                name=name,
                type=kind,
                parent=orgs.get(parent) if parent else None,
                postcode=_postcode(rng),
            )
            audit.record(system, AuditAction.CREATE, obj=orgs[code], summary=f"Added organisation {code}")
        summary.organisations = len(orgs)

        staff: dict[str, User] = {}
        for email, name, role, code, title in STAFF:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
            membership = Membership.objects.create(user=user, organisation=orgs[code], role=role, job_title=title)
            audit.record(system, AuditAction.CREATE, obj=membership, summary=f"Added {email} as {role.label}")
            staff[email] = user
            summary.logins.append(DemoLogin(role.label, email, orgs[code].name))
        TOTPDevice.objects.create(
            user=staff["admin@example.org"], name="Demo authenticator", key=DEMO_ADMIN_TOTP_KEY_HEX, confirmed=True
        )

        practices = [o for o in orgs.values() if o.type == OrganisationType.GP_PRACTICE]
        numbers = generate_nhs_numbers(quantity=people + 10)
        unique_numbers = list(dict.fromkeys(numbers))
        created: list[Person] = []
        for index in range(people):
            sex = rng.choice([Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN])
            given = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
            person = Person.objects.create(
                nhs_number=unique_numbers[index],
                given_name=given,
                family_name=fake.last_name(),
                date_of_birth=_date_of_birth(rng, today),
                sex=sex,
                ethnicity=rng.choice(list(EthnicCategory.values)),
                address=fake.street_address(),
                postcode=_postcode(rng),
                phone=fake.phone_number(),
                preferred_contact_method=rng.choice(list(ContactMethod.values)),
                may_leave_messages=rng.random() < 0.6,
                registered_practice=rng.choice(practices),
            )
            audit.record(
                system, AuditAction.CREATE, obj=person, person_id=person.pk, summary="Added person (demo data)"
            )
            created.append(person)
            nurse = CareTeamMember.objects.create(
                person=person,
                organisation=person.registered_practice,  # type: ignore[misc]
                name=fake.name(),
                role_title="Practice nurse",
                is_key_worker=rng.random() < 0.5,
            )
            audit.record(system, AuditAction.CREATE, obj=nurse, person_id=person.pk, summary="Added to care team")
            if rng.random() < 0.35:
                consent = Consent.objects.create(
                    person=person,
                    purpose=ConsentPurpose.CARE_PLANNING,
                    scope=ConsentScope.CARE_PLAN,
                    given_at=timezone.now() - datetime.timedelta(days=rng.randint(1, 300)),
                )
                consent.recipient_organisations.set([orgs["U99001"]])
                audit.record(system, AuditAction.CREATE, obj=consent, person_id=person.pk, summary="Recorded consent")
            if rng.random() < 0.25:
                contact = PersonalContact.objects.create(
                    person=person,
                    name=fake.name(),
                    relationship=rng.choice(["daughter", "son", "wife", "husband", "partner", "friend", "neighbour"]),
                    is_carer=rng.random() < 0.6,
                    phone=fake.phone_number(),
                )
                audit.record(system, AuditAction.CREATE, obj=contact, person_id=person.pk, summary="Added contact")
        summary.people = len(created)

        # The person who signs in as themselves, and a carer with consent to see someone's record.
        me = created[0]
        person_user = User.objects.create_user("person@example.org", DEMO_PASSWORD, full_name=me.full_name)
        me.user = person_user
        me.registered_practice = orgs["Y99001"]
        me.save(update_fields=["user", "registered_practice"])
        summary.logins.append(DemoLogin(Role.PERSON.label, "person@example.org", "Their own record"))

        cared_for = me  # so that the carer sees the demo person's care plan too
        carer_user = User.objects.create_user("carer@example.org", DEMO_PASSWORD, full_name=fake.name())
        carer = PersonalContact.objects.create(
            person=cared_for, name=carer_user.full_name, relationship="daughter", is_carer=True, user=carer_user
        )
        carer_consent = Consent.objects.create(
            person=cared_for, purpose=ConsentPurpose.CARER_ACCESS, scope=ConsentScope.CARE_PLAN
        )
        carer_consent.recipient_contacts.set([carer])
        audit.record(system, AuditAction.CREATE, obj=carer_consent, person_id=cared_for.pk, summary="Carer access")
        summary.logins.append(DemoLogin(Role.CARER.label, "carer@example.org", f"Carer for {cared_for.full_name}"))

        # Care and support plans, written through the care plan services by the demo staff.
        seed_care_plans(created, seed_value=seed_value)
        # Outcome and activation measures for people with plans, through the measures services.
        seed_measures(created, seed_value=seed_value)
        # A directory of community services around Rotherham, one organisation claimed by Jo Evans's.
        seed_directory()
        # Referrals to those services in every state, made and answered through the referral services.
        seed_referrals(seed_value)
        # A synthetic population extract of the demo's practices, stratified once by the demo commissioner.
        seed_case_finding(created, seed_value=seed_value)
        # The extract linked for commissioners, more repeated questionnaires, and the figures worked out.
        seed_commissioning(created, seed_value=seed_value, history=commissioning_history)
    return summary


def demo_admin_key_base32() -> str:
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_ADMIN_TOTP_KEY_HEX)).decode("ascii")


def demo_logins() -> list[DemoLogin]:
    """The sign-ins of an already seeded demo database."""
    logins = [
        DemoLogin(Role(m.role).label, m.user.email, m.organisation.name)
        for email, *_ in STAFF
        for m in Membership.objects.filter(user__email=email).select_related("user", "organisation")
    ]
    logins.append(DemoLogin(Role.PERSON.label, "person@example.org", "Their own record"))
    logins.append(DemoLogin(Role.CARER.label, "carer@example.org", "Carer for one person"))
    return logins
