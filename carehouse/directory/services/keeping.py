"""Keeping directory entries true: claims, edits, reviews, reminders and suggestions.

Modelled on ALISS (``/work/shared/research/directory.md`` §1.5-1.6):

- provider staff claim a directory organisation for their own organisation; an administrator
  approves (the organisation is then "claimed by" theirs), refuses or later revokes the claim;
- a claimed organisation's services are kept only by provider staff of the claiming
  organisation, and by administrators;
- every changed field writes one HSDS ``metadata`` row (the per-field history) and the save
  writes one audit event, in the same transaction, raises ``version`` and reindexes search;
- "This information is still correct" marks a service reviewed, so search stops demoting it;
- reminders go to the keepers before, on and after the review falls due, each once;
- anyone may suggest a change; it applies only when a keeper or administrator accepts it.

Every write is here, in ``transaction.atomic()``; views only call these functions.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from carehouse.careplans.presenters import format_date
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.rules import has_permission, require_permission
from carehouse.core.services import audit
from carehouse.directory.models import (
    Attribute,
    ClaimStatus,
    CostOption,
    DirectoryOrganization,
    Metadata,
    OrganizationClaim,
    ReferralRoute,
    Schedule,
    Service,
    ServiceCapacity,
    ServiceStatus,
    Suggestion,
    SuggestionStatus,
    TaxonomyTerm,
    Unit,
    Weekday,
)
from carehouse.directory.search.index import reindex_services
from carehouse.directory.services.taxonomy import MORE_THAN_MEDICINE

# -- what keepers edit ------------------------------------------------------------------------------------

#: Service fields kept through the edit form, with the words a page uses for them.
SERVICE_FIELDS: dict[str, str] = {
    "name": "Name",
    "description": "Description",
    "status": "Status",
    "alert": "Alert",
    "eligibility_description": "Who the service is for",
    "minimum_age": "Minimum age",
    "maximum_age": "Maximum age",
    "fees_description": "About the cost",
    "referral_routes": "Who can refer",
    "how_to_refer": "How to refer",
    "referral_url": "Referral web address",
    "referral_email": "Referral email address",
    "response_time_days": "Response time in working days",
}
#: Values kept in child records; each maps to the HSDS name its metadata row carries.
CHILD_FIELDS: dict[str, str] = {
    "cost": "cost_option.amount",
    "capacity_available": "service_capacity.available",
    "capacity_maximum": "service_capacity.maximum",
    "capacity_waiting_list": "service_capacity.waiting_list",
    "opening_days": "schedule.byday",
    "opens_at": "schedule.opens_at",
    "closes_at": "schedule.closes_at",
    "categories": "attribute.taxonomy_term",
}
#: Every name a metadata row may carry, with its label, for the history page.
FIELD_LABELS: dict[str, str] = {
    **SERVICE_FIELDS,
    "cost_option.amount": "Cost",
    "service_capacity.available": "Places available",
    "service_capacity.maximum": "Places in total",
    "service_capacity.waiting_list": "People on the waiting list",
    "schedule.byday": "Days open",
    "schedule.opens_at": "Opens at",
    "schedule.closes_at": "Closes at",
    "attribute.taxonomy_term": "Categories",
    "assured_date": "Checked as correct",
}
#: Fields a suggestion can name and that accepting it applies directly (others are "something else").
SUGGESTABLE_FIELDS: dict[str, str] = {
    "name": "Name",
    "description": "Description",
    "alert": "Alert",
    "eligibility_description": "Who the service is for",
    "minimum_age": "Minimum age",
    "maximum_age": "Maximum age",
    "fees_description": "About the cost",
    "how_to_refer": "How to refer",
    "referral_url": "Referral web address",
    "referral_email": "Referral email address",
    "response_time_days": "Response time in working days",
}
PLACES_UNIT = "places"
COST_FREE = "free"
COST_CHARGE = "charge"
#: At most this many suggestions from one email address in an hour (against bots and floods).
SUGGESTIONS_PER_HOUR = 5


class EditConflict(Exception):
    """Someone else saved this service after the editor opened it."""

    def __init__(self, current: Service) -> None:
        super().__init__("This service was changed by someone else after you opened it")
        self.current = current


# -- who may keep what -------------------------------------------------------------------------------------


def can_keep_organization(actor: Actor | None, organization: DirectoryOrganization | None) -> bool:
    """Administrators keep everything; provider staff keep what their organisation has claimed."""
    if actor is None or not has_permission(actor, "directory.keep_entries"):
        return False
    if actor.role == Role.ADMINISTRATOR:
        return True
    return (
        actor.role == Role.PROVIDER_STAFF
        and actor.organisation is not None
        and organization is not None
        and organization.claimed_by_id == actor.organisation.pk
    )


def can_keep(actor: Actor | None, service: Service) -> bool:
    return can_keep_organization(actor, service.organization)


def require_keeper(actor: Actor | None, service: Service) -> None:
    if not can_keep(actor, service):
        raise PermissionDenied("directory.keep_entries")


def _who(actor: Actor) -> str:
    if actor.user is None:
        return "Carehouse"
    return f"{actor.user.full_name} ({actor.user.email})" if actor.user.full_name else actor.user.email


# -- reading a service as the form sees it -------------------------------------------------------------------


def _places_unit() -> Unit:
    unit = Unit.objects.filter(identifier=PLACES_UNIT).order_by("name").first()
    if unit is None:
        unit = Unit.objects.create(name="places", identifier=PLACES_UNIT, scheme="carehouse")
    return unit


def _places_capacity(service: Service) -> ServiceCapacity | None:
    return ServiceCapacity.objects.filter(service=service, unit__identifier=PLACES_UNIT).order_by("-updated").first()


def _weekly_schedule(service: Service) -> Schedule | None:
    return Schedule.objects.filter(service=service).order_by("valid_from", "dtstart", "byday", "id").first()


def _category_ids(service: Service) -> list[str]:
    ids = Attribute.objects.filter(
        link_entity="service", link_id=service.id, taxonomy_term__taxonomy_detail_id=MORE_THAN_MEDICINE
    ).values_list("taxonomy_term_id", flat=True)
    return sorted(str(term_id) for term_id in ids)


def _cost(service: Service) -> tuple[str, Decimal | None]:
    amounts = [o.amount for o in CostOption.objects.filter(service=service)]
    if not amounts:
        return "", None
    charged = [a for a in amounts if a]
    if not charged:
        return COST_FREE, None
    return COST_CHARGE, Decimal(str(charged[0])).quantize(Decimal("0.01"))


def current_values(service: Service) -> dict[str, Any]:
    """The service as the edit form holds it: its own fields and the child records we keep."""
    values: dict[str, Any] = {key: getattr(service, key) for key in SERVICE_FIELDS}
    values["referral_routes"] = list(service.referral_routes or [])
    values["cost"], values["cost_amount"] = _cost(service)
    capacity = _places_capacity(service)
    values["capacity_available"] = int(capacity.available) if capacity else None
    values["capacity_maximum"] = int(capacity.maximum) if capacity and capacity.maximum is not None else None
    values["capacity_waiting_list"] = capacity.waiting_list if capacity else None
    schedule = _weekly_schedule(service)
    days = schedule.byday if schedule else ""
    values["opening_days"] = [d for d in days.replace(" ", "").split(",") if d in Weekday.values]
    values["opens_at"] = schedule.opens_at if schedule else None
    values["closes_at"] = schedule.closes_at if schedule else None
    values["categories"] = _category_ids(service)
    return values


def has_detailed_opening_times(service: Service) -> bool:
    """True when the service has more than one schedule of its own (the form keeps one weekly pattern)."""
    return Schedule.objects.filter(service=service).count() > 1


# -- turning values into history text --------------------------------------------------------------------------


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _text(key: str, value: Any, *, amount: Decimal | None = None) -> str:
    if value is None:
        return ""
    if key == "status":
        return str(ServiceStatus(value).label) if value in ServiceStatus.values else str(value)
    if key == "referral_routes":
        labels = dict(ReferralRoute.choices)
        return "; ".join(str(labels.get(v, v)) for v in value)
    if key == "opening_days":
        labels = dict(Weekday.choices)
        return ", ".join(str(labels[d]) for d in Weekday.values if d in value)
    if key in ("opens_at", "closes_at"):
        return f"{value:%H:%M}" if isinstance(value, datetime.time) else str(value)
    if key == "categories":
        names = TaxonomyTerm.objects.filter(id__in=list(value)).order_by("name").values_list("name", flat=True)
        return "; ".join(names)
    if key == "cost":
        if value == COST_FREE:
            return "Free"
        if value == COST_CHARGE:
            return f"£{amount:.2f}" if amount is not None else "There is a charge"
        return ""
    if key in ("minimum_age", "maximum_age", "response_time_days") or key.startswith("capacity_"):
        return _number(value)
    return str(value)


def _same(key: str, before: Any, after: Any) -> bool:
    if key in ("referral_routes", "opening_days", "categories"):
        return sorted(before or []) == sorted(after or [])
    if key in ("minimum_age", "maximum_age", "response_time_days") or key.startswith("capacity_"):
        return _number(before) == _number(after)
    if isinstance(before, str) or isinstance(after, str):
        return (before or "") == (after or "")
    return bool(before == after)


# -- editing a service ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    key: str
    field_name: str
    label: str
    previous: str
    replacement: str


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in SERVICE_FIELDS or k in CHILD_FIELDS or k == "cost_amount"}
    for key in ("referral_routes", "opening_days", "categories"):
        if key in cleaned:
            cleaned[key] = sorted(str(v) for v in cleaned[key] or [])
    if "cost_amount" in cleaned and cleaned["cost_amount"] is not None:
        cleaned["cost_amount"] = Decimal(str(cleaned["cost_amount"])).quantize(Decimal("0.01"))
    return cleaned


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key, value in after.items():
        if key == "cost_amount":
            continue
        if key == "cost":
            old = _text("cost", before["cost"], amount=before["cost_amount"])
            new = _text("cost", value, amount=after.get("cost_amount"))
            if old != new:
                changes.append(FieldChange(key, CHILD_FIELDS[key], FIELD_LABELS[CHILD_FIELDS[key]], old, new))
            continue
        if _same(key, before.get(key), value):
            continue
        field_name = CHILD_FIELDS.get(key, key)
        changes.append(
            FieldChange(key, field_name, FIELD_LABELS[field_name], _text(key, before.get(key)), _text(key, value))
        )
    return changes


def _check(after: dict[str, Any], service: Service) -> None:
    """What the form checks too, checked again here because suggestions and the API also write."""
    errors: dict[str, str] = {}
    minimum = after.get("minimum_age", service.minimum_age)
    maximum = after.get("maximum_age", service.maximum_age)
    if minimum is not None and maximum is not None and float(minimum) > float(maximum):
        errors["maximum_age"] = "Maximum age must be the same as or more than the minimum age"
    if after.get("cost") == COST_CHARGE and not after.get("cost_amount"):
        errors["cost_amount"] = "Enter how much it costs"
    capacity = [after.get(k) for k in ("capacity_maximum", "capacity_waiting_list")]
    if any(v is not None for v in capacity) and after.get("capacity_available") is None:
        errors["capacity_available"] = "Enter how many places are available"
    if after.get("opens_at") and after.get("closes_at") and after["closes_at"] <= after["opens_at"]:
        errors["closes_at"] = "Closing time must be after the opening time"
    if "referral_routes" in after and not set(after["referral_routes"]) <= set(ReferralRoute.values):
        errors["referral_routes"] = "Select who can refer from the list"
    if "status" in after and after["status"] not in ServiceStatus.values:
        errors["status"] = "Select the service's status"
    if errors:
        raise ValidationError(errors)


def _apply_children(service: Service, after: dict[str, Any], changed: set[str], now: datetime.datetime) -> None:
    if "cost" in changed:
        CostOption.objects.filter(service=service).delete()
        if after["cost"] == COST_FREE:
            CostOption.objects.create(service=service, option="Free", currency="GBP", amount=0)
        elif after["cost"] == COST_CHARGE:
            CostOption.objects.create(
                service=service, option="Charge", currency="GBP", amount=float(after["cost_amount"])
            )
    if changed & {"capacity_available", "capacity_maximum", "capacity_waiting_list"}:
        capacity = _places_capacity(service)
        if after.get("capacity_available") is None:
            if capacity is not None:
                capacity.delete()
        else:
            if capacity is None:
                capacity = ServiceCapacity(service=service, unit=_places_unit())
            capacity.available = float(after["capacity_available"])
            maximum = after.get("capacity_maximum")
            capacity.maximum = float(maximum) if maximum is not None else None
            capacity.waiting_list = after.get("capacity_waiting_list")
            capacity.updated = now
            capacity.save()
    if changed & {"opening_days", "opens_at", "closes_at"}:
        Schedule.objects.filter(service=service).delete()
        days = [d for d in Weekday.values if d in after.get("opening_days", [])]
        if days:
            Schedule.objects.create(
                service=service,
                freq="WEEKLY",
                wkst="MO",
                byday=",".join(days),
                opens_at=after.get("opens_at"),
                closes_at=after.get("closes_at"),
                description="Weekly opening times",
            )
    if "categories" in changed:
        wanted = {uuid.UUID(v) for v in after["categories"]}
        mtm = Attribute.objects.filter(
            link_entity="service", link_id=service.id, taxonomy_term__taxonomy_detail_id=MORE_THAN_MEDICINE
        )
        mtm.exclude(taxonomy_term_id__in=wanted).delete()
        have = set(mtm.values_list("taxonomy_term_id", flat=True))
        terms = TaxonomyTerm.objects.filter(id__in=wanted - have, taxonomy_detail_id=MORE_THAN_MEDICINE)
        Attribute.objects.bulk_create(
            [
                Attribute(link_id=service.id, link_entity="service", taxonomy_term=term, link_type="category")
                for term in terms
            ]
        )


def update_service(
    actor: Actor,
    service: Service,
    data: dict[str, Any],
    *,
    expected_version: int,
    suggested_by: str = "",
) -> tuple[Service, list[FieldChange]]:
    """Save a keeper's changes to a service, refusing the save if it moved on since ``expected_version``.

    Only the keys present in ``data`` are compared. Each changed field becomes one HSDS metadata
    row; the save is one audit event; then ``last_modified``, ``version`` and the search index move on.
    """
    require_keeper(actor, service)
    now = timezone.now()
    with transaction.atomic():
        current = Service.objects.select_for_update(of=("self",)).select_related("organization").get(pk=service.pk)
        require_keeper(actor, current)
        if current.version != expected_version:
            raise EditConflict(current)
        after = _normalise(data)
        _check(after, current)
        before = current_values(current)
        changes = _changes(before, after)
        if not changes:
            return current, []
        changed = {c.key for c in changes}
        for key in changed & set(SERVICE_FIELDS):
            setattr(current, key, after[key])
        try:
            current.full_clean(exclude=[f.name for f in Service._meta.fields if f.name not in changed])
        except ValidationError as error:
            raise ValidationError(
                {k: v for k, v in error.message_dict.items() if k in SERVICE_FIELDS} or error.messages
            ) from error
        _apply_children(current, after, changed, now)
        current.last_modified = now
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        updated_by = _who(actor) + (f", suggested by {suggested_by}" if suggested_by else "")
        Metadata.objects.bulk_create(
            [
                Metadata(
                    resource_id=current.id,
                    resource_type="service",
                    last_action_date=now,
                    last_action_type="update",
                    field_name=c.field_name,
                    previous_value=c.previous,
                    replacement_value=c.replacement,
                    updated_by=updated_by[:255],
                )
                for c in changes
            ]
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            summary=f"Changed directory service {current.name}"[:300]
            + (f", suggested by {suggested_by}" if suggested_by else ""),
            changes={
                "fields": {c.field_name: {"from": c.previous, "to": c.replacement} for c in changes},
                "version": current.version,
            },
        )
        reindex_services([current.id])
    return current, changes


def mark_reviewed(actor: Actor, service: Service) -> Service:
    """ "This information is still correct": the service is fresh again in search, and reminders start over."""
    require_keeper(actor, service)
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        current = Service.objects.select_for_update(of=("self",)).select_related("organization").get(pk=service.pk)
        require_keeper(actor, current)
        previous = current.assured_date
        current.last_reviewed_at = now
        current.last_reviewed_by = actor.user
        current.assured_date = today
        if actor.user is not None:
            current.assurer_email = actor.user.email
        current.review_reminders_sent = 0
        current.review_reminded_at = None
        current.last_modified = now
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        Metadata.objects.create(
            resource_id=current.id,
            resource_type="service",
            last_action_date=now,
            last_action_type="reviewed",
            field_name="assured_date",
            previous_value=previous.isoformat() if previous else "",
            replacement_value=today.isoformat(),
            updated_by=_who(actor)[:255],
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            summary=f"Checked directory service {current.name} is still correct"[:300],
            changes={"assured_date": today.isoformat(), "version": current.version},
        )
        reindex_services([current.id])
    return current


# -- claims --------------------------------------------------------------------------------------------------


def _send_later(subject: str, body: str, recipients: Sequence[str]) -> None:
    """Email once the change is committed, so nobody hears of a decision that was rolled back."""
    to = [r for r in recipients if r]
    if to:
        transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=False))


def request_claim(
    actor: Actor, organization: DirectoryOrganization, *, role_at_organization: str, evidence: str
) -> OrganizationClaim:
    """Provider staff ask to keep an organisation's entry, for their own organisation."""
    require_permission(actor, "directory.claim_organisation")
    if actor.organisation is None or actor.user is None:
        raise PermissionDenied("directory.claim_organisation")
    if organization.claimed_by_id == actor.organisation.pk:
        raise ValidationError(f"{actor.organisation.name} already keeps this entry")
    if not role_at_organization.strip():
        raise ValidationError({"role_at_organization": "Enter your role at the organisation"})
    if not evidence.strip():
        raise ValidationError({"evidence": "Enter how we can check you work for the organisation"})
    waiting = ValidationError("Your organisation has already asked to keep this entry. An administrator will decide.")
    try:
        with transaction.atomic():
            if OrganizationClaim.objects.filter(
                directory_organization=organization,
                claimant_organisation=actor.organisation,
                status=ClaimStatus.WAITING,
            ).exists():
                raise waiting
            claim = OrganizationClaim.objects.create(
                directory_organization=organization,
                claimant=actor.user,
                claimant_organisation=actor.organisation,
                role_at_organization=role_at_organization.strip()[:200],
                evidence=evidence.strip(),
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=claim,
                summary=f"Asked to keep the directory entry of {organization.name}"[:300],
            )
    except IntegrityError as error:  # two tabs at once: the database keeps one waiting claim
        raise waiting from error
    return claim


