"""Referrals over the API: refer, move a referral on, list and read referrals and their history.

The same selectors, services and rules as the pages. Staff systems only (bearer tokens):
practitioners and link workers see and act on the referrals their organisation made; provider
staff see the referrals sent to the directory organisation theirs has claimed (never drafts), and
the person's name and what the referral says only while the person's consent covers them
(``selectors.shared_details``). A referral the caller may not see is a 404.

- ``POST /referrals`` writes a referral through ``services.referrals.create_referral`` (pre-flight
  checks, consent gate when sending). Send an ``Idempotency-Key`` header (up to 255 characters)
  so that a retry after a lost answer does not refer twice: the key is stored with a SHA-256 of
  the request body (as parsed, with defaults filled in, as canonical JSON) in the same
  transaction as the referral. The same key with the same body answers 200 with the referral
  first written and ``Idempotent-Replayed: true``; with a different body, 422. Two requests
  racing with one key write one referral: the loser finds the winner's key and replays it.
- ``POST /referrals/{id}/transition`` moves it through ``services.referrals.transition``:
  ``expected_status`` is the status the caller saw; if the referral has moved on, nothing changes
  and the answer is 409 with the current status and version. A move this party may not make is
  403; a move no one may make (or a missing reason or outcome) is 422.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from carehouse.careplans import selectors as plan_selectors
from carehouse.careplans.models import Action
from carehouse.core.actor import Actor
from carehouse.core.api import api_actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.directory import selectors as directory_selectors
from carehouse.directory.models import Service
from carehouse.people import selectors as people_selectors
from carehouse.referrals import selectors
from carehouse.referrals.models import IdempotencyKey, Priority, Referral, ReferralEvent, Source
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import Outcome, Party, ReferralState, next_states

router = Router(tags=["Referrals"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MAX_PAGE = 200
#: Field names the services use, and the names this API gives them.
SERVICE_FIELDS = {"service": "service_id", "plan_action": "plan_action_id", "goal": "plan_action_id", "status": "to"}


# -- shapes ------------------------------------------------------------------------------------


class ReferralIn(Schema):
    person_id: int = Field(description="The person referred: someone in your organisation's care")
    service_id: uuid.UUID = Field(description="The directory service referred to")
    reason_for_referral: str = Field(description="What the person would like help with (shared with the service)")
    information_for_service: str = Field("", description="Anything else the service should know (shared)")
    priority: Priority = Priority.ROUTINE
    plan_action_id: int | None = Field(None, description="The action in the person's plan this referral carries out")
    send: bool = Field(True, description="Send it now (needs consent); false keeps it as a draft")


class TransitionIn(Schema):
    to: ReferralState = Field(description="The status to move the referral to")
    expected_status: ReferralState = Field(
        description="The status you saw; if the referral has moved on since, nothing changes and the answer is 409"
    )
    reason: str = Field("", max_length=30, description="Needed for declined, ended, cancelled and on hold")
    note: str = Field("", description="Say what the reason is when it is 'other'; for completed, the outcome note")
    shared_with_service: bool = Field(True, description="False: an internal note the receiving service does not see")
    outcome: Outcome | None = Field(None, description="Needed for completed: whether the person got the help")


class ReferralOut(Schema):
    id: int
    reference: str = Field(description="The number people quote, like REF-000042")
    person_id: int
    person_name: str | None = Field(description="Null where you may not see it (consent withdrawn or expired)")
    service_id: uuid.UUID
    service_name: str
    receiving_organisation_id: uuid.UUID = Field(description="The directory organisation that runs the service")
    receiving_organisation_name: str
    reason_for_referral: str | None = Field(description="Null where you may not see it")
    information_for_service: str | None = Field(description="Null where you may not see it")
    status: ReferralState
    status_reason: str
    business_status: str
    outcome: str
    priority: Priority
    respond_by: datetime.date | None
    sent_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    version: int = Field(description="Raised by every change")
    plan_action_id: int | None
    goal_id: int | None
    replaces_id: int | None = Field(description="The referral this one was sent on from")
    next_statuses: list[ReferralState] = Field(description="Where you may move it from here")


class ReferralPage(Schema):
    items: list[ReferralOut]
    count: int = Field(description="How many referrals match, on every page")


class ReferralFilter(Schema):
    status: ReferralState | None = None
    person_id: int | None = None
    service_id: uuid.UUID | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0)


class EventOut(Schema):
    sequence: int
    kind: str
    from_status: str
    to_status: str
    party: str
    actor_label: str
    occurred_at: datetime.datetime
    reason: str
    note: str
    shared_with_service: bool


class ConflictOut(Schema):
    detail: str
    current_status: ReferralState
    version: int


# -- building the answers ----------------------------------------------------------------------


def _out(actor: Actor, referral: Referral, covered: set[int] | None = None) -> ReferralOut:
    party = services.party_for(actor, referral)
    name: str | None = None
    reason: str | None = None
    information: str | None = None
    if party == Party.REFERRER:
        name = referral.person.full_name
        reason, information = referral.reason_for_referral, referral.information_for_service
    elif party == Party.PROVIDER:
        shared = selectors.shared_details(referral, consent_active=None if covered is None else referral.pk in covered)
        if shared.consent_active:
            name, reason, information = shared.name, shared.reason_for_referral, shared.information_for_service
    return ReferralOut(
        id=referral.pk,
        reference=referral.reference,
        person_id=referral.person_id,
        person_name=name,
        service_id=referral.service_id,
        service_name=referral.service.name,
        receiving_organisation_id=referral.receiving_organization_id,
        receiving_organisation_name=referral.receiving_organization.name,
        reason_for_referral=reason,
        information_for_service=information,
        status=ReferralState(referral.status),
        status_reason=referral.status_reason,
        business_status=referral.business_status,
        outcome=referral.outcome,
        priority=Priority(referral.priority),
        respond_by=referral.respond_by,
        sent_at=referral.sent_at,
        closed_at=referral.closed_at,
        version=referral.version,
        plan_action_id=referral.plan_action_id,
        goal_id=referral.goal_id,
        replaces_id=referral.replaces_id,
        next_statuses=next_states(referral.status, party) if party is not None else [],
    )


def _event_out(event: ReferralEvent, *, show_note: bool) -> EventOut:
    return EventOut(
        sequence=event.sequence,
        kind=event.kind,
        from_status=event.from_status,
        to_status=event.to_status,
        party=event.party,
        actor_label=event.actor_label,
        occurred_at=event.occurred_at,
        reason=event.reason,
        note=event.note if show_note else "",
        shared_with_service=event.shared_with_service,
    )


def _renamed(error: ValidationError) -> ValidationError:
    """A service's field errors under the names this API uses."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {SERVICE_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()}
    )


