"""The commissioning overview: what is here, when the figures were worked out, and a refresh button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from carehouse.commissioning import services
from carehouse.commissioning.views import page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "commissioning/overview.jinja", page_context(request))


@require_POST
@actor_required("commissioning.refresh_figures")
def refresh(request: HttpRequest) -> HttpResponse:
    services.queue_refresh(actor_of(request))
    messages.info(request, "The figures are being worked out again. This page will show the new time when it is done.")
    return redirect("commissioning:overview")
