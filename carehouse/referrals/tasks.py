"""Background tasks of the referrals (Django's Tasks framework, run by ``carehouse db_worker``).

``run_referral_timers`` is a recurring job (``core.services.recurring``): each run queues the next
``RECURRING_TASKS`` minutes later, once ``carehouse schedule_jobs`` has started it. Without a
worker, cron can run ``carehouse referrals timers`` instead.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.tasks import task

from carehouse.core.services.recurring import queue_next
from carehouse.referrals.services import timers


@task()
def run_referral_timers() -> dict[str, int]:
    """Send the reminders now due to services and expire referrals never answered; then queue the next run."""
    try:
        return timers.run_timers()
    finally:
        every = settings.RECURRING_TASKS[run_referral_timers.module_path]
        queue_next(run_referral_timers, every=datetime.timedelta(minutes=every))
