"""What happens on a referral between its changes of state: opened, contacts, attendance, notes.

Each function locks the referral, checks who is acting (``referrals.require_party``), appends one
``ReferralEvent`` and writes the audit event, in one transaction. Contacts and attendance are
recorded by the receiving service while the referral is open; notes may be added by anyone with a
part in the referral, and only the referrer's may be internal (hidden from the service).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.referrals.models import EventKind, Referral
from carehouse.referrals.services.referrals import (
    MAX_TEXT,
    append_event,
    consent_covers,
    lock,
    require_party,
)
from carehouse.referrals.states import Party, ReferralState

#: How the service got in touch (the words the pages show are in ``presenters.CONTACT_METHODS``).
CONTACT_METHODS = ("phone", "text", "email", "in person", "letter")
#: What came of it.
CONTACT_RESULTS = ("spoke", "no answer", "left a message", "wrote")
#: States in which the service records contacts and attendance.
ACTIVE_STATES = frozenset(
    {ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.ON_HOLD}
)
#: A little slack for clocks: a contact "now" typed a minute ahead is not in the future.
CLOCK_SLACK = datetime.timedelta(minutes=5)


def _clean_note(note: str, *, required: bool = False) -> str:
    text = (note or "").strip()
    if required and not text:
        raise ValidationError({"note": "Enter a note"})
    if len(text) > MAX_TEXT:
        raise ValidationError({"note": f"The note must be {MAX_TEXT:,} characters or fewer"})
    return text


def _require_provider(actor: Actor, referral: Referral) -> Party:
    party = require_party(actor, referral)
    if party != Party.PROVIDER:
        raise PermissionDenied("Only the receiving service can record this")
    return party


def _require_open(referral: Referral) -> None:
    if referral.status not in ACTIVE_STATES:
        raise ValidationError(
            {"status": f"This referral is {referral.get_status_display().lower()}: you cannot record contacts now"}
        )


def mark_viewed(actor: Actor, referral: Referral, *, now: datetime.datetime | None = None) -> Referral:
    """The service has opened the referral: the first time, note when (and "viewed" while it waits for an answer).

    Anyone else opening it changes nothing. Returns the referral as it is now.
    """
    if referral.viewed_at is not None:
        return referral
    party = require_party(actor, referral)
    if party != Party.PROVIDER:
        return referral
    now = now or timezone.now()
    with transaction.atomic():
        current = lock(referral)
        if current.viewed_at is not None:
            return current
        changes: dict[str, Any] = {"viewed_at": now}
        if current.status == ReferralState.SENT and not current.business_status:
            changes["business_status"] = "viewed"
        Referral.objects.filter(pk=current.pk, viewed_at=None).update(**changes)
        append_event(actor, current, party, EventKind.VIEWED, now=now)
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference} opened by the service for the first time",
            changes={"viewed_at": now},
        )
    for name, value in changes.items():
        setattr(referral, name, value)
    return referral


def record_contact(
    actor: Actor,
    referral: Referral,
    *,
    when: datetime.datetime,
    method: str,
    result: str,
    note: str = "",
    shared_with_service: bool = True,
    now: datetime.datetime | None = None,
) -> Referral:
    """The service tried to reach, or reached, the person; the first time it got through is remembered."""
    now = now or timezone.now()
    problems: dict[str, str] = {}
    if method not in CONTACT_METHODS:
        problems["method"] = "Select how you contacted the person"
    if result not in CONTACT_RESULTS:
        problems["result"] = "Select what happened"
    if when is None:
        problems["when"] = "Enter when you contacted the person"
    elif timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when is not None and when > now + CLOCK_SLACK:
        problems["when"] = "The date of the contact must be today or in the past"
    if problems:
        raise ValidationError(problems)
    text = _clean_note(note)
    with transaction.atomic():
        current = lock(referral)
        party = _require_provider(actor, current)
        _require_open(current)
        if not consent_covers(current, timezone.localdate(now)):
            raise ValidationError(
                {"status": "The person has withdrawn their consent: you cannot record contact with them"}
            )
        if current.sent_at is not None and when < current.sent_at - datetime.timedelta(days=1):
            raise ValidationError({"when": "The date of the contact must be after the referral was sent"})
        successful = result == "spoke" or method == "in person"
        changes: dict[str, Any] = {"last_activity_at": now, "version": F("version") + 1}
        if successful and current.first_contact_at is None:
            changes["first_contact_at"] = when
        Referral.objects.filter(pk=current.pk).update(**changes)
        append_event(
            actor,
            current,
            party,
            EventKind.CONTACT,
            note=text,
            shared_with_service=shared_with_service,
            details={"when": when.isoformat(), "method": method, "result": result, "successful": successful},
            now=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference}: contact recorded ({method}, {result})",
            changes={"method": method, "result": result, "when": when, "first_contact": "first_contact_at" in changes},
        )
    return Referral.objects.get(pk=current.pk)


def record_attendance(
    actor: Actor,
    referral: Referral,
    *,
    session_on: datetime.date,
    attended: bool,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Referral:
    """Whether the person came to a session; each session attended is counted."""
    now = now or timezone.now()
    if session_on is None:
        raise ValidationError({"session_on": "Enter the date of the session"})
    if session_on > timezone.localdate(now):
        raise ValidationError({"session_on": "The date of the session must be today or in the past"})
    text = _clean_note(note)
    with transaction.atomic():
        current = lock(referral)
        party = _require_provider(actor, current)
        _require_open(current)
        changes: dict[str, Any] = {"last_activity_at": now, "version": F("version") + 1}
        if attended:
            changes["sessions_attended"] = F("sessions_attended") + 1
        Referral.objects.filter(pk=current.pk).update(**changes)
        append_event(
            actor,
            current,
            party,
            EventKind.ATTENDANCE,
            note=text,
            details={"session_on": session_on.isoformat(), "attended": bool(attended)},
            now=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference}: {'attended' if attended else 'did not attend'} a session",
            changes={"session_on": session_on, "attended": bool(attended)},
        )
    return Referral.objects.get(pk=current.pk)


def add_note(
    actor: Actor,
    referral: Referral,
    note: str,
    *,
    shared_with_service: bool = True,
    now: datetime.datetime | None = None,
) -> Referral:
    """A note in the referral's history. Only the referrer's notes may be internal (not shown to the service)."""
    now = now or timezone.now()
    text = _clean_note(note, required=True)
    with transaction.atomic():
        current = lock(referral)
        party = require_party(actor, current)
        if not shared_with_service and party != Party.REFERRER:
            raise ValidationError({"shared_with_service": "Only the referrer can add a note the service does not see"})
        Referral.objects.filter(pk=current.pk).update(last_activity_at=now, version=F("version") + 1)
        append_event(actor, current, party, EventKind.NOTE, note=text, shared_with_service=shared_with_service, now=now)
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference}: note added" + ("" if shared_with_service else " (internal)"),
            changes={"shared_with_service": shared_with_service},
        )
    return Referral.objects.get(pk=current.pk)
