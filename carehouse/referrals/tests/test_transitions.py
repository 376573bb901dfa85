"""Every move of the referral state machine, for every party: allowed ones work, the rest change nothing.

The expected table below is written out by hand from the research (``careplans.md`` section (b)),
so a change to ``states.TRANSITIONS`` has to be made in both places on purpose. Where Carehouse
goes further than the research, the line says so.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction, AuditEvent
from carehouse.people.models import Consent
from carehouse.referrals.models import EventKind, Referral, ReferralEvent, Source
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import (
    REASONS,
    TERMINAL_STATES,
    TRANSITIONS,
    Outcome,
    Party,
    Reason,
    ReferralState,
    allowed,
    next_states,
    reasons_for,
)

S = ReferralState
P = Party
REFERRER, PROVIDER, PERSON, SYSTEM = P.REFERRER, P.PROVIDER, P.PERSON, P.SYSTEM

#: from state -> {to state: the parties who may make that move}. Everything else is refused.
EXPECTED: dict[ReferralState, dict[ReferralState, set[Party]]] = {
    S.DRAFT: {
        S.SENT: {REFERRER, PERSON},  # the person only for a self-referral (checked separately)
        S.CANCELLED: {REFERRER, PERSON},
        S.ENTERED_IN_ERROR: {REFERRER},
    },
    S.SENT: {
        S.ACCEPTED: {PROVIDER},
        S.REJECTED: {PROVIDER},
        S.ON_HOLD: {PROVIDER},  # beyond the research: straight onto the waiting list
        S.CANCELLED: {REFERRER, PERSON, SYSTEM},  # SYSTEM: expired, no answer in time
        S.ENTERED_IN_ERROR: {REFERRER},
    },
    S.ACCEPTED: {
        S.IN_PROGRESS: {PROVIDER},
        S.ON_HOLD: {PROVIDER},
        S.COMPLETED: {PROVIDER},
        S.FAILED: {PROVIDER},
        S.CANCELLED: {REFERRER, PROVIDER, PERSON},
        S.ENTERED_IN_ERROR: {REFERRER},
    },
    S.IN_PROGRESS: {
        S.ON_HOLD: {PROVIDER},
        S.COMPLETED: {PROVIDER},
        S.FAILED: {PROVIDER},
        S.CANCELLED: {REFERRER, PROVIDER, PERSON},
        S.ENTERED_IN_ERROR: {REFERRER},
    },
    S.ON_HOLD: {
        S.IN_PROGRESS: {PROVIDER},
        S.ACCEPTED: {PROVIDER},  # beyond the research: off the waiting list, not started yet
        S.REJECTED: {PROVIDER},  # beyond the research: declined from the waiting list
        S.COMPLETED: {PROVIDER},
        S.FAILED: {PROVIDER},
        S.CANCELLED: {REFERRER, PROVIDER, PERSON},
        S.ENTERED_IN_ERROR: {REFERRER},
    },
    S.REJECTED: {S.ENTERED_IN_ERROR: {REFERRER}},
    S.COMPLETED: {S.ENTERED_IN_ERROR: {REFERRER}},
    S.FAILED: {S.ENTERED_IN_ERROR: {REFERRER}},
    S.CANCELLED: {S.ENTERED_IN_ERROR: {REFERRER}},
    S.ENTERED_IN_ERROR: {},
}

EXPECTED_TRIPLES = frozenset(
    (here, there, party) for here, moves in EXPECTED.items() for there, parties in moves.items() for party in parties
)
CASES = [(here, there, party) for here in S for there in S for party in P]


def expected_outcome(here: ReferralState, there: ReferralState, party: Party) -> type[Exception] | None:
    """None if the move works; else the exception: PermissionDenied when someone else may make it."""
    if party == PROVIDER and here == S.DRAFT:
        return PermissionDenied  # a draft is the referrer's own: the service has no part in it yet
    if party in EXPECTED[here].get(there, set()):
        return None
    if EXPECTED[here].get(there):
        return PermissionDenied
    return ValidationError


def test_the_table_is_the_expected_one() -> None:
    assert set(TRANSITIONS) == set(EXPECTED_TRIPLES)
    assert len(CASES) == 400


# -- building a referral in any state ---------------------------------------------------------------


def put_in_state(referral: Referral, state: ReferralState, consent: Consent, *, self_referral: bool) -> Referral:
    """Set the fields a referral in ``state`` would have, straight in the database (tests only)."""
    now = timezone.now() - datetime.timedelta(days=3)
    fields: dict[str, Any] = {"status": state}
    if self_referral:
        fields.update(source=Source.SELF_REFERRAL, referring_organisation=None)
    if state != S.DRAFT:
        fields.update(consent=consent, sent_at=now, respond_by=now.date() + datetime.timedelta(days=7))
    if state in (S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED):
        fields["accepted_at"] = now
    if state in REASONS:
        fields["status_reason"] = REASONS[state][0]
    if state == S.ON_HOLD:
        fields["business_status"] = Reason.WAITLISTED
    if state == S.COMPLETED:
        fields["outcome"] = Outcome.GOT_HELP
    if state in TERMINAL_STATES:
        fields["closed_at"] = now
    Referral.objects.filter(pk=referral.pk).update(**fields)
    referral.refresh_from_db()
    return referral


def reason_for(there: ReferralState, party: Party) -> str:
    choices = reasons_for(there, party)
    if party == SYSTEM and Reason.EXPIRED in choices:
        return Reason.EXPIRED
    return choices[0] if choices else ""


def status_events(referral: Referral) -> list[ReferralEvent]:
    return list(ReferralEvent.objects.filter(referral=referral, kind=EventKind.STATUS))


def audit_updates(referral: Referral) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="referrals.Referral", object_id=str(referral.pk)
    ).count()


@pytest.fixture
def actors(lena_actor: Actor, vic_actor: Actor, mary_actor: Actor) -> dict[Party, Actor]:
    return {REFERRER: lena_actor, PROVIDER: vic_actor, PERSON: mary_actor, SYSTEM: Actor.system("referral timer")}


@pytest.mark.parametrize(("here", "there", "party"), CASES, ids=[f"{h.value}-{t.value}-{p.value}" for h, t, p in CASES])
def test_every_move_for_every_party(
    here: ReferralState,
    there: ReferralState,
    party: Party,
    actors: dict[Party, Actor],
    make_referral: Callable[..., Referral],
    mary_consent: Consent,
) -> None:
    # The person acts on their own self-referral (they may not send one someone else started).
    referral = put_in_state(make_referral(send=False), here, mary_consent, self_referral=party == PERSON)
    actor = actors[party]
    before_version = referral.version
    before_events = ReferralEvent.objects.filter(referral=referral).count()
    before_audit = audit_updates(referral)
    reason = reason_for(there, party)
    arguments: dict[str, Any] = {"expected_status": here, "reason": reason}
    if reason == Reason.OTHER:
        arguments["note"] = "Checked by the test"
    if there == S.COMPLETED:
        arguments["outcome"] = Outcome.PARTLY

    expected = expected_outcome(here, there, party)
    assert (expected is None) == allowed(here, there, party) or (party == PROVIDER and here == S.DRAFT)

    if expected is None:
        result = services.transition(actor, referral, there, **arguments)
        assert result.status == there
        assert result.version == before_version + 1
        assert result.status_reason == reason
        added = ReferralEvent.objects.filter(referral=referral).exclude(sequence__lte=before_events)
        assert [(e.kind, e.from_status, e.to_status, e.party) for e in added if e.kind == EventKind.STATUS] == [
            (EventKind.STATUS, here, there, party)
        ]
        assert added.order_by("sequence").first().sequence == before_events + 1
        assert audit_updates(referral) == before_audit + 1
        if there == S.COMPLETED:
            assert result.outcome == Outcome.PARTLY
        if there == S.SENT:
            assert result.consent == mary_consent and result.respond_by is not None
        return

    with pytest.raises(expected) as raised:
        services.transition(actor, referral, there, **arguments)
    assert not isinstance(raised.value, services.ReferralConflict)
    referral.refresh_from_db()
    assert referral.status == here
    assert referral.version == before_version
    assert ReferralEvent.objects.filter(referral=referral).count() == before_events
    assert audit_updates(referral) == before_audit


# -- the key rules, one by one -----------------------------------------------------------------------


def test_the_provider_cannot_send_a_referral(make_referral, vic_actor) -> None:
    assert not allowed(S.DRAFT, S.SENT, PROVIDER)
    referral = make_referral(send=False)
    with pytest.raises(PermissionDenied):
        services.transition(vic_actor, referral, S.SENT)
    referral.refresh_from_db()
    assert referral.status == S.DRAFT


def test_the_referrer_cannot_accept_or_decline(make_referral, lena_actor) -> None:
    assert next_states(S.SENT, REFERRER) == [S.CANCELLED, S.ENTERED_IN_ERROR]
    referral = make_referral()
    with pytest.raises(PermissionDenied):
        services.transition(lena_actor, referral, S.ACCEPTED, expected_status=S.SENT)
    with pytest.raises(PermissionDenied):
        services.transition(lena_actor, referral, S.REJECTED, reason=Reason.NO_CAPACITY)
    referral.refresh_from_db()
    assert referral.status == S.SENT


def test_only_carehouse_gives_expired(make_referral, lena_actor, vic_actor, mary_actor) -> None:
    assert [party for party in P if Reason.EXPIRED in reasons_for(S.CANCELLED, party)] == [SYSTEM]
    referral = make_referral()
    for actor in (lena_actor, mary_actor):
        with pytest.raises(ValidationError) as raised:
            services.transition(actor, referral, S.CANCELLED, reason=Reason.EXPIRED)
        assert raised.value.message_dict == {"reason": ["Select one of the reasons listed"]}
    result = services.transition(Actor.system("timer"), referral, S.CANCELLED, reason=Reason.EXPIRED)
    assert (result.status, result.status_reason) == (S.CANCELLED, Reason.EXPIRED)
    assert status_events(result)[-1].actor_label == "Carehouse (automatic)"


def test_the_timer_cannot_cancel_once_the_service_has_answered(make_referral, move, vic_actor) -> None:
    referral = move(make_referral(), vic_actor, S.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.transition(Actor.system("timer"), referral, S.CANCELLED, reason=Reason.EXPIRED)


def test_the_person_sends_only_their_own_self_referral(make_referral, mary_actor, walks) -> None:
    started_by_lena = make_referral(send=False)
    with pytest.raises(PermissionDenied):
        services.transition(mary_actor, started_by_lena, S.SENT)
    started_by_lena.refresh_from_db()
    assert started_by_lena.status == S.DRAFT
    # She may still cancel the draft made for her.
    assert services.transition(mary_actor, started_by_lena, S.CANCELLED, reason=Reason.PERSON_DECLINED).is_open is False

    own = make_referral(actor=mary_actor, send=False)
    assert own.is_self_referral and own.referring_organisation is None
    assert services.transition(mary_actor, own, S.SENT, expected_status=S.DRAFT).status == S.SENT


def test_the_referrer_has_no_part_in_a_self_referral(make_referral, mary_actor, lena_actor) -> None:
    own = make_referral(actor=mary_actor)
    assert services.party_for(lena_actor, own) is None
    with pytest.raises(PermissionDenied):
        services.transition(lena_actor, own, S.ENTERED_IN_ERROR)


def test_the_referrer_may_mark_entered_in_error_from_every_state() -> None:
    for state in S:
        if state == S.ENTERED_IN_ERROR:
            continue
        assert [party for party in P if allowed(state, S.ENTERED_IN_ERROR, party)] == [REFERRER], state


def test_nothing_leaves_a_terminal_state_except_to_entered_in_error() -> None:
    for state in TERMINAL_STATES:
        for party in P:
            expected = [S.ENTERED_IN_ERROR] if party == REFERRER and state != S.ENTERED_IN_ERROR else []
            assert next_states(state, party) == expected, (state, party)


def test_an_unknown_state_is_refused(make_referral, vic_actor) -> None:
    referral = make_referral()
    with pytest.raises(ValidationError) as raised:
        services.transition(vic_actor, referral, "lost")
    assert raised.value.message_dict == {"status": ["Select a status Carehouse knows"]}


def test_someone_with_no_part_in_the_referral_cannot_move_it(make_referral, priya) -> None:
    referral = make_referral()
    with pytest.raises(PermissionDenied):
        services.transition(Actor.for_membership(priya), referral, S.CANCELLED, reason=Reason.OTHER, note="x")


# -- reasons and outcomes ---------------------------------------------------------------------------


def refused(actor: Actor, referral: Referral, to: str, **arguments: Any) -> dict[str, list[str]]:
    """The errors of a move that must change nothing; checks that nothing did change."""
    referral.refresh_from_db()
    status, version = referral.status, referral.version
    events = ReferralEvent.objects.filter(referral=referral).count()
    with pytest.raises(ValidationError) as raised:
        services.transition(actor, referral, to, **arguments)
    referral.refresh_from_db()
    assert (referral.status, referral.version) == (status, version)
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    return raised.value.message_dict


def test_a_decline_without_a_reason_is_refused(make_referral, vic_actor) -> None:
    referral = make_referral()
    errors = refused(vic_actor, referral, S.REJECTED, expected_status=S.SENT)
    assert errors == {"reason": ["Select a reason"]}


def test_a_reason_for_another_state_is_refused(make_referral, vic_actor) -> None:
    referral = make_referral()
    errors = refused(vic_actor, referral, S.REJECTED, reason=Reason.DID_NOT_ATTEND)
    assert errors == {"reason": ["Select one of the reasons listed"]}
    errors = refused(vic_actor, referral, S.REJECTED, reason="made-up")
    assert errors == {"reason": ["Select one of the reasons listed"]}


def test_a_reason_where_none_is_asked_is_refused(make_referral, vic_actor) -> None:
    referral = make_referral()
    errors = refused(vic_actor, referral, S.ACCEPTED, reason=Reason.NO_CAPACITY)
    assert errors == {"reason": ["No reason is needed for this change"]}


def test_other_needs_a_note(make_referral, vic_actor) -> None:
    referral = make_referral()
    for note in ("", "   "):
        errors = refused(vic_actor, referral, S.REJECTED, reason=Reason.OTHER, note=note)
        assert errors == {"note": ["Say what the reason is"]}
    result = services.transition(vic_actor, referral, S.REJECTED, reason=Reason.OTHER, note="Group is closing")
    assert (result.status, result.status_reason, result.status_note) == (S.REJECTED, Reason.OTHER, "Group is closing")
    assert status_events(result)[-1].note == "Group is closing"


def test_completing_needs_an_outcome(make_referral, move, vic_actor) -> None:
    referral = move(make_referral(), vic_actor, S.ACCEPTED)
    for outcome in ("", "marvellous"):
        errors = refused(vic_actor, referral, S.COMPLETED, outcome=outcome)
        assert errors == {"outcome": ["Select whether the person got the help they needed"]}
    result = services.transition(vic_actor, referral, S.COMPLETED, outcome=Outcome.NOT_HELPED, note="Stopped going")
    assert (result.outcome, result.outcome_note) == (Outcome.NOT_HELPED, "Stopped going")
    assert status_events(result)[-1].details == {"outcome": Outcome.NOT_HELPED}


def test_an_outcome_is_refused_on_any_other_move(make_referral, move, vic_actor) -> None:
    referral = make_referral()
    errors = refused(vic_actor, referral, S.ACCEPTED, outcome=Outcome.GOT_HELP)
    assert errors == {"outcome": ["An outcome is recorded only when the support is completed"]}
    referral = move(referral, vic_actor, S.ACCEPTED)
    errors = refused(vic_actor, referral, S.FAILED, reason=Reason.COULD_NOT_CONTACT, outcome=Outcome.NOT_HELPED)
    assert errors == {"outcome": ["An outcome is recorded only when the support is completed"]}


def test_a_stale_expected_status_is_a_conflict_and_changes_nothing(make_referral, move, vic_actor) -> None:
    referral = move(make_referral(), vic_actor, S.ACCEPTED)
    with pytest.raises(services.ReferralConflict) as raised:
        services.transition(vic_actor, referral, S.REJECTED, expected_status=S.SENT, reason=Reason.NO_CAPACITY)
    assert (raised.value.current_status, raised.value.current_version) == (S.ACCEPTED, referral.version)
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert [e.to_status for e in status_events(referral)] == [S.SENT, S.ACCEPTED]
