"""Background tasks of the referrals (Django's Tasks framework, run by ``carehouse db_worker``)."""

from __future__ import annotations

from django.tasks import task

from carehouse.referrals.services import timers


@task()
def run_referral_timers() -> dict[str, int]:
    """Send the reminders now due to services and expire referrals never answered.

    Run it hourly: cron runs ``carehouse referrals timers`` (or ``run_referral_timers.enqueue()``,
    then ``carehouse db_worker`` runs it). Running it twice at once does nothing more.
    """
    return timers.run_timers()
