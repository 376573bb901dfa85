"""Every change to a referral goes through these functions.

``transition`` is the one place a referral changes state: it works out which party the actor is
(``party_for``), checks ``states.TRANSITIONS`` and the reasons, applies the change with a
conditional ``UPDATE`` (so of two people acting at once exactly one wins and the other gets a
``ReferralConflict``), appends one ``ReferralEvent`` and writes the audit event, all in one
transaction. Closing the loop (``loop.on_closed``) runs in the same transaction.

Before a referral is written, ``pre_flight`` checks what the directory knows: does the service
take referrals by this route, is the person the right age, in the area, is there a place, is
there already an open referral, and is there consent that covers the receiving organisation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from carehouse.careplans.models import Action, Goal
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.directory import geography
from carehouse.directory.models import (
    ReferralRoute,
    SearchArea,
    SearchEntry,
    Service,
    ServiceCapacity,
    ServiceStatus,
)
from carehouse.people.models import Consent, ConsentPurpose, Person
from carehouse.referrals.models import EventKind, Priority, Referral, ReferralEvent, Source, new_link_nonce
from carehouse.referrals.states import (
    CLOSING_STATES,
    OPEN_STATES,
    REASONS,
    TRANSITIONS,
    Outcome,
    Party,
    Reason,
    ReferralState,
    allowed,
    reasons_for,
)

MAX_TEXT = 5000
#: Consent purposes that let a community service see what a referral shares.
REFERRAL_CONSENT_PURPOSES = (ConsentPurpose.SOCIAL_PRESCRIBING, ConsentPurpose.DIRECT_CARE)


class ReferralConflict(ValidationError):
    """Someone else changed the referral first: nothing was changed (409 in pages and the API)."""

    def __init__(self, referral: Referral, message: str = "") -> None:
        self.current_status = referral.status
        self.current_version = referral.version
        super().__init__(
            message
            or (
                f"Someone else has just changed this referral: it is now "
                f"“{referral.get_status_display().lower()}”. Nothing was changed. Check it and try again"
            ),
            code="conflict",
        )


# -- who is acting -----------------------------------------------------------------------------------


def party_for(actor: Actor | None, referral: Referral) -> Party | None:
    """How the actor stands to this referral, or None when they have no part in it."""
    if actor is None:
        return None
    if actor.user is None and actor.role is None:
        return Party.SYSTEM
    if actor.via_referral_link is not None:
        return Party.PROVIDER if actor.via_referral_link == referral.pk else None
    if actor.user is None:
        return None
    if actor.role == Role.PROVIDER_STAFF and actor.organisation is not None:
        claimed_by = referral.receiving_organization.claimed_by_id
        if claimed_by is not None and claimed_by == actor.organisation.pk and referral.status != ReferralState.DRAFT:
            return Party.PROVIDER
        return None
    if actor.gives_direct_care and actor.organisation is not None:
        return Party.REFERRER if referral.referring_organisation_id == actor.organisation.pk else None
    if actor.role == Role.PERSON and referral.person.user_id == actor.user.pk:
        return Party.PERSON
    return None


def require_party(actor: Actor | None, referral: Referral) -> Party:
    party = party_for(actor, referral)
    if party is None:
        raise PermissionDenied("referrals.act")
    return party


# -- before referring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str
    message: str


@dataclass
class PreFlight:
    """What the directory says about referring this person to this service, shown before the form."""

    problems: list[Check] = field(default_factory=list)
    warnings: list[Check] = field(default_factory=list)
    passed: list[Check] = field(default_factory=list)
    consent: Consent | None = None
    duplicate: Referral | None = None
    places_available: float | None = None
    waiting_list: int | None = None

    @property
    def can_refer(self) -> bool:
        return not self.problems


def routes_for(actor: Actor) -> set[str]:
    """The directory referral routes the actor's role may use."""
    if actor.role == Role.PERSON:
        return {ReferralRoute.SELF_REFERRAL}
    if actor.role == Role.LINK_WORKER:
        return {ReferralRoute.LINK_WORKERS, ReferralRoute.PROFESSIONALS}
    if actor.role == Role.PRACTITIONER:
        return {ReferralRoute.PROFESSIONALS}
    return set()


def covering_consent(person: Person, service: Service, on: datetime.date | None = None) -> Consent | None:
    """The person's active consent that lets the service's organisation see what a referral shares."""
    organization = service.organization
    if organization is None:
        return None
    covers = Q(recipient_directory_organisations=organization)
    if organization.claimed_by_id is not None:
        covers |= Q(recipient_organisations=organization.claimed_by_id)
    return (
        Consent.objects.active(on)
        .filter(person=person, purpose__in=REFERRAL_CONSENT_PURPOSES)
        .filter(covers)
        .order_by("-given_at", "-pk")
        .first()
    )


