"""Every change to a person's record goes through one of these functions.

Each runs in one transaction and writes its audit event in that transaction, so a change
and its audit record are committed together or not at all. Updates use optimistic
concurrency: the caller says which version it started from, and a save against a newer
version is refused with ``EditConflict`` rather than overwriting someone else's work.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.people.identifiers import normalise_nhs_number, normalise_postcode

if TYPE_CHECKING:
    from carehouse.directory.models import DirectoryOrganization
from carehouse.people.models import (
    CareTeamMember,
    Consent,
    ConsentDecision,
    Person,
    PersonalContact,
)

#: Fields of a person that practitioners edit through the person form and the API.
PERSON_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "gender_identity",
    "pronouns",
    "ethnicity",
    "address",
    "postcode",
    "phone",
    "email",
    "preferred_contact_method",
    "may_leave_messages",
    "preferred_language",
    "communication_needs",
    "registered_practice",
)


class EditConflict(Exception):
    """Someone else saved this record after the editor opened it."""

    def __init__(self, current: Person) -> None:
        super().__init__("This record was changed by someone else after you opened it")
        self.current = current


def _clean_person_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: value for key, value in data.items() if key in PERSON_FIELDS}
    if "nhs_number" in cleaned:
        cleaned["nhs_number"] = normalise_nhs_number(cleaned["nhs_number"] or "")
    if cleaned.get("postcode"):
        cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
    return cleaned


def _check_nhs_number_is_new(nhs_number: str, exclude_pk: int | None = None) -> None:
    """Two records for one person are a safety risk: refuse a second record with the same NHS number.

    The message says only that the number is in use, not whose record holds it or where.
    """
    if not nhs_number:
        return
    others = Person.objects.filter(nhs_number=nhs_number)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            {
                "nhs_number": "A record with this NHS number already exists in Carehouse. "
                "Ask the person's GP practice to share it with your organisation instead of adding a new one"
            }
        )


def create_person(actor: Actor, data: dict[str, Any]) -> Person:
    """Add a person. Their registered practice defaults to the actor's, when that is a practice."""
    require_permission(actor, "people.add_person")
    cleaned = _clean_person_data(data)
    practice = actor.organisation
    if "registered_practice" not in cleaned and practice is not None and practice.type == OrganisationType.GP_PRACTICE:
        cleaned["registered_practice"] = practice
    with transaction.atomic():
        _check_nhs_number_is_new(cleaned.get("nhs_number", ""))
        person = Person(**cleaned)
        person.full_clean()
        person.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=person,
            person_id=person.pk,
            summary="Added person",
            changes={"fields": sorted(k for k in data if k in PERSON_FIELDS)},
        )
    return person


def update_person(actor: Actor, person: Person, data: dict[str, Any], *, expected_version: int) -> Person:
    """Change a person's details, refusing the save if the record moved on since ``expected_version``."""
    require_permission(actor, "people.change_person")
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        if current.version != expected_version:
            raise EditConflict(current)
        cleaned = _clean_person_data(data)
        changed = sorted(key for key, value in cleaned.items() if getattr(current, key) != value)
        if not changed:
            return current
        if "nhs_number" in changed:
            _check_nhs_number_is_new(cleaned["nhs_number"], exclude_pk=current.pk)
        for key in changed:
            setattr(current, key, cleaned[key])
        current.full_clean()
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.pk,
            summary="Changed person's details",
            changes={"fields": changed, "version": current.version},
        )
    return current


