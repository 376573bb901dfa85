"""The referral timers: a reminder per stage before the service must answer, and expiry that closes the loop."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carehouse.core.models import Notification
from carehouse.referrals.models import EventKind, GPMessageKind, MessageToGP, Referral, ReferralEvent
from carehouse.referrals.services import timers
from carehouse.referrals.states import Reason, ReferralState
from carehouse.referrals.tasks import run_referral_timers

pytestmark = pytest.mark.django_db

SENT_ON = datetime.date(2027, 3, 1)  # a Monday


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _run_on(day: datetime.date, hour: int = 9) -> dict[str, int]:
    with time_machine.travel(_at(day, hour), tick=False):
        return timers.run_timers()


@pytest.fixture
def sent(make_referral) -> Referral:
    with time_machine.travel(_at(SENT_ON), tick=False):
        return make_referral()


def _reminders(referral: Referral) -> list[ReferralEvent]:
    return list(ReferralEvent.objects.filter(referral=referral, kind=EventKind.REMINDER))


def test_each_reminder_stage_is_sent_once(sent, vic):
    assert sent.respond_by == datetime.date(2027, 3, 8)  # five working days
    before = Notification.objects.filter(user=vic.user, kind="referral_for_service").count()

    assert _run_on(datetime.date(2027, 2, 28))["reminded"] == 0  # eight days before: too early
    assert _run_on(datetime.date(2027, 3, 1))["reminded"] == 1  # seven days before: stage 1
    assert _run_on(datetime.date(2027, 3, 1), hour=10)["reminded"] == 0  # the next hour: nothing more
    assert _run_on(datetime.date(2027, 3, 5))["reminded"] == 0  # three days before
    assert _run_on(datetime.date(2027, 3, 6))["reminded"] == 1  # two days before: stage 2
    assert _run_on(datetime.date(2027, 3, 8))["reminded"] == 0  # due today: every stage sent

    sent.refresh_from_db()
    assert sent.reminders_sent == 2
    assert sent.reminded_at == _at(datetime.date(2027, 3, 6))
    events = _reminders(sent)
    assert [event.details["stage"] for event in events] == [1, 2]
    assert all(event.party == "system" and event.actor_label == "Carehouse (automatic)" for event in events)
    after = Notification.objects.filter(user=vic.user, kind="referral_for_service").count()
    assert after - before == 2


def test_a_referral_found_late_gets_one_reminder_not_two(sent):
    result = _run_on(datetime.date(2027, 3, 7))  # one day before: both stages reached at once
    assert result["reminded"] == 1
    sent.refresh_from_db()
    assert sent.reminders_sent == 2
    assert len(_reminders(sent)) == 1
    assert _run_on(datetime.date(2027, 3, 7), hour=11)["reminded"] == 0


def test_a_service_without_accounts_is_reminded_by_a_signed_link(
    make_referral, green_spaces, django_capture_on_commit_callbacks
):
    with time_machine.travel(_at(SENT_ON), tick=False):
        referral = make_referral(service=green_spaces)
    assert referral.respond_by is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _run_on(referral.respond_by - datetime.timedelta(days=2))
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["referrals@greenspaces.example.org"]
    assert referral.reference in email.subject
    assert "/referrals/link/" in email.body
    assert "Mary" not in email.subject and "Mary" not in email.body


def test_expiry_cancels_and_closes_the_loop(sent, lena, mary_user, vic):
    result = _run_on(datetime.date(2027, 3, 9))  # the day after it had to be answered
    assert result == {"reminded": 0, "expired": 1, "skipped": 0}

    sent.refresh_from_db()
    assert sent.status == ReferralState.CANCELLED
    assert sent.status_reason == Reason.EXPIRED
    assert sent.closed_at is not None and sent.referrer_notified_at is not None
    assert Notification.objects.filter(user=lena.user, kind="referral_closed").exists()
    assert Notification.objects.filter(user=mary_user, kind="referral_feedback").exists()
    message = MessageToGP.objects.get(referral=sent)
    assert message.kind == GPMessageKind.OUTCOME
    assert "No answer from the service in time" in message.body
    last = ReferralEvent.objects.filter(referral=sent).order_by("-sequence").first()
    assert last is not None and last.to_status == ReferralState.CANCELLED and last.party == "system"
    assert Notification.objects.filter(user=vic.user, title__contains="has expired").exists()

    assert _run_on(datetime.date(2027, 3, 9), hour=10) == {"reminded": 0, "expired": 0, "skipped": 0}
    assert MessageToGP.objects.filter(referral=sent).count() == 1


def test_a_referral_answered_before_the_timer_runs_is_not_expired(sent, move, vic_actor):
    with time_machine.travel(_at(datetime.date(2027, 3, 9), 8), tick=False):
        move(sent, vic_actor, ReferralState.ACCEPTED)
    assert _run_on(datetime.date(2027, 3, 9))["expired"] == 0
    sent.refresh_from_db()
    assert sent.status == ReferralState.ACCEPTED


def test_a_referral_answered_while_the_timer_runs_is_skipped(sent, move, vic_actor, monkeypatch):
    """The timer read the referral as sent; the service accepts it before the timer writes: no expiry."""
    real = timers._in_batches

    def answered_meanwhile(referrals) -> Iterator[Referral]:
        for referral in real(referrals):
            move(referral, vic_actor, ReferralState.ACCEPTED)  # a real write by the service, in between
            yield referral

    monkeypatch.setattr(timers, "_in_batches", answered_meanwhile)
    result = timers.run_timers(_at(datetime.date(2027, 3, 9)))
    assert result == {"reminded": 0, "expired": 0, "skipped": 1}
    sent.refresh_from_db()
    assert sent.status == ReferralState.ACCEPTED
    assert not ReferralEvent.objects.filter(referral=sent, to_status=ReferralState.CANCELLED).exists()


def test_the_timers_read_in_batches(make_referral, walks, green_spaces, monkeypatch):
    monkeypatch.setattr(timers, "BATCH", 1)
    with time_machine.travel(_at(SENT_ON), tick=False):
        make_referral()
        make_referral(service=green_spaces)
    result = _run_on(datetime.date(2027, 4, 1))
    assert result["expired"] == 2


def test_the_command_prints_the_counts(sent):
    out = io.StringIO()
    call_command("referrals", "timers", "--now", "2027-03-09T09:00", stdout=out)
    assert out.getvalue().strip() == "reminded: 0, expired: 1, skipped: 0"
    out = io.StringIO()
    call_command("referrals", "timers", "--now", "2027-03-09T09:00", stdout=out)
    assert out.getvalue().strip() == "reminded: 0, expired: 0, skipped: 0"


def test_the_task_runs_the_timers(sent):
    with time_machine.travel(_at(datetime.date(2027, 3, 6)), tick=False):
        assert run_referral_timers.call() == {"reminded": 1, "expired": 0, "skipped": 0}


def _waiting_runs() -> list[Any]:
    return list(DBTaskResult.objects.filter(task_path=run_referral_timers.module_path, status=TaskResultStatus.READY))


def test_each_run_queues_the_next_an_hour_later(sent):
    moment = _at(datetime.date(2027, 3, 6))
    with time_machine.travel(moment, tick=False):
        run_referral_timers.call()
    [waiting] = _waiting_runs()
    assert waiting.run_after == moment + datetime.timedelta(minutes=60)


def test_scheduling_twice_queues_one_run_of_each_recurring_job(db):
    out = io.StringIO()
    call_command("schedule_jobs", stdout=out)
    call_command("schedule_jobs", stdout=out)
    assert out.getvalue().splitlines() == [
        "run_referral_timers: scheduled",
        "send_review_reminders: scheduled",
        "refresh_figures: scheduled",
        "run_referral_timers: already scheduled",
        "send_review_reminders: already scheduled",
        "refresh_figures: already scheduled",
    ]
    assert len(_waiting_runs()) == 1
