"""The receiving service's side of referrals: its inbox, and the signed email link for services without accounts.

Provider staff see the referrals sent to the directory organisation their organisation has
claimed (``selectors.visible_referrals``); a service without Carehouse accounts opens one
referral from the link in its email (``links``). Both see the same page and may make the same
changes, as the receiving service: accept, decline, waiting list, start, complete, end, cancel,
and record contacts and attendance. The person's details show only while their consent lasts
(``selectors.shared_details``); internal notes never show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.core.actor import Actor
from carehouse.core.middleware import client_ip
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.referrals import links, presenters, selectors
from carehouse.referrals.forms_provider import (
    ACTION_HINTS,
    AttendanceForm,
    ContactForm,
    StatusForm,
    action_label,
)
from carehouse.referrals.models import Referral
from carehouse.referrals.services import activity, flags
from carehouse.referrals.services import referrals as services
from carehouse.referrals.services.referrals import ReferralConflict
from carehouse.referrals.states import CLOSING_STATES, Party, ReferralState, next_states

REFERRALS_PER_PAGE = 25
WITHDRAWN = "Details withdrawn (consent ended)"
WITHDRAWN_MESSAGE = (
    "The person has withdrawn their consent to share their details with your service, or it has ended. "
    "You can no longer see their details or record contact with them. You can still update the referral's status."
)


@dataclass(frozen=True)
class Tab:
    key: str
    text: str
    states: tuple[str, ...]


TABS: tuple[Tab, ...] = (
    Tab("new", "New", (ReferralState.SENT,)),
    Tab("waiting", "Waiting list", (ReferralState.ON_HOLD,)),
    Tab("active", "Active", (ReferralState.ACCEPTED, ReferralState.IN_PROGRESS)),
    Tab("closed", "Closed", tuple(sorted(CLOSING_STATES | {ReferralState.ENTERED_IN_ERROR}))),
)


# -- who is looking, and where their pages are ---------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The receiving service looking at one referral: signed in (inbox) or holding an email link."""

    actor: Actor
    referral: Referral
    token: str = ""

    @property
    def via_link(self) -> bool:
        return bool(self.token)

    def _link(self, **query: str) -> str:
        base = reverse("referrals:link", kwargs={"token": self.token})
        return f"{base}?{urlencode(query)}" if query else base

    @property
    def page_url(self) -> str:
        return self._link() if self.via_link else reverse("referrals:inbox_detail", args=[self.referral.pk])

    @property
    def status_post_url(self) -> str:
        return self._link() if self.via_link else reverse("referrals:inbox_change_status", args=[self.referral.pk])

    @property
    def contact_post_url(self) -> str:
        return self._link() if self.via_link else reverse("referrals:inbox_contact", args=[self.referral.pk])

    def status_url(self, to_state: str) -> str:
        if self.via_link:
            return self._link(action="status", to=to_state)
        return f"{reverse('referrals:inbox_change_status', args=[self.referral.pk])}?{urlencode({'to': to_state})}"

    def contact_url(self, kind: str) -> str:
        if self.via_link:
            return self._link(action="contact", kind=kind)
        return f"{reverse('referrals:inbox_contact', args=[self.referral.pk])}?{urlencode({'kind': kind})}"

    @property
    def measure_url(self) -> str:
        if self.via_link:
            return reverse("referrals:link_measure", kwargs={"token": self.token})
        return reverse("referrals:inbox_measure", args=[self.referral.pk])


def _inbox_access(request: HttpRequest, referral_id: int) -> Access:
    actor = actor_of(request)
    referral = selectors.get_referral(
        actor, referral_id, purpose="answering a referral", audited=request.method == "GET"
    )
    return Access(actor=actor, referral=referral)


def _link_actor(request: HttpRequest, referral_id: int, sent_to: str) -> Actor:
    """The actor for a checked link, before the referral is read (``links.actor_for_link`` wants the referral)."""
    return Actor(
        user=None,
        role=Role.PROVIDER_STAFF,
        organisation=None,
        ip_address=client_ip(request),
        purpose=f"signed email link sent to {sent_to}"[:120],
        via_referral_link=referral_id,
    )


