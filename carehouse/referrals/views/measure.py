"""The receiving service records an end-of-support questionnaire with the person.

From the inbox (provider staff) or from the signed email link (a service without accounts). The
service chooses one questionnaire (``services.measures.end_of_support_instruments``), asks the
person every question on one page, and the answers are stored as the person's end-of-support
measure for this referral. It never sees the person's other measures. Only while consent lasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from carehouse.core.actor import Actor
from carehouse.core.middleware import client_ip
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures.forms import QuestionnaireForm
from carehouse.measures.models import Instrument
from carehouse.measures.views.staff import check_answers
from carehouse.referrals import links, selectors
from carehouse.referrals.models import Referral
from carehouse.referrals.services import measures as measure_services

PURPOSE = "end-of-support measure"


class EndMeasureForm(QuestionnaireForm):
    """Every question of the chosen questionnaire, and which questionnaire it is."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, instrument: Instrument) -> None:
        super().__init__(data, definition=instrument.parsed)
        self.fields["instrument"] = forms.CharField(widget=forms.HiddenInput, initial=instrument.key)


def _chosen(request: HttpRequest, instruments: list[Instrument]) -> Instrument | None:
    key = request.POST.get("instrument") if request.method == "POST" else request.GET.get("instrument")
    return next((instrument for instrument in instruments if instrument.key == key), None)


def _page(request: HttpRequest, actor: Actor, referral: Referral, *, back: str, action: str, done: str) -> HttpResponse:
    """The choose-then-answer page, shared by the inbox and the emailed link."""
    problem = measure_services.why_not(actor, referral)
    base = {"referral": referral, "back": back, "action": action}
    if problem:
        status = 400 if request.method == "POST" else 200
        return render(request, "referrals/measure/cannot.jinja", {**base, "problem": problem}, status=status)
    instruments = measure_services.end_of_support_instruments()
    instrument = _chosen(request, instruments)
    details = selectors.shared_details(referral)
    if instrument is None:
        asked = "instrument" in request.GET or "chosen" in request.GET or request.method == "POST"
        error = "Select a questionnaire" if asked else ""
        context = {**base, "instruments": instruments, "error": error, "name": details.name}
        return render(request, "referrals/measure/choose.jinja", context, status=400 if error else 200)
    form = EndMeasureForm(request.POST if request.method == "POST" else None, instrument=instrument)
    if request.method == "POST":
        if form.is_valid():
            try:
                measure_services.record_end_measure(actor, referral, instrument, form.sent())
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(
                    request, f"{instrument.title} has been recorded as {details.name}'s end-of-support measure."
                )
                return redirect(done)
        else:
            check_answers(form)
    context = {
        **base,
        "instrument": instrument,
        "definition": instrument.parsed,
        "form": form,
        "name": details.name,
    }
    return render(request, "referrals/measure/record.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.answer_referrals")
def end_measure(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    referral = selectors.get_referral(actor, referral_id, purpose=PURPOSE)
    back = reverse("referrals:inbox_detail", args=[referral.pk])
    return _page(request, actor, referral, back=back, action=request.path, done=back)


@require_http_methods(["GET", "POST"])
def end_measure_by_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        referral_id, nonce, sent_to = links.read_token(token)
    except links.LinkProblem as problem:
        return render(request, "referrals/measure/link_problem.jinja", {"problem": str(problem)}, status=403)
    actor = links.actor_for_link(Referral(pk=referral_id), sent_to, client_ip(request))
    referral = selectors.get_referral_for_link(actor, nonce=nonce)
    back = reverse("referrals:link", kwargs={"token": token})
    return _page(request, actor, referral, back=back, action=request.path, done=back)
