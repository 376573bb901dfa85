"""Background tasks of the directory (Django's Tasks framework, run by ``carehouse db_worker``).

Each helper's tasks are kept in their own section below.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.tasks import task

from carehouse.core.services.recurring import queue_next
from carehouse.directory.services import keeping

# == Keeping entries true: review reminders ======================================================================


@task()
def send_review_reminders() -> dict[str, int]:
    """Email keepers whose services are due for review (before, on and after the due date, each once).

    A recurring job (``core.services.recurring``): each run queues the next a day later, once
    ``carehouse schedule_jobs`` has started it; ``carehouse directory remind`` does the same from cron.
    """
    try:
        return keeping.send_review_reminders()
    finally:
        every = settings.RECURRING_TASKS[send_review_reminders.module_path]
        queue_next(send_review_reminders, every=datetime.timedelta(minutes=every))


# == end of the keeping entries true section =====================================================================
