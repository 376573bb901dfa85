"""Jobs that repeat: each run queues the next one, so a running worker keeps them going without cron.

Django's database task backend has no schedules, but it runs a task no earlier than its
``run_after``. A recurring task calls ``queue_next`` when it ends (whether it succeeded or not);
``carehouse schedule_jobs`` queues the first run of each (``RECURRING``), and the demo does it. A
task that already has a run waiting is not queued again, so scheduling twice is harmless.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult


def queue_next(task: Task[..., Any], *, every: datetime.timedelta, now: datetime.datetime | None = None) -> bool:
    """Queue the task to run ``every`` from now, unless a run is already waiting. True when one was queued."""
    if DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists():
        return False
    task.using(run_after=(now or timezone.now()) + every).enqueue()
    return True


def recurring_tasks() -> list[tuple[Task[..., Any], datetime.timedelta]]:
    """The recurring tasks and how often each runs, from ``settings.RECURRING_TASKS`` (dotted path: minutes)."""
    return [
        (import_string(path), datetime.timedelta(minutes=minutes)) for path, minutes in settings.RECURRING_TASKS.items()
    ]


def schedule_all(now: datetime.datetime | None = None) -> dict[str, bool]:
    """Queue the first run of every recurring task that has none waiting: {task name: queued}."""
    return {task.name: queue_next(task, every=every, now=now) for task, every in recurring_tasks()}
