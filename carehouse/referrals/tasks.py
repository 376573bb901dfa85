"""Background tasks of the referrals (Django's Tasks framework, run by ``carehouse db_worker``).

``run_referral_timers`` keeps itself going: each run queues the next one ``REFERRAL_TIMERS_EVERY_MINUTES``
later, so a running worker applies the timers hourly with no cron. ``schedule_timers`` starts the
chain (``carehouse referrals schedule``, and ``carehouse demo`` does it); it queues nothing when a
run is already waiting. Without a worker, cron can run ``carehouse referrals timers`` instead.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from carehouse.referrals.services import timers


@task()
def run_referral_timers() -> dict[str, int]:
    """Send the reminders now due to services and expire referrals never answered; then queue the next run."""
    try:
        return timers.run_timers()
    finally:
        schedule_timers()


def schedule_timers(now: datetime.datetime | None = None) -> bool:
    """Queue the next run of the timers, unless one is already waiting. True when one was queued."""
    waiting = DBTaskResult.objects.filter(
        task_path=run_referral_timers.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    every = datetime.timedelta(minutes=settings.REFERRAL_TIMERS_EVERY_MINUTES)
    run_referral_timers.using(run_after=(now or timezone.now()) + every).enqueue()
    return True
