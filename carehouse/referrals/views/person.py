"""The person's side of referrals: their referrals in plain words, referring themselves, saying how it went.

A person sees only the referrals about them (``selectors.visible_referrals``), and of a
referral's history only what is shared with the service: never a referrer's internal notes.
They may refer themselves where a service takes self-referrals (ticking their own consent),
withdraw a referral they no longer want, and, once it has ended, tell us how it went (once).
``referrer.detail`` hands ``/referrals/<id>`` to ``person_detail`` when the actor is a person.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import selectors as directory_selectors
from carehouse.directory.presenters import phone_numbers
from carehouse.people.models import Person
from carehouse.people.selectors import own_person
from carehouse.referrals import selectors
from carehouse.referrals.forms_person import FeedbackForm, SelfReferralForm, WithdrawForm
from carehouse.referrals.models import Referral
from carehouse.referrals.presenters import format_date
from carehouse.referrals.presenters_person import PersonReferralPage, feedback_of, referral_line, summary_row
from carehouse.referrals.services import person as person_services
from carehouse.referrals.services import referrals as referral_services
from carehouse.referrals.services.referrals import Check, PreFlight, ReferralConflict
from carehouse.referrals.states import CLOSING_STATES, OPEN_STATES, Reason, ReferralState

# -- pages ---------------------------------------------------------------------------------------------


def _require_person(actor: Actor) -> None:
    if actor.role != Role.PERSON:
        raise PermissionDenied("referrals.person")


@require_GET
@actor_required("referrals.view_referrals")
def mine(request: HttpRequest) -> HttpResponse:
    """The person's referrals, open ones first, each in plain words."""
    actor = actor_of(request)
    _require_person(actor)
    today = timezone.localdate()
    referrals = list(selectors.visible_referrals(actor).select_related("feedback"))
    lines = [referral_line(referral, today) for referral in referrals]
    context = {
        "current": [line for line in lines if line.referral.status in OPEN_STATES],
        "past": [line for line in lines if line.referral.status not in OPEN_STATES],
    }
    return render(request, "referrals/person/mine.jinja", context)


def _render_detail(
    request: HttpRequest,
    referral: Referral,
    *,
    withdraw_form: WithdrawForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    page = PersonReferralPage(
        referral=referral,
        today=timezone.localdate(),
        events=selectors.events_for(referral, for_service=True),
        feedback=feedback_of(referral),
        phones=phone_numbers(referral.service),
    )
    form = withdraw_form or WithdrawForm(initial={"expected_status": referral.status})
    context = {"page": page, "withdraw_form": form, "conflict": conflict, "form": form if form.is_bound else None}
    return render(request, "referrals/person/detail.jinja", context, status=status)


@require_GET
@actor_required("referrals.view_referrals")
def person_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One of the person's referrals: where it has got to, the service, the shared history, how it went."""
    actor = actor_of(request)
    _require_person(actor)
    referral = selectors.get_referral(actor, referral_id, purpose="the person's own view")
    return _render_detail(request, referral)


@require_POST
@actor_required("referrals.view_referrals")
def withdraw(request: HttpRequest, referral_id: int) -> HttpResponse:
    """ "I no longer want this referral": cancelled, because the person changed their mind."""
    actor = actor_of(request)
    _require_person(actor)
    referral = selectors.get_referral(actor, referral_id, purpose="withdraw", audited=False)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, referral, withdraw_form=form, status=400)
    try:
        updated = referral_services.transition(
            actor,
            referral,
            ReferralState.CANCELLED,
            expected_status=form.cleaned_data["expected_status"],
            reason=Reason.PERSON_DECLINED,
            note=form.cleaned_data["note"],
        )
    except ReferralConflict as error:
        # Keep what they typed; the next try is against the state the referral is in now.
        current = selectors.get_referral(actor, referral_id, audited=False)
        data = request.POST.copy()
        data["expected_status"] = current.status
        kept = WithdrawForm(data)
        kept.is_valid()
        return _render_detail(request, current, withdraw_form=kept, conflict=error.messages[0], status=409)
    except ValidationError as error:
        show_errors(form, error)
        return _render_detail(request, referral, withdraw_form=form, status=400)
    messages.info(request, f"You have withdrawn your referral to {updated.service.name}. We have let them know.")
    return redirect("referrals:detail", referral_id=updated.pk)


# -- referring yourself --------------------------------------------------------------------------------


