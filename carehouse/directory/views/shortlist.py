"""Shortlists: services a practitioner or link worker picks for someone, to print or send to them.

Each user has one shortlist being put together at the organisation they act for. They add and
take off services from the search results or a service's page, print the list (with contact
details, opening times and how to refer) or send it to a person in their care, who sees it on
"Services for me" when they sign in. Carehouse does not email people yet: the person sees what
was sent when they sign in, and a printed copy serves everyone else.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carehouse.careplans.presenters import format_date
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import presenters, selectors
from carehouse.directory.forms import FindPersonToSendForm, SendShortlistForm
from carehouse.directory.models import Service
from carehouse.directory.services import shortlists as shortlist_services
from carehouse.people.models import Person


def _posted_service(request: HttpRequest) -> Service:
    try:
        service_id = uuid.UUID(request.POST.get("service_id", ""))
    except ValueError as error:
        raise Http404("No service found") from error
    return selectors.get_service(service_id)


def _back(request: HttpRequest, service: Service) -> str:
    """Where the user was (a page of ours), at the service they acted on; else the shortlist."""
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return reverse("directory:shortlist")
    if "#" not in target and urlsplit(target).path == reverse("directory:search"):
        target = f"{target}#service-{service.id}"
    return target


@require_POST
@actor_required("directory.use_shortlist")
def add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    service = _posted_service(request)
    try:
        shortlist_services.add_service(actor, service)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{service.name} has been added to your shortlist.")
    return redirect(_back(request, service))


@require_POST
@actor_required("directory.use_shortlist")
def remove(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    service = _posted_service(request)
    try:
        removed = shortlist_services.remove_service(actor, service)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if removed:
            messages.success(request, f"{service.name} has been taken off your shortlist.")
        else:
            messages.info(request, f"{service.name} was not on your shortlist.")
    return redirect(_back(request, service))


def _entries(actor: Actor) -> list[presenters.ShortlistEntry]:
    items = selectors.shortlist_items(selectors.current_shortlist(actor))
    ids = [item.service_id for item in items]
    return presenters.shortlist_entries(ids, selectors.services_by_id(ids), show_referrals=True)


@require_GET
@actor_required("directory.use_shortlist")
def current(request: HttpRequest) -> HttpResponse:
    """The services on the user's shortlist, with print and send."""
    actor = actor_of(request)
    return render(
        request,
        "directory/search/shortlist.jinja",
        {"entries": _entries(actor), "here": request.get_full_path()},
    )


@require_GET
@actor_required("directory.use_shortlist")
def print_view(request: HttpRequest) -> HttpResponse:
    """The shortlist as a plain page to print or hand over: contact details, where, when, how to refer."""
    actor = actor_of(request)
    context = {
        "entries": _entries(actor),
        "printed_on": format_date(timezone.localdate()),
        "organisation": actor.organisation.name if actor.organisation else "",
        "made_by": actor.user.full_name if actor.user else "",
    }
    return render(request, "directory/search/print.jinja", context)


def person_label(person: Person) -> str:
    """How a person is told apart in the list: name, date of birth and NHS number."""
    parts = [person.full_name, f"born {format_date(person.date_of_birth)}"]
    if person.nhs_number:
        parts.append(f"NHS number {person.formatted_nhs_number}")
    return ", ".join(parts)


def _posted_person(actor: Actor, value: str) -> Person | None:
    try:
        person_id = int(value)
    except ValueError:
        return None
    try:
        return selectors.person_to_send_to(actor, person_id)
    except Http404:
        return None


@require_http_methods(["GET", "POST"])
@actor_required("directory.use_shortlist")
def send(request: HttpRequest) -> HttpResponse:
    """Find the person (among those the user may see), then send the shortlist with a title and a note."""
    actor = actor_of(request)
    entries = _entries(actor)
    if not entries:
        messages.info(request, "Add services to your shortlist before sending it.")
        return redirect("directory:shortlist")
    find_form = FindPersonToSendForm(request.GET if "find" in request.GET else None)
    people: list[Person] = []
    if find_form.is_bound and find_form.is_valid():
        people = selectors.find_people_to_send_to(actor, find_form.cleaned_data["find"])
    if request.method == "POST":
        person = _posted_person(actor, request.POST.get("person", ""))
        choices = [(str(person.pk), person_label(person))] if person is not None else []
        send_form = SendShortlistForm(request.POST, people=choices)
        if send_form.is_valid() and person is not None:
            try:
                shortlist_services.send(
                    actor, person, title=send_form.cleaned_data["title"], note=send_form.cleaned_data["note"]
                )
            except ValidationError as error:
                show_errors(send_form, error)
            else:
                if person.user_id:
                    where = f"{person.given_name} will see it under \u201cServices for me\u201d when they sign in."
                else:
                    where = f"{person.given_name} does not use Carehouse online: print a copy for them."
                messages.success(request, f"Your shortlist has been sent to {person.full_name}. {where}")
                return redirect("directory:shortlist")
    else:
        send_form = SendShortlistForm(people=[(str(p.pk), person_label(p)) for p in people])
    shown: Any = send_form if send_form.errors or not find_form.errors else find_form
    context = {
        "form": shown,
        "find_form": find_form,
        "send_form": send_form,
        "people": people,
        "searched": find_form.is_bound and find_form.is_valid(),
        "show_send": bool(people) or request.method == "POST",
        "entries": entries,
    }
    status = 400 if send_form.errors or find_form.errors else 200
    return render(request, "directory/search/send.jinja", context, status=status)


@require_GET
@actor_required()
def mine(request: HttpRequest) -> HttpResponse:
    """The person's own page: the shortlists of services their care team sent them, newest first."""
    actor = actor_of(request)
    if actor.role != Role.PERSON:
        raise PermissionDenied("directory.mine")
    shortlists = selectors.sent_to_me(actor)
    ids = [item.service_id for shortlist in shortlists for item in shortlist.items.all()]
    services = selectors.services_by_id(ids)
    groups = [
        {
            "id": shortlist.pk,
            "title": shortlist.title or "Services your care team suggested",
            "sent_by": shortlist.owner.full_name,
            "organisation": shortlist.organisation.name,
            "sent_on": format_date(timezone.localtime(shortlist.sent_at).date()) if shortlist.sent_at else "",
            "note": shortlist.note,
            "entries": presenters.shortlist_entries(
                [item.service_id for item in shortlist.items.all()], services, show_referrals=False
            ),
        }
        for shortlist in shortlists
    ]
    return render(request, "directory/search/mine.jinja", {"groups": groups})
