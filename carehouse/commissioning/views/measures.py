"""How care is delivered: the process indicators for the chosen filters, by area and by month."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.commissioning.presenters_process import process_page
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def process(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    page = process_page(actor_of(request), filters, request.GET.get("indicator", ""))
    return render(request, "commissioning/process.jinja", page_context(request, filters, page=page))
