"""The referrer's side of a referral: the caseload, the referral page and what can be done from it.

The referral page shows where the referral has got to, what was shared with the service, the
whole history (internal notes too), the messages back to the GP and the person's feedback, with
the referrer's actions: cancel, mark entered in error, add a note, send on to another service,
mark as followed up, and update the linked goal once the loop has closed. Staff of other
organisations get "not found". A person opening ``/referrals/<id>`` gets their own page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from carehouse.careplans.models import Achievement
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.referrals import presenters, selectors
from carehouse.referrals.forms_referrer import CancelForm, EnteredInErrorForm, FollowUpForm, GoalForm, NoteForm
from carehouse.referrals.models import Referral, ReferralFeedback
from carehouse.referrals.services import flags
from carehouse.referrals.services import referrer as referrer_services
from carehouse.referrals.services.referrals import ReferralConflict, party_for
from carehouse.referrals.states import Party, ReferralState, allowed

CASELOAD_PAGE = 25


# -- the caseload -----------------------------------------------------------------------------------------


def _line(referral: Referral, now: Any) -> dict[str, Any]:
    return {
        "href": reverse("referrals:detail", args=[referral.pk]),
        "reference": referral.reference,
        "person": referral.person.full_name,
        "service": referral.service.name,
        "status": presenters.status_tag(referral),
        "sent": presenters.format_date(timezone.localtime(referral.sent_at).date()) if referral.sent_at else "",
        "respond_by": presenters.format_date(referral.respond_by),
        "flags": presenters.flags_text(referral, now),
        "urgent": referral.priority == "urgent",
    }


@require_GET
@actor_required("referrals.view_caseload")
def caseload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    show = request.GET.get("show", "open")
    if show not in referrer_services.CASELOAD_FILTERS:
        show = "open"
    # "Only mine" is on unless the user asked for everyone's (the form sends mine=0).
    only_mine = request.GET.get("mine", "1") != "0"
    now = timezone.now()
    load = referrer_services.caseload(actor, show=show, only_mine=only_mine, now=now)
    assert load.referrals is not None
    page = Paginator(load.referrals, CASELOAD_PAGE).get_page(request.GET.get("page"))
    shown = [*load.overdue, *load.needs_follow_up, *page.object_list]
    referrer_services.audit_caseload(actor, shown)
    mine_param = "1" if only_mine else "0"
    filters = [
        {
            "text": f"{label} ({load.counts.get(name, 0)})",
            "href": f"?show={name}&mine={mine_param}",
            "current": name == show,
        }
        for name, (label, _) in referrer_services.CASELOAD_FILTERS.items()
    ]
    context = {
        "organisation": actor.organisation.name if actor.organisation else "",
        "overdue": [_line(r, now) for r in load.overdue],
        "follow_up": [_line(r, now) for r in load.needs_follow_up],
        "lines": [_line(r, now) for r in page.object_list],
        "page": page,
        "filters": filters,
        "show": show,
        "show_label": referrer_services.CASELOAD_FILTERS[show][0],
        "only_mine": only_mine,
        "page_query": f"?show={show}&mine={mine_param}&page=",
    }
    return render(request, "referrals/referrer/caseload.jinja", context)


# -- the referral page ------------------------------------------------------------------------------------


def _feedback(referral: Referral) -> ReferralFeedback | None:
    try:
        return referral.feedback
    except ReferralFeedback.DoesNotExist:
        return None


def _shared_rows(referral: Referral) -> list[dict[str, Any]]:
    shared = selectors.shared_details(referral)
    if not shared.consent_active:
        return []
    rows = [
        ("Name", shared.name),
        ("Date of birth", presenters.format_date(shared.date_of_birth)),
        ("Phone", shared.phone),
        ("Email", shared.email),
        ("Preferred contact", shared.preferred_contact_method),
        ("Communication needs", shared.communication_needs),
        ("Preferred language", shared.preferred_language),
        ("Postcode", shared.postcode),
        ("What they would like help with", shared.reason_for_referral),
        ("Anything else", shared.information_for_service),
    ]
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows if value]


def _gp_messages(referral: Referral) -> list[dict[str, Any]]:
    return [
        {
            "kind": message.get_kind_display(),
            "codes": [f"{code.get('display', '')} (SNOMED CT {code.get('code', '')})" for code in message.codes],
            "lines": message.body.splitlines(),
            "created": presenters.format_datetime(message.created_at),
            "filed": presenters.format_datetime(message.filed_at) if message.filed_at else "",
        }
        for message in selectors.gp_messages_for(referral)
    ]


def _detail_context(actor: Actor, referral: Referral, failed: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    failed = failed or {}
    now = timezone.now()
    status = referral.status
    can_cancel = allowed(status, ReferralState.CANCELLED, Party.REFERRER)
    can_error = allowed(status, ReferralState.ENTERED_IN_ERROR, Party.REFERRER)
    feedback = _feedback(referral)
    goal_due = referral.goal_update_due and referral.goal is not None
    initial = {"expected_status": status}
    summary = [
        ("Service", referral.service.name),
        ("Organisation", referral.receiving_organization.name),
        ("Priority", referral.get_priority_display()),
        ("Referred by", referral.referred_by.full_name if referral.referred_by else ""),
        ("Sent", presenters.format_datetime(referral.sent_at) if referral.sent_at else "Not sent"),
        ("Service to answer by", presenters.format_date(referral.respond_by)),
        ("Reason", presenters.reason_label(referral.status_reason)),
        ("Outcome", presenters.outcome_label(referral.outcome)),
        ("Sessions attended", str(referral.sessions_attended) if referral.sessions_attended else ""),
        ("Goal", referral.goal.text if referral.goal else ""),
        ("Followed up", presenters.format_datetime(referral.followed_up_at) if referral.followed_up_at else ""),
    ]
    return {
        "referral": referral,
        "person": referral.person,
        "status": presenters.status_tag(referral),
        "flags": presenters.flag_tags(referral, now),
        "flag_texts": presenters.flags_text(referral, now),
        "overdue": flags.is_overdue(referral, now),
        "summary": [{"key": {"text": k}, "value": {"text": v}} for k, v in summary if v],
        "service_href": reverse("directory:service", args=[referral.service_id]),
        "person_href": reverse("people:detail", args=[referral.person_id]),
        "shared": _shared_rows(referral),
        "consent_active": selectors.shared_details(referral).consent_active,
        "history": [
            {
                "when": presenters.format_datetime(event.occurred_at),
                "text": presenters.event_summary(event),
                "internal": not event.shared_with_service,
            }
            for event in selectors.events_for(referral, for_service=False)
        ],
        "gp_messages": _gp_messages(referral),
        "feedback": feedback,
        "replaces": referral.replaces,
        "rerouted_to": selectors.rerouted_to(referral),
        "can_cancel": can_cancel,
        "can_error": can_error,
        "can_reroute": referrer_services.can_reroute(referral),
        "can_follow_up": referrer_services.can_follow_up(referral),
        "goal_due": goal_due,
        "cancel_form": failed.get("cancel") or CancelForm(prefix="cancel", initial=initial),
        "error_form": failed.get("error") or EnteredInErrorForm(prefix="error", initial=initial),
        "note_form": failed.get("note") or NoteForm(prefix="note"),
        "follow_up_form": failed.get("follow_up") or FollowUpForm(prefix="follow"),
        "goal_form": failed.get("goal")
        or GoalForm(prefix="goal", initial={"achievement": referral.goal.achievement if referral.goal else ""}),
        "achievements": Achievement,
        # The layout's error summary reads ``form``: the one that failed, if any.
        "form": next(iter(failed.values()), None),
    }


def _referrer_referral(request: HttpRequest, referral_id: int, *, audited: bool = True) -> tuple[Actor, Referral]:
    actor = actor_of(request)
    referral = selectors.get_referral(actor, referral_id, purpose="Referrer's view", audited=audited)
    if party_for(actor, referral) != Party.REFERRER:
        raise Http404("No referral found")
    return actor, referral


def _render_detail(
    request: HttpRequest, actor: Actor, referral: Referral, failed: dict[str, forms.Form] | None, status: int = 200
) -> HttpResponse:
    return render(request, "referrals/referrer/detail.jinja", _detail_context(actor, referral, failed), status=status)


@require_GET
@actor_required("referrals.view_referrals")
def detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    if actor.role == Role.PERSON:
        from carehouse.referrals.views import person as person_views

        person_detail = getattr(person_views, "person_detail", None)
        if person_detail is None:
            raise Http404("No referral found")
        response: HttpResponse = person_detail(request, referral_id)
        return response
    if actor.role == Role.PROVIDER_STAFF:
        return redirect("referrals:inbox_detail", referral_id=referral_id)
    actor, referral = _referrer_referral(request, referral_id)
    return _render_detail(request, actor, referral, None)


def _done(request: HttpRequest, referral: Referral, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("referrals:detail", args=[referral.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@actor_required("referrals.refer")
def change_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Cancel (with a reason), or mark entered in error (saying why)."""
    actor, referral = _referrer_referral(request, referral_id, audited=False)
    to = request.POST.get("to", "")
    form: forms.Form
    if to == ReferralState.ENTERED_IN_ERROR:
        form, key = EnteredInErrorForm(request.POST, prefix="error"), "error"
    elif to == ReferralState.CANCELLED:
        form, key = CancelForm(request.POST, prefix="cancel"), "cancel"
    else:
        raise Http404("No such change")
    status = 400
    if form.is_valid():
        expected = form.cleaned_data.get("expected_status") or None
        try:
            if key == "error":
                updated = referrer_services.mark_entered_in_error(
                    actor, referral, note=form.cleaned_data["note"], expected_status=expected
                )
                return _done(request, updated, f"Referral {updated.reference} has been marked as entered in error.")
            updated = referrer_services.cancel(
                actor,
                referral,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                expected_status=expected,
            )
            return _done(request, updated, f"Referral {updated.reference} has been cancelled.")
        except ReferralConflict as conflict:
            form.add_error(None, conflict.messages)
            data = request.POST.copy()
            data[f"{form.prefix}-expected_status"] = conflict.current_status
            form.data = data
            status = 409
            referral = selectors.get_referral(actor, referral.pk, audited=False)
        except ValidationError as error:
            show_errors(form, error)
    return _render_detail(request, actor, referral, {key: form}, status=status)