def record_consent(
    actor: Actor,
    person: Person,
    data: dict[str, Any],
    *,
    recipient_organisations: Iterable[Organisation] = (),
    recipient_contacts: Iterable[PersonalContact] = (),
    recipient_directory_organisations: Iterable[DirectoryOrganization] = (),
) -> Consent:
    """Record a consent decision (given, refused or not sought, with the reason).

    Recipients are Carehouse organisations, the person's own contacts, and (for referrals)
    community services' directory organisations, which may have no Carehouse accounts.
    """
    require_permission(actor, "people.record_consent")
    organisations = list(recipient_organisations)
    contacts = list(recipient_contacts)
    for contact in contacts:
        if contact.person_id != person.pk:
            raise ValueError("A consent can only name the person's own contacts")
    with transaction.atomic():
        consent = Consent(person=person, recorded_by=actor.user, **data)
        if consent.decision == ConsentDecision.NOT_SOUGHT and not consent.reason_not_sought:
            raise ValueError("Say why consent was not sought")
        consent.full_clean()
        consent.save()
        consent.recipient_organisations.set(organisations)
        consent.recipient_contacts.set(contacts)
        services = list(recipient_directory_organisations)
        consent.recipient_directory_organisations.set(services)
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=consent,
            person_id=person.pk,
            summary=f"Recorded consent: {consent.get_purpose_display()} ({consent.get_decision_display()})",
            changes={
                "purpose": consent.purpose,
                "decision": consent.decision,
                "scope": consent.scope,
                "recipient_organisations": sorted(o.ods_code for o in organisations),
                "recipient_contacts": sorted(c.pk for c in contacts),
                "recipient_directory_organisations": sorted(str(o.pk) for o in services),
                "expires_on": consent.expires_on,
            },
        )
    return consent


def withdraw_consent(actor: Actor, consent: Consent, *, reason: str) -> Consent:
    """Withdraw a consent from now on. A person may withdraw their own; staff may record it."""
    require_permission(actor, "people.withdraw_consent")
    if actor.role == Role.PERSON and (actor.user is None or consent.person.user_id != actor.user.pk):
        raise PermissionDenied("people.withdraw_consent")
    with transaction.atomic():
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        if current.withdrawn_at is not None:
            return current
        current.withdrawn_at = timezone.now()
        current.withdrawn_reason = reason
        current.withdrawn_by = actor.user
        current.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_by"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Withdrew consent: {current.get_purpose_display()}",
            changes={"withdrawn": True},
        )
    return current


def add_personal_contact(actor: Actor, person: Person, data: dict[str, Any]) -> PersonalContact:
    require_permission(actor, "people.manage_contacts")
    with transaction.atomic():
        contact = PersonalContact(person=person, **data)
        contact.full_clean()
        contact.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=contact,
            person_id=person.pk,
            summary="Added a personal contact" + (" (carer)" if contact.is_carer else ""),
        )
    return contact


def add_care_team_member(actor: Actor, person: Person, data: dict[str, Any]) -> CareTeamMember:
    """Add a professional to the care team; naming a new key worker ends the previous one's role as such."""
    require_permission(actor, "people.manage_contacts")
    with transaction.atomic():
        member = CareTeamMember(person=person, **data)
        if member.is_key_worker:
            CareTeamMember.objects.filter(person=person, is_key_worker=True, ended_on=None).update(is_key_worker=False)
        member.full_clean()
        member.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=member,
            person_id=person.pk,
            summary="Added to care team" + (" as named key worker" if member.is_key_worker else ""),
            changes={"organisation": member.organisation.ods_code, "key_worker": member.is_key_worker},
        )
    return member


def end_care_team_membership(actor: Actor, member: CareTeamMember, on: datetime.date | None = None) -> CareTeamMember:
    require_permission(actor, "people.manage_contacts")
    with transaction.atomic():
        member.ended_on = on or timezone.localdate()
        member.is_key_worker = False
        member.save(update_fields=["ended_on", "is_key_worker"])
        audit.record(actor, AuditAction.UPDATE, obj=member, person_id=member.person_id, summary="Left care team")
    return member


@dataclass(frozen=True)
class PersonChange:
    """A field-by-field view of two versions of a record, for the conflict page."""

    field: str
    label: str
    yours: str
    theirs: str


def compare_versions(current: Person, submitted: dict[str, Any]) -> list[PersonChange]:
    changes: list[PersonChange] = []
    for key in PERSON_FIELDS:
        if key not in submitted:
            continue
        theirs = getattr(current, key)
        yours = submitted[key]
        if key == "nhs_number":
            yours = normalise_nhs_number(yours or "")
        if key == "postcode" and yours:
            yours = normalise_postcode(yours)
        if _display(theirs) != _display(yours):
            field = Person._meta.get_field(key)
            label = str(getattr(field, "verbose_name", key)).capitalize()
            changes.append(PersonChange(key, label, _display(yours), _display(theirs)))
    return changes


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return value.strftime("%-d %B %Y")
    return str(value)
