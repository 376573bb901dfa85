"""Making a referral: from a plan action, a shortlist or the directory; and sending one on to another service.

``/referrals/new/<person>?service=<id>&action=<id>&shortlist=<id>`` shows the person, the service,
what the directory's pre-flight checks found (problems block, warnings inform), and the form. When
no consent covers the service's organisation it asks whether the person has agreed: yes records
that consent in the same transaction as the referral; no means the referral cannot be sent.
Without a service it offers the user's shortlist and a search by name. ``/referrals/new`` is the
directory's way in: choose the person first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.models import Action
from carehouse.careplans.presenters import format_date
from carehouse.core.actor import Actor
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import selectors as directory_selectors
from carehouse.directory.models import Service
from carehouse.people.models import Person
from carehouse.people.selectors import find_people, get_person
from carehouse.referrals import selectors
from carehouse.referrals.forms_referrer import FindPersonForm, FindServiceForm, ReferralForm
from carehouse.referrals.models import Referral, Source
from carehouse.referrals.services import referrer as referrer_services
from carehouse.referrals.services.referrals import PreFlight, ReferralConflict, party_for, pre_flight
from carehouse.referrals.states import Party

PEOPLE_TO_PICK = 20


def _staff(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if not actor.gives_direct_care or actor.organisation is None:
        raise PermissionDenied("referrals.refer")
    return actor


def _service_param(value: str | None) -> Service | None:
    if not value:
        return None
    try:
        service_id = uuid.UUID(value)
    except ValueError as error:
        raise Http404("No service found") from error
    return directory_selectors.get_service_to_refer(service_id)


def _int_param(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as error:
        raise Http404("Not found") from error


def person_label(person: Person) -> str:
    parts = [person.full_name, f"born {format_date(person.date_of_birth)}"]
    if person.nhs_number:
        parts.append(f"NHS number {person.formatted_nhs_number}")
    return ", ".join(parts)


def _query(**params: Any) -> str:
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def _organisation_name(service: Service) -> str:
    return service.organization.name if service.organization else ""


def _service_choices(actor: Actor, request: HttpRequest, base: str, keep: dict[str, Any]) -> dict[str, Any]:
    """The page's "choose a service" part: the user's shortlist, and services found by name."""
    shortlist = directory_selectors.current_shortlist(actor)
    items = directory_selectors.shortlist_items(shortlist)
    on_list = directory_selectors.services_by_id([item.service_id for item in items])
    shortlisted = [
        {
            "name": service.name,
            "organisation": _organisation_name(service),
            "href": base + _query(**keep, service=service.id, shortlist=shortlist.pk if shortlist else ""),
        }
        for service in (on_list[item.service_id] for item in items if item.service_id in on_list)
    ]
    find_form = FindServiceForm(request.GET if "q" in request.GET else None)
    found = []
    if find_form.is_bound and find_form.is_valid():
        found = [
            {
                "name": service.name,
                "organisation": _organisation_name(service),
                "href": base + _query(**keep, service=service.id),
            }
            for service in referrer_services.find_services(find_form.cleaned_data["q"])
        ]
    return {
        "shortlisted": shortlisted,
        "find_form": find_form,
        "found": found,
        "searched": find_form.is_bound and find_form.is_valid(),
        "form": find_form if find_form.errors else None,
    }


def _checks(check: PreFlight, *, ignore_duplicate: Referral | None = None) -> dict[str, Any]:
    problems = [
        p
        for p in check.problems
        if not (p.code == "duplicate" and ignore_duplicate is not None and check.duplicate == ignore_duplicate)
    ]
    duplicate = check.duplicate if check.duplicate is not None and check.duplicate != ignore_duplicate else None
    return {
        "problems": [p.message for p in problems],
        "warnings": [w.message for w in check.warnings],
        "passed": [p.message for p in check.passed],
        "duplicate": duplicate,
        "duplicate_href": reverse("referrals:detail", args=[duplicate.pk]) if duplicate is not None else "",
        "can_refer": not problems,
    }


def _source(action: Action | None, shortlist: str) -> str:
    if action is not None:
        return Source.PLAN_ACTION
    if shortlist:
        return Source.SHORTLIST
    return Source.DIRECTORY


def _initial_reason(action: Action | None) -> str:
    if action is None:
        return ""
    text = action.what.strip()
    goal = action.goal.text.strip()
    return f"{text}\n\nTheir goal: {goal}" if goal and goal != text else text


def _referral_form(
    request: HttpRequest,
    context: dict[str, Any],
    service: Service,
    check: PreFlight,
    checks: dict[str, Any],
    form: ReferralForm,
    send: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """The referral form (new or sent on): on a post, send it, or show it again with the errors (409 on a clash)."""
    status = 200
    if request.method == "POST":
        status = 400
        if not checks["can_refer"]:
            form.is_valid()
            form.add_error(None, checks["problems"])
        elif form.is_valid():
            try:
                return send(form.cleaned_data)
            except ReferralConflict as conflict:
                form.add_error(None, conflict.messages)
                status = 409
            except ValidationError as error:
                show_errors(form, error)
    context.update(
        {
            "service": service,
            "organisation": _organisation_name(service),
            "service_href": reverse("directory:service", args=[service.id]),
            "checks": checks,
            "consent": check.consent,
            "form": form,
            "action_url": request.get_full_path(),
        }
    )
    return render(request, "referrals/referrer/new.jinja", context, status=status)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.refer")
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _staff(request)
    person = get_person(actor, person_id, purpose="Making a referral")
    service = _service_param(request.GET.get("service"))
    action_id = _int_param(request.GET.get("action"))
    action = referrer_services.plan_action_for(actor, person, action_id) if action_id is not None else None
    shortlist = request.GET.get("shortlist", "")
    base = reverse("referrals:new", args=[person.pk])
    context: dict[str, Any] = {
        "person": person,
        "person_label": person_label(person),
        "action": action,
        "back_href": reverse("people:detail", args=[person.pk]),
    }
    if service is None:
        keep = {"action": action.pk if action else ""}
        context.update(_service_choices(actor, request, base, keep))
        context["directory_href"] = reverse("directory:search")
        return render(
            request, "referrals/referrer/choose_service.jinja", context, status=400 if context["form"] else 200
        )
    check = pre_flight(actor, person, service)
    question = referrer_services.consent_question(person, service) if check.consent is None else ""
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial={"reason_for_referral": _initial_reason(action)},
        name=person.full_name,
        consent_question=question,
    )
    checks = _checks(check)

    def send(data: dict[str, Any]) -> HttpResponse:
        referral = referrer_services.refer(
            actor,
            person,
            service,
            reason_for_referral=data["reason_for_referral"],
            information_for_service=data["information_for_service"],
            priority=data["priority"],
            source=_source(action, shortlist),
            plan_action=action,
            consent_given=form.consent_given,
        )
        messages.success(
            request,
            f"Referral {referral.reference} has been sent to {service.name}. "
            f"They should answer by {format_date(referral.respond_by)}.",
        )
        return redirect("referrals:detail", referral_id=referral.pk)

    page = {
        "submit": "Send referral",
        "heading": f"Refer {person.full_name} to {service.name}",
        "change_service_href": base + _query(action=action.pk if action else ""),
    }
    return _referral_form(request, context | page, service, check, checks, form, send)


@require_GET
@actor_required("referrals.refer")
def choose_person(request: HttpRequest) -> HttpResponse:
    """The directory's way in: find the person to refer (among those the user may see), then refer."""
    actor = _staff(request)
    service = _service_param(request.GET.get("service"))
    shortlist = request.GET.get("shortlist", "")
    form = FindPersonForm(request.GET if "find" in request.GET else None)
    people = []
    if form.is_bound and form.is_valid():
        people = [
            {
                "label": person_label(person),
                "href": reverse("referrals:new", args=[person.pk])
                + _query(service=service.id if service else "", shortlist=shortlist),
            }
            for person in find_people(actor, form.cleaned_data["find"]).order_by("family_name", "given_name", "pk")[
                :PEOPLE_TO_PICK
            ]
        ]
    context = {
        "service": service,
        "shortlist": shortlist,
        "form": form,
        "people": people,
        "searched": form.is_bound and form.is_valid(),
    }
    return render(request, "referrals/referrer/choose_person.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.refer")
