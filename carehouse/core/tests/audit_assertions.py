"""Shared assertions about audit events."""

from __future__ import annotations

from carehouse.core.models import AuditEvent, Membership
from carehouse.people.models import Person


def assert_event_about(event: AuditEvent, person: Person, by: Membership) -> None:
    """The event names the person's record as its subject and the member of staff as its actor."""
    assert event.person_id == person.pk
    assert event.object_type == "people.Person"
    assert event.object_id == str(person.pk)
    assert event.actor_email == by.user.email
    assert event.actor_role == by.role
    assert event.actor_organisation == by.organisation.ods_code
