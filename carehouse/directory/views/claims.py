"""Administrators decide claims: who keeps a directory organisation's entry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_date, format_datetime
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import presenters_keeping as present
from carehouse.directory import selectors
from carehouse.directory.forms import ClaimDecisionForm, RevokeClaimForm
from carehouse.directory.models import ClaimStatus
from carehouse.directory.services import keeping


@require_GET
@actor_required("directory.decide_claims")
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", "")
    if status not in ClaimStatus.values:
        status = ""
    counts = selectors.claim_counts(actor)
    filters = [
        {"value": "", "label": "All", "count": sum(counts.values()), "current": status == ""},
        *[
            {"value": value, "label": label, "count": counts.get(value, 0), "current": status == value}
            for value, label in ClaimStatus.choices
        ],
    ]
    claims = [
        (claim, present.claim_tag(claim), format_date(claim.created_at))
        for claim in selectors.claims_queue(actor, status)
    ]
    context = {"claims": claims, "filters": filters, "status": status, "waiting": counts.get(ClaimStatus.WAITING, 0)}
    return render(request, "directory/keeping/claims.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required("directory.decide_claims")
def decide(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = actor_of(request)
    claim = selectors.get_claim(actor, claim_id)
    waiting = claim.status == ClaimStatus.WAITING
    approved = claim.status == ClaimStatus.APPROVED
    form: ClaimDecisionForm | RevokeClaimForm | None = None
    if waiting:
        form = ClaimDecisionForm(request.POST or None)
    elif approved:
        form = RevokeClaimForm(request.POST or None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            if isinstance(form, ClaimDecisionForm):
                approve = form.cleaned_data["decision"] == "approve"
                keeping.decide_claim(actor, claim, approve=approve, reason=form.cleaned_data["reason"])
                outcome = "approved" if approve else "refused"
            else:
                keeping.revoke_claim(actor, claim, reason=form.cleaned_data["reason"])
                outcome = "revoked"
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, f"The claim has been {outcome}. We have emailed {claim.claimant.email}.")
            return redirect("directory:claims")
    context = {
        "claim": claim,
        "tag": present.claim_tag(claim),
        "created": format_datetime(claim.created_at),
        "decided": format_datetime(claim.decided_at),
        "form": form,
        "waiting": waiting,
        "approved": approved,
        "currently_kept_by": claim.directory_organization.claimed_by,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "directory/keeping/claim_decision.jinja", context, status=status)
