"""What the pages for keeping entries true show: worked out here so that templates hold no logic."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse

from carehouse.careplans.presenters import format_date, format_datetime
from carehouse.core.actor import Actor
from carehouse.directory.models import (
    ClaimStatus,
    DirectoryOrganization,
    Metadata,
    OrganizationClaim,
    Service,
    ServiceStatus,
    Suggestion,
    SuggestionStatus,
)
from carehouse.directory.search.engine import stale_before
from carehouse.directory.services import keeping

CLAIM_TAGS = {
    ClaimStatus.WAITING: "nhsuk-tag--blue",
    ClaimStatus.APPROVED: "nhsuk-tag--green",
    ClaimStatus.REFUSED: "nhsuk-tag--red",
    ClaimStatus.REVOKED: "nhsuk-tag--grey",
}
SUGGESTION_TAGS = {
    SuggestionStatus.WAITING: "nhsuk-tag--blue",
    SuggestionStatus.ACCEPTED: "nhsuk-tag--green",
    SuggestionStatus.REJECTED: "nhsuk-tag--grey",
}


@dataclass(frozen=True)
class Tag:
    text: str
    classes: str


def claim_tag(claim: OrganizationClaim) -> Tag:
    return Tag(str(ClaimStatus(claim.status).label), CLAIM_TAGS.get(ClaimStatus(claim.status), ""))


def suggestion_tag(suggestion: Suggestion) -> Tag:
    status = SuggestionStatus(suggestion.status)
    return Tag(str(status.label), SUGGESTION_TAGS.get(status, ""))


def is_stale(service: Service, cutoff: datetime.datetime | None = None) -> bool:
    base = keeping.review_base(service)
    return base is None or base < (cutoff or stale_before())


def last_checked(service: Service) -> str:
    base = keeping.review_base(service)
    return format_date(base) if base else "Never"


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    href: str
    edit_href: str
    history_href: str
    reviewed_href: str
    status: str
    last_checked: str
    check_by: str
    stale: bool
    waiting_suggestions: int


def service_rows(services: list[Service], waiting: Mapping[uuid.UUID, int]) -> list[ServiceRow]:
    cutoff = stale_before()
    rows = []
    for service in services:
        rows.append(
            ServiceRow(
                service=service,
                href=reverse("directory:service", kwargs={"service_id": service.id}),
                edit_href=reverse("directory:edit_service", kwargs={"service_id": service.id}),
                history_href=reverse("directory:history", kwargs={"service_id": service.id}),
                reviewed_href=reverse("directory:mark_reviewed", kwargs={"service_id": service.id}),
                status=str(ServiceStatus(service.status).label) if service.status in ServiceStatus.values else "",
                last_checked=last_checked(service),
                check_by=format_date(keeping.review_due(service)),
                stale=is_stale(service, cutoff),
                waiting_suggestions=waiting.get(service.id, 0),
            )
        )
    return rows


@dataclass(frozen=True)
class OrganisationSummary:
    organisation: DirectoryOrganization
    href: str
    kept_by: str
    service_count: int


def organisation_summaries(organisations: list[DirectoryOrganization]) -> list[OrganisationSummary]:
    return [
        OrganisationSummary(
            organisation=o,
            href=reverse("directory:organisation", kwargs={"organization_id": o.id}),
            kept_by=o.claimed_by.name if o.claimed_by else "",
            service_count=getattr(o, "service_count", 0),
        )
        for o in organisations
    ]


@dataclass(frozen=True)
class ClaimState:
    """What a provider sees about their organisation's claim on a directory organisation."""

    kept_by_us: bool
    can_claim: bool
    latest: OrganizationClaim | None
    tag: Tag | None
    message: str


def claim_state(actor: Actor, organisation: DirectoryOrganization, claims: list[OrganizationClaim]) -> ClaimState:
    ours = actor.organisation
    kept_by_us = ours is not None and organisation.claimed_by_id == ours.pk
    latest = claims[0] if claims else None
    waiting = latest is not None and latest.status == ClaimStatus.WAITING
    message = ""
    if latest is not None:
        if latest.status == ClaimStatus.WAITING:
            message = f"Your organisation asked to keep this entry on {format_date(latest.created_at)}. An administrator will check the claim and email {latest.claimant.email}."
        elif latest.status == ClaimStatus.REFUSED:
            message = (
                f"Your claim was not approved on {format_date(latest.decided_at)}. Reason: {latest.decision_reason}"
            )
        elif latest.status == ClaimStatus.REVOKED and not kept_by_us:
            message = f"Your organisation stopped keeping this entry on {format_date(latest.decided_at)}. Reason: {latest.decision_reason}"
        elif latest.status == ClaimStatus.APPROVED and kept_by_us:
            message = f"Your organisation has kept this entry since {format_date(latest.decided_at)}."
    return ClaimState(
        kept_by_us=kept_by_us,
        can_claim=not kept_by_us and not waiting,
        latest=latest,
        tag=claim_tag(latest) if latest else None,
        message=message,
    )


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    what: str
    field: str
    previous: str
    replacement: str


def history_rows(rows: list[Metadata]) -> list[HistoryRow]:
    result = []
    for row in rows:
        previous, replacement = row.previous_value, row.replacement_value
        if row.field_name == "assured_date":
            previous, replacement = _iso_date(previous), _iso_date(replacement)
        result.append(
            HistoryRow(
                when=format_datetime(row.last_action_date),
                who=row.updated_by,
                what="Checked as still correct" if row.last_action_type == "reviewed" else "Changed",
                field=keeping.FIELD_LABELS.get(row.field_name, row.field_name),
                previous=previous,
                replacement=replacement,
            )
        )
    return result


def _iso_date(text: str) -> str:
    try:
        return format_date(datetime.date.fromisoformat(text))
    except ValueError:
        return text


def suggestion_field_label(suggestion: Suggestion) -> str:
    if not suggestion.field_name:
        return "Something else"
    return keeping.SUGGESTABLE_FIELDS.get(suggestion.field_name, suggestion.field_name)


def current_value_text(suggestion: Suggestion) -> str:
    """What the field says now, to set beside the suggested wording."""
    if not suggestion.field_name:
        return ""
    value = getattr(suggestion.service, suggestion.field_name, "")
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)
