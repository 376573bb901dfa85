"""Reading the messages back to the GP: a practice sees only the messages addressed to it.

Practitioners and link workers see the ``MessageToGP`` rows whose ``practice`` is the
organisation they act for (scoped by construction); anyone else sees none. Opening one writes
an audit event; a message of another practice is "not found" (404).
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import Http404

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.referrals.models import MessageToGP

RELATED = ("referral", "referral__person", "referral__service", "referral__receiving_organization", "practice")


def messages_for_practice(actor: Actor | None) -> QuerySet[MessageToGP]:
    """The messages addressed to the actor's practice: not yet filed first, then newest first."""
    messages = MessageToGP.objects.select_related(*RELATED)
    if (
        actor is None
        or actor.user is None
        or actor.role not in (Role.PRACTITIONER, Role.LINK_WORKER)
        or actor.organisation is None
    ):
        return messages.none()
    return messages.filter(practice=actor.organisation).order_by(
        F("filed_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def list_messages(actor: Actor) -> list[MessageToGP]:
    """The practice's messages, audited as one read of the list."""
    found = list(messages_for_practice(actor))
    audit.record(
        actor,
        AuditAction.READ,
        summary=f"Listed messages back to the GP ({len(found)})",
        purpose="messages to GP",
    )
    return found


def get_message(actor: Actor | None, message_id: int, *, purpose: str = "") -> MessageToGP:
    """One message to the actor's practice, audited as a read; 404 otherwise."""
    message = messages_for_practice(actor).filter(pk=message_id).first()
    if message is None or actor is None:
        raise Http404("No message found")
    audit.record(
        actor,
        AuditAction.READ,
        obj=message,
        person_id=message.referral.person_id,
        summary=f"Read the message to GP about referral {message.referral.reference}",
        purpose=purpose,
    )
    return message
