"""What changed: questionnaire scores and hospital use before and after support (``/commissioning/outcomes``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.commissioning.presenters_outcomes import CHANGE_HEAD, UTILISATION_HEAD, outcomes_page
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def outcomes(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    page = outcomes_page(actor_of(request), filters)
    context = page_context(request, filters, page=page, change_head=CHANGE_HEAD, utilisation_head=UTILISATION_HEAD)
    return render(request, "commissioning/outcomes.jinja", context)
