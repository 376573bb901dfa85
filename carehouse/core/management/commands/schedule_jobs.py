"""``carehouse schedule_jobs``: start the recurring jobs (``settings.RECURRING_TASKS``) on the job worker.

Each then queues its own next run, so a running ``carehouse db_worker`` keeps them going: referral
timers hourly, directory review reminders daily. Run it once after deploying (again does no harm).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carehouse.core.services import recurring


class Command(BaseCommand):
    help = "Start the recurring jobs (referral timers, directory review reminders) on the job worker"

    def handle(self, *args: Any, **options: Any) -> None:
        for name, queued in recurring.schedule_all().items():
            self.stdout.write(f"{name}: {'scheduled' if queued else 'already scheduled'}")
