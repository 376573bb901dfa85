"""The person's referrals in plain words: headlines, what happens next, and their history.

Used by ``views.person``; a person sees only what is shared with the service, never internal notes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from markupsafe import escape

from carehouse.referrals.models import EventKind, Helpfulness, Referral, ReferralEvent, ReferralFeedback
from carehouse.referrals.presenters import CONTACT_METHODS, format_date, format_datetime, status_tag
from carehouse.referrals.states import CLOSING_STATES, Outcome, Party, Reason, ReferralState, next_states

# -- plain words for the person ----------------------------------------------------------------------

#: Why a referral changed, as the person would say it ("… because they have no places at the moment").
REASONS_FOR_YOU: dict[str, str] = {
    Reason.NO_CAPACITY: "they have no places at the moment",
    Reason.NOT_ELIGIBLE: "the service is not for people in your situation",
    Reason.OUT_OF_AREA: "you live outside the area they cover",
    Reason.DUPLICATE: "you already had a referral to them",
    Reason.DECLINED_BY_PERSON: "you told them you did not want it",
    Reason.COULD_NOT_CONTACT: "they could not get in touch with you",
    Reason.DID_NOT_ATTEND: "they did not see you at the sessions",
    Reason.NO_LONGER_INTERESTED: "you said you were no longer interested",
    Reason.COULD_NOT_GET_HELP: "they could not give you the help you needed",
    Reason.WITHDRAWN_BY_REFERRER: "the person who referred you withdrew it",
    Reason.PERSON_DECLINED: "you said you no longer wanted it",
    Reason.EXPIRED: "the service did not reply in time",
    Reason.REFERRED_ELSEWHERE: "you were referred to another service instead",
    Reason.WAITLISTED: "you are on their waiting list",
    Reason.PAUSED_BY_PERSON: "it is paused because you asked",
}
OUTCOMES_FOR_YOU: dict[str, str] = {
    Outcome.GOT_HELP: "you got the help you needed",
    Outcome.PARTLY: "you got some of the help you needed",
    Outcome.NOT_HELPED: "you did not get the help you needed",
}
RECOMMEND_WORDS = {True: "Yes", False: "No", None: "Not sure"}


def reason_for_you(referral: Referral) -> str:
    if referral.status_reason == Reason.OTHER:
        return referral.status_note.strip()
    return REASONS_FOR_YOU.get(referral.status_reason, "")


def _with_reason(text: str, reason: str) -> str:
    return f"{text}: {reason}" if reason else text


def headline(referral: Referral) -> str:
    """Where the referral has got to, in one sentence: "Riverside Walks has accepted the referral"."""
    service = referral.service.name
    status = referral.status
    reason = reason_for_you(referral)
    if status == ReferralState.DRAFT:
        return "You have started this referral but not sent it"
    if status == ReferralState.SENT:
        return f"Sent to {service}: waiting for them to reply"
    if status == ReferralState.ACCEPTED:
        return f"{service} has accepted the referral"
    if status == ReferralState.IN_PROGRESS:
        return f"You are getting support from {service}"
    if status == ReferralState.ON_HOLD:
        if referral.status_reason == Reason.WAITLISTED:
            return f"You are on the waiting list at {service}"
        return _with_reason(f"{service} has put the referral on hold", reason)
    if status == ReferralState.REJECTED:
        return _with_reason(f"{service} could not take the referral", reason)
    if status == ReferralState.COMPLETED:
        return "Ended: " + OUTCOMES_FOR_YOU.get(referral.outcome, "the support has finished")
    if status == ReferralState.FAILED:
        return _with_reason("Ended without support", reason)
    if status == ReferralState.CANCELLED:
        return _with_reason("Cancelled", reason)
    return "This referral was made by mistake and has been removed"


def referred_by(referral: Referral) -> str:
    if referral.is_self_referral:
        return "You referred yourself"
    who = referral.referred_by.full_name if referral.referred_by else ""
    where = referral.referring_organisation.name if referral.referring_organisation else ""
    return ", ".join(part for part in (who, where) if part) or "Your care team"


def _who_to_ask(referral: Referral) -> str:
    if referral.is_self_referral:
        return referral.service.name
    if referral.referred_by is not None:
        return referral.referred_by.full_name
    return "your GP practice"


def next_steps(referral: Referral, today: datetime.date) -> list[str]:
    """What happens next, and when to expect it."""
    service = referral.service.name
    status = referral.status
    ask = _who_to_ask(referral)
    steps: list[str] = []
    if status == ReferralState.DRAFT:
        steps.append(f"This referral has not been sent, so {service} cannot see it yet.")
    elif status == ReferralState.SENT:
        steps.append(f"{service} will look at the referral and tell us whether they can help.")
        if referral.respond_by is not None and referral.respond_by < today:
            steps.append(f"They should have replied by {format_date(referral.respond_by)}. Contact {ask} to ask why.")
        elif referral.respond_by is not None:
            steps.append(f"They should reply by {format_date(referral.respond_by)}. We will tell you when they do.")
    elif status == ReferralState.ACCEPTED:
        if referral.first_contact_at is not None:
            steps.append(f"{service} got in touch with you on {format_date(referral.first_contact_at)}.")
        else:
            steps.append(f"{service} will contact you to arrange how you start.")
            if referral.accepted_at is not None:
                expect = referral.accepted_at + datetime.timedelta(days=settings.REFERRAL_FIRST_CONTACT_DAYS)
                steps.append(f"If you have not heard from them by {format_date(expect)}, contact {service}.")
    elif status == ReferralState.IN_PROGRESS:
        steps.append(f"If anything changes, or you cannot go to a session, contact {service}.")
    elif status == ReferralState.ON_HOLD:
        steps.append(f"{service} will tell you when you can start. If anything changes, contact {service}.")
    elif status in (ReferralState.REJECTED, ReferralState.FAILED, ReferralState.CANCELLED):
        if referral.is_self_referral:
            steps.append("If you still want help, you can look for other services, or ask your GP practice.")
        else:
            steps.append(f"If you still want help, talk to {ask} about other services that could help.")
    elif status == ReferralState.COMPLETED:
        steps.append(f"{service} has finished supporting you.")
    return steps


def feedback_of(referral: Referral) -> ReferralFeedback | None:
    try:
        return referral.feedback
    except ObjectDoesNotExist:
        return None


def asks_for_feedback(referral: Referral, feedback: ReferralFeedback | None) -> bool:
    return referral.feedback_requested_at is not None and feedback is None and referral.status in CLOSING_STATES


def can_withdraw(referral: Referral) -> bool:
    return ReferralState.CANCELLED in next_states(referral.status, Party.PERSON)


def _who(event: ReferralEvent, referral: Referral) -> str:
    if event.party == Party.PERSON:
        return "You"
    if event.party == Party.PROVIDER:
        return referral.service.name
    if event.party == Party.SYSTEM:
        return "Carehouse"
    return event.actor_label


def _status_line(event: ReferralEvent, referral: Referral) -> str:
    service = referral.service.name
    who = _who(event, referral)
    reason = REASONS_FOR_YOU.get(event.reason, "")
    to = event.to_status
    if to == ReferralState.SENT:
        return f"{who} sent the referral to {service}"
    if to == ReferralState.ACCEPTED:
        if event.from_status == ReferralState.ON_HOLD:
            return f"{service} took the referral off hold"
        return f"{service} accepted the referral"
    if to == ReferralState.IN_PROGRESS:
        return f"{service} started supporting you"
    if to == ReferralState.ON_HOLD:
        return _with_reason(f"{service} put the referral on hold", reason)
    if to == ReferralState.REJECTED:
        return _with_reason(f"{service} could not take the referral", reason)
    if to == ReferralState.COMPLETED:
        outcome = OUTCOMES_FOR_YOU.get(str(event.details.get("outcome", "")), "") if event.details else ""
        return _with_reason(f"{service} finished supporting you", outcome)
    if to == ReferralState.FAILED:
        return _with_reason(f"{service} ended the referral without support", reason)
    if to == ReferralState.CANCELLED:
        if event.party == Party.PERSON:
            return "You withdrew the referral"
        return _with_reason(f"{who} cancelled the referral", reason)
    if to == ReferralState.ENTERED_IN_ERROR:
        return f"{who} marked the referral as made by mistake"
    return f"{who} changed the referral"


def event_line(event: ReferralEvent, referral: Referral) -> str:
    """One line of the history, told to the person: "Riverside Walks accepted the referral"."""
    service = referral.service.name
    who = _who(event, referral)
    details: dict[str, Any] = event.details if isinstance(event.details, dict) else {}
    kind = event.kind
    if kind == EventKind.CREATED:
        text = (
            f"You started a referral to {service}"
            if event.party == Party.PERSON
            else f"{who} started a referral to {service} for you"
        )
    elif kind == EventKind.STATUS:
        text = _status_line(event, referral)
    elif kind == EventKind.VIEWED:
        text = f"{service} opened the referral"
    elif kind == EventKind.CONTACT:
        method = CONTACT_METHODS.get(str(details.get("method", "")), "").lower()
        tried = details.get("result") in ("no answer", "left a message")
        text = f"{service} {'tried to contact' if tried else 'got in touch with'} you"
        text += f" ({method})" if method else ""
    elif kind == EventKind.ATTENDANCE:
        day = format_date(details.get("session_on")) if details.get("session_on") else ""
        text = "You went to a session" if details.get("attended") else "You missed a session"
        text += f" on {day}" if day else ""
    elif kind == EventKind.NOTE:
        text = f"{who} added a note"
    elif kind == EventKind.REMINDER:
        text = f"Carehouse reminded {service} to reply"
    elif kind == EventKind.MESSAGE_TO_GP:
        text = "A message about the referral went to your GP practice"
    elif kind == EventKind.FEEDBACK:
        text = "You told us how it went"
    elif kind == EventKind.GOAL_UPDATED:
        text = f"{who} updated your goal"
    elif kind == EventKind.FOLLOWED_UP:
        text = f"{who} followed up the referral"
    else:
        text = f"{who}: {event.get_kind_display().lower()}"
    note = (event.note or "").strip()
    return f"{text}. “{note}”" if note else f"{text}."


@dataclass
class ReferralLine:
    """One referral on "My referrals"."""

    referral: Referral
    href: str
    service: str
    tag: dict[str, str]
    headline: str
    next_steps: list[str]
    sent: str
    outcome: str
    feedback_href: str = ""


def referral_line(referral: Referral, today: datetime.date) -> ReferralLine:
    feedback = feedback_of(referral)
    return ReferralLine(
        referral=referral,
        href=reverse("referrals:detail", args=[referral.pk]),
        service=referral.service.name,
        tag=status_tag(referral),
        headline=headline(referral),
        next_steps=next_steps(referral, today),
        sent=format_date(referral.sent_at) if referral.sent_at else "",
        outcome=OUTCOMES_FOR_YOU.get(referral.outcome, "").capitalize(),
        feedback_href=reverse("referrals:feedback", args=[referral.pk])
        if asks_for_feedback(referral, feedback)
        else "",
    )


def summary_row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value}}


@dataclass
class PersonReferralPage:
    """One referral, as the person sees it."""

    referral: Referral
    today: datetime.date
    events: list[ReferralEvent]
    feedback: ReferralFeedback | None
    phones: list[str] = field(default_factory=list)

    @property
    def service(self) -> str:
        return self.referral.service.name

    @property
    def organisation(self) -> str:
        return self.referral.receiving_organization.name

    @property
    def tag(self) -> dict[str, str]:
        return status_tag(self.referral)

    @property
    def headline(self) -> str:
        return headline(self.referral)

    @property
    def next_steps(self) -> list[str]:
        return next_steps(self.referral, self.today)

    @property
    def rows(self) -> list[dict[str, Any]]:
        referral = self.referral
        rows = [
            summary_row("What you asked for help with", referral.reason_for_referral),
            summary_row("Referred by", referred_by(referral)),
        ]
        if referral.information_for_service:
            rows.append(summary_row("What else the service was told", referral.information_for_service))
        if referral.sent_at:
            rows.append(summary_row("Sent on", format_date(referral.sent_at)))
        if referral.status == ReferralState.SENT and referral.respond_by:
            rows.append(summary_row("Reply due by", format_date(referral.respond_by)))
        if referral.outcome:
            rows.append(summary_row("Outcome", OUTCOMES_FOR_YOU[referral.outcome].capitalize()))
        if referral.sessions_attended:
            rows.append(summary_row("Sessions you went to", str(referral.sessions_attended)))
        if referral.closed_at:
            rows.append(summary_row("Ended on", format_date(referral.closed_at)))
        return rows

    @property
    def service_rows(self) -> list[dict[str, Any]]:
        service = self.referral.service
        rows = [summary_row("Run by", self.organisation)]
        if self.phones:
            rows.append(summary_row("Phone", "; ".join(self.phones)))
        email = service.email or self.referral.receiving_organization.email
        if email:
            rows.append({"key": {"text": "Email"}, "value": {"html": _link(f"mailto:{email}", email)}})
        if service.url:
            rows.append({"key": {"text": "Website"}, "value": {"html": _link(service.url, service.url)}})
        if service.how_to_refer:
            rows.append(summary_row("How to refer", service.how_to_refer))
        return rows

    @property
    def service_href(self) -> str:
        return reverse("directory:service", kwargs={"service_id": self.referral.service_id})

    @property
    def history(self) -> list[dict[str, str]]:
        return [{"when": format_datetime(e.occurred_at), "text": event_line(e, self.referral)} for e in self.events]

    @property
    def feedback_rows(self) -> list[dict[str, Any]]:
        feedback = self.feedback
        if feedback is None:
            return []
        rows = [
            summary_row("How helpful it was", Helpfulness(feedback.helpfulness).label),
            summary_row("Would you recommend it", RECOMMEND_WORDS[feedback.would_recommend]),
        ]
        if feedback.comments:
            rows.append(summary_row("What you told us", feedback.comments))
        return rows

    @property
    def feedback_href(self) -> str:
        if asks_for_feedback(self.referral, self.feedback):
            return reverse("referrals:feedback", args=[self.referral.pk])
        return ""

    @property
    def can_withdraw(self) -> bool:
        return can_withdraw(self.referral)


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'
