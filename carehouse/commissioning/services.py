"""Writes for commissioning: every one checks permission and leaves an audit record in the same transaction."""

from __future__ import annotations

from django.db import transaction

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit


def queue_refresh(actor: Actor) -> None:
    """Ask the job worker to work the figures out again now."""
    from carehouse.commissioning.tasks import refresh_figures_now

    require_permission(actor, "commissioning.refresh_figures")
    with transaction.atomic():
        audit.record(actor, AuditAction.CREATE, summary="Asked for the commissioning figures to be worked out again")
        transaction.on_commit(refresh_figures_now.enqueue)
