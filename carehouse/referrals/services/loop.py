"""What happens after a referral changes state: who is told, and closing the loop.

Called by ``referrals.transition`` inside its transaction, so a notification, a message to the GP
and the change they describe are committed together or not at all (emails go after the commit).

Closing the loop (``../shared/research/careplans.md`` section (b)) on rejected, completed, failed
or cancelled:

1. the referrer is notified;
2. the PRSB "message back to GP and referrer" is written (``MessageToGP``), with the SNOMED CT
   code "Social prescribing declined" when the person said no;
3. the person is asked for feedback (Gravity step 12);
4. the linked goal is flagged for an achievement update (Gravity step 13).

On acceptance the referrer and the person are told, and the GP message carries "Referral to social
prescribing service" once per episode (the first accepted referral in ``EPISODE_DAYS``).
"""

from __future__ import annotations

import datetime

from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, User
from carehouse.core.roles import Role
from carehouse.core.services.notifications import notify, send_email_later
from carehouse.referrals import links
from carehouse.referrals.models import GPMessageKind, MessageToGP, Referral, ReferralEvent
from carehouse.referrals.states import CLOSING_STATES, PERSON_DECLINED_REASONS, Party, ReferralState

SNOMED = "http://snomed.info/sct"
REFERRAL_TO_SOCIAL_PRESCRIBING = {
    "system": SNOMED,
    "code": "871731000000106",
    "display": "Referral to social prescribing service",
}
SOCIAL_PRESCRIBING_DECLINED = {"system": SNOMED, "code": "871711000000103", "display": "Social prescribing declined"}
#: An episode of social prescribing: a referral accepted within this many days of another is part of it.
EPISODE_DAYS = 365


def provider_users(referral: Referral) -> list[User]:
    """The active provider staff of the organisation that has claimed the receiving directory entry."""
    organisation_id = referral.receiving_organization.claimed_by_id
    if organisation_id is None:
        return []
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation_id=organisation_id, role=Role.PROVIDER_STAFF, is_active=True, user__is_active=True
        ).select_related("user")
    ]


def service_email(referral: Referral) -> str:
    """Where a service without Carehouse accounts gets its referrals: its referral address, else its own."""
    service = referral.service
    return service.referral_email or service.email or referral.receiving_organization.email


def tell_service(referral: Referral, *, title: str, lines: list[str]) -> None:
    """Tell the receiving service: in the app (and by email) if it has staff here, else by a signed link."""
    users = provider_users(referral)
    if users:
        notify(
            users,
            kind="referral_for_service",
            title=title,
            url=reverse("referrals:inbox_detail", args=[referral.pk]),
            organisation=referral.receiving_organization.claimed_by,
        )
        return
    address = service_email(referral)
    if not address:
        return
    send_email_later(
        f"Carehouse: {title}",
        [
            *lines,
            f"Open the referral to answer it (this link works for some weeks and only for this referral): "
            f"{links.absolute_link(referral, address)}",
            "This email does not contain personal details. Do not forward it.",
        ],
        [address],
    )


def _referrer(referral: Referral) -> list[User]:
    user = referral.referred_by
    if user is None or not user.is_active or referral.is_self_referral:
        return []
    return [user]


def _person(referral: Referral) -> list[User]:
    user = referral.person.user
    return [user] if user is not None and user.is_active else []


def _first_in_episode(referral: Referral, now: datetime.datetime) -> bool:
    since = now - datetime.timedelta(days=EPISODE_DAYS)
    return (
        not Referral.objects.filter(person_id=referral.person_id, accepted_at__gte=since, accepted_at__lt=now)
        .exclude(pk=referral.pk)
        .exists()
    )


