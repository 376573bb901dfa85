"""How a referral reads on the page, wherever it is read.

Shared by the referrer's caseload, the service's inbox and email link, the person's own page
and the GP messages: the status as an NHS.UK tag, reasons and outcomes in plain words, one
line of text per history event ("Vic Provider, Provider staff at Voluntary Action declined:
No places or capacity (full until May)") and the flags a list shows. Presenters only format
what views have already read through ``selectors``; they never query or write.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from carehouse.careplans.presenters import format_date, format_datetime
from carehouse.referrals.models import EventKind, Referral, ReferralEvent
from carehouse.referrals.services import flags
from carehouse.referrals.states import Outcome, Reason, ReferralState

__all__ = [
    "CONTACT_METHODS",
    "CONTACT_RESULTS",
    "event_summary",
    "flag_tags",
    "flags_text",
    "format_date",
    "format_datetime",
    "outcome_label",
    "overdue_tag",
    "reason_label",
    "status_label",
    "status_tag",
]

#: NHS.UK tag colour for each state.
STATUS_TAGS: dict[str, str] = {
    ReferralState.DRAFT: "nhsuk-tag--grey",
    ReferralState.SENT: "nhsuk-tag--blue",
    ReferralState.ACCEPTED: "nhsuk-tag--aqua-green",
    ReferralState.IN_PROGRESS: "nhsuk-tag--green",
    ReferralState.ON_HOLD: "nhsuk-tag--yellow",
    ReferralState.COMPLETED: "nhsuk-tag--purple",
    ReferralState.REJECTED: "nhsuk-tag--red",
    ReferralState.FAILED: "nhsuk-tag--orange",
    ReferralState.CANCELLED: "nhsuk-tag--grey",
    ReferralState.ENTERED_IN_ERROR: "nhsuk-tag--grey",
}

#: What a party did, to follow its name in the history: "... declined".
STATUS_VERBS: dict[str, str] = {
    ReferralState.DRAFT: "started the referral",
    ReferralState.SENT: "sent the referral",
    ReferralState.ACCEPTED: "accepted",
    ReferralState.REJECTED: "declined",
    ReferralState.IN_PROGRESS: "started support",
    ReferralState.ON_HOLD: "put the referral on hold",
    ReferralState.COMPLETED: "completed the support",
    ReferralState.FAILED: "ended without support",
    ReferralState.CANCELLED: "cancelled",
    ReferralState.ENTERED_IN_ERROR: "marked the referral as entered in error",
}

#: How the service got in touch with the person (``activity.record_contact``), in plain words.
CONTACT_METHODS: dict[str, str] = {
    "phone": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in person": "In person",
    "letter": "Letter",
}
#: What came of it.
CONTACT_RESULTS: dict[str, str] = {
    "spoke": "Spoke to the person",
    "no answer": "No answer",
    "left a message": "Left a message",
    "wrote": "Wrote to the person",
}


def status_label(status: str) -> str:
    """A state in words: "Getting support"."""
    try:
        return str(ReferralState(status).label)
    except ValueError:
        return status


def reason_label(reason: str) -> str:
    """A reason in words: "No places or capacity"; empty for no reason."""
    if not reason:
        return ""
    try:
        return str(Reason(reason).label)
    except ValueError:
        return reason


def outcome_label(outcome: str) -> str:
    if not outcome:
        return ""
    try:
        return str(Outcome(outcome).label)
    except ValueError:
        return outcome


def status_tag(referral: Referral) -> dict[str, str]:
    """The referral's status as parameters for the NHS.UK tag component."""
    text = referral.get_status_display()
    if referral.status == ReferralState.ON_HOLD and referral.status_reason == Reason.WAITLISTED:
        text = "On the waiting list"
    return {"text": text, "classes": STATUS_TAGS.get(referral.status, "")}


def overdue_tag() -> dict[str, str]:
    return {"text": "Overdue", "classes": "nhsuk-tag--red"}