def reroute(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Send the person on to another service, after a decline or instead of an open referral."""
    actor = _staff(request)
    referral = selectors.get_referral(actor, referral_id, purpose="Sending a referral on")
    if party_for(actor, referral) != Party.REFERRER:
        raise Http404("No referral found")
    detail_href = reverse("referrals:detail", args=[referral.pk])
    if not referrer_services.can_reroute(referral):
        messages.info(request, f"A referral that is {referral.get_status_display().lower()} cannot be sent on.")
        return redirect(detail_href)
    person = referral.person
    service = _service_param(request.GET.get("service"))
    base = reverse("referrals:reroute", args=[referral.pk])
    context: dict[str, Any] = {
        "person": person,
        "person_label": person_label(person),
        "referral": referral,
        "back_href": detail_href,
        "rerouting": True,
    }
    if service is None:
        context.update(_service_choices(actor, request, base, {}))
        context["directory_href"] = reverse("directory:search")
        return render(
            request, "referrals/referrer/choose_service.jinja", context, status=400 if context["form"] else 200
        )
    check = pre_flight(actor, person, service)
    question = referrer_services.consent_question(person, service) if check.consent is None else ""
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial={
            "reason_for_referral": referral.reason_for_referral,
            "information_for_service": referral.information_for_service,
            "priority": referral.priority,
        },
        name=person.full_name,
        consent_question=question,
    )
    checks = _checks(check, ignore_duplicate=referral)

    def send(data: dict[str, Any]) -> HttpResponse:
        new_referral = referrer_services.reroute(
            actor,
            referral,
            service,
            reason_for_referral=data["reason_for_referral"],
            information_for_service=data["information_for_service"],
            priority=data["priority"],
            consent_given=form.consent_given,
        )
        messages.success(
            request,
            f"Referral {new_referral.reference} has been sent to {service.name}, in place of {referral.reference}.",
        )
        return redirect("referrals:detail", referral_id=new_referral.pk)

    page = {
        "submit": "Send to this service",
        "heading": f"Send {person.full_name}'s referral on to {service.name}",
        "change_service_href": base,
    }
    return _referral_form(request, context | page, service, check, checks, form, send)
