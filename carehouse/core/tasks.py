"""Background tasks (Django's Tasks framework, run by ``carehouse db_worker``)."""

from __future__ import annotations

from django.tasks import task

from carehouse.core.services import audit
from carehouse.core.services.jobs import finish_job, report_progress


@task()
def verify_audit_chain(job_id: str) -> dict[str, object]:
    """Check the whole audit hash chain, reporting progress as it goes."""
    problems: list[dict[str, object]] = []
    checked = 0
    try:
        for checked, total, found in audit.iter_verify():
            problems.extend({"sequence": p.sequence, "problem": p.problem} for p in found)
            report_progress(job_id, checked, total, f"Checked {checked:,} of {total:,} audit events")
    except Exception as error:  # the job page must say it failed, whatever the cause
        finish_job(job_id, succeeded=False, message=f"The check stopped: {error}")
        raise
    if problems:
        message = f"The audit log has been tampered with: {len(problems)} problem(s) in {checked:,} events"
    else:
        message = f"The audit log is intact: {checked:,} events checked"
    result = {"checked": checked, "problems": problems[:100], "intact": not problems}
    finish_job(job_id, succeeded=True, message=message, result=result)
    return result
