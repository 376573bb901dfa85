"""What the referrer (a practitioner or link worker) does with a referral after the form.

Refer (recording the person's consent in the same transaction when the page asked for it),
send a declined or stalled referral on to another service (``reroute``), cancel it or mark it
entered in error, add notes, mark a closed referral followed up and update the linked goal
(Gravity step 13). Each write checks that the actor is the referral's referrer, locks the
referral, appends one event and writes the audit record, all in one transaction.

The link worker caseload (``caseload``) is read here too, on top of the scoped
``selectors.visible_referrals``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone

from carehouse.careplans import selectors as plan_selectors
from carehouse.careplans.models import Achievement, Action
from carehouse.careplans.services import plans as plan_services
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.directory.models import Service, ServiceStatus
from carehouse.people.models import ConsentDecision, ConsentPurpose, ConsentScope, Person
from carehouse.people.services import record_consent
from carehouse.referrals import selectors
from carehouse.referrals.models import EventKind, Priority, Referral, Source
from carehouse.referrals.services import flags
from carehouse.referrals.services.loop import tell_service
from carehouse.referrals.services.referrals import (
    MAX_TEXT,
    append_event,
    covering_consent,
    create_referral,
    lock,
    require_party,
    transition,
)
from carehouse.referrals.states import (
    CLOSING_STATES,
    OPEN_STATES,
    SENT_STATES,
    Party,
    Reason,
    ReferralState,
)

#: Where a referral may be sent on from: the service said no or could not help, or it is still open.
REROUTABLE_STATES = frozenset(
    {ReferralState.REJECTED, ReferralState.FAILED, ReferralState.CANCELLED} | set(OPEN_STATES)
)
CASELOAD_PAGE = 25
SERVICES_TO_PICK = 20


def consent_question(person: Person, service: Service) -> str:
    organisation = service.organization.name if service.organization else service.name
    return f"Has {person.full_name} agreed to share their name, contact details and this referral with {organisation}?"


def no_consent_message(person: Person) -> str:
    return f"You need {person.full_name}'s consent to send this referral"


def _require_referrer(actor: Actor, referral: Referral) -> None:
    if require_party(actor, referral) != Party.REFERRER:
        raise PermissionDenied("referrals.refer")


def _record_consent_if_asked(actor: Actor, person: Person, service: Service, consent_given: bool | None) -> None:
    """When no consent covers the service's organisation, the page asked: yes records one, no stops here."""
    if covering_consent(person, service) is not None:
        return
    if consent_given is None:
        raise ValidationError({"consent": f"Select yes if {person.full_name} has agreed to share their details"})
    if not consent_given:
        raise ValidationError({"consent": no_consent_message(person)})
    assert service.organization is not None
    record_consent(
        actor,
        person,
        {
            "purpose": ConsentPurpose.SOCIAL_PRESCRIBING,
            "scope": ConsentScope.REFERRAL_MINIMUM,
            "decision": ConsentDecision.GIVEN,
        },
        recipient_directory_organisations=[service.organization],
    )


def plan_action_for(actor: Actor, person: Person, action_id: int) -> Action:
    """An action in one of this person's plans the actor may see; 404 otherwise."""
    plans = plan_selectors.visible_plans(actor).filter(person=person)
    action = Action.objects.filter(pk=action_id, goal__plan__in=plans).select_related("goal__plan").first()
    if action is None:
        raise Http404("No such action in this person's plans")
    return action


def find_services(query: str) -> list[Service]:
    """Active services that take referrals whose name matches (public records), to pick one to refer to."""
    text = query.strip()
    if not text:
        return []
    services = Service.objects.filter(status=ServiceStatus.ACTIVE, name__icontains=text).select_related("organization")
    return list(services.order_by("name", "id")[:SERVICES_TO_PICK])


def refer(
    actor: Actor,
    person: Person,
    service: Service,
    *,
    reason_for_referral: str,
    information_for_service: str = "",
    priority: str = Priority.ROUTINE,
    source: str = Source.DIRECTORY,
    plan_action: Action | None = None,
    consent_given: bool | None = None,
) -> Referral:
    """Record the person's consent (if the page asked and they said yes), then create and send the referral."""
    with transaction.atomic():
        _record_consent_if_asked(actor, person, service, consent_given)
        return create_referral(
            actor,
            person,
            service,
            reason_for_referral=reason_for_referral,
            information_for_service=information_for_service,
            priority=priority,
            source=source,
            plan_action=plan_action,
        )