def _act(
    request: HttpRequest,
    referral_id: int,
    form_class: type[forms.Form],
    key: str,
    prefix: str,
    act: Callable[[Actor, Referral, dict[str, Any]], tuple[Referral, str, str]],
) -> HttpResponse:
    """Check the posted form (``key`` on the page, ``prefix`` on its fields) and act on the referral; show the
    referral again with the errors if either fails.

    ``act`` returns the changed referral, the message to show and the part of the page to go back to.
    """
    actor, referral = _referrer_referral(request, referral_id, audited=False)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            updated, message, anchor = act(actor, referral, form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            return _done(request, updated, message, anchor)
    return _render_detail(request, actor, referral, {key: form}, status=400)


@require_POST
@actor_required("referrals.refer")
def follow_up(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(actor: Actor, referral: Referral, data: dict[str, Any]) -> tuple[Referral, str, str]:
        updated = referrer_services.follow_up(actor, referral, data["note"])
        return updated, f"Referral {updated.reference} has been marked as followed up.", ""

    return _act(request, referral_id, FollowUpForm, "follow_up", "follow", act)


@require_POST
@actor_required("referrals.refer")
def update_goal(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(actor: Actor, referral: Referral, data: dict[str, Any]) -> tuple[Referral, str, str]:
        updated = referrer_services.update_goal(actor, referral, data["achievement"])
        return updated, f"The goal has been updated: {Achievement(data['achievement']).label.lower()}.", ""

    return _act(request, referral_id, GoalForm, "goal", "goal", act)


@require_POST
@actor_required("referrals.refer")
def add_note(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(actor: Actor, referral: Referral, data: dict[str, Any]) -> tuple[Referral, str, str]:
        shared = data["shared"] == "shared"
        updated = referrer_services.add_referrer_note(actor, referral, data["note"], shared_with_service=shared)
        return updated, "Your note has been added.", "history"

    return _act(request, referral_id, NoteForm, "note", "note", act)
