"""Changes to people's records: validated, audited in the same transaction, safe against lost updates."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carehouse.conftest import sign_in
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Organisation
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.core.tests.audit_assertions import assert_event_about
from carehouse.core.tests.factories import UserFactory
from carehouse.people import services
from carehouse.people.models import CareTeamMember, Consent, ConsentDecision, ConsentPurpose, Person
from carehouse.people.tests.factories import (
    CareTeamMemberFactory,
    ConsentFactory,
    PersonalContactFactory,
    PersonFactory,
)


def person_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Mary",
        "family_name": "Seacole",
        "date_of_birth": datetime.date(1955, 11, 23),
        "nhs_number": "943 476 5919",
        "postcode": "ls1  4ap",
    }
    data.update(overrides)
    return data


def audit_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("sequence"))


class Boom(Exception):
    pass


@pytest.fixture
def audit_fails(monkeypatch):
    """Make writing the audit event fail, to show that the change it describes is rolled back with it."""

    def failing_record(*args: object, **kwargs: object) -> None:
        raise Boom("audit store unavailable")

    monkeypatch.setattr(audit, "record", failing_record)


# -- create_person ---------------------------------------------------------------------------


def test_create_person_normalises_defaults_practice_and_audits(priya, practice, actor):
    person = services.create_person(actor(priya), person_data())
    person.refresh_from_db()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 4AP"
    assert person.registered_practice == practice
    assert person.version == 1

    [event] = audit_rows()
    assert event.action == "create"
    assert_event_about(event, person, by=priya)
    assert event.changes["fields"] == sorted(person_data())


def test_create_person_keeps_an_explicit_practice(priya, other_practice, actor):
    person = services.create_person(actor(priya), person_data(registered_practice=other_practice))
    assert person.registered_practice == other_practice


@pytest.mark.parametrize(
    "bad",
    [
        {"nhs_number": "9434765918"},  # wrong check digit
        {"postcode": "not a postcode"},
        {"given_name": ""},
        {"email": "not-an-email"},
        {"sex": "unknown-value"},
    ],
)
def test_create_person_that_fails_validation_leaves_nothing_behind(priya, actor, bad):
    with pytest.raises(ValidationError):
        services.create_person(actor(priya), person_data(**bad))
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_person_refuses_a_duplicate_nhs_number(priya, actor):
    services.create_person(actor(priya), person_data())
    with pytest.raises(ValidationError):
        services.create_person(actor(priya), person_data(given_name="Other"))
    assert Person.objects.count() == 1
    assert AuditEvent.objects.count() == 1


def test_create_person_is_rolled_back_when_its_audit_event_cannot_be_written(priya, actor, audit_fails):
    with pytest.raises(Boom):
        services.create_person(actor(priya), person_data())
    assert Person.objects.count() == 0


@pytest.mark.parametrize("member", ["cora", "vic", "ada"])
def test_roles_without_direct_care_may_not_add_people(request, actor, member):
    with pytest.raises(PermissionDenied):
        services.create_person(actor(request.getfixturevalue(member)), person_data())
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == 0


# -- update_person ---------------------------------------------------------------------------


@pytest.fixture
def mary(practice: Organisation) -> Person:
    return PersonFactory(
        given_name="Mary",
        family_name="Seacole",
        nhs_number="9434765919",
        postcode="LS1 4AP",
        registered_practice=practice,
    )


def test_update_person_changes_fields_raises_the_version_and_audits_what_changed(priya, actor, mary):
    updated = services.update_person(
        actor(priya), mary, {"family_name": "Grant", "postcode": "m11ae", "given_name": "Mary"}, expected_version=1
    )
    mary.refresh_from_db()
    assert mary.family_name == "Grant"
    assert mary.postcode == "M1 1AE"
    assert mary.version == updated.version == 2

    [event] = audit_rows()
    assert event.action == "update"
    assert event.person_id == mary.pk
    assert event.changes == {"fields": ["family_name", "postcode"], "version": 2}


def test_update_with_no_changes_is_not_a_new_version(priya, actor, mary):
    services.update_person(actor(priya), mary, {"given_name": "Mary", "nhs_number": "943 476 5919"}, expected_version=1)
    mary.refresh_from_db()
    assert mary.version == 1
    assert AuditEvent.objects.count() == 0


def test_update_from_an_old_version_is_refused_and_keeps_the_first_edit(priya, lena, pcn, actor, mary):
    services.update_person(actor(priya), mary, {"family_name": "First"}, expected_version=1)
    with pytest.raises(services.EditConflict) as raised:
        services.update_person(actor(priya), mary, {"family_name": "Second"}, expected_version=1)
    assert raised.value.current.family_name == "First"
    assert raised.value.current.version == 2
    mary.refresh_from_db()
    assert mary.family_name == "First"
    assert AuditEvent.objects.filter(action="update").count() == 1


def test_update_that_fails_validation_changes_nothing_and_is_not_audited(priya, actor, mary):
    with pytest.raises(ValidationError):
        services.update_person(actor(priya), mary, {"family_name": "Grant", "postcode": "nonsense"}, expected_version=1)
    mary.refresh_from_db()
    assert mary.family_name == "Seacole"
    assert mary.version == 1
    assert AuditEvent.objects.count() == 0


def test_update_is_rolled_back_when_its_audit_event_cannot_be_written(priya, actor, mary, audit_fails):
    with pytest.raises(Boom):
        services.update_person(actor(priya), mary, {"family_name": "Grant"}, expected_version=1)
    mary.refresh_from_db()
    assert mary.family_name == "Seacole"
    assert mary.version == 1


def test_compare_versions_lists_only_the_differences(mary):
    changes = services.compare_versions(
        mary, {"given_name": "Mary", "family_name": "Grant", "nhs_number": "943-476-5919", "postcode": "ls1 4ap"}
    )
    assert [(c.field, c.label, c.yours, c.theirs) for c in changes] == [
        ("family_name", "Family name", "Grant", "Seacole")
    ]


# -- consent ---------------------------------------------------------------------------------


def test_record_consent_saves_recipients_and_audits(priya, practice, voluntary, actor, mary):
    consent = services.record_consent(
        actor(priya),
        mary,
        {"purpose": ConsentPurpose.CARE_PLANNING, "expires_on": datetime.date(2030, 1, 31)},
        recipient_organisations=[practice, voluntary],
    )
    assert consent.recorded_by == priya.user
    assert set(consent.recipient_organisations.all()) == {practice, voluntary}
    [event] = audit_rows()
    assert event.action == "create"
    assert event.object_type == "people.Consent"
    assert event.object_id == str(consent.pk)
    assert event.person_id == mary.pk
    assert event.changes["purpose"] == "care_planning"
    assert event.changes["recipient_organisations"] == ["V10001", "Y10001"]
    assert event.changes["expires_on"] == "2030-01-31"


def test_record_consent_that_fails_validation_leaves_nothing_behind(priya, practice, actor, mary):
    with pytest.raises(ValidationError):
        services.record_consent(actor(priya), mary, {"purpose": "nonsense"}, recipient_organisations=[practice])
    assert Consent.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_record_consent_is_rolled_back_when_its_audit_event_cannot_be_written(
    priya, practice, actor, mary, audit_fails
):
    with pytest.raises(Boom):
        services.record_consent(
            actor(priya), mary, {"purpose": ConsentPurpose.DIRECT_CARE}, recipient_organisations=[practice]
        )
    assert Consent.objects.count() == 0


def test_consent_not_sought_needs_a_reason(priya, actor, mary):
    with pytest.raises(ValueError, match="not sought"):
        services.record_consent(
            actor(priya), mary, {"purpose": ConsentPurpose.DIRECT_CARE, "decision": ConsentDecision.NOT_SOUGHT}
        )
    assert Consent.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_consent_cannot_name_someone_elses_contact(priya, actor, mary):
    other_persons_carer = PersonalContactFactory()
    with pytest.raises(ValueError, match="own contacts"):
        services.record_consent(
            actor(priya), mary, {"purpose": ConsentPurpose.CARER_ACCESS}, recipient_contacts=[other_persons_carer]
        )
    assert Consent.objects.count() == 0


def test_withdraw_consent_stops_it_and_audits_once(priya, practice, actor, mary):
    consent = ConsentFactory(person=mary, purpose=ConsentPurpose.DIRECT_CARE, recipient_organisations=[practice])
    assert consent.is_active()
    withdrawn = services.withdraw_consent(actor(priya), consent, reason="Moved away")
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by == priya.user
    assert not withdrawn.is_active()
    assert not Consent.objects.active().filter(pk=consent.pk).exists()
    [event] = audit_rows()
    assert (event.action, event.object_id, event.person_id) == ("update", str(consent.pk), mary.pk)

    # Withdrawing again changes nothing and is not audited again.
    again = services.withdraw_consent(actor(priya), consent, reason="Again")
    assert again.withdrawn_at == withdrawn.withdrawn_at
    assert again.withdrawn_reason == "Moved away"
    assert AuditEvent.objects.count() == 1


def test_withdraw_is_rolled_back_when_its_audit_event_cannot_be_written(priya, practice, actor, mary, audit_fails):
    consent = ConsentFactory(person=mary, purpose=ConsentPurpose.DIRECT_CARE, recipient_organisations=[practice])
    with pytest.raises(Boom):
        services.withdraw_consent(actor(priya), consent, reason="Moved away")
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_person_may_withdraw_their_own_consent_but_not_someone_elses(client, practice, mary):
    user = UserFactory(email="mary@example.org")
    mary.user = user
    mary.save()
    as_person = Actor(user=user, role=Role.PERSON, organisation=practice)
    other = ConsentFactory(purpose=ConsentPurpose.DIRECT_CARE)
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(as_person, other, reason="Not mine")
    other.refresh_from_db()
    assert other.withdrawn_at is None

    own = ConsentFactory(person=mary, purpose=ConsentPurpose.DIRECT_CARE)
    services.withdraw_consent(as_person, own, reason="I changed my mind")
    own.refresh_from_db()
    assert own.withdrawn_at is not None
    assert own.withdrawn_by == user

    # And through the page, which sends them back to their own record.
    own2 = ConsentFactory(person=mary, purpose=ConsentPurpose.CARE_PLANNING)
    sign_in(client, user, role=Role.PERSON)
    response = client.post(f"/people/{mary.pk}/consents/{own2.pk}/withdraw", {"reason": "No thanks"})
    assert response.status_code == 302
    assert response["Location"] == "/people/me"
    own2.refresh_from_db()
    assert own2.withdrawn_reason == "No thanks"


def test_expired_consent_is_not_active(mary):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    consent = ConsentFactory(person=mary, expires_on=yesterday)
    assert not consent.is_active()
    assert consent.is_active(on=yesterday)
    assert not Consent.objects.active().filter(pk=consent.pk).exists()
    assert Consent.objects.active(on=yesterday).filter(pk=consent.pk).exists()


# -- contacts and care team ------------------------------------------------------------------


def test_naming_a_new_key_worker_ends_the_previous_ones_role(priya, practice, voluntary, actor, mary):
    first = CareTeamMemberFactory(person=mary, organisation=practice, is_key_worker=True)
    second = services.add_care_team_member(
        actor(priya),
        mary,
        {"organisation": voluntary, "name": "Kim Keyworker", "role_title": "Link worker", "is_key_worker": True},
    )
    first.refresh_from_db()
    assert not first.is_key_worker
    assert second.is_key_worker
    assert CareTeamMember.objects.filter(person=mary, is_key_worker=True, ended_on=None).get() == second
    assert AuditEvent.objects.get().changes == {"organisation": "V10001", "key_worker": True}


def test_add_personal_contact_is_audited(priya, actor, mary):
    contact = services.add_personal_contact(
        actor(priya), mary, {"name": "Jo Seacole", "relationship": "daughter", "is_carer": True}
    )
    event = AuditEvent.objects.get()
    assert (event.object_type, event.object_id, event.person_id) == ("people.PersonalContact", str(contact.pk), mary.pk)
    assert event.summary == "Added a personal contact (carer)"
