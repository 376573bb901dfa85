"""API tokens for the signed-in member of staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carehouse.core.forms import ApiTokenForm
from carehouse.core.models import ApiToken
from carehouse.core.services import accounts
from carehouse.core.views import actor_of, actor_required


@require_http_methods(["GET", "POST"])
@actor_required("core.use_api")
def api_tokens(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _, new_secret = accounts.issue_api_token(actor, form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(membership=actor.membership)
    context = {"form": form, "tokens": tokens, "new_secret": new_secret}
    return render(request, "core/api_tokens.jinja", context, status=400 if form.errors else 200)


@require_POST
@actor_required("core.use_api")
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = actor_of(request)
    token = get_object_or_404(ApiToken, pk=token_id, membership=actor.membership, revoked_at=None)
    accounts.revoke_api_token(actor, token)
    messages.info(request, f"The token {token.name} has been revoked.")
    return redirect("core:api_tokens")
