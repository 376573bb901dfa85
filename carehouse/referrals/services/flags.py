"""Flags a caseload and an inbox show: overdue answers, overdue first contacts, and what needs a follow-up.

Pure functions of a referral and the time, so lists and tests agree; the same rules as querysets
(``overdue_q`` and ``needs_follow_up_q``) let pages count and filter in the database.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from carehouse.referrals.models import Referral
from carehouse.referrals.states import CLOSING_STATES, ReferralState


def answer_overdue(referral: Referral, today: datetime.date) -> bool:
    """Sent, not yet answered, and the day the service had to answer by has passed."""
    return referral.status == ReferralState.SENT and referral.respond_by is not None and referral.respond_by < today


def contact_overdue(referral: Referral, now: datetime.datetime) -> bool:
    """Accepted, but nobody has recorded contact with the person within ``REFERRAL_FIRST_CONTACT_DAYS``."""
    limit = datetime.timedelta(days=settings.REFERRAL_FIRST_CONTACT_DAYS)
    return (
        referral.status == ReferralState.ACCEPTED
        and referral.first_contact_at is None
        and referral.accepted_at is not None
        and referral.accepted_at + limit < now
    )


def is_overdue(referral: Referral, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return answer_overdue(referral, timezone.localdate(now)) or contact_overdue(referral, now)


def needs_follow_up(referral: Referral, now: datetime.datetime | None = None) -> bool:
    """The referrer has something to do: a closed referral not yet dealt with, a goal to update, or long silence."""
    now = now or timezone.now()
    if referral.status in CLOSING_STATES:
        return referral.followed_up_at is None or referral.goal_update_due
    quiet_since = now - datetime.timedelta(days=settings.REFERRAL_FOLLOW_UP_DAYS)
    return referral.status in (ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.ON_HOLD) and (
        referral.last_activity_at is not None and referral.last_activity_at < quiet_since
    )


def overdue_q(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    contact_limit = now - datetime.timedelta(days=settings.REFERRAL_FIRST_CONTACT_DAYS)
    return Q(status=ReferralState.SENT, respond_by__lt=timezone.localdate(now)) | Q(
        status=ReferralState.ACCEPTED, first_contact_at=None, accepted_at__lt=contact_limit
    )


def needs_follow_up_q(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    quiet_since = now - datetime.timedelta(days=settings.REFERRAL_FOLLOW_UP_DAYS)
    closed = Q(status__in=sorted(CLOSING_STATES)) & (Q(followed_up_at=None) | Q(goal_update_due=True))
    quiet = Q(
        status__in=[ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.ON_HOLD],
        last_activity_at__lt=quiet_since,
    )
    return closed | quiet
