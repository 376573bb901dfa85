"""Review reminders: before, on and after the due date, to the keepers, each exactly once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.directory.models import Service
from carehouse.directory.services import keeping
from carehouse.directory.tasks import send_review_reminders
from carehouse.directory.tests.factories import make_service
from carehouse.directory.tests.keeping_helpers import claimed_by

REVIEWED = datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC)
DUE = REVIEWED + datetime.timedelta(days=180)


def at(days_from_due: float) -> datetime.datetime:
    return DUE + datetime.timedelta(days=days_from_due)


@pytest.fixture
def service(vic) -> Service:
    return make_service("Tuesday walks", organization=claimed_by(vic.organisation), reviewed_at=REVIEWED)


def _send(now: datetime.datetime, capture) -> dict[str, int]:
    with capture(execute=True):
        return keeping.send_review_reminders(now)


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_reminders_go_at_each_offset_exactly_once(service, vic, mailoutbox, django_capture_on_commit_callbacks) -> None:
    capture = django_capture_on_commit_callbacks
    colleague = MembershipFactory(
        user=UserFactory(email="val@example.org", full_name="Val Volunteer"),
        organisation=vic.organisation,
        role=Role.PROVIDER_STAFF,
    )
    MembershipFactory(
        user=UserFactory(email="gone@example.org"),
        organisation=vic.organisation,
        role=Role.PROVIDER_STAFF,
        is_active=False,
    )
    assert colleague.is_active

    assert _send(at(-15), capture)["services"] == 0
    assert mailoutbox == []

    first = _send(at(-14), capture)
    assert (first["services"], first["emails"], first["reminder_1"]) == (1, 1, 1)
    assert sorted(mailoutbox[0].to) == ["val@example.org", "vic@example.org"]
    assert "Tuesday walks" in mailoutbox[0].body
    assert "check by 9 July 2026" in mailoutbox[0].body
    assert _send(at(-7), capture)["services"] == 0  # not the same reminder twice

    second = _send(at(0), capture)
    assert second["reminder_2"] == 1
    assert _send(at(0.5), capture)["services"] == 0

    third = _send(at(14), capture)
    assert third["reminder_3"] == 1
    assert _send(at(60), capture)["services"] == 0

    assert [m.subject for m in mailoutbox] == [
        keeping.REMINDER_SUBJECTS[1],
        keeping.REMINDER_SUBJECTS[2],
        keeping.REMINDER_SUBJECTS[3],
    ]
    service.refresh_from_db()
    assert (service.review_reminders_sent, service.review_reminded_at) == (3, at(14))
    reminders = AuditEvent.objects.filter(object_id=str(service.id), summary__startswith="Sent review reminder")
    assert reminders.count() == 3
    assert reminders.first().actor_role == "system"


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_a_service_found_late_gets_only_the_latest_reminder(
    service, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    counts = _send(at(20), django_capture_on_commit_callbacks)
    assert (counts["reminder_1"], counts["reminder_2"], counts["reminder_3"]) == (0, 0, 1)
    assert len(mailoutbox) == 1


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_a_review_starts_the_reminders_again(service, vic, mailoutbox, django_capture_on_commit_callbacks) -> None:
    capture = django_capture_on_commit_callbacks
    _send(at(0), capture)
    keeping.mark_reviewed(Actor.for_membership(vic), service)
    service.refresh_from_db()
    assert service.review_reminders_sent == 0
    # Reviewed now: nothing is due for months.
    assert _send(service.last_reviewed_at + datetime.timedelta(days=100), capture)["services"] == 0
    later = _send(service.last_reviewed_at + datetime.timedelta(days=167), capture)
    assert later["reminder_1"] == 1


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_unclaimed_inactive_and_recently_assured_services_get_no_reminders(
    vic, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    make_service("Nobody keeps this", organization=claimed_by(None), reviewed_at=REVIEWED)
    make_service(
        "Closed walks",
        organization=claimed_by(vic.organisation, name="Closed Trust"),
        reviewed_at=REVIEWED,
        status="inactive",
    )
    make_service(
        "Assured walks",
        organization=claimed_by(vic.organisation, name="Assured Trust"),
        reviewed_at=REVIEWED,
        assured_date=(at(0) - datetime.timedelta(days=10)).date(),
    )
    counts = _send(at(30), django_capture_on_commit_callbacks)
    assert counts["services"] == 0
    assert mailoutbox == []


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_one_email_per_organisation_lists_all_its_services(vic, mailoutbox, django_capture_on_commit_callbacks) -> None:
    organisation = claimed_by(vic.organisation)
    make_service("Tuesday walks", organization=organisation, reviewed_at=REVIEWED)
    make_service("Thursday walks", organization=organisation, reviewed_at=REVIEWED)
    counts = _send(at(1), django_capture_on_commit_callbacks)
    assert (counts["services"], counts["emails"]) == (2, 1)
    assert "Tuesday walks" in mailoutbox[0].body and "Thursday walks" in mailoutbox[0].body


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180, DIRECTORY_REMINDER_OFFSETS_DAYS=(-14, 0, 14))
def test_the_task_runs_the_reminders(service, mailoutbox, django_capture_on_commit_callbacks) -> None:
    Service.objects.filter(pk=service.pk).update(last_reviewed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        result = send_review_reminders.call()
    assert result["services"] == 1
    assert len(mailoutbox) == 1


def test_the_reminder_task_queues_its_next_run_a_day_later(db):
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        send_review_reminders.call()
    waiting = DBTaskResult.objects.filter(task_path=send_review_reminders.module_path, status=TaskResultStatus.READY)
    assert [w.run_after for w in waiting] == [moment + datetime.timedelta(days=1)]