def message_lines(referral: Referral, event: ReferralEvent) -> list[str]:
    """The message back to GP and referrer (PRSB Social Prescribing standard), in plain text."""
    person = referral.person
    lines = [
        f"Person: {person.full_name}, born {person.date_of_birth:%d %B %Y}"
        + (f", NHS number {person.formatted_nhs_number}" if person.nhs_number else ""),
        f"Referral {referral.reference} to {referral.service.name} ({referral.receiving_organization.name})",
        f"Referred on {referral.sent_at:%d %B %Y}" if referral.sent_at else "Not sent",
        f"Referred by: {referral.referred_by.full_name if referral.referred_by else 'the person themselves'}"
        + (f", {referral.referring_organisation.name}" if referral.referring_organisation else ""),
        f"Reason for referral: {referral.reason_for_referral}",
        f"Status: {referral.get_status_display()} on {event.occurred_at:%d %B %Y}",
    ]
    if referral.status_reason:
        lines.append(f"Reason: {referral.get_status_reason_display()}")
    if referral.outcome:
        lines.append(f"Outcome: {referral.get_outcome_display()}")
    if referral.sessions_attended:
        lines.append(f"Sessions attended: {referral.sessions_attended}")
    if event.note and event.shared_with_service:
        lines.append(f"Note: {event.note}")
    return lines


def write_gp_message(
    referral: Referral, event: ReferralEvent, kind: GPMessageKind, codes: list[dict[str, str]]
) -> MessageToGP:
    message = MessageToGP.objects.create(
        referral=referral,
        practice=referral.person.registered_practice,
        kind=kind,
        codes=codes,
        body="\n".join(message_lines(referral, event)),
    )
    return message


def after_transition(
    actor: Actor, referral: Referral, event: ReferralEvent, from_state: str, now: datetime.datetime
) -> None:
    to = ReferralState(referral.status)
    page = reverse("referrals:detail", args=[referral.pk])
    if to == ReferralState.SENT:
        tell_service(
            referral,
            title=f"New referral to {referral.service.name}",
            lines=[f"{referral.service.name} has a new referral ({referral.reference}) from Carehouse."],
        )
        if not referral.is_self_referral:
            notify(_person(referral), kind="referral_sent", title="A referral has been made for you", url=page)
    elif to == ReferralState.ACCEPTED:
        notify(
            _referrer(referral) + _person(referral),
            kind="referral_accepted",
            title=f"Referral {referral.reference} accepted by {referral.service.name}",
            url=page,
            organisation=referral.referring_organisation,
        )
        codes = [REFERRAL_TO_SOCIAL_PRESCRIBING] if _first_in_episode(referral, now) else []
        write_gp_message(referral, event, GPMessageKind.ACCEPTED, codes)
    elif to in CLOSING_STATES:
        close_loop(actor, referral, event, now)


def close_loop(actor: Actor, referral: Referral, event: ReferralEvent, now: datetime.datetime) -> None:
    """The four steps of closing the loop, in the transaction that closed the referral."""
    page = reverse("referrals:detail", args=[referral.pk])
    label = referral.get_status_display().lower()
    notify(
        _referrer(referral),
        kind="referral_closed",
        title=f"Referral {referral.reference} is closed: {label}",
        url=page,
        organisation=referral.referring_organisation,
    )
    declined = referral.status_reason in PERSON_DECLINED_REASONS
    kind = GPMessageKind.DECLINED if declined else GPMessageKind.OUTCOME
    write_gp_message(referral, event, kind, [SOCIAL_PRESCRIBING_DECLINED] if declined else [])
    person = _person(referral)
    notify(
        person,
        kind="referral_feedback",
        title=f"Your referral to {referral.service.name} has ended: tell us how it went",
        url=reverse("referrals:feedback", args=[referral.pk]),
    )
    fields: dict[str, object] = {"referrer_notified_at": now}
    if person:
        fields["feedback_requested_at"] = now
    if referral.goal_id is not None:
        fields["goal_update_due"] = True
    Referral.objects.filter(pk=referral.pk).update(**fields)
    for name, value in fields.items():
        setattr(referral, name, value)
    if event.party != Party.SYSTEM and referral.status == ReferralState.CANCELLED and event.party != Party.PROVIDER:
        tell_service(
            referral,
            title=f"Referral {referral.reference} to {referral.service.name} has been cancelled",
            lines=[
                f"Referral {referral.reference} to {referral.service.name} has been cancelled. You need do nothing."
            ],
        )
