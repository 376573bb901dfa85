"""A plan's history: every saved version, newest first, with what changed in words."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.careplans import selectors
from carehouse.careplans.presenters import RevisionPresenter, short_name, status_tag
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("careplans.edit_plan")
def history(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Who changed what and when: the plan's revisions are its record, and are never edited."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="view plan history")
    revisions = [RevisionPresenter(r) for r in selectors.revisions_of(plan)]
    context = {"plan": plan, "name": short_name(plan.person), "status": status_tag(plan), "revisions": revisions}
    return render(request, "careplans/plan/history.jinja", context)
