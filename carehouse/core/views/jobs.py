"""Background jobs: start one, watch its progress."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from carehouse.core.models import Job
from carehouse.core.services.jobs import start_job
from carehouse.core.tasks import verify_audit_chain
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("core.run_jobs")
def jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "core/jobs/list.jinja", {"jobs": Job.objects.select_related("requested_by")[:50]})


@require_POST
@actor_required("core.run_jobs")
def start_audit_verification(request: HttpRequest) -> HttpResponse:
    job = start_job(
        actor_of(request),
        verify_audit_chain,
        kind="audit_verify",
        title="Check the audit log has not been tampered with",
        permission="core.run_jobs",
    )
    return redirect("core:job", job_id=job.pk)


@require_GET
@actor_required("core.run_jobs")
def job(request: HttpRequest, job_id: str) -> HttpResponse:
    item = get_object_or_404(Job.objects.select_related("requested_by"), pk=job_id)
    return render(request, "core/jobs/detail.jinja", {"job": item})
