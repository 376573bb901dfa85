"""Year of Care preparation: a pack of recent results and prompts, sent before the conversation.

The person reads it and answers online; their answers appear at the start of the
conversation, when the plan is started from the pack.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import PreparationPack
from carehouse.careplans.pathways import COMMON_PREPARATION_PROMPTS, template_for
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.people.models import Person

RESULT_KEYS = ("name", "value", "unit", "taken_on", "note")
MAX_ANSWER = 5000


def default_prompts(template: str) -> list[str]:
    chosen = template_for(template)
    return list(chosen.preparation_prompts if chosen else COMMON_PREPARATION_PROMPTS)


def _clean_results(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    for number, result in enumerate(results, start=1):
        row = {key: str(result.get(key) or "").strip() for key in RESULT_KEYS}
        if not any(row.values()):
            continue
        if not row["name"] or not row["value"]:
            raise ValidationError({"results": f"Result {number}: enter both what was measured and the result"})
        cleaned.append(row)
    return cleaned


def send_preparation_pack(
    actor: Actor,
    person: Person,
    *,
    template: str = "",
    conversation_on: datetime.date | None = None,
    message: str = "",
    results: list[dict[str, Any]] | None = None,
    prompts: list[str] | None = None,
) -> PreparationPack:
    """Send the person a preparation pack: it also invites them to a care and support planning conversation."""
    require_permission(actor, "careplans.send_preparation")
    if actor.organisation is None:
        raise PermissionDenied("careplans.send_preparation")
    if template and template_for(template) is None:
        raise ValidationError({"template": "Select a template from the list, or none"})
    if conversation_on is not None and conversation_on < timezone.localdate():
        raise ValidationError({"conversation_on": "The conversation date must be today or in the future"})
    chosen_prompts = [p.strip() for p in (prompts if prompts is not None else default_prompts(template)) if p.strip()]
    if not chosen_prompts:
        raise ValidationError({"prompts": "Enter at least one question for the person to think about"})
    with transaction.atomic():
        pack = PreparationPack.objects.create(
            person=person,
            organisation=actor.organisation,
            template=template,
            conversation_on=conversation_on,
            message=message.strip(),
            results=_clean_results(results or []),
            prompts=chosen_prompts,
            answers=["" for _ in chosen_prompts],
            created_by=actor.user,
            sent_at=timezone.now(),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=pack,
            person_id=person.pk,
            summary="Sent a preparation pack",
            changes={"results": len(pack.results), "prompts": len(pack.prompts)},
        )
    return pack


def _check_person(actor: Actor, pack: PreparationPack) -> None:
    if actor.role != Role.PERSON or actor.user is None or pack.person.user_id != actor.user.pk:
        raise PermissionDenied("Only the person can answer their preparation pack")


def mark_viewed(actor: Actor, pack: PreparationPack) -> PreparationPack:
    """The person opened their pack (the first time is kept)."""
    if actor.role != Role.PERSON or pack.viewed_at is not None:
        return pack
    _check_person(actor, pack)
    with transaction.atomic():
        PreparationPack.objects.filter(pk=pack.pk, viewed_at=None).update(viewed_at=timezone.now())
        pack.refresh_from_db()
        audit.record(actor, AuditAction.READ, obj=pack, person_id=pack.person_id, summary="Opened a preparation pack")
    return pack


def answer_preparation_pack(
    actor: Actor, pack: PreparationPack, answers: list[str], *, expected_version: int, finished: bool = True
) -> PreparationPack:
    """The person's answers; ``finished`` False keeps them as a draft they can come back to."""
    require_permission(actor, "careplans.answer_preparation")
    _check_person(actor, pack)
    if len(answers) != len(pack.prompts):
        raise ValidationError("Answer each question, or leave it blank")
    cleaned = [a.strip() for a in answers]
    for number, answer in enumerate(cleaned, start=1):
        if len(answer) > MAX_ANSWER:
            raise ValidationError({f"answer_{number}": f"Answer {number} must be 5,000 characters or fewer"})
    if finished and not any(cleaned):
        raise ValidationError({"answer_1": "Answer at least one question before you send your answers"})
    with transaction.atomic():
        current = PreparationPack.objects.select_for_update().get(pk=pack.pk)
        if current.version != expected_version:
            raise ValidationError(
                "Your answers were changed somewhere else (perhaps in another window) after you opened this page. "
                "Your typing is below: check it and send it again"
            )
        if current.plan_id is not None and current.completed_at is not None:
            raise ValidationError("Your answers have already been used in your care and support plan conversation")
        current.answers = cleaned
        current.version += 1
        if finished:
            current.completed_at = timezone.now()
        current.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary="Answered a preparation pack" if finished else "Saved answers to a preparation pack",
        )
    return current
