"""The core of a referral's life, end to end through the services: sent, accepted, completed, loop closed."""

from __future__ import annotations

from django.core import mail

from carehouse.core.models import Notification
from carehouse.referrals.models import EventKind, MessageToGP, ReferralEvent
from carehouse.referrals.states import ReferralState


def test_a_sent_referral_is_accepted_completed_and_closes_the_loop(make_referral, move, vic_actor, lena, mary_user):
    referral = make_referral()
    assert referral.status == ReferralState.SENT
    assert referral.respond_by is not None and referral.consent is not None
    assert Notification.objects.filter(kind="referral_for_service").count() == 1

    referral = move(referral, vic_actor, ReferralState.ACCEPTED)
    accepted = MessageToGP.objects.get(referral=referral)
    assert [c["code"] for c in accepted.codes] == ["871731000000106"]

    referral = move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help", note="Walks every week now")
    assert referral.closed_at is not None and referral.referrer_notified_at is not None
    assert Notification.objects.filter(user=lena.user, kind="referral_closed").exists()
    assert Notification.objects.filter(user=mary_user, kind="referral_feedback").exists()
    kinds = list(ReferralEvent.objects.filter(referral=referral).values_list("kind", "to_status"))
    assert kinds == [
        (EventKind.CREATED, "draft"),
        (EventKind.STATUS, "sent"),
        (EventKind.STATUS, "accepted"),
        (EventKind.STATUS, "completed"),
    ]
    assert all("Mary" not in message.subject and "Mary" not in message.body for message in mail.outbox)
