"""``carehouse referrals timers [--now ISO]``: reminders to services and expiry of unanswered referrals.

``carehouse schedule_jobs`` instead hands the timers to the job worker (``carehouse db_worker``),
which then runs them every hour by itself (``tasks.run_referral_timers`` queues its own next run).
Without a worker, cron runs the timers every hour, for example

    5 * * * *  cd /srv/carehouse && carehouse referrals timers

It prints how many referrals were reminded, expired and skipped (answered just before expiry).
Running it twice at once, or twice in the same hour, does nothing more.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from carehouse.referrals.services import timers


def _moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--now must be a date and time like 2027-03-05T09:00, not {value!r}") from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Referral tools. 'timers' sends the reminders due to services that have not answered and cancels "
        "(expires) referrals never answered in time. 'carehouse schedule_jobs' has the job worker run them hourly; "
        "without a worker, cron can (5 * * * * carehouse referrals timers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser(
            "timers",
            help="Send due reminders and expire unanswered referrals (cron runs it hourly)",
        )
        run.add_argument("--now", help="Act as if it were this moment (ISO 8601), for testing and catching up")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _moment(options["now"]) if options.get("now") else None
        counts = timers.run_timers(now)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
