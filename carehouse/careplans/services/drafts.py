"""Autosaved drafts: what someone has typed into a plan form but not saved yet.

The browser sends the form's fields every few seconds while someone types; opening the form
again brings the typing back. A draft is the user's own: nobody else sees it. Saving the form
for real discards the draft.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import CarePlan, FormDraft
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit

MAX_FIELDS = 60
MAX_VALUE = 10_000
#: Fields never kept in a draft.
SKIPPED = frozenset({"csrfmiddlewaretoken", "version"})


def _clean(data: dict[str, Any]) -> dict[str, str | list[str]]:
    cleaned: dict[str, str | list[str]] = {}
    for key, value in list(data.items())[:MAX_FIELDS]:
        if key in SKIPPED:
            continue
        if isinstance(value, list):
            cleaned[key] = [str(v)[:MAX_VALUE] for v in value]
        else:
            cleaned[key] = str(value)[:MAX_VALUE]
    return cleaned


def save_draft(actor: Actor, plan: CarePlan, form_key: str, data: dict[str, Any], *, base_version: int) -> FormDraft:
    if actor.user is None:
        raise ValidationError("Sign in to keep a draft")
    if not form_key or len(form_key) > 120:
        raise ValidationError("Unknown form")
    cleaned = _clean(data)
    with transaction.atomic():
        draft, created = FormDraft.objects.select_for_update().get_or_create(
            user=actor.user,
            form_key=form_key,
            defaults={"plan": plan, "data": cleaned, "base_version": base_version, "saved_at": timezone.now()},
        )
        if not created:
            if draft.data == cleaned:
                return draft
            draft.plan = plan
            draft.data = cleaned
            draft.base_version = base_version
            draft.saved_at = timezone.now()
            draft.save()
        audit.record(actor, AuditAction.UPDATE, obj=draft, person_id=plan.person_id, summary="Autosaved typing")
    return draft


def get_draft(actor: Actor, form_key: str) -> FormDraft | None:
    if actor.user is None:
        return None
    return FormDraft.objects.filter(user=actor.user, form_key=form_key).first()


def discard_draft(actor: Actor, form_key: str) -> None:
    if actor.user is not None:
        FormDraft.objects.filter(user=actor.user, form_key=form_key).delete()
