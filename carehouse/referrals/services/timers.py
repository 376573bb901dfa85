"""The referral timers: reminders to a service that has not answered, and expiry when it never does.

``run_timers`` is run every hour (cron runs ``carehouse referrals timers``; or enqueue the
``tasks.run_referral_timers`` task). It does two things to referrals that are still SENT:

1. **Reminders.** When the day the service must answer by (``respond_by``) is
   ``settings.REFERRAL_REMINDER_DAYS_BEFORE`` days away or less, the service is reminded, once per
   stage (7 days before, then 2 days before). Only the latest stage reached is sent, so a referral
   found late does not get two reminders at once. Each reminder is a REMINDER event and an audit
   event; the service is told in the app, or by a signed email link if it has no accounts.
2. **Expiry.** A referral still SENT after its ``respond_by`` day is cancelled by Carehouse
   (reason "expired") through ``services.referrals.transition``, so the loop closes exactly as
   it does for any other ending: the referrer is notified, the GP message is written, the person
   is asked for feedback. If the service answered in the meantime, the transition refuses
   (``ReferralConflict``) and the referral is skipped.

Running it twice at the same time changes nothing more: a reminder is claimed with a conditional
``UPDATE`` on ``reminders_sent``, and an expiry is a conditional transition from SENT. Referrals
are read in batches of ``BATCH`` by primary key, never all at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.core.services.notifications import notify, send_email_later
from carehouse.referrals.models import EventKind, Referral
from carehouse.referrals.services import loop
from carehouse.referrals.services.referrals import ReferralConflict, append_event, transition
from carehouse.referrals.states import Party, Reason, ReferralState

BATCH = 200
PURPOSE = "referral timers"


def _system() -> Actor:
    return Actor.system(PURPOSE)


def reminder_days() -> list[int]:
    """The reminder stages, as days before ``respond_by``: stage 1 is the earliest (the most days)."""
    return sorted({int(days) for days in settings.REFERRAL_REMINDER_DAYS_BEFORE}, reverse=True)


def reminder_stage(respond_by: datetime.date, today: datetime.date) -> int:
    """How many reminder stages a referral due on ``respond_by`` has reached today (0: none yet)."""
    days_left = (respond_by - today).days
    return sum(1 for days in reminder_days() if days_left <= days)


def _in_batches(referrals: QuerySet[Referral]) -> Iterator[Referral]:
    """Every referral of the query, read ``BATCH`` at a time in primary key order."""
    last = 0
    while True:
        batch = list(referrals.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _remind(referral: Referral, stage: int, now: datetime.datetime) -> bool:
    """Send one reminder stage, unless another run already has; True when this call sent it."""
    assert referral.respond_by is not None
    system = _system()
    with transaction.atomic():
        claimed = Referral.objects.filter(pk=referral.pk, status=ReferralState.SENT, reminders_sent__lt=stage).update(
            reminders_sent=stage, reminded_at=now
        )
        if not claimed:
            return False
        due = _day(referral.respond_by)
        append_event(
            system,
            referral,
            Party.SYSTEM,
            EventKind.REMINDER,
            note=f"Reminder {stage} sent to the service: please answer by {due}",
            details={"stage": stage, "respond_by": referral.respond_by.isoformat()},
            now=now,
        )
        audit.record(
            system,
            AuditAction.UPDATE,
            obj=referral,
            person_id=referral.person_id,
            summary=f"Reminded the service about referral {referral.reference} (reminder {stage})",
            changes={"reminder": stage, "respond_by": referral.respond_by.isoformat()},
        )
        loop.tell_service(
            referral,
            title=f"Reminder: referral {referral.reference} needs an answer by {due}",
            lines=[
                f"{referral.service.name} has a referral ({referral.reference}) from Carehouse that has not been "
                f"answered yet.",
                f"Please accept or decline it by {due}. If it is not answered by then, it will be cancelled and "
                f"the referrer told.",
            ],
        )
    return True


def send_reminders(now: datetime.datetime) -> int:
    today = timezone.localdate(now)
    days = reminder_days()
    if not days:
        return 0
    due = Referral.objects.filter(
        status=ReferralState.SENT,
        respond_by__gte=today,
        respond_by__lte=today + datetime.timedelta(days=days[0]),
        reminders_sent__lt=len(days),
    ).select_related("person", "service", "receiving_organization")
    sent = 0
    for referral in _in_batches(due):
        assert referral.respond_by is not None
        stage = reminder_stage(referral.respond_by, today)
        if stage > referral.reminders_sent and _remind(referral, stage, now):
            sent += 1
    return sent


def _tell_expired(referral: Referral, due: str) -> None:
    """Tell the service the referral has gone: in the app, or by email (without a link: nothing to answer)."""
    title = f"Referral {referral.reference} to {referral.service.name} has expired"
    users = loop.provider_users(referral)
    if users:
        notify(
            users,
            kind="referral_for_service",
            title=title,
            url=reverse("referrals:inbox_detail", args=[referral.pk]),
            organisation=referral.receiving_organization.claimed_by,
        )
        return
    send_email_later(
        f"Carehouse: {title}",
        [
            f"Referral {referral.reference} to {referral.service.name} was not answered by {due}, so it has been "
            f"cancelled and the referrer told. You need do nothing.",
            "This email does not contain personal details.",
        ],
        [loop.service_email(referral)],
    )


def expire(now: datetime.datetime) -> tuple[int, int]:
    """Cancel the referrals still waiting for an answer after their day: (expired, skipped)."""
    today = timezone.localdate(now)
    overdue = Referral.objects.filter(status=ReferralState.SENT, respond_by__lt=today).select_related(
        "person", "service", "receiving_organization"
    )
    system = _system()
    expired = skipped = 0
    for referral in _in_batches(overdue):
        assert referral.respond_by is not None
        due = _day(referral.respond_by)
        try:
            with transaction.atomic():
                closed = transition(
                    system,
                    referral,
                    ReferralState.CANCELLED,
                    reason=Reason.EXPIRED,
                    expected_status=ReferralState.SENT,
                    note=f"The service did not answer by {due}",
                    now=now,
                )
                _tell_expired(closed, due)
        except ReferralConflict:
            skipped += 1  # the service (or the referrer) acted first: nothing to expire
            continue
        expired += 1
    return expired, skipped


def run_timers(now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the reminders now due and expire the referrals never answered; the counts of each."""
    now = now or timezone.now()
    reminded = send_reminders(now)
    expired, skipped = expire(now)
    return {"reminded": reminded, "expired": expired, "skipped": skipped}
