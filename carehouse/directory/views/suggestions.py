"""Suggested changes: anyone may suggest one; the service's keepers and administrators decide.

A suggestion never changes the record by itself. Accepting one applies it as an edit by the
person who accepted it (with its HSDS metadata and audit record), naming who suggested it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_date, format_datetime
from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import presenters_keeping as present
from carehouse.directory import selectors
from carehouse.directory.forms import SuggestionDecisionForm, SuggestionForm
from carehouse.directory.models import SuggestionStatus
from carehouse.directory.services import keeping


def _named_actor(request: HttpRequest) -> Actor | None:
    """The signed-in actor when their suggestion can carry their name; otherwise they are asked for it."""
    actor = getattr(request, "actor", None)
    if isinstance(actor, Actor) and actor.user is not None and has_permission(actor, "directory.suggest_change"):
        return actor
    return None


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    """Open to everyone, signed in or not."""
    service = selectors.get_service_to_keep(service_id)
    actor = _named_actor(request)
    form = SuggestionForm(request.POST or None, public=actor is None)
    if request.method == "POST":
        if form.is_bot:
            # Look the same as success to a bot, and store nothing.
            return render(request, "directory/keeping/suggest_sent.jinja", {"service": service})
        if form.is_valid():
            data = form.suggestion_data()
            try:
                keeping.suggest_change(
                    actor,
                    service,
                    field_name=data["field_name"],
                    proposed_value=data["proposed_value"],
                    comment=data["comment"],
                    name=data["name"],
                    email=data["email"],
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                return render(request, "directory/keeping/suggest_sent.jinja", {"service": service})
    context = {"form": form, "service": service, "public": actor is None}
    return render(request, "directory/keeping/suggest.jinja", context, status=400 if form.errors else 200)


@require_GET
@actor_required("directory.moderate")
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", "")
    if status not in SuggestionStatus.values:
        status = ""
    counts = selectors.suggestion_counts(actor)
    filters = [
        {"value": "", "label": "All", "count": sum(counts.values()), "current": status == ""},
        *[
            {"value": value, "label": label, "count": counts.get(value, 0), "current": status == value}
            for value, label in SuggestionStatus.choices
        ],
    ]
    rows = [
        {
            "suggestion": s,
            "tag": present.suggestion_tag(s),
            "field": present.suggestion_field_label(s),
            "created": format_date(s.created_at),
        }
        for s in selectors.suggestions_queue(actor, status)
    ]
    context = {"rows": rows, "filters": filters, "waiting": counts.get(SuggestionStatus.WAITING, 0)}
    return render(request, "directory/keeping/suggestions.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required("directory.moderate")
def decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    actor = actor_of(request)
    suggestion = selectors.get_suggestion(actor, suggestion_id)
    if not keeping.can_keep(actor, suggestion.service):
        raise PermissionDenied("directory.moderate")
    waiting = suggestion.status == SuggestionStatus.WAITING
    form = SuggestionDecisionForm(request.POST or None) if waiting else None
    if request.method == "POST" and form is not None and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            keeping.decide_suggestion(actor, suggestion, accept=accept, note=form.cleaned_data["note"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            if accept and suggestion.field_name:
                messages.info(request, f"The suggestion has been accepted and {suggestion.service.name} changed.")
            elif accept:
                messages.info(request, "The suggestion has been accepted. Change the service if you need to.")
            else:
                messages.info(request, "The suggestion has been rejected. The service has not been changed.")
            return redirect("directory:suggestions")
    context = {
        "suggestion": suggestion,
        "tag": present.suggestion_tag(suggestion),
        "field": present.suggestion_field_label(suggestion),
        "current_value": present.current_value_text(suggestion),
        "created": format_datetime(suggestion.created_at),
        "decided": format_datetime(suggestion.decided_at),
        "form": form,
        "waiting": waiting,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "directory/keeping/suggestion_decision.jinja", context, status=status)