def can_reroute(referral: Referral) -> bool:
    return referral.status in REROUTABLE_STATES


def reroute(
    actor: Actor,
    referral: Referral,
    new_service: Service,
    *,
    reason_for_referral: str,
    information_for_service: str = "",
    priority: str = Priority.ROUTINE,
    consent_given: bool | None = None,
    now: datetime.datetime | None = None,
) -> Referral:
    """Send the person on to another service: a new referral that ``replaces`` this one.

    If this one is still open it is cancelled first ("referred to another service instead");
    it is marked followed up, since sending it on is the follow-up. One transaction: if the new
    referral cannot be made (no consent, the person is out of its area ...), nothing changes.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = lock(referral)
        _require_referrer(actor, current)
        if not can_reroute(current):
            raise ValidationError(
                {"service": f"A referral that is {current.get_status_display().lower()} cannot be sent on"}
            )
        if current.is_open:
            current = transition(
                actor,
                current,
                ReferralState.CANCELLED,
                expected_status=current.status,
                reason=Reason.REFERRED_ELSEWHERE,
                note=f"Sent on to {new_service.name}",
                now=now,
            )
        _record_consent_if_asked(actor, current.person, new_service, consent_given)
        new = create_referral(
            actor,
            current.person,
            new_service,
            reason_for_referral=reason_for_referral,
            information_for_service=information_for_service,
            priority=priority,
            source=Source.REROUTE,
            plan_action=current.plan_action,
            goal=current.goal,
            replaces=current,
            now=now,
        )
        Referral.objects.filter(pk=current.pk).update(followed_up_at=now, version=F("version") + 1)
        append_event(
            actor,
            current,
            Party.REFERRER,
            EventKind.FOLLOWED_UP,
            note=f"Sent on to {new_service.name} ({new.reference})",
            shared_with_service=False,
            details={"rerouted_to": new.pk},
            now=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Referral {current.reference} sent on to {new_service.name} as {new.reference}",
            changes={"rerouted_to": new.pk, "service_id": str(new_service.id)},
        )
    return new


def cancel(
    actor: Actor, referral: Referral, *, reason: str, note: str = "", expected_status: str | None = None
) -> Referral:
    """The referrer withdraws the referral, with one of the reasons a referrer may give."""
    with transaction.atomic():
        _require_referrer(actor, lock(referral))
        return transition(
            actor, referral, ReferralState.CANCELLED, expected_status=expected_status, reason=reason, note=note
        )


def mark_entered_in_error(
    actor: Actor, referral: Referral, *, note: str, expected_status: str | None = None
) -> Referral:
    """The referral should never have been made (wrong person, wrong service): a correction, with why."""
    if not (note or "").strip():
        raise ValidationError({"note": "Say why this referral was entered in error"})
    with transaction.atomic():
        _require_referrer(actor, lock(referral))
        return transition(
            actor,
            referral,
            ReferralState.ENTERED_IN_ERROR,
            expected_status=expected_status,
            note=note,
            shared_with_service=referral.status in SENT_STATES,
        )


def _clean_note(note: str, *, required: bool) -> str:
    text = (note or "").strip()
    if required and not text:
        raise ValidationError({"note": "Enter your note"})
    if len(text) > MAX_TEXT:
        raise ValidationError({"note": f"Your note must be {MAX_TEXT:,} characters or fewer"})
    return text


def add_referrer_note(
    actor: Actor, referral: Referral, note: str, *, shared_with_service: bool, now: datetime.datetime | None = None
) -> Referral:
    """A note in the referral's history: internal (the referrer's organisation only) or shared with the service."""
    text = _clean_note(note, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        current = lock(referral)
        _require_referrer(actor, current)
        shared = shared_with_service and current.status in SENT_STATES
        append_event(actor, current, Party.REFERRER, EventKind.NOTE, note=text, shared_with_service=shared, now=now)
        Referral.objects.filter(pk=current.pk).update(version=F("version") + 1)
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Added a {'shared' if shared else 'internal'} note to referral {current.reference}",
            changes={"shared_with_service": shared},
        )
        if shared and current.is_open:
            tell_service(
                current,
                title=f"A note on referral {current.reference}",
                lines=[f"The referrer added a note to referral {current.reference} to {current.service.name}."],
            )
    current.refresh_from_db()
    return current


def can_follow_up(referral: Referral) -> bool:
    return referral.status in CLOSING_STATES and referral.followed_up_at is None


def follow_up(actor: Actor, referral: Referral, note: str = "", *, now: datetime.datetime | None = None) -> Referral:
    """The referrer has dealt with a closed referral (talked to the person, planned what next)."""
    text = _clean_note(note, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        current = lock(referral)
        _require_referrer(actor, current)
        if current.status not in CLOSING_STATES:
            raise ValidationError({"note": "Only a closed referral can be marked as followed up"})
        if current.followed_up_at is not None:
            raise ValidationError({"note": "This referral has already been marked as followed up"})
        Referral.objects.filter(pk=current.pk).update(followed_up_at=now, version=F("version") + 1)
        append_event(
            actor, current, Party.REFERRER, EventKind.FOLLOWED_UP, note=text, shared_with_service=False, now=now
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Marked referral {current.reference} as followed up",
        )
    current.refresh_from_db()
    return current


def update_goal(
    actor: Actor, referral: Referral, achievement: str, *, now: datetime.datetime | None = None
) -> Referral:
    """Record how the referral's goal is going (Gravity step 13) and clear the prompt."""
    if achievement not in Achievement.values:
        raise ValidationError({"achievement": "Select how the goal is going"})
    now = now or timezone.now()
    with transaction.atomic():
        current = lock(referral)
        _require_referrer(actor, current)
        goal = current.goal
        if goal is None:
            raise ValidationError({"achievement": "This referral is not linked to a goal"})
        before = goal.achievement
        plan_services.record_goal_progress(actor, goal, achievement)
        Referral.objects.filter(pk=current.pk).update(goal_update_due=False, version=F("version") + 1)
        append_event(
            actor,
            current,
            Party.REFERRER,
            EventKind.GOAL_UPDATED,
            note=f"{goal.text}: {Achievement(achievement).label}",
            shared_with_service=False,
            details={"goal": goal.pk, "from": before, "to": achievement},
            now=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Updated the goal linked to referral {current.reference}",
            changes={"goal": goal.pk, "from": before, "to": achievement},
        )
    current.refresh_from_db()
    return current


