"""Who may see whose record: registration, consent, care team, the person themselves and their carer.

A record the actor may not see must look exactly like one that does not exist (404, same page),
so that its existence does not leak.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from carehouse.conftest import sign_in
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, Organisation
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.people import selectors, services
from carehouse.people.models import ConsentDecision, ConsentPurpose, Person
from carehouse.people.tests.factories import (
    CareTeamMemberFactory,
    ConsentFactory,
    PersonalContactFactory,
    PersonFactory,
)

# -- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def own_patient(practice: Organisation) -> Person:
    return PersonFactory(
        given_name="Olive", family_name="Ownpractice", nhs_number="9434765919", registered_practice=practice
    )


@pytest.fixture
def stranger(other_practice: Organisation) -> Person:
    """Registered at another practice: hidden from priya unless something grants access."""
    return PersonFactory(
        given_name="Harriet", family_name="Hiddenaway", nhs_number="9990000050", registered_practice=other_practice
    )


def normalised(html: str) -> str:
    """The page without the values that differ on every response (CSP nonce, masked CSRF token)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)


def can_see(client: Client, person: Person) -> bool:
    response = client.get(f"/people/{person.pk}")
    assert response.status_code in (200, 404), response.status_code
    return response.status_code == 200


def listed(client: Client, person: Person, query: str = "") -> bool:
    response = client.get("/people/", {"q": query} if query else {})
    assert response.status_code == 200
    return f'href="/people/{person.pk}"' in response.content.decode()


def give_consent(
    recorded_by: Membership,
    person: Person,
    purpose: str,
    recipients: list[Organisation],
    **data: object,
):
    return services.record_consent(
        Actor.for_membership(recorded_by),
        person,
        {"purpose": purpose, **data},
        recipient_organisations=recipients,
    )


# -- registration ----------------------------------------------------------------------------


def test_practitioner_sees_people_registered_at_their_practice(client, signed_in, priya, own_patient):
    signed_in(client, priya)
    response = client.get(f"/people/{own_patient.pk}")
    assert response.status_code == 200
    assert "Olive Ownpractice" in response.content.decode()
    assert listed(client, own_patient)
    assert listed(client, own_patient, "Ownpractice")
    assert listed(client, own_patient, "943 476")


def test_person_at_another_practice_is_not_found(client, signed_in, priya, stranger):
    signed_in(client, priya)
    response = client.get(f"/people/{stranger.pk}")
    assert response.status_code == 404
    assert "Harriet" not in response.content.decode()
    assert not AuditEvent.objects.filter(person_id=stranger.pk, action="read").exists()


