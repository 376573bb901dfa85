"""Writes for the measurement hierarchy and incentive schemes: permission, checks, audit, one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from carehouse.commissioning import indicators
from carehouse.commissioning.incentives import weights_add_up
from carehouse.commissioning.models import HierarchyEntry, IncentiveIndicator, IncentiveScheme
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit

PAID_TO = (("practice", "GP practices"), ("provider", "Services that receive referrals (providers)"))
MAX_INDICATORS = 5
CONFLICT = (
    "Someone else changed this indicator's owner or purpose while you were editing it. "
    "Check what it says now and make your change again"
)


def _organisation(actor: Actor) -> Organisation:
    if actor.organisation is None:
        raise PermissionDenied("commissioning.manage_local_settings")
    return actor.organisation


def save_hierarchy_entry(
    actor: Actor, measure_key: str, *, owner: str, purpose: str, expected_version: int
) -> HierarchyEntry:
    """Set who owns an indicator locally and what it is used for. ``expected_version`` is 0 for a new entry."""
    require_permission(actor, "commissioning.manage_local_settings")
    organisation = _organisation(actor)
    errors: dict[str, str] = {}
    if measure_key not in indicators.BY_KEY:
        raise ValidationError({"measure_key": "Select an indicator from the list"})
    if not owner.strip():
        errors["owner"] = "Enter who owns this indicator"
    elif len(owner.strip()) > 200:
        errors["owner"] = "Owner must be 200 characters or fewer"
    if purpose not in indicators.PURPOSE_LABELS:
        errors["purpose"] = "Select what this indicator is used for"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = (
            HierarchyEntry.objects.select_for_update()
            .filter(organisation=organisation, measure_key=measure_key)
            .first()
        )
        current = entry.version if entry is not None else 0
        if current != expected_version:
            raise ValidationError({"owner": CONFLICT})
        before = {"owner": entry.owner, "purpose": entry.purpose} if entry is not None else {}
        if entry is None:
            entry = HierarchyEntry.objects.create(
                organisation=organisation, measure_key=measure_key, owner=owner.strip(), purpose=purpose
            )
            action = AuditAction.CREATE
        else:
            entry.owner = owner.strip()
            entry.purpose = purpose
            entry.version += 1
            entry.save(update_fields=["owner", "purpose", "version"])
            action = AuditAction.UPDATE
        audit.record(
            actor,
            action,
            obj=entry,
            summary=f"Set the owner and purpose of the indicator {indicators.get(measure_key).name}",
            changes={"before": before, "after": {"owner": entry.owner, "purpose": entry.purpose}},
        )
    return entry


@dataclass(frozen=True)
class IndicatorChoice:
    """One indicator of a new scheme, with thresholds and weight as fractions (0.012 = 1.2%)."""

    measure_key: str
    lower: Decimal
    upper: Decimal
    weight: Decimal


def check_scheme(
    paid_to: str, period_start: datetime.date, period_end: datetime.date, value: Decimal, chosen: list[IndicatorChoice]
) -> dict[str, str]:
    """What is wrong with a scheme, by form field (``indicator_<n>``, ``lower_<n>`` …); empty when it is fine."""
    errors: dict[str, str] = {}
    if paid_to not in dict(PAID_TO):
        errors["paid_to"] = "Select who the scheme pays"
    if period_end < period_start:
        errors["period_end"] = "The end of the period must be the same as or after its start"
    if value <= 0:
        errors["value_gbp"] = "The scheme's value must be more than £0"
    if not chosen:
        errors["indicator_1"] = "Select at least one indicator"
    if len(chosen) > MAX_INDICATORS:
        errors["indicator_1"] = f"A scheme can have at most {MAX_INDICATORS} indicators"
    seen: set[str] = set()
    for number, choice in enumerate(chosen, start=1):
        indicator = indicators.BY_KEY.get(choice.measure_key)
        if indicator is None or indicator not in indicators.PAYABLE:
            errors[f"indicator_{number}"] = "Select an indicator from the list"
            continue
        if choice.measure_key in seen:
            errors[f"indicator_{number}"] = "Choose each indicator only once"
        seen.add(choice.measure_key)
        if paid_to == "provider" and not indicator.by_provider:
            errors[f"indicator_{number}"] = (
                f"{indicator.name} cannot be worked out for each provider. Choose a referral indicator"
            )
        if indicator.is_mean:
            errors[f"indicator_{number}"] = f"{indicator.name} is an average, not a percentage. Choose another"
        if not Decimal(0) <= choice.lower <= Decimal(1):
            errors[f"lower_{number}"] = "The lower threshold must be between 0% and 100%"
        if not Decimal(0) <= choice.upper <= Decimal(1):
            errors[f"upper_{number}"] = "The upper threshold must be between 0% and 100%"
        elif choice.upper <= choice.lower:
            errors[f"upper_{number}"] = "The upper threshold must be higher than the lower threshold"
        if not Decimal(0) < choice.weight <= Decimal(1):
            errors[f"weight_{number}"] = "The weight must be more than 0% and no more than 100%"
    if chosen and "indicator_1" not in errors and not weights_add_up([choice.weight for choice in chosen]):
        total = sum((choice.weight for choice in chosen), Decimal(0)) * 100
        errors["weight_1"] = f"The weights must add up to 100%. They add up to {total.normalize():f}%"
    return errors


def create_scheme(
    actor: Actor,
    *,
    name: str,
    paid_to: str,
    period_start: datetime.date,
    period_end: datetime.date,
    value_gbp: Decimal,
    chosen: list[IndicatorChoice],
) -> IncentiveScheme:
    """Set up a CQUIN-style scheme for the commissioner's organisation."""
    require_permission(actor, "commissioning.manage_local_settings")
    organisation = _organisation(actor)
    errors = check_scheme(paid_to, period_start, period_end, value_gbp, chosen)
    if not name.strip():
        errors["name"] = "Enter a name for the scheme"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        scheme = IncentiveScheme.objects.create(
            organisation=organisation,
            name=name.strip(),
            paid_to=paid_to,
            period_start=period_start,
            period_end=period_end,
            value_gbp=value_gbp,
        )
        IncentiveIndicator.objects.bulk_create(
            IncentiveIndicator(
                scheme=scheme,
                measure_key=choice.measure_key,
                lower=choice.lower,
                upper=choice.upper,
                weight=choice.weight,
                position=position,
            )
            for position, choice in enumerate(chosen)
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=scheme,
            summary=f"Set up the incentive scheme {scheme.name}",
            changes={
                "paid_to": paid_to,
                "period": [period_start.isoformat(), period_end.isoformat()],
                "value_gbp": str(value_gbp),
                "indicators": [
                    {"key": c.measure_key, "lower": str(c.lower), "upper": str(c.upper), "weight": str(c.weight)}
                    for c in chosen
                ],
            },
        )
    return scheme


def schemes_for(actor: Actor) -> list[IncentiveScheme]:
    """The commissioner's organisation's schemes, newest first."""
    require_permission(actor, "commissioning.view_intelligence")
    organisation = _organisation(actor)
    return list(IncentiveScheme.objects.filter(organisation=organisation).order_by("-created_at", "-pk"))


def scheme_for(actor: Actor, scheme_id: int) -> IncentiveScheme | None:
    """One of the commissioner's organisation's schemes, or None if it is not theirs."""
    require_permission(actor, "commissioning.view_intelligence")
    organisation = _organisation(actor)
    return IncentiveScheme.objects.filter(organisation=organisation, pk=scheme_id).first()


def hierarchy_entries(actor: Actor) -> dict[str, HierarchyEntry]:
    require_permission(actor, "commissioning.view_intelligence")
    organisation = _organisation(actor)
    return {entry.measure_key: entry for entry in HierarchyEntry.objects.filter(organisation=organisation)}
