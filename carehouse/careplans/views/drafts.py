"""Autosaved typing on the plan forms, so that nothing typed is lost.

``autosave.js`` posts a form's fields here every couple of seconds while someone types; the
form pages bring the typing back (``restore``) when it is newer than the saved plan, and a
real save discards it. A draft belongs to the user who typed it; nobody else sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST

from carehouse.careplans import selectors
from carehouse.careplans.models import CarePlan
from carehouse.careplans.presenters import format_datetime, format_time
from carehouse.careplans.services import drafts
from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required

#: The form key of About me, the one form the person themselves may autosave.
ABOUT_ME = "about-me"


def form_key(plan: CarePlan, *parts: object) -> str:
    """The key a form's draft is kept under: the plan, then which form (and which item)."""
    return "-".join(["plan", str(plan.pk), *(str(p) for p in parts)])


@dataclass(frozen=True)
class Restored:
    """Typing brought back from a draft: the form's initial values and when it was typed."""

    initial: dict[str, Any]
    saved_at: str


def restore(actor: Actor, plan: CarePlan, key: str, form: forms.Form) -> Restored | None:
    """The user's unsaved typing for this form, if it is newer than what the plan holds.

    The typing is read back through each field's own widget, so a date's day, month and year
    and a set of checkboxes come back as they were typed. The version is the one the typing
    started from: if the plan has moved on since, saving shows the conflict instead of
    overwriting someone else's change.
    """
    draft = drafts.get_draft(actor, key)
    if draft is None or draft.plan_id != plan.pk or draft.saved_at <= plan.updated_at:
        return None
    data = QueryDict(mutable=True)
    for name, value in (draft.data or {}).items():
        data.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    empty: MultiValueDict[str, Any] = MultiValueDict()
    initial = {
        name: field.widget.value_from_datadict(data, empty, form.add_prefix(name))
        for name, field in form.fields.items()
        if name != "version"
    }
    initial["version"] = draft.base_version
    return Restored(initial=initial, saved_at=format_datetime(draft.saved_at))


def discard(actor: Actor, key: str) -> None:
    drafts.discard_draft(actor, key)


@require_POST
@actor_required("careplans.edit_about_me")
def draft(request: HttpRequest, plan_id: int, form_key: str) -> HttpResponse:
    """Keep what has been typed into a plan form. JSON, for ``autosave.js``; the CSRF token is required."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, audited=False)  # saving the draft is audited instead
    if not form_key.startswith(f"plan-{plan.pk}-"):
        return JsonResponse({"error": "That form is not part of this plan"}, status=400)
    if not has_permission(actor, "careplans.edit_plan") and form_key != f"plan-{plan.pk}-{ABOUT_ME}":
        raise PermissionDenied("careplans.edit_plan")
    data = {name: values if len(values) > 1 else values[0] for name, values in request.POST.lists() if values}
    version = request.POST.get("version", "")
    try:
        saved = drafts.save_draft(
            actor, plan, form_key, data, base_version=int(version) if version.isdigit() else plan.version
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"saved_at": saved.saved_at.isoformat(), "saved_at_text": format_time(saved.saved_at)})
