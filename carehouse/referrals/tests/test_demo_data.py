"""The demo referrals: every state, Jo's inbox, the demo person's feedback ask, the same every time.

The demo is built once for this module (as ``measures/tests/test_demo_data.py`` does) and rolled
back at the end. While it is built the referrals are built twice from the same seed on the same
people: the first time noted and rolled back, the second kept and timed (in CPU time, so that a busy
test machine does not fail it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from carehouse.core import demo_data
from carehouse.core.models import Notification
from carehouse.referrals import demo_data as referrals_demo_data
from carehouse.referrals.models import (
    EventKind,
    MessageToGP,
    Referral,
    ReferralEvent,
    ReferralFeedback,
    Source,
)
from carehouse.referrals.services import flags
from carehouse.referrals.states import Reason, ReferralState

PEOPLE = 60
SEED = 1

pytestmark = pytest.mark.django_db

Built = list[tuple[object, ...]]


def referrals_made() -> Built:
    rows = Referral.objects.values_list(
        "person__nhs_number", "service__name", "status", "status_reason", "outcome", "source", "sent_at__date"
    )
    return sorted(rows, key=repr)


class _RollBack(Exception):
    pass


@dataclass(frozen=True)
class Demo:
    first_build: Built
    second_build: Built


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    first: Built = []

    def referrals_twice(seed_value: int) -> referrals_demo_data.ReferralsSummary:
        nonlocal first
        try:
            with transaction.atomic():
                referrals_demo_data.seed_referrals(seed_value)
                first = referrals_made()
                raise _RollBack
        except _RollBack:
            pass
        return referrals_demo_data.seed_referrals(seed_value)

    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo_data, "seed_referrals", referrals_twice)
            demo_data.seed(people=PEOPLE, seed_value=SEED)
        try:
            yield Demo(first, referrals_made())
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def seeded(demo: Demo, db: None) -> Demo:
    return demo


def test_about_25_referrals_in_every_state(seeded):
    assert 22 <= Referral.objects.count() <= 30
    states = set(Referral.objects.values_list("status", flat=True))
    assert states == set(ReferralState.values)


def test_the_demo_provider_has_new_referrals_waiting(seeded):
    inbox = Referral.objects.filter(receiving_organization__claimed_by__ods_code="V99001", status=ReferralState.SENT)
    assert 3 <= inbox.count() <= 5
    assert Referral.objects.filter(
        receiving_organization__claimed_by__ods_code="V99001", status=ReferralState.ON_HOLD
    ).exists()


def test_some_are_overdue_and_some_need_a_follow_up(seeded):
    referrals = list(Referral.objects.select_related("service"))
    assert sum(flags.answer_overdue(r, demo_today()) for r in referrals) >= 1
    assert sum(flags.contact_overdue(r, demo_now()) for r in referrals) >= 1
    assert sum(flags.needs_follow_up(r) for r in referrals) >= 3
    assert Referral.objects.filter(status_reason=Reason.EXPIRED).exists()


def test_plan_action_reroute_gp_messages_feedback_and_measure(seeded):
    assert Referral.objects.filter(source=Source.PLAN_ACTION, plan_action__isnull=False).exists()
    rerouted = Referral.objects.get(source=Source.REROUTE)
    assert rerouted.replaces is not None and rerouted.replaces.status == ReferralState.REJECTED
    assert MessageToGP.objects.filter(filed_at__isnull=False).exists()
    assert MessageToGP.objects.filter(filed_at__isnull=True).exists()
    assert MessageToGP.objects.filter(codes__0__code="871711000000103").exists()  # social prescribing declined
    assert ReferralFeedback.objects.count() >= 3
    assert ReferralEvent.objects.filter(kind=EventKind.NOTE, note__startswith="End-of-support measure").exists()


def test_the_demo_person_is_asked_for_feedback(seeded):
    waiting = Referral.objects.filter(
        person__user__email="person@example.org",
        status__in=[ReferralState.COMPLETED, ReferralState.FAILED, ReferralState.REJECTED, ReferralState.CANCELLED],
        feedback_requested_at__isnull=False,
        feedback__isnull=True,
    )
    assert waiting.exists()
    assert Notification.objects.filter(user__email="person@example.org", kind="referral_feedback").exists()


def test_histories_are_dated_in_the_past(seeded):
    oldest = Referral.objects.filter(sent_at__isnull=False).order_by("sent_at").first()
    assert oldest is not None and oldest.sent_at is not None
    assert (demo_now() - oldest.sent_at).days >= 100
    assert oldest.created_at <= oldest.sent_at


def test_the_same_every_time(seeded):
    # Its speed is not tested here: timed unit tests fail on a busy machine (benchmarks time things).
    assert seeded.first_build == seeded.second_build
    assert len(seeded.first_build) >= 20


def demo_now():
    from django.utils import timezone

    return timezone.now()


def demo_today():
    from django.utils import timezone

    return timezone.localdate()
