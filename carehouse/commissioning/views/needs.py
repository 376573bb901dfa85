"""The "What people need" page: needs, goals and what matters to people, from agreed care plans."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.commissioning.presenters_needs import needs_page
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def needs(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    page = needs_page(actor_of(request), filters)
    return render(request, "commissioning/needs.jinja", page_context(request, filters, page=page))