def check_for_you(check: Check, kind: str, person: Person, service_name: str) -> str:
    """A pre-flight check, told to the person rather than to a member of staff."""
    passed = kind == "passed"
    if check.code == "route":
        if passed:
            return f"{service_name} takes referrals from people themselves"
        return (
            f"{service_name} does not take referrals from people themselves. "
            "Ask your GP practice or link worker to refer you"
        )
    if check.code == "age":
        return "Your age is within what the service takes" if passed else check.message.split(";")[0]
    if check.code == "area" and kind == "warnings":
        return "We could not check that the service covers where you live"
    if check.code == "out_of_area":
        return f"{service_name} does not cover {person.postcode}"
    if check.code == "duplicate":
        return f"You already have an open referral to {service_name}"
    if check.code == "capacity" and not passed:
        return f"{service_name} has no places free at the moment: you may have to wait"
    return check.message


def _checks(result: PreFlight, person: Person, service_name: str) -> dict[str, list[str]]:
    return {
        kind: [check_for_you(check, kind, person, service_name) for check in getattr(result, kind)]
        for kind in ("problems", "warnings", "passed")
    }


def _shared_rows(person: Person) -> list[dict[str, Any]]:
    return [
        summary_row("Name", person.full_name),
        summary_row("Date of birth", format_date(person.date_of_birth)),
        summary_row("Phone", person.phone or "None on your record"),
        summary_row("Email", person.email or "None on your record"),
        summary_row("Postcode", person.postcode or "None on your record"),
    ]


@require_http_methods(["GET", "POST"])
@actor_required("referrals.refer")
def self_refer(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    """Refer yourself to a service that takes self-referrals: checks, your request, your consent."""
    actor = actor_of(request)
    _require_person(actor)
    assert actor.user is not None
    person = own_person(actor.user)
    if person is None:
        raise Http404("No record found")
    service = directory_selectors.get_service(service_id)
    result = referral_services.pre_flight(actor, person, service)
    organisation = service.organization.name if service.organization else service.name
    form = SelfReferralForm(request.POST or None, organisation_name=organisation, needs_consent=result.consent is None)
    status = 200
    if request.method == "POST":
        status = 400
        if not result.can_refer:
            form.add_error(None, check_for_you(result.problems[0], "problems", person, service.name))
        elif form.is_valid():
            try:
                referral = person_services.self_refer(
                    actor,
                    person,
                    service,
                    reason_for_referral=form.cleaned_data["reason_for_referral"],
                    information_for_service=form.cleaned_data["information_for_service"],
                    agrees_to_share=bool(form.cleaned_data.get("agree")),
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                when = f" They should reply by {format_date(referral.respond_by)}." if referral.respond_by else ""
                messages.info(request, f"Your referral has been sent to {service.name}.{when}")
                return redirect("referrals:detail", referral_id=referral.pk)
    context = {
        "service": service,
        "organisation": organisation,
        "checks": _checks(result, person, service.name),
        "can_refer": result.can_refer,
        "duplicate_href": reverse("referrals:detail", args=[result.duplicate.pk]) if result.duplicate else "",
        "consent_given": format_date(result.consent.given_at) if result.consent else "",
        "shared_rows": _shared_rows(person),
        "form": form,
    }
    return render(request, "referrals/person/self_refer.jinja", context, status=status)


# -- feedback ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required("referrals.give_feedback")
def feedback(request: HttpRequest, referral_id: int) -> HttpResponse:
    """ "Tell us how it went": once, after the referral has ended."""
    actor = actor_of(request)
    referral = selectors.get_referral(actor, referral_id, purpose="feedback", audited=request.method == "GET")
    given = feedback_of(referral)
    form = FeedbackForm(request.POST or None, service_name=referral.service.name)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                person_services.give_feedback(
                    actor,
                    referral,
                    helpfulness=form.cleaned_data["helpfulness"],
                    would_recommend=form.recommend,
                    comments=form.cleaned_data["comments"],
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(request, "Thank you for telling us how it went.")
                return redirect("referrals:detail", referral_id=referral.pk)
    page = PersonReferralPage(referral=referral, today=timezone.localdate(), events=[], feedback=given)
    context = {
        "page": page,
        "form": form,
        "closed": referral.status in CLOSING_STATES,
        "can_give": referral.status in CLOSING_STATES and given is None,
    }
    return render(request, "referrals/person/feedback.jinja", context, status=status)