# -- idempotency -------------------------------------------------------------------------------


def _idempotency_key(request: HttpRequest) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({IDEMPOTENCY_HEADER: f"Send an {IDEMPOTENCY_HEADER} of 1 to {MAX_KEY_LENGTH} characters"})
    return key


def request_hash(payload: ReferralIn) -> str:
    """SHA-256 of the body as parsed (defaults filled in), as canonical JSON: sorted keys, no spaces."""
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_key(actor: Actor, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=actor.user, key=key).first()


def _replayed(actor: Actor, stored: IdempotencyKey, digest: str) -> Referral:
    """The referral a key already wrote, for a retry of the same request; 422 for a different one."""
    if stored.request_hash != digest:
        raise ValidationError(
            {
                IDEMPOTENCY_HEADER: (
                    f"This {IDEMPOTENCY_HEADER} was already used for a different referral request: "
                    "send a new key for a new referral"
                )
            }
        )
    return selectors.get_referral(actor, stored.referral_id, purpose="api referral retried")


def create_with_key(
    actor: Actor,
    person_id: int,
    service: Service,
    payload: ReferralIn,
    plan_action: Action | None,
    key: str | None,
    digest: str,
) -> tuple[Referral, bool]:
    """Write the referral and its key in one transaction: (referral, replayed).

    A request that lost a race with another using the same key (the referral or the key collides
    with what the other just committed) answers with the winner's referral, as a retry would.
    """
    person = people_selectors.get_person(actor, person_id, purpose="api referral")
    try:
        with transaction.atomic():
            referral = services.create_referral(
                actor,
                person,
                service,
                reason_for_referral=payload.reason_for_referral,
                information_for_service=payload.information_for_service,
                priority=payload.priority,
                source=Source.PLAN_ACTION if plan_action is not None else Source.API,
                plan_action=plan_action,
                send=payload.send,
            )
            if key is not None:
                assert actor.user is not None  # a bearer token always acts as a user
                IdempotencyKey.objects.create(user=actor.user, key=key, request_hash=digest, referral=referral)
    except (IntegrityError, ValidationError) as error:
        stored = _stored_key(actor, key) if key is not None else None
        if stored is not None:
            return _replayed(actor, stored, digest), True
        if isinstance(error, ValidationError):
            raise _renamed(error) from error
        raise
    return referral, False


def _service(service_id: uuid.UUID) -> Service:
    try:
        return directory_selectors.get_service_to_refer(service_id)
    except Http404 as error:
        raise ValidationError({"service_id": "No service in the directory has this id"}) from error


def _plan_action(actor: Actor, action_id: int | None) -> Action | None:
    """An action in a plan the caller may see; a field error otherwise."""
    if action_id is None:
        return None
    plan_id = plan_selectors.visible_plans(actor).filter(goals__actions__pk=action_id).values_list("pk", flat=True)
    found = plan_id.first()
    if found is None:
        raise ValidationError({"plan_action_id": "No action in a plan you may see has this id"})
    plan = plan_selectors.get_plan(actor, found, audited=False)
    return plan_selectors.get_action(plan, action_id)


