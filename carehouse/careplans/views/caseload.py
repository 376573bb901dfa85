"""The caseload: reviews overdue and coming up, draft plans, and people invited but without a plan.

One page for the practitioner's or link worker's own plans ("Mine"), or everyone's at their
organisation. It must stay fast with a very large number of plans: the selector reads each
table with one query (people joined, not fetched one by one) and shows the first page of each.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.careplans import selectors
from carehouse.careplans.presenters_person import CaseloadPresenter
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("careplans.view_caseload")
def caseload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    scope = "organisation" if request.GET.get("scope") == "organisation" else "mine"
    page = CaseloadPresenter(selectors.caseload(actor, scope=scope), actor)
    return render(request, "careplans/caseload.jinja", {"page": page})