# -- the link worker caseload ---------------------------------------------------------------------------

#: The caseload's state filters: a name, what it shows, and the states in it.
CASELOAD_FILTERS: dict[str, tuple[str, frozenset[str]]] = {
    "open": ("Open", frozenset(OPEN_STATES)),
    "sent": ("Waiting for the service", frozenset({ReferralState.SENT})),
    "supporting": (
        "Accepted or getting support",
        frozenset({ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.ON_HOLD}),
    ),
    "closed": ("Closed", frozenset(CLOSING_STATES)),
    "draft": ("Drafts", frozenset({ReferralState.DRAFT})),
    "all": ("All", frozenset(ReferralState)),
}


@dataclass
class Caseload:
    overdue: list[Referral] = field(default_factory=list)
    needs_follow_up: list[Referral] = field(default_factory=list)
    referrals: QuerySet[Referral] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    state_counts: dict[str, int] = field(default_factory=dict)


def caseload(
    actor: Actor, *, show: str = "open", only_mine: bool = True, now: datetime.datetime | None = None
) -> Caseload:
    """The referrals the actor's organisation made (or only the actor's), overdue and to follow up first."""
    now = now or timezone.now()
    referrals = selectors.visible_referrals(actor).exclude(status=ReferralState.ENTERED_IN_ERROR)
    if only_mine:
        referrals = referrals.filter(referred_by=actor.user) if actor.user else referrals.none()
    states = CASELOAD_FILTERS.get(show, CASELOAD_FILTERS["open"])[1]
    by_state = {row["status"]: row["n"] for row in referrals.values("status").annotate(n=Count("pk")).order_by()}
    counts = {name: sum(by_state.get(s, 0) for s in members) for name, (_, members) in CASELOAD_FILTERS.items()}
    result = Caseload(
        overdue=list(referrals.filter(flags.overdue_q(now)).order_by("respond_by", "pk")),
        needs_follow_up=list(referrals.filter(flags.needs_follow_up_q(now)).order_by("closed_at", "pk")),
        referrals=referrals.filter(status__in=sorted(states)).order_by("-created_at", "-pk"),
        counts=counts,
        state_counts=by_state,
    )
    return result


def audit_caseload(actor: Actor, referrals: Iterable[Referral]) -> None:
    """One audit record for the people named on a caseload page."""
    people = sorted({r.person_id for r in referrals})
    if people:
        audit.record(
            actor,
            AuditAction.READ,
            summary="Viewed the referrals caseload",
            changes={"people": people[:200]},
        )
