"""The start page for each role, and the public pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from carehouse.core.presenters import StartPagePresenter
from carehouse.core.views import actor_of, actor_required


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.jinja")
    return redirect("core:start")


@require_GET
@actor_required()
def start(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    presenter = StartPagePresenter(actor)
    return render(request, f"core/start/{actor.role.value if actor.role else 'none'}.jinja", {"page": presenter})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.jinja")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.jinja")
