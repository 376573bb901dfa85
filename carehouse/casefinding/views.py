"""Case finding pages: commissioners run stratifications and read the counts; practices read their lists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.casefinding import extracts, selectors, services
from carehouse.casefinding.forms import StartRunForm
from carehouse.casefinding.presenters import InvitationRow, RunPresenter, RunRow
from carehouse.core.views import actor_of, actor_required, show_errors

RUNS_SHOWN = 50


def _upload_field(form: StartRunForm) -> dict[str, Any]:
    """The NHS.UK file upload component's settings for the form's upload field."""
    bound = form["upload"]
    return {
        "id": bound.auto_id,
        "name": bound.html_name,
        "label": {"text": str(bound.label), "size": "s"},
        "hint": {"text": str(bound.help_text)},
        "errorMessage": {"text": " ".join(str(e) for e in bound.errors)} if bound.errors else None,
        "attributes": {"accept": ".zip,application/zip"},
    }


@require_http_methods(["GET", "POST"])
@actor_required("casefinding.run_stratification")
def runs(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = StartRunForm(request.POST, request.FILES) if request.method == "POST" else StartRunForm()
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_run(
                actor,
                source=form.cleaned_data["source"],
                extract_name=form.cleaned_data.get("extract") or "",
                upload=form.cleaned_data.get("upload"),
                cohorts=form.cleaned_data["cohorts"],
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            return redirect("casefinding:run", run_id=run.pk)
    context = {
        "rows": [RunRow(run) for run in selectors.visible_runs(actor)[:RUNS_SHOWN]],
        "form": form,
        "upload": _upload_field(form),
        "organisation_name": actor.organisation.name if actor.organisation else "",
    }
    return render(request, "casefinding/runs.jinja", context, status=400 if form.errors else 200)


@require_GET
@actor_required("casefinding.run_stratification")
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = actor_of(request)
    item = selectors.get_run(actor, run_id)
    codes = [str(row.get("practice_code") or "") for row in (item.summary or {}).get("by_practice") or []]
    page = RunPresenter(item, practice_names=selectors.practice_names(codes), cohorts=extracts.cohorts_by_key())
    return render(request, "casefinding/run.jinja", {"page": page})


@require_GET
@actor_required("casefinding.view_invitations")
def invitations(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    at_practice = selectors.works_at_practice(actor)
    found = selectors.invitation_list(
        actor, cohort_key=request.GET.get("cohort", ""), page_number=request.GET.get("page") or 1
    )
    cohorts = extracts.cohorts_by_key()
    labels: dict[str, str] = {}
    if found.run is not None:
        labels = {str(s["segment"]): str(s.get("label") or s["segment"]) for s in found.run.summary.get("segments", [])}
    context = {
        "at_practice": at_practice,
        "list": found,
        "cohort_choices": [
            {"key": key, "name": cohorts[key].name if key in cohorts else key, "current": key == found.cohort_key}
            for key in found.cohort_keys
        ],
        "cohort": cohorts.get(found.cohort_key),
        "rows": [InvitationRow(i, labels) for i in (found.page.object_list if found.page else [])],
        "organisation_name": actor.organisation.name if actor.organisation else "",
    }
    return render(request, "casefinding/invitations.jinja", context)
