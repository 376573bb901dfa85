"""Background jobs: an administrator starts the audit check, a worker runs it, the job page shows how it went."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Job
from carehouse.core.models.audit import AuditAction
from carehouse.core.models.jobs import JobStatus
from carehouse.core.services import audit
from carehouse.core.tasks import verify_audit_chain


def run_queued_tasks() -> int:
    """Do what ``carehouse db_worker --batch`` does, inside the test's transaction.

    The real command closes "old" database connections between tasks, which would end the
    transaction every test runs in, so each ready task is claimed and run here directly with
    the worker's own ``run_task``.
    """
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (task_result := DBTaskResult.objects.ready().filter(backend_name="default").first()) is not None:
        task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
    return ran


def some_events(n: int) -> None:
    for i in range(n):
        audit.record(Actor.system("test"), AuditAction.UPDATE, summary=f"event {i}")


def start_check(client, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/admin/jobs/verify-audit")
    assert len(callbacks) == 1  # the task is queued only once the job row is committed
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/jobs/{job.pk}"
    return job


def test_administrator_starts_the_audit_check_and_a_worker_runs_it(
    client, signed_in, ada, django_capture_on_commit_callbacks
):
    some_events(6)
    signed_in(client, ada)
    job = start_check(client, django_capture_on_commit_callbacks)

    assert job.kind == "audit_verify"
    assert job.status == JobStatus.QUEUED
    assert job.requested_by == ada.user
    assert job.organisation == ada.organisation
    started = AuditEvent.objects.get(action="create", object_type="core.Job")
    assert started.object_id == str(job.pk)
    job.refresh_from_db()
    task_result = DBTaskResult.objects.get(pk=job.task_result_id)
    assert task_result.status == "READY"
    assert task_result.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}

    queued_page = client.get(f"/admin/jobs/{job.pk}").content.decode()
    assert "Waiting for a worker to start this job" in queued_page
    assert 'data-job-refresh="2000"' in queued_page

    assert run_queued_tasks() == 1
    total = AuditEvent.objects.count()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress_done == job.progress_total == total
    assert job.finished_at is not None
    assert job.result == {"checked": total, "problems": [], "intact": True}
    assert job.percent == 100
    task_result.refresh_from_db()
    assert task_result.status == "SUCCESSFUL"
    assert task_result.return_value == job.result

    response = client.get(f"/admin/jobs/{job.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Finished" in page
    assert f"The audit log is intact: {total} events checked" in page
    assert f"{total} of {total}" in page
    assert 'value="100"' in page
    assert "data-job-refresh" not in page
    assert f'href="/admin/jobs/{job.pk}"' in client.get("/admin/jobs").content.decode()


def test_the_job_reports_tampering(client, signed_in, ada, django_capture_on_commit_callbacks):
    some_events(4)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        cursor.execute("UPDATE core_auditevent SET summary = 'forged' WHERE sequence = 2")
    signed_in(client, ada)
    job = start_check(client, django_capture_on_commit_callbacks)
    run_queued_tasks()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED  # the check ran to the end; what it found is in the result
    assert job.result["intact"] is False
    assert job.result["problems"] == [{"sequence": 2, "problem": "its content has been changed"}]
    page = client.get(f"/admin/jobs/{job.pk}").content.decode()
    assert "The audit log has been tampered with: 1 problem(s)" in page
    assert "Event 2: its content has been changed" in page


def test_the_task_can_be_called_directly(db):
    some_events(3)
    job = Job.objects.create(kind="audit_verify", title="Check")
    result = verify_audit_chain.call(str(job.pk))
    assert result == {"checked": 3, "problems": [], "intact": True}
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 3, 3)


def test_a_job_that_breaks_is_shown_as_failed(db, monkeypatch):
    job = Job.objects.create(kind="audit_verify", title="Check")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
        yield  # pragma: no cover

    monkeypatch.setattr(audit, "iter_verify", broken)
    with pytest.raises(RuntimeError):
        verify_audit_chain.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "The check stopped: disk on fire"
    assert job.is_finished


@pytest.mark.parametrize("member", ["priya", "cora", "vic"])
def test_only_administrators_run_jobs(request, client, signed_in, member, django_capture_on_commit_callbacks):
    signed_in(client, request.getfixturevalue(member))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/admin/jobs/verify-audit").status_code == 403
    assert client.get("/admin/jobs").status_code == 403
    assert not Job.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_starting_a_job_needs_a_post(client, signed_in, ada):
    signed_in(client, ada)
    assert client.get("/admin/jobs/verify-audit").status_code == 405
    assert not Job.objects.exists()


def test_unknown_job_is_not_found(client, signed_in, ada):
    signed_in(client, ada)
    response = client.get("/admin/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert re.search(r"Page not found", response.content.decode())


def test_the_jobs_list_links_to_each_job_and_escapes_its_title(client, signed_in, ada):
    job = Job.objects.create(kind="audit_verify", title="Check <b>everything</b>", requested_by=ada.user)
    signed_in(client, ada)
    page = client.get("/admin/jobs").content.decode()
    assert re.search(rf'<a class="nhsuk-link" href="/admin/jobs/{job.pk}">\s*Check &lt;b&gt;everything&lt;/b&gt;', page)
    assert "&lt;a href" not in page  # the link is a link, not text showing its own markup
    assert "<b>everything</b>" not in page
