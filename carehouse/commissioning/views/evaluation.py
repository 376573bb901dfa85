"""The evaluation pages: plan an evaluation (saved first), then see its plan and results."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.commissioning import presenters_evaluation as presenters
from carehouse.commissioning.forms_evaluation import PlanEvaluationForm
from carehouse.commissioning.models import AnalysisStatus
from carehouse.commissioning.services_evaluation import PlanError, plan_evaluation, run_evaluation
from carehouse.commissioning.views import page_context
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required


@require_http_methods(["GET", "POST"])
@actor_required("commissioning.view_intelligence")
def evaluations(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = PlanEvaluationForm(request.POST if request.method == "POST" else None, actor=actor)
    if request.method == "POST":
        if not has_permission(actor, "commissioning.run_evaluation"):
            raise PermissionDenied("commissioning.run_evaluation")
        if form.is_valid():
            try:
                plan = plan_evaluation(actor, form.plan_data())
            except PlanError as error:
                form.add_error(None, str(error))
            else:
                run_evaluation(actor, plan)
                return redirect("commissioning:evaluation", pk=plan.pk)
    context = page_context(request, form=form, plans=presenters.plans_for(actor), statuses=AnalysisStatus)
    return render(request, "commissioning/evaluations.jinja", context, status=400 if form.errors else 200)


@require_GET
@actor_required("commissioning.view_intelligence")
def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    plan = presenters.plan_for(actor_of(request), pk)
    if plan is None:
        raise Http404
    context = page_context(
        request, plan=plan, plan_rows=presenters.plan_rows(plan), result=presenters.result_view(plan)
    )
    return render(request, "commissioning/evaluation.jinja", context)
