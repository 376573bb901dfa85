"""Reading people's records: every query here is scoped to what the actor may see.

Views and API endpoints must read personal data through these functions, never through
``Person.objects`` (``scripts/lint_scoped_queries.py`` enforces it). A record the actor
may not see is reported as not found (404), never as forbidden, so its existence does
not leak. Reading a record writes an audit event.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from carehouse.core.actor import Actor
from carehouse.core.models import User
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.services import audit
from carehouse.people.identifiers import normalise_nhs_number
from carehouse.people.models import (
    CareTeamMember,
    Consent,
    Person,
    PersonalContact,
    PersonQuerySet,
)


def visible_people(actor: Actor | None) -> PersonQuerySet:
    """Everyone the actor may see; nobody for roles that do not see individual records."""
    if actor is None or actor.user is None:
        return Person.objects.none()
    if actor.role in CARE_ROLES and actor.organisation is not None:
        return Person.objects.in_care_of(actor.organisation)
    if actor.role == Role.PERSON:
        return Person.objects.filter(user=actor.user)
    if actor.role == Role.CARER:
        return Person.objects.cared_for_by(actor.user)
    return Person.objects.none()


def get_person(actor: Actor | None, person_id: int, *, purpose: str = "") -> Person:
    """One person's record, audited as a read; 404 when the actor may not see it."""
    person = visible_people(actor).select_related("registered_practice").filter(pk=person_id).first()
    if person is None or actor is None:
        raise Http404("No person found")
    audit.record(actor, AuditAction.READ, obj=person, person_id=person.pk, summary="Viewed record", purpose=purpose)
    return person


def find_people(actor: Actor, query: str) -> PersonQuerySet:
    """Search by name or NHS number among the people the actor may see. The search is audited."""
    people = visible_people(actor).select_related("registered_practice")
    text = query.strip()
    if not text:
        return people
    digits = normalise_nhs_number(text)
    if digits.isdigit():
        people = people.filter(nhs_number__startswith=digits)
    else:
        for word in text.split():
            people = people.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(preferred_name__icontains=word)
            )
    audit.record(actor, AuditAction.SEARCH, summary="Searched for people", changes={"query_length": len(text)})
    return people


def list_cared_for(actor: Actor) -> list[Person]:
    """The people a carer may see, audited as one read of each record's name."""
    people = list(visible_people(actor)) if actor.role == Role.CARER else []
    for person in people:
        audit.record(actor, AuditAction.READ, obj=person, person_id=person.pk, summary="Listed as cared for")
    return people


def consents_for(person: Person) -> list[Consent]:
    """The consents of a person the caller has already been allowed to see (via get_person)."""
    return list(
        Consent.objects.filter(person=person)
        .prefetch_related("recipient_organisations", "recipient_contacts")
        .select_related("recorded_by")
    )


def get_consent(actor: Actor, person: Person, consent_id: int) -> Consent:
    consent = Consent.objects.filter(person=person, pk=consent_id).first()
    if consent is None:
        raise Http404("No consent found")
    return consent


def personal_contacts_for(person: Person) -> list[PersonalContact]:
    return list(PersonalContact.objects.filter(person=person))


def care_team_for(person: Person) -> list[CareTeamMember]:
    return list(CareTeamMember.objects.filter(person=person, ended_on=None).select_related("organisation"))


def own_person(user: User) -> Person | None:
    """The record of the signed-in person themselves, if they have one."""
    return Person.objects.select_related("registered_practice").filter(user=user).first()


def cares_for_anyone(user: User) -> bool:
    return Person.objects.cared_for_by(user).exists()


def carer_contact_for(user: User, person: Person) -> PersonalContact | None:
    return PersonalContact.objects.filter(person=person, user=user, is_carer=True).first()
