"""Background jobs: queue a Django task and keep a ``Job`` row the user can watch."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.tasks import Task
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import Job
from carehouse.core.models.audit import AuditAction
from carehouse.core.models.jobs import JobStatus
from carehouse.core.rules import require_permission
from carehouse.core.services import audit


def start_job(actor: Actor, task: Task[..., Any], *, kind: str, title: str, permission: str, **kwargs: Any) -> Job:
    """Create the job row and queue the task once the row is committed."""
    require_permission(actor, permission)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, title=title, requested_by=actor.user, organisation=actor.organisation)
        audit.record(actor, AuditAction.CREATE, obj=job, summary=f"Started job: {title}")

        def enqueue() -> None:
            result = task.enqueue(str(job.pk), **kwargs)
            Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))

        transaction.on_commit(enqueue)
    return job


def report_progress(job_id: str, done: int, total: int, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, progress_done=done, progress_total=total, message=message[:300]
    )


def finish_job(job_id: str, *, succeeded: bool, message: str, result: dict[str, Any] | None = None) -> None:
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED,
        message=message[:300],
        result=result or {},
        finished_at=timezone.now(),
    )
