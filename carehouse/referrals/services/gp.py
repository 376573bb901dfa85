"""The practice's side of the messages back to the GP: filing one in the GP record."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.referrals.models import MessageToGP


def mark_filed(actor: Actor, message: MessageToGP, *, now: datetime.datetime | None = None) -> MessageToGP:
    """Record that the practice has filed the message in the GP record (once: filing again changes nothing)."""
    require_permission(actor, "referrals.view_gp_messages")
    if actor.organisation is None or message.practice_id != actor.organisation.pk:
        raise PermissionDenied("Only the practice the message is for can file it")
    now = now or timezone.now()
    with transaction.atomic():
        filed = MessageToGP.objects.filter(pk=message.pk, filed_at=None).update(filed_at=now)
        current = MessageToGP.objects.select_related("referral").get(pk=message.pk)
        if filed:
            audit.record(
                actor,
                AuditAction.UPDATE,
                obj=current,
                person_id=current.referral.person_id,
                summary=f"Filed the message to GP about referral {current.referral.reference} in the GP record",
                changes={"filed_at": now.isoformat()},
            )
    return current