def consent_covers(referral: Referral, on: datetime.date | None = None) -> bool:
    """Whether the receiving service may see the person's details now: a covering consent is still active."""
    return covering_consent(referral.person, referral.service, on) is not None


def open_referral_for(person: Person, service: Service) -> Referral | None:
    return Referral.objects.filter(person=person, service=service, status__in=sorted(OPEN_STATES)).first()


def _area_check(person: Person, service: Service, result: PreFlight) -> None:
    entry = SearchEntry.objects.filter(service=service).first()
    if entry is None or not entry.has_areas:
        result.passed.append(Check("area", "The service does not limit where people live"))
        return
    if not person.postcode:
        result.warnings.append(Check("area", "We could not check the area: the person has no postcode on record"))
        return
    try:
        place = geography.locate(person.postcode)
    except ValidationError:
        result.warnings.append(Check("area", f"We could not check the area: we do not know where {person.postcode} is"))
        return
    if SearchArea.objects.filter(entry=entry, code__in=sorted(place.area_codes)).exists():
        result.passed.append(Check("area", f"{person.postcode} is in the area the service covers"))
    else:
        result.problems.append(
            Check("out_of_area", f"{service.name} does not cover {person.postcode}: choose a service that covers it")
        )


def pre_flight(actor: Actor, person: Person, service: Service, on: datetime.date | None = None) -> PreFlight:
    """Check routes, status, age, area, capacity, duplicates and consent before a referral is written."""
    day = on or timezone.localdate()
    result = PreFlight()
    if service.status != ServiceStatus.ACTIVE:
        result.problems.append(Check("inactive", f"{service.name} is {service.get_status_display().lower()}"))
    if service.organization is None:
        result.problems.append(Check("no_organisation", f"{service.name} has no organisation to receive referrals"))
    if not service.accepts_referrals:
        result.problems.append(Check("no_referrals", f"{service.name} does not take referrals: people just go along"))
    elif not routes_for(actor) & set(service.referral_routes):
        routes = ", ".join(ReferralRoute(r).label.lower() for r in service.referral_routes if r in ReferralRoute.values)
        result.problems.append(Check("route", f"{service.name} takes referrals only from: {routes}"))
    else:
        result.passed.append(Check("route", f"{service.name} takes referrals like this one"))
    age = person.age_on(day)
    too_young = service.minimum_age is not None and age < service.minimum_age
    too_old = service.maximum_age is not None and age > service.maximum_age
    if too_young or too_old:
        bounds = " to ".join(f"{a:g}" for a in (service.minimum_age, service.maximum_age) if a is not None)
        result.problems.append(Check("age", f"{service.name} is for people aged {bounds}; the person is {age}"))
    else:
        result.passed.append(Check("age", f"The person's age ({age}) is within what the service takes"))
    _area_check(person, service, result)
    capacity = ServiceCapacity.objects.filter(service=service).order_by("-updated").first()
    if capacity is not None:
        result.places_available = capacity.available
        result.waiting_list = capacity.waiting_list
        if capacity.available <= 0:
            waiting = f" ({capacity.waiting_list} people waiting)" if capacity.waiting_list else ""
            result.warnings.append(
                Check("capacity", f"{service.name} has no places free at the moment{waiting}: the person may wait")
            )
        else:
            result.passed.append(Check("capacity", f"{capacity.available:g} places free"))
    result.duplicate = open_referral_for(person, service)
    if result.duplicate is not None:
        result.problems.append(
            Check(
                "duplicate",
                f"{person.full_name} already has an open referral to {service.name} ({result.duplicate.reference})",
            )
        )
    result.consent = covering_consent(person, service, day)
    return result


# -- events ------------------------------------------------------------------------------------------


def actor_label(actor: Actor, party: Party) -> str:
    if party == Party.SYSTEM:
        return "Carehouse (automatic)"
    if actor.via_referral_link is not None:
        return f"The service, from the emailed link ({actor.purpose.removeprefix('signed email link sent to ')})"
    return actor.label