def test_hidden_record_looks_exactly_like_a_missing_one(client, signed_in, priya, stranger):
    signed_in(client, priya)
    missing_id = (Person.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000
    hidden = client.get(f"/people/{stranger.pk}")
    missing = client.get(f"/people/{missing_id}")
    assert hidden.status_code == missing.status_code == 404
    assert normalised(hidden.content.decode()) == normalised(missing.content.decode())
    assert hidden["Content-Type"] == missing["Content-Type"]
    # The same holds for the pages that act on a record.
    for suffix in ("/edit", "/consents/add", "/contacts/add", "/care-team/add"):
        hidden = client.get(f"/people/{stranger.pk}{suffix}")
        missing = client.get(f"/people/{missing_id}{suffix}")
        assert hidden.status_code == missing.status_code == 404, suffix
        assert normalised(hidden.content.decode()) == normalised(missing.content.decode()), suffix


def test_hidden_person_is_absent_from_list_and_search(client, signed_in, priya, own_patient, stranger):
    signed_in(client, priya)
    assert listed(client, own_patient)
    assert not listed(client, stranger)
    for query in ("Hiddenaway", "Harriet", "999 000 0050", "9990000050", "999"):
        response = client.get("/people/", {"q": query})
        assert response.status_code == 200
        page = response.content.decode()
        assert f"/people/{stranger.pk}" not in page, query
        assert "No people found" in page, query
        assert "HIDDENAWAY, Harriet" not in page, query


def test_hidden_person_cannot_be_changed(client, signed_in, priya, stranger):
    signed_in(client, priya)
    response = client.post(
        f"/people/{stranger.pk}/edit",
        {"given_name": "Changed", "family_name": "X", "date_of_birth_day": "1", "date_of_birth_month": "1",
         "date_of_birth_year": "1950", "sex": "female", "ethnicity": "99", "version": "1"},
    )  # fmt: skip
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.given_name == "Harriet"


# -- consent ---------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [ConsentPurpose.DIRECT_CARE, ConsentPurpose.CARE_PLANNING])
def test_consent_naming_the_organisation_grants_access_until_withdrawn(
    client, signed_in, priya, omar, practice, stranger, purpose
):
    signed_in(client, priya)
    assert not can_see(client, stranger)

    consent = give_consent(omar, stranger, purpose, [practice])
    assert can_see(client, stranger)
    assert listed(client, stranger)
    assert listed(client, stranger, "Hiddenaway")

    services.withdraw_consent(Actor.for_membership(omar), consent, reason="Changed their mind")
    assert not can_see(client, stranger)
    assert not listed(client, stranger)
    assert not listed(client, stranger, "Hiddenaway")


@pytest.mark.parametrize(
    "purpose", [ConsentPurpose.SOCIAL_PRESCRIBING, ConsentPurpose.RESEARCH, ConsentPurpose.CARER_ACCESS]
)
def test_consent_for_other_purposes_does_not_grant_access(client, signed_in, priya, practice, stranger, purpose):
    ConsentFactory(person=stranger, purpose=purpose, recipient_organisations=[practice])
    signed_in(client, priya)
    assert not can_see(client, stranger)
    assert not listed(client, stranger)


def test_consent_naming_another_organisation_does_not_grant_access(client, signed_in, priya, stranger, voluntary):
    ConsentFactory(person=stranger, purpose=ConsentPurpose.DIRECT_CARE, recipient_organisations=[voluntary])
    signed_in(client, priya)
    assert not can_see(client, stranger)


@pytest.mark.parametrize("decision", [ConsentDecision.REFUSED, ConsentDecision.NOT_SOUGHT])
def test_consent_not_given_does_not_grant_access(client, signed_in, priya, practice, stranger, decision):
    ConsentFactory(
        person=stranger,
        purpose=ConsentPurpose.DIRECT_CARE,
        decision=decision,
        reason_not_sought="Urgent",
        recipient_organisations=[practice],
    )
    signed_in(client, priya)
    assert not can_see(client, stranger)


def test_expired_consent_does_not_grant_access(client, signed_in, priya, practice, stranger):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ConsentFactory(
        person=stranger, purpose=ConsentPurpose.DIRECT_CARE, expires_on=yesterday, recipient_organisations=[practice]
    )
    signed_in(client, priya)
    assert not can_see(client, stranger)
    assert not listed(client, stranger)


def test_consent_expiring_today_still_grants_access(client, signed_in, priya, practice, stranger):
    ConsentFactory(
        person=stranger,
        purpose=ConsentPurpose.DIRECT_CARE,
        expires_on=timezone.localdate(),
        recipient_organisations=[practice],
    )
    signed_in(client, priya)
    assert can_see(client, stranger)


def test_link_worker_sees_only_people_whose_consent_names_their_network(
    client, signed_in, lena, pcn, own_patient, stranger
):
    signed_in(client, lena)
    assert not can_see(client, own_patient)
    assert not can_see(client, stranger)
    ConsentFactory(person=stranger, purpose=ConsentPurpose.CARE_PLANNING, recipient_organisations=[pcn])
    assert can_see(client, stranger)
    assert not can_see(client, own_patient)


# -- care team -------------------------------------------------------------------------------


def test_care_team_membership_grants_access(client, signed_in, priya, practice, stranger):
    signed_in(client, priya)
    assert not can_see(client, stranger)
    member = CareTeamMemberFactory(person=stranger, organisation=practice)
    assert can_see(client, stranger)
    assert listed(client, stranger)

    services.end_care_team_membership(Actor.for_membership(priya), member)
    assert not can_see(client, stranger)


def test_care_team_membership_of_another_organisation_does_not_grant_access(
    client, signed_in, priya, voluntary, stranger
):
    CareTeamMemberFactory(person=stranger, organisation=voluntary)
    signed_in(client, priya)
    assert not can_see(client, stranger)


# -- roles that see no individual records ----------------------------------------------------


@pytest.mark.parametrize("member", ["cora", "vic", "ada"])
def test_commissioner_provider_and_administrator_see_no_individual_records(
    request, client, signed_in, own_patient, stranger, member
):
    membership = request.getfixturevalue(member)
    signed_in(client, membership)
    assert client.get("/people/").status_code == 403
    assert client.get("/people/", {"q": "Ownpractice"}).status_code == 403
    assert client.get(f"/people/{own_patient.pk}").status_code == 403
    assert client.get("/people/add").status_code == 403
    assert selectors.visible_people(Actor.for_membership(membership)).count() == 0
    assert not AuditEvent.objects.filter(action="read").exists()


def test_nobody_signed_in_sees_nothing(db, own_patient):
    assert selectors.visible_people(None).count() == 0
    assert selectors.visible_people(Actor.system()).count() == 0


def test_anonymous_visitor_is_sent_to_sign_in(client, own_patient):
    response = client.get(f"/people/{own_patient.pk}")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


# -- the person themselves -------------------------------------------------------------------


def test_person_sees_only_their_own_record(client, own_patient, stranger, practice):
    user = UserFactory(email="olive@example.org", full_name="Olive Ownpractice")
    own_patient.user = user
    own_patient.save()
    sign_in(client, user, role=Role.PERSON)

    mine = client.get("/people/me")
    assert mine.status_code == 200
    assert "Olive Ownpractice" in mine.content.decode()
    assert can_see(client, own_patient)
    assert not can_see(client, stranger)
    # Another person registered at the same practice is just as hidden.
    neighbour = PersonFactory(registered_practice=practice)
    assert not can_see(client, neighbour)
    assert client.get("/people/").status_code == 403
    assert list(selectors.visible_people(Actor(user=user, role=Role.PERSON))) == [own_patient]


# -- carers ----------------------------------------------------------------------------------


@pytest.fixture
def carer_user(db):
    return UserFactory(email="carer@example.org", full_name="Carrie Carer")


@pytest.fixture
def carer_contact(stranger, carer_user):
    return PersonalContactFactory(person=stranger, name="Carrie Carer", user=carer_user, is_carer=True)


def test_carer_sees_the_person_only_with_active_carer_access_consent(client, omar, stranger, carer_user, carer_contact):
    sign_in(client, carer_user, role=Role.CARER)
    assert not can_see(client, stranger)

    consent = services.record_consent(
        Actor.for_membership(omar),
        stranger,
        {"purpose": ConsentPurpose.CARER_ACCESS},
        recipient_contacts=[carer_contact],
    )
    assert can_see(client, stranger)
    cared_for = client.get("/people/cared-for")
    assert cared_for.status_code == 200
    assert f'href="/people/{stranger.pk}"' in cared_for.content.decode()

    services.withdraw_consent(Actor.for_membership(omar), consent, reason="No longer needed")
    assert not can_see(client, stranger)
    assert f"/people/{stranger.pk}" not in client.get("/people/cared-for").content.decode()


def test_carer_needs_the_consent_to_name_their_own_contact(client, stranger, carer_user, carer_contact):
    someone_else = PersonalContactFactory(person=stranger, name="Sibling", is_carer=True)
    ConsentFactory(person=stranger, purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts=[someone_else])
    sign_in(client, carer_user, role=Role.CARER)
    assert not can_see(client, stranger)


@pytest.mark.parametrize("purpose", [ConsentPurpose.DIRECT_CARE, ConsentPurpose.CARE_PLANNING])
def test_carer_is_not_let_in_by_consent_for_another_purpose(client, stranger, carer_user, carer_contact, purpose):
    ConsentFactory(person=stranger, purpose=purpose, recipient_contacts=[carer_contact])
    sign_in(client, carer_user, role=Role.CARER)
    assert not can_see(client, stranger)


def test_contact_who_is_not_a_carer_is_not_let_in(client, stranger, carer_user, carer_contact):
    carer_contact.is_carer = False
    carer_contact.save()
    ConsentFactory(person=stranger, purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts=[carer_contact])
    sign_in(client, carer_user, role=Role.CARER)
    assert not can_see(client, stranger)


def test_carer_access_consent_that_has_expired_does_not_let_in(client, stranger, carer_user, carer_contact):
    ConsentFactory(
        person=stranger,
        purpose=ConsentPurpose.CARER_ACCESS,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
        recipient_contacts=[carer_contact],
    )
    sign_in(client, carer_user, role=Role.CARER)
    assert not can_see(client, stranger)


def test_carer_sees_only_the_person_who_consented(client, practice, stranger, carer_user, carer_contact):
    ConsentFactory(person=stranger, purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts=[carer_contact])
    other = PersonFactory(registered_practice=practice)
    sign_in(client, carer_user, role=Role.CARER)
    assert can_see(client, stranger)
    assert not can_see(client, other)
    assert client.get("/people/").status_code == 403