def flags_text(referral: Referral, now: datetime.datetime | None = None) -> list[str]:
    """What needs attention, in words, for lists: "Answer overdue (due 5 March 2027)"."""
    now = now or timezone.now()
    texts: list[str] = []
    if flags.answer_overdue(referral, timezone.localdate(now)):
        texts.append(f"Answer overdue (due {format_date(referral.respond_by)})")
    if flags.contact_overdue(referral, now):
        texts.append("No contact with the person recorded yet")
    if flags.needs_follow_up(referral, now):
        texts.append("Needs a follow-up")
    return texts


def flag_tags(referral: Referral, now: datetime.datetime | None = None) -> list[dict[str, str]]:
    """The same flags as NHS.UK tags (red for overdue, orange for a follow-up)."""
    now = now or timezone.now()
    tags: list[dict[str, str]] = []
    if flags.is_overdue(referral, now):
        tags.append(overdue_tag())
    if flags.needs_follow_up(referral, now):
        tags.append({"text": "Follow up", "classes": "nhsuk-tag--orange"})
    return tags


def _details(event: ReferralEvent) -> dict[str, Any]:
    return event.details if isinstance(event.details, dict) else {}


def _what(event: ReferralEvent) -> str:
    """What happened, to follow who did it."""
    details = _details(event)
    kind = event.kind
    if kind == EventKind.CREATED:
        service = details.get("service")
        return f"started a referral to {service}" if service else "started the referral"
    if kind == EventKind.STATUS:
        if event.to_status == ReferralState.ON_HOLD and event.reason == Reason.WAITLISTED:
            return "put the person on the waiting list"
        if event.from_status == ReferralState.ON_HOLD and event.to_status in (
            ReferralState.ACCEPTED,
            ReferralState.IN_PROGRESS,
        ):
            verb = "took the referral off hold and " + STATUS_VERBS[event.to_status]
        else:
            verb = STATUS_VERBS.get(event.to_status, f"changed the status to {status_label(event.to_status).lower()}")
        if event.reason:
            return f"{verb}: {reason_label(event.reason)}"
        outcome = details.get("outcome")
        if outcome:
            return f"{verb}: {outcome_label(str(outcome))}"
        return verb
    if kind == EventKind.VIEWED:
        return "opened the referral"
    if kind == EventKind.CONTACT:
        method = CONTACT_METHODS.get(str(details.get("method", "")), str(details.get("method", ""))).lower()
        result = CONTACT_RESULTS.get(str(details.get("result", "")), str(details.get("result", "")))
        when = format_datetime(details.get("when")) if details.get("when") else ""
        text = "recorded contact with the person"
        if method:
            text += f" ({method}{', ' + when if when else ''})"
        return f"{text}: {result}" if result else text
    if kind == EventKind.ATTENDANCE:
        day = format_date(details.get("session_on")) if details.get("session_on") else ""
        attended = "attended" if details.get("attended") else "did not attend"
        return f"recorded that the person {attended}" + (f" the session on {day}" if day else "")
    if kind == EventKind.NOTE:
        return "added a note" if event.shared_with_service else "added an internal note"
    if kind == EventKind.REMINDER:
        return "sent a reminder to the service"
    if kind == EventKind.MESSAGE_TO_GP:
        return "sent a message back to the GP"
    if kind == EventKind.FEEDBACK:
        return "gave feedback"
    if kind == EventKind.GOAL_UPDATED:
        return "updated the goal"
    if kind == EventKind.FOLLOWED_UP:
        return "followed up the referral"
    return event.get_kind_display().lower()


def event_summary(event: ReferralEvent) -> str:
    """One history line: "Vic Provider, Provider staff at X declined: No places or capacity (full until May)"."""
    text = f"{event.actor_label} {_what(event)}"
    note = (event.note or "").strip()
    if note:
        text += f" ({note})"
    return text


def event_rows(events: list[ReferralEvent]) -> list[dict[str, str]]:
    """History events as rows for a list or table: when and what."""
    return [{"when": format_datetime(event.occurred_at), "text": event_summary(event)} for event in events]