def append_event(
    actor: Actor,
    referral: Referral,
    party: Party,
    kind: EventKind,
    *,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    note: str = "",
    shared_with_service: bool = True,
    details: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> ReferralEvent:
    """Add the next event to a referral's history. Call inside a transaction that has locked the referral."""
    last = ReferralEvent.objects.filter(referral=referral).aggregate(last=Max("sequence"))["last"] or 0
    return ReferralEvent.objects.create(
        referral=referral,
        sequence=last + 1,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        party=party,
        actor_user=actor.user,
        actor_label=actor_label(actor, party)[:300],
        occurred_at=now or timezone.now(),
        reason=reason,
        note=note,
        shared_with_service=shared_with_service,
        details=details or {},
    )


def lock(referral: Referral) -> Referral:
    """The referral's current row, locked for the rest of the transaction (a write lock on SQLite too)."""
    Referral.objects.filter(pk=referral.pk).update(updated_at=timezone.now())
    return Referral.objects.select_related("person", "service", "receiving_organization", "consent").get(pk=referral.pk)


# -- creating and sending ----------------------------------------------------------------------------


def _clean_text(value: str, label: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({label: "Enter what the person would like help with"})
    if len(text) > MAX_TEXT:
        raise ValidationError({label: f"Must be {MAX_TEXT:,} characters or fewer"})
    return text


def _may_refer(actor: Actor, person: Person) -> None:
    from carehouse.people.selectors import visible_people

    if actor.role == Role.PERSON:
        if actor.user is None or person.user_id != actor.user.pk:
            raise PermissionDenied("referrals.refer")
        return
    if not actor.gives_direct_care or actor.organisation is None:
        raise PermissionDenied("referrals.refer")
    if not visible_people(actor).filter(pk=person.pk).exists():
        raise PermissionDenied("referrals.refer")


def create_referral(
    actor: Actor,
    person: Person,
    service: Service,
    *,
    reason_for_referral: str,
    information_for_service: str = "",
    priority: str = Priority.ROUTINE,
    source: str = Source.DIRECTORY,
    plan_action: Action | None = None,
    goal: Goal | None = None,
    replaces: Referral | None = None,
    send: bool = True,
    now: datetime.datetime | None = None,
) -> Referral:
    """Write a referral (checked by ``pre_flight`` first) and, with ``send``, send it.

    A plan action's goal becomes the referral's goal. Practitioners and link workers refer
    people in their care; a person refers only themselves, and only where the service takes
    self-referrals. Sending needs consent (``send_referral``).
    """
    _may_refer(actor, person)
    now = now or timezone.now()
    problems: dict[str, str] = {}
    reason_text = _clean_text(reason_for_referral, "reason_for_referral", required=True)
    information = _clean_text(information_for_service, "information_for_service")
    if priority not in Priority.values:
        problems["priority"] = "Select routine or urgent"
    if plan_action is not None:
        if plan_action.goal.plan.person_id != person.pk:
            problems["plan_action"] = "Select an action from this person's plan"
        goal = plan_action.goal
    if goal is not None and goal.plan.person_id != person.pk:
        problems["goal"] = "Select a goal from this person's plan"
    check = pre_flight(actor, person, service, now.date())
    for problem in check.problems:
        problems.setdefault("service", problem.message)
    if problems:
        raise ValidationError(problems)
    assert service.organization is not None
    self_referral = actor.role == Role.PERSON
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                person=person,
                service=service,
                receiving_organization=service.organization,
                referring_organisation=None if self_referral else actor.organisation,
                referred_by=actor.user,
                source=Source.SELF_REFERRAL if self_referral else source,
                priority=priority,
                plan_action=plan_action,
                goal=goal,
                replaces=replaces,
                reason_for_referral=reason_text,
                information_for_service=information,
                last_activity_at=now,
            )
            party = Party.PERSON if self_referral else Party.REFERRER
            append_event(
                actor,
                referral,
                party,
                EventKind.CREATED,
                to_status=ReferralState.DRAFT,
                details={"service": service.name, "source": referral.source},
                now=now,
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=referral,
                person_id=person.pk,
                summary=f"Started a referral to {service.name}",
                changes={"service_id": str(service.id), "source": referral.source, "priority": priority},
            )
            if send:
                referral = transition(actor, referral, ReferralState.SENT, expected_status=ReferralState.DRAFT, now=now)
    except IntegrityError as error:
        if open_referral_for(person, service) is not None:
            raise ValidationError(
                {"service": f"{person.full_name} already has an open referral to {service.name}"}
            ) from error
        raise
    return referral


def respond_by(service: Service, sent: datetime.datetime) -> datetime.date:
    """The day the service must answer by: its own response time in working days, or the default in days."""
    day = timezone.localdate(sent)
    if service.response_time_days:
        remaining = service.response_time_days
        while remaining:
            day += datetime.timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return day
    return day + datetime.timedelta(days=settings.REFERRAL_DEFAULT_RESPONSE_DAYS)


# -- changing state ------------------------------------------------------------------------------------


def _check_reason(to: ReferralState, party: Party, reason: str, note: str) -> str:
    if to not in REASONS:
        if reason:
            raise ValidationError({"reason": "No reason is needed for this change"})
        return ""
    choices = reasons_for(to, party)
    if not reason:
        raise ValidationError({"reason": "Select a reason"})
    if reason not in choices:
        raise ValidationError({"reason": "Select one of the reasons listed"})
    if reason == Reason.OTHER and not note.strip():
        raise ValidationError({"note": "Say what the reason is"})
    return reason


def _check_allowed(current: ReferralState, to: ReferralState, party: Party) -> None:
    if allowed(current, to, party):
        return
    if any(move[0] == current and move[1] == to for move in TRANSITIONS):
        raise PermissionDenied(f"The {party.label.lower()} cannot make this change")
    raise ValidationError(
        {"status": f"A referral that is {current.label.lower()} cannot become {to.label.lower()}"}, code="invalid"
    )


def transition(
    actor: Actor,
    referral: Referral,
    to_state: str,
    *,
    expected_status: str | None = None,
    reason: str = "",
    note: str = "",
    shared_with_service: bool = True,
    outcome: str = "",
    business_status: str = "",
    now: datetime.datetime | None = None,
) -> Referral:
    """Move a referral to ``to_state`` if the table allows this actor to; one event, one audit row.

    ``expected_status`` is the state the actor saw: if the referral has moved on since, nothing
    changes and ``ReferralConflict`` is raised. Completing needs an ``outcome``; the states in
    ``states.REASONS`` need a reason (and "other" a note).
    """
    now = now or timezone.now()
    try:
        to = ReferralState(to_state)
    except ValueError as error:
        raise ValidationError({"status": "Select a status Carehouse knows"}) from error
    note = _clean_text(note, "note")
    with transaction.atomic():
        current = lock(referral)
        party = require_party(actor, current)
        if expected_status is not None and current.status != expected_status:
            raise ReferralConflict(current)
        here = ReferralState(current.status)
        _check_allowed(here, to, party)
        if to == ReferralState.SENT and party == Party.PERSON and not current.is_self_referral:
            raise PermissionDenied("Only the referrer can send this referral")
        reason = _check_reason(to, party, reason, note)
        changes: dict[str, Any] = {
            "status": to,
            "status_reason": reason,
            "status_note": note if shared_with_service else current.status_note,
            "business_status": business_status or (reason if to == ReferralState.ON_HOLD else ""),
            "last_activity_at": now,
            "version": F("version") + 1,
        }
        if to == ReferralState.COMPLETED:
            if outcome not in Outcome.values:
                raise ValidationError({"outcome": "Select whether the person got the help they needed"})
            changes["outcome"] = outcome
            changes["outcome_note"] = note
        elif outcome:
            raise ValidationError({"outcome": "An outcome is recorded only when the support is completed"})
        if to == ReferralState.SENT:
            consent = covering_consent(current.person, current.service, now.date())
            if consent is None:
                raise ValidationError(
                    {
                        "consent": (
                            f"Record {current.person.full_name}'s consent to share their details with "
                            f"{current.receiving_organization.name} before sending the referral"
                        )
                    }
                )
            changes.update(consent=consent, sent_at=now, respond_by=respond_by(current.service, now))
        if to == ReferralState.ACCEPTED and current.accepted_at is None:
            changes["accepted_at"] = now
        if to in CLOSING_STATES or to == ReferralState.ENTERED_IN_ERROR:
            changes["closed_at"] = now
        if to == ReferralState.ENTERED_IN_ERROR:
            changes["provider_link_nonce"] = new_link_nonce()  # links already emailed stop working
        updated = Referral.objects.filter(pk=current.pk, status=current.status, version=current.version).update(
            **changes
        )
        if updated != 1:
            raise ReferralConflict(Referral.objects.get(pk=current.pk))
        event = append_event(
            actor,
            current,
            party,
            EventKind.STATUS,
            from_status=here,
            to_status=to,
            reason=reason,
            note=note,
            shared_with_service=shared_with_service,
            details={"outcome": outcome} if outcome else None,
            now=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference}: {here.label.lower()} to {to.label.lower()}",
            changes={"from": here, "to": to, "reason": reason, "outcome": outcome},
        )
        result = Referral.objects.select_related(
            "person", "service", "receiving_organization", "referring_organisation", "consent", "goal"
        ).get(pk=current.pk)
        from carehouse.referrals.services import loop

        loop.after_transition(actor, result, event, here, now)
    return result
