"""Writes for the business case: a commissioner's local unit costs, audited, with optimistic concurrency."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carehouse.commissioning.models import UnitCost
from carehouse.commissioning.unit_costs import defaults
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit


class ChangedElsewhere(Exception):
    """Someone else changed this cost after the form was opened."""


def save_unit_cost(
    actor: Actor, activity: str, *, unit_cost_gbp: Decimal, price_year: str, source: str, version: int | None
) -> UnitCost:
    """Set the organisation's own cost for one activity (``version`` is the one the form was opened at)."""
    require_permission(actor, "commissioning.manage_local_settings")
    if actor.organisation is None:
        raise PermissionDenied("commissioning.manage_local_settings")
    default = defaults().get(activity)
    if default is None:
        raise ValueError(f"Unknown activity {activity!r}")
    with transaction.atomic():
        found = UnitCost.objects.select_for_update().filter(organisation=actor.organisation, activity=activity).first()
        if found is None:
            if version:
                raise ChangedElsewhere(activity)
            cost = UnitCost.objects.create(
                organisation=actor.organisation,
                activity=activity,
                currency=default.currency,
                unit_cost_gbp=unit_cost_gbp,
                price_year=price_year,
                source=source,
            )
            before = str(default.unit_cost_gbp)
        else:
            if version != found.version:
                raise ChangedElsewhere(activity)
            before = str(found.unit_cost_gbp)
            found.unit_cost_gbp, found.price_year, found.source = unit_cost_gbp, price_year, source
            found.version += 1
            found.save()
            cost = found
        audit.record(
            actor,
            AuditAction.UPDATE if found else AuditAction.CREATE,
            obj=cost,
            summary=f"Set the local unit cost for {activity}",
            changes={"unit_cost_gbp": [before, str(unit_cost_gbp)], "price_year": price_year},
        )
    return cost


def remove_unit_cost(actor: Actor, activity: str) -> None:
    """Go back to the shipped default for one activity."""
    require_permission(actor, "commissioning.manage_local_settings")
    with transaction.atomic():
        found = UnitCost.objects.filter(organisation=actor.organisation, activity=activity).first()
        if found is None:
            return
        audit.record(actor, AuditAction.DELETE, obj=found, summary=f"Removed the local unit cost for {activity}")
        found.delete()