# -- endpoints -----------------------------------------------------------------------------------


@router.post(
    "",
    response={200: ReferralOut, 201: ReferralOut},
    summary="Refer a person to a service (send an Idempotency-Key)",
    openapi_extra={
        "parameters": [
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
                "description": "A key of your choosing, new for each referral: a retry with the same key and body "
                "returns the referral first written (200, Idempotent-Replayed: true) and writes nothing",
            }
        ]
    },
)
def create_referral(request: HttpRequest, payload: ReferralIn, response: HttpResponse) -> Status[ReferralOut]:
    """201 with the new referral; 422 for bad input, a pre-flight problem or no consent to send; 404 for a person."""
    actor = api_actor(request)
    require_permission(actor, "referrals.refer")
    key = _idempotency_key(request)
    digest = request_hash(payload)
    stored = _stored_key(actor, key) if key is not None else None
    if stored is not None:
        referral, replayed = _replayed(actor, stored, digest), True
    else:
        service = _service(payload.service_id)
        plan_action = _plan_action(actor, payload.plan_action_id)
        referral, replayed = create_with_key(actor, payload.person_id, service, payload, plan_action, key, digest)
    if replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, _out(actor, referral))
    return Status(201, _out(actor, referral))


@router.post(
    "/{referral_id}/transition",
    response={200: ReferralOut, 409: ConflictOut},
    summary="Move a referral on: accept, decline, start, pause, complete, cancel",
)
def transition(request: HttpRequest, referral_id: int, payload: TransitionIn) -> Status[ReferralOut | ConflictOut]:
    """409 when the referral is no longer in ``expected_status``; 403 when this is not yours to do; 422 otherwise."""
    actor = api_actor(request)
    require_permission(actor, "referrals.view_referrals")
    referral = selectors.get_referral(actor, referral_id, purpose="api transition")
    try:
        updated = services.transition(
            actor,
            referral,
            payload.to,
            expected_status=payload.expected_status,
            reason=payload.reason,
            note=payload.note,
            shared_with_service=payload.shared_with_service,
            outcome=payload.outcome or "",
        )
    except services.ReferralConflict as conflict:
        return Status(
            409,
            ConflictOut(
                detail=conflict.messages[0],
                current_status=ReferralState(conflict.current_status),
                version=conflict.current_version,
            ),
        )
    except ValidationError as error:
        raise _renamed(error) from error
    return Status(200, _out(actor, updated))


@router.get("", response=ReferralPage, summary="Referrals you may see, newest first")
def list_referrals(request: HttpRequest, filters: Query[ReferralFilter]) -> ReferralPage:
    actor = api_actor(request)
    require_permission(actor, "referrals.view_referrals")
    referrals = selectors.visible_referrals(actor)
    if filters.status is not None:
        referrals = referrals.filter(status=filters.status)
    if filters.person_id is not None:
        referrals = referrals.filter(person_id=filters.person_id)
    if filters.service_id is not None:
        referrals = referrals.filter(service_id=filters.service_id)
    count = referrals.count()
    page = list(referrals[filters.offset : filters.offset + filters.limit])
    people = {referral.person_id for referral in page}
    audit.record(
        actor,
        AuditAction.SEARCH,
        person_id=next(iter(people)) if len(people) == 1 else None,
        summary="Listed referrals (API)",
        changes={
            "status": filters.status or "",
            "person_id": filters.person_id,
            "service_id": str(filters.service_id) if filters.service_id else None,
            "referrals_listed": [referral.pk for referral in page],
        },
        purpose="api",
    )
    covered = selectors.covered_by_consent(page)
    return ReferralPage(items=[_out(actor, referral, covered) for referral in page], count=count)


@router.get("/{referral_id}", response=ReferralOut, summary="One referral (audited)")
def get_referral(request: HttpRequest, referral_id: int) -> ReferralOut:
    actor = api_actor(request)
    require_permission(actor, "referrals.view_referrals")
    return _out(actor, selectors.get_referral(actor, referral_id, purpose="api"))


@router.get("/{referral_id}/events", response=list[EventOut], summary="A referral's history, oldest first")
def referral_events(request: HttpRequest, referral_id: int) -> list[EventOut]:
    """The receiving service sees only what was shared with it, and no notes once consent has gone."""
    actor = api_actor(request)
    require_permission(actor, "referrals.view_referrals")
    referral = selectors.get_referral(actor, referral_id, purpose="api history")
    for_service = services.party_for(actor, referral) != Party.REFERRER
    show_notes = not for_service or selectors.shared_details(referral).consent_active
    return [
        _event_out(event, show_note=show_notes) for event in selectors.events_for(referral, for_service=for_service)
    ]