def _claim_email(claim: OrganizationClaim, subject: str, lines: Iterable[str]) -> None:
    greeting = f"Dear {claim.claimant.full_name or claim.claimant.email},"
    body = "\n\n".join([greeting, *lines, "Carehouse"])
    _send_later(subject, body, [claim.claimant.email])


def _lock_claim(claim: OrganizationClaim) -> tuple[OrganizationClaim, DirectoryOrganization]:
    """The claim and its organisation as they are now, locked until the transaction ends."""
    current = (
        OrganizationClaim.objects.select_for_update()
        .select_related("directory_organization", "claimant", "claimant_organisation")
        .get(pk=claim.pk)
    )
    organization = DirectoryOrganization.objects.select_for_update().get(pk=current.directory_organization_id)
    return current, organization


def decide_claim(actor: Actor, claim: OrganizationClaim, *, approve: bool, reason: str = "") -> OrganizationClaim:
    """An administrator approves a waiting claim (the organisation is then kept by the claimant's) or refuses it."""
    require_permission(actor, "directory.decide_claims")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Enter why you are refusing the claim"})
    now = timezone.now()
    with transaction.atomic():
        current, organization = _lock_claim(claim)
        if current.status != ClaimStatus.WAITING:
            raise ValidationError("This claim has already been decided")
        current.status = ClaimStatus.APPROVED if approve else ClaimStatus.REFUSED
        current.decided_by = actor.user
        current.decided_at = now
        current.decision_reason = reason
        current.save()
        if approve:
            others = OrganizationClaim.objects.filter(
                directory_organization=organization, status=ClaimStatus.APPROVED
            ).exclude(pk=current.pk)
            others.update(
                status=ClaimStatus.REVOKED,
                decided_by=actor.user,
                decided_at=now,
                decision_reason="Another organisation's claim was approved",
            )
            organization.claimed_by = current.claimant_organisation
            organization.version = F("version") + 1
            organization.save(update_fields=["claimed_by", "version"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            summary=(
                f"{'Approved' if approve else 'Refused'} the claim of {current.claimant_organisation.name} "
                f"to keep {organization.name}"
            )[:300],
            changes={"status": current.status, "reason": reason},
        )
        name = organization.name
        if approve:
            _claim_email(
                current,
                f"You can now keep the directory entry for {name}",
                [
                    f"Your claim to keep the Carehouse directory entry for {name} has been approved.",
                    "Staff at your organisation can now change its services and confirm they are still correct. "
                    "Sign in to Carehouse and go to Directory entries.",
                ],
            )
        else:
            _claim_email(
                current,
                f"Your claim to keep the directory entry for {name} was not approved",
                [
                    f"Your claim to keep the Carehouse directory entry for {name} was not approved.",
                    f"The reason given was: {reason}",
                    "If you think this is wrong, reply to this email or ask again with more evidence.",
                ],
            )
    return current


def revoke_claim(actor: Actor, claim: OrganizationClaim, *, reason: str) -> OrganizationClaim:
    """An administrator withdraws an approved claim: the organisation is no longer kept by the claimant's."""
    require_permission(actor, "directory.decide_claims")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are revoking the claim"})
    now = timezone.now()
    with transaction.atomic():
        current, organization = _lock_claim(claim)
        if current.status != ClaimStatus.APPROVED:
            raise ValidationError("Only an approved claim can be revoked")
        current.status = ClaimStatus.REVOKED
        current.decided_by = actor.user
        current.decided_at = now
        current.decision_reason = reason
        current.save()
        if organization.claimed_by_id == current.claimant_organisation_id:
            organization.claimed_by = None
            organization.version = F("version") + 1
            organization.save(update_fields=["claimed_by", "version"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            summary=f"Revoked the claim of {current.claimant_organisation.name} to keep {organization.name}"[:300],
            changes={"status": current.status, "reason": reason},
        )
        _claim_email(
            current,
            f"You no longer keep the directory entry for {organization.name}",
            [
                f"Your organisation no longer keeps the Carehouse directory entry for {organization.name}.",
                f"The reason given was: {reason}",
            ],
        )
    return current


# -- review reminders -------------------------------------------------------------------------------------------


REMINDER_SUBJECTS = {
    1: "Directory entries to check soon",
    2: "Directory entries due for checking today",
    3: "Directory entries overdue for checking",
}


def review_base(service: Service) -> datetime.datetime | None:
    """When the service was last confirmed correct (reviewed, or assured in imported data)."""
    dates = [service.last_reviewed_at] if service.last_reviewed_at else []
    if service.assured_date:
        dates.append(datetime.datetime.combine(service.assured_date, datetime.time(), tzinfo=datetime.UTC))
    return max(dates) if dates else None


def review_due(service: Service, now: datetime.datetime | None = None) -> datetime.datetime:
    """When the next review falls due; a service never reviewed is due from when it was last changed."""
    base = review_base(service) or service.last_modified or now or timezone.now()
    return base + datetime.timedelta(days=settings.DIRECTORY_REVIEW_PERIOD_DAYS)


def reminder_stage(service: Service, now: datetime.datetime) -> int:
    """Which reminder (1, 2, 3...) is due by ``now``; 0 when none is."""
    due = review_due(service, now)
    stage = 0
    for number, offset in enumerate(sorted(settings.DIRECTORY_REMINDER_OFFSETS_DAYS), start=1):
        if now >= due + datetime.timedelta(days=offset):
            stage = number
    return stage


def _reminder_body(stage: int, services: list[tuple[Service, datetime.datetime]]) -> str:
    lines = []
    for service, due in services:
        lines.append(f"- {service.name} (check by {format_date(due)})")
    intro = {
        1: "These directory entries are due to be checked soon. Please check they are still correct.",
        2: "These directory entries are due to be checked today. Entries not checked are shown lower in "
        "search results, so people may miss them.",
        3: "These directory entries are overdue for checking. They are now shown lower in search results.",
    }.get(stage, "Please check these directory entries are still correct.")
    return "\n\n".join(
        [
            "Hello,",
            intro,
            "\n".join(lines),
            "Sign in to Carehouse, go to Directory entries and choose a service. If it is still correct, "
            "select 'This information is still correct'. If something has changed, change it.",
            "Carehouse",
        ]
    )


def send_review_reminders(now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind keepers of claimed, active services as their review falls due; never the same reminder twice.

    Reminder 1, 2 and 3 go at the offsets in ``DIRECTORY_REMINDER_OFFSETS_DAYS`` from the due date
    (before, on, after). Only the latest reminder reached is sent, so a service found late does not
    get three emails at once. One email per claiming organisation and reminder lists its services.
    """
    now = now or timezone.now()
    offsets = sorted(settings.DIRECTORY_REMINDER_OFFSETS_DAYS)
    period = datetime.timedelta(days=settings.DIRECTORY_REVIEW_PERIOD_DAYS)
    # Nothing reviewed after this can have reached even the first reminder.
    threshold = now - period - datetime.timedelta(days=offsets[0]) if offsets else now - period
    candidates = (
        Service.objects.filter(status=ServiceStatus.ACTIVE, organization__claimed_by__isnull=False)
        .filter(Q(last_reviewed_at__isnull=True) | Q(last_reviewed_at__lte=threshold))
        .filter(Q(assured_date__isnull=True) | Q(assured_date__lte=threshold.date()))
        .select_related("organization")
        .order_by("name")
    )
    groups: dict[tuple[int, int], list[Service]] = defaultdict(list)
    for service in candidates:
        stage = reminder_stage(service, now)
        if stage > service.review_reminders_sent:
            assert service.organization is not None and service.organization.claimed_by_id is not None
            groups[(service.organization.claimed_by_id, stage)].append(service)
    counts = {"services": 0, "emails": 0, "no_one_to_remind": 0}
    for number in range(1, len(offsets) + 1):
        counts[f"reminder_{number}"] = 0
    system = Actor.system("directory review reminders")
    for (organisation_id, stage), services in sorted(groups.items()):
        recipients = keepers_of(organisation_id)
        if not recipients:
            counts["no_one_to_remind"] += len(services)
            continue
        sent: list[tuple[Service, datetime.datetime]] = []
        with transaction.atomic():
            for service in services:
                # Conditional: a second run at the same moment finds nothing left to send.
                claimed = Service.objects.filter(pk=service.pk, review_reminders_sent__lt=stage).update(
                    review_reminders_sent=stage, review_reminded_at=now
                )
                if claimed:
                    sent.append((service, review_due(service, now)))
                    audit.record(
                        system,
                        AuditAction.UPDATE,
                        obj=service,
                        summary=f"Sent review reminder {stage} for directory service {service.name}"[:300],
                        changes={"reminder": stage, "recipients": len(recipients)},
                    )
            if sent:
                subject = REMINDER_SUBJECTS.get(stage, "Directory entries to check")
                _send_later(subject, _reminder_body(stage, sent), recipients)
        if sent:
            counts["services"] += len(sent)
            counts["emails"] += 1
            counts[f"reminder_{stage}"] = counts.get(f"reminder_{stage}", 0) + len(sent)
    return counts


# -- suggestions ---------------------------------------------------------------------------------------------------


def _suggested_value(field_name: str, text: str) -> Any:
    """Turn a suggestion's wording into the value the field holds; ``ValidationError`` when it cannot."""
    value = text.strip()
    if field_name in ("minimum_age", "maximum_age", "response_time_days"):
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise ValidationError(
                {"proposed_value": "The suggested value must be a number. Change the service yourself instead"}
            ) from error
        if number < 0:
            raise ValidationError({"proposed_value": "The suggested value must be 0 or more"})
        return int(number) if field_name == "response_time_days" else float(number)
    if field_name == "referral_url" and value:
        URLValidator(message="The suggested web address is not a real web address")(value)
    if field_name == "referral_email" and value:
        EmailValidator(message="The suggested email address is not in the correct format")(value)
    if field_name == "name" and not value:
        raise ValidationError({"proposed_value": "A service must have a name"})
    return value


def suggest_change(
    actor: Actor | None,
    service: Service,
    *,
    field_name: str,
    proposed_value: str,
    comment: str,
    name: str = "",
    email: str = "",
) -> Suggestion:
    """Anyone proposes a change. Signed-in staff are named from their account; the public give a name and email."""
    if field_name and field_name not in SUGGESTABLE_FIELDS:
        raise ValidationError({"field_name": "Select what you want to change"})
    if not proposed_value.strip() and not comment.strip():
        raise ValidationError({"proposed_value": "Enter the correct information"})
    user = actor.user if actor is not None and has_permission(actor, "directory.suggest_change") else None
    if user is not None:
        name, email = user.full_name, user.email
    elif not name.strip() or not email.strip():
        raise ValidationError(
            {"name": "Enter your name"} if not name.strip() else {"email": "Enter your email address"}
        )
    since = timezone.now() - datetime.timedelta(hours=1)
    if Suggestion.objects.filter(suggester_email__iexact=email.strip(), created_at__gte=since).count() >= (
        SUGGESTIONS_PER_HOUR
    ):
        raise ValidationError("You have sent a lot of suggestions in the last hour. Try again later.")
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            service=service,
            field_name=field_name,
            proposed_value=proposed_value.strip(),
            comment=comment.strip(),
            suggested_by=user,
            suggester_name=name.strip()[:200],
            suggester_email=email.strip().lower(),
        )
        audit.record(
            actor or Actor(user=None, role=None, purpose="public suggestion"),
            AuditAction.CREATE,
            obj=suggestion,
            summary=f"Suggested a change to directory service {service.name}"[:300],
            changes={"field": field_name or "something else"},
        )
    return suggestion


def decide_suggestion(actor: Actor, suggestion: Suggestion, *, accept: bool, note: str = "") -> Suggestion:
    """A keeper or administrator accepts a suggestion (its value is applied as an edit) or rejects it."""
    require_permission(actor, "directory.moderate")
    service = suggestion.service
    require_keeper(actor, service)
    note = note.strip()
    now = timezone.now()
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().select_related("service").get(pk=suggestion.pk)
        if current.status != SuggestionStatus.WAITING:
            raise ValidationError("This suggestion has already been decided")
        if accept and current.field_name:
            value = _suggested_value(current.field_name, current.proposed_value)
            version = Service.objects.filter(pk=current.service_id).values_list("version", flat=True).get()
            update_service(
                actor,
                current.service,
                {current.field_name: value},
                expected_version=version,
                suggested_by=current.suggester_name or current.suggester_email or "a member of the public",
            )
        current.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
        current.decided_by = actor.user
        current.decided_at = now
        current.decision_note = note
        current.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            summary=f"{'Accepted' if accept else 'Rejected'} a suggestion for {current.service.name}"[:300],
            changes={"status": current.status, "note": note},
        )
        if current.suggester_email:
            outcome = "made the change you suggested" if accept else "decided not to make the change you suggested"
            lines = [
                f"Dear {current.suggester_name or 'sender'},",
                f"Thank you for your suggestion about {current.service.name}. We have {outcome}.",
            ]
            if note:
                lines.append(f"Note from the team: {note}")
            lines.append("Carehouse")
            _send_later(f"Your suggestion about {current.service.name}", "\n\n".join(lines), [current.suggester_email])
    return current


# -- words -----------------------------------------------------------------------------------------------------------


def keepers_of(organisation_id: int) -> list[str]:
    """Email addresses of the active provider staff of an organisation: who keeps its claimed entries."""
    return sorted(
        Membership.objects.filter(
            organisation_id=organisation_id, role=Role.PROVIDER_STAFF, is_active=True, user__is_active=True
        ).values_list("user__email", flat=True)
    )