def _link_problem(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "referrals/provider/link_problem.jinja", {"problem": message}, status=400)


# -- the inbox ------------------------------------------------------------------------------------------


def _row(referral: Referral, now: Any, covered: set[int]) -> dict[str, Any]:
    details = selectors.shared_details(referral, timezone.localdate(now), consent_active=referral.pk in covered)
    return {
        "referral": referral,
        "href": reverse("referrals:inbox_detail", args=[referral.pk]),
        "name": details.name if details.consent_active else WITHDRAWN,
        "consent_active": details.consent_active,
        "service": referral.service.name,
        "status": presenters.status_tag(referral),
        "overdue": presenters.overdue_tag() if flags.is_overdue(referral, now) else None,
        "flags": presenters.flags_text(referral, now) if referral.status not in CLOSING_STATES else [],
        "sent": presenters.format_date(referral.sent_at),
        "respond_by": presenters.format_date(referral.respond_by) if referral.status == ReferralState.SENT else "",
        "not_opened": referral.viewed_at is None,
        "urgent": referral.priority == "urgent",
    }


@require_GET
@actor_required("referrals.answer_referrals")
def inbox(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    tabs = {tab.key: tab for tab in TABS}
    current = tabs.get(request.GET.get("tab", ""), TABS[0])
    referrals = selectors.visible_referrals(actor)
    counts = referrals.aggregate(
        **{tab.key: Count("pk", filter=Q(status__in=tab.states)) for tab in TABS},
        overdue=Count("pk", filter=flags.overdue_q()),
    )
    chosen = referrals.filter(status__in=current.states)
    if current.key == "new":
        chosen = chosen.order_by("respond_by", "sent_at", "pk")
    elif current.key == "closed":
        chosen = chosen.order_by("-closed_at", "-pk")
    else:
        chosen = chosen.order_by("-last_activity_at", "-pk")
    page = Paginator(chosen, REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    covered = selectors.covered_by_consent(page.object_list, timezone.localdate(now))
    rows = [_row(referral, now, covered) for referral in page.object_list]
    audit.record(
        actor,
        AuditAction.SEARCH,
        summary=f"Listed referrals to the service: {current.text.lower()}, page {page.number}",
        changes={"tab": current.key, "page": page.number, "shown": [row["referral"].pk for row in rows]},
    )
    context = {
        "tabs": [
            {
                "text": tab.text,
                "count": counts[tab.key],
                "href": f"?{urlencode({'tab': tab.key})}",
                "current": tab.key == current.key,
            }
            for tab in TABS
        ],
        "current": current,
        "overdue_count": counts["overdue"],
        "page": page,
        "rows": rows,
        "query": urlencode({"tab": current.key}),
    }
    return render(request, "referrals/provider/inbox.jinja", context)


# -- one referral ---------------------------------------------------------------------------------------


def _detail_context(access: Access) -> dict[str, Any]:
    referral = access.referral
    now = timezone.now()
    details = selectors.shared_details(referral, timezone.localdate(now))
    moves = next_states(referral.status, Party.PROVIDER)
    actions = [
        {
            "text": action_label(state, referral.status),
            "href": access.status_url(state),
            "classes": "" if state == ReferralState.ACCEPTED else "nhsuk-button--secondary",
        }
        for state in moves
    ]
    can_record = referral.status in activity.ACTIVE_STATES and details.consent_active
    history = [
        {"when": presenters.format_datetime(event.occurred_at), "text": presenters.event_summary(event)}
        for event in reversed(selectors.events_for(referral, for_service=True))
    ]
    return {
        "access": access,
        "referral": referral,
        "details": details,
        "withdrawn_message": WITHDRAWN_MESSAGE,
        "status": presenters.status_tag(referral),
        "overdue": presenters.overdue_tag() if flags.is_overdue(referral, now) else None,
        "flags": presenters.flags_text(referral, now) if referral.status not in CLOSING_STATES else [],
        "reason": presenters.reason_label(referral.status_reason),
        "outcome": presenters.outcome_label(referral.outcome),
        "sent": presenters.format_date(referral.sent_at),
        "respond_by": presenters.format_date(referral.respond_by),
        "date_of_birth": presenters.format_date(details.date_of_birth),
        "first_contact": presenters.format_datetime(referral.first_contact_at),
        "actions": actions,
        "can_record": can_record,
        "contact_url": access.contact_url("contact") if can_record else "",
        "attendance_url": access.contact_url("attendance") if can_record else "",
        "measure_url": access.measure_url if referral.status == ReferralState.COMPLETED else "",
        "history": history,
    }


def _detail(request: HttpRequest, access: Access) -> HttpResponse:
    referral = activity.mark_viewed(access.actor, access.referral)
    access = Access(actor=access.actor, referral=referral, token=access.token)
    return render(request, "referrals/provider/detail.jinja", _detail_context(access))


@require_GET
@actor_required("referrals.answer_referrals")
def inbox_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _detail(request, _inbox_access(request, referral_id))


def _status_form_page(
    request: HttpRequest, access: Access, form: StatusForm, *, status: int = 200, still_possible: bool = True
) -> HttpResponse:
    to_state = form.to_state
    context = {
        "access": access,
        "referral": access.referral,
        "form": form,
        "to": to_state,
        "heading": action_label(to_state, str(form["expected_status"].value() or access.referral.status)),
        "hint": ACTION_HINTS.get(to_state, ""),
        "status_tag": presenters.status_tag(access.referral),
        "still_possible": still_possible,
        "post_url": access.status_post_url,
    }
    return render(request, "referrals/provider/status.jinja", context, status=status)


def _success_message(referral: Referral) -> str:
    state = ReferralState(referral.status)
    if state == ReferralState.ACCEPTED:
        return f"You have accepted referral {referral.reference}. The referrer has been told."
    if state == ReferralState.REJECTED:
        return f"You have declined referral {referral.reference}. The referrer has been told."
    if state == ReferralState.ON_HOLD:
        return f"Referral {referral.reference} is on hold: {presenters.reason_label(referral.status_reason).lower()}."
    if state == ReferralState.IN_PROGRESS:
        return f"Referral {referral.reference}: the person is now getting support."
    if state == ReferralState.COMPLETED:
        return f"You have completed referral {referral.reference}. The referrer has been told the outcome."
    return f"Referral {referral.reference} is now {referral.get_status_display().lower()}. The referrer has been told."


def _status(request: HttpRequest, access: Access) -> HttpResponse:
    referral = access.referral
    source = request.POST if request.method == "POST" else request.GET
    try:
        to_state = ReferralState(source.get("to", ""))
    except ValueError as error:
        raise Http404("No such change") from error
    if request.method != "POST":
        if to_state not in next_states(referral.status, Party.PROVIDER):
            messages.info(request, "That change is not possible now. Check the referral's status.")
            return redirect(access.page_url)
        form = StatusForm(initial={"expected_status": referral.status, "to": to_state}, to_state=to_state)
        return _status_form_page(request, access, form)
    form = StatusForm(request.POST, to_state=to_state)
    if not form.is_valid():
        return _status_form_page(request, access, form, status=400)
    data = form.cleaned_data
    try:
        changed = services.transition(
            access.actor,
            referral,
            to_state,
            expected_status=data["expected_status"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            outcome=data.get("outcome", ""),
        )
    except ReferralConflict as conflict:
        fresh = _reread(access)
        kept = request.POST.copy()
        kept["expected_status"] = conflict.current_status
        form = StatusForm(kept, to_state=to_state)
        form.is_valid()
        form.add_error(None, conflict.messages[0])
        possible = to_state in next_states(conflict.current_status, Party.PROVIDER)
        fresh_access = Access(actor=access.actor, referral=fresh, token=access.token)
        return _status_form_page(request, fresh_access, form, status=409, still_possible=possible)
    except ValidationError as error:
        show_errors(form, error)
        return _status_form_page(request, access, form, status=400)
    messages.info(request, _success_message(changed))
    if changed.status == ReferralState.COMPLETED and data.get("record_measure"):
        return redirect(access.measure_url)
    return redirect(access.page_url)


def _reread(access: Access) -> Referral:
    """The referral as it is now, after someone else changed it (not audited again: the page was)."""
    if access.via_link:
        return selectors.get_referral_for_link(access.actor, nonce=access.referral.provider_link_nonce, audited=False)
    return selectors.get_referral(access.actor, access.referral.pk, audited=False)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.answer_referrals")
def change_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _status(request, _inbox_access(request, referral_id))


def _contact_form(kind: str, data: Any = None) -> forms.Form:
    if kind == "attendance":
        return AttendanceForm(data, initial={"kind": "attendance"})
    return ContactForm(data, initial={"kind": "contact", "contact_on": timezone.localdate()})


def _contact_page(request: HttpRequest, access: Access, kind: str, form: forms.Form, status: int = 200) -> HttpResponse:
    context = {
        "access": access,
        "referral": access.referral,
        "form": form,
        "kind": kind,
        "heading": "Record attendance at a session" if kind == "attendance" else "Record contact with the person",
        "name": selectors.shared_details(access.referral).name,
        "post_url": access.contact_post_url,
    }
    return render(request, "referrals/provider/contact.jinja", context, status=status)


def _contact(request: HttpRequest, access: Access) -> HttpResponse:
    referral = access.referral
    source = request.POST if request.method == "POST" else request.GET
    kind = "attendance" if source.get("kind") == "attendance" else "contact"
    if request.method != "POST":
        if referral.status not in activity.ACTIVE_STATES or not selectors.shared_details(referral).consent_active:
            messages.info(request, "You cannot record contact with the person on this referral now.")
            return redirect(access.page_url)
        return _contact_page(request, access, kind, _contact_form(kind))
    form = _contact_form(kind, request.POST)
    if not form.is_valid():
        return _contact_page(request, access, kind, form, status=400)
    data = form.cleaned_data
    try:
        if isinstance(form, ContactForm):
            activity.record_contact(
                access.actor,
                referral,
                when=form.when(),
                method=data["method"],
                result=data["result"],
                note=data.get("note", ""),
            )
            messages.info(request, "The contact has been recorded.")
        else:
            activity.record_attendance(
                access.actor,
                referral,
                session_on=data["session_on"],
                attended=data["attended"] == "yes",
                note=data.get("note", ""),
            )
            messages.info(request, "The attendance has been recorded.")
    except ValidationError as error:
        show_errors(form, error)
        return _contact_page(request, access, kind, form, status=400)
    return redirect(access.page_url)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.answer_referrals")
def record_contact(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _contact(request, _inbox_access(request, referral_id))


# -- the emailed link -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """One referral, answered from the signed link in the service's email: no Carehouse account needed."""
    try:
        referral_id, nonce, sent_to = links.read_token(token)
    except links.LinkProblem as problem:
        return _link_problem(request, str(problem))
    actor = _link_actor(request, referral_id, sent_to)
    try:
        referral = selectors.get_referral_for_link(actor, nonce=nonce, audited=request.method == "GET")
    except Http404:
        return _link_problem(
            request,
            "This link no longer works: the referral has been closed, sent on or withdrawn since it was sent. "
            "Contact the referrer if you need to know more",
        )
    actor = links.actor_for_link(referral, sent_to, client_ip(request))
    access = Access(actor=actor, referral=referral, token=token)
    action = (request.POST if request.method == "POST" else request.GET).get("action", "")
    if action == "status":
        return _status(request, access)
    if action == "contact":
        return _contact(request, access)
    if request.method == "POST":
        return HttpResponseRedirect(access.page_url)
    return _detail(request, access)
