"""The referral state machine: states, reasons, who may move a referral from where to where.

One table (``TRANSITIONS``) of allowed ``(from, to, party)`` triples, checked by one service
function (``services.referrals.transition``). The states follow the Gravity SDOH Clinical Care
referral Task (FHIR R4 ``Task.status``); the finer UK reasons (no capacity, expired, referred
elsewhere ...) are ``Task.statusReason`` and ``Task.businessStatus``, never new states
(``../shared/research/careplans.md`` section (b)). The FHIR mapping lives here too, so export is
mechanical.
"""

from __future__ import annotations

from django.db import models


class ReferralState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent, waiting for the service"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Declined by the service"
    IN_PROGRESS = "in_progress", "Getting support"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Ended without support"
    CANCELLED = "cancelled", "Cancelled"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


#: States in which the service is still to answer or is still supporting the person.
OPEN_STATES = frozenset(
    {
        ReferralState.DRAFT,
        ReferralState.SENT,
        ReferralState.ACCEPTED,
        ReferralState.IN_PROGRESS,
        ReferralState.ON_HOLD,
    }
)
#: The end of a referral: the loop closes on any of these (entered in error is a correction, not an end).
CLOSING_STATES = frozenset(
    {ReferralState.REJECTED, ReferralState.COMPLETED, ReferralState.FAILED, ReferralState.CANCELLED}
)
TERMINAL_STATES = CLOSING_STATES | {ReferralState.ENTERED_IN_ERROR}
#: States in which the receiving service sees the referral at all (a draft is the referrer's own).
SENT_STATES = frozenset(set(ReferralState) - {ReferralState.DRAFT})


class Party(models.TextChoices):
    """Who is acting on a referral, relative to it (not the user's role in general)."""

    REFERRER = "referrer", "Referrer"
    PROVIDER = "provider", "Receiving service"
    PERSON = "person", "The person"
    SYSTEM = "system", "Carehouse"


class Reason(models.TextChoices):
    """Why a referral changed state: ``Task.statusReason``. Which apply to which state: ``REASONS``."""

    # Declined by the service.
    NO_CAPACITY = "no-capacity", "No places or capacity"
    NOT_ELIGIBLE = "not-eligible", "The person is not eligible"
    OUT_OF_AREA = "out-of-area", "The person lives outside the area the service covers"
    DUPLICATE = "duplicate", "A duplicate of another referral"
    DECLINED_BY_PERSON = "declined-by-person", "The person said no"
    # Ended without support.
    COULD_NOT_CONTACT = "could-not-contact", "Could not contact the person"
    DID_NOT_ATTEND = "did-not-attend", "The person did not attend"
    NO_LONGER_INTERESTED = "no-longer-interested", "The person is no longer interested"
    COULD_NOT_GET_HELP = "could-not-get-help", "The service could not give the help needed"
    # Cancelled.
    WITHDRAWN_BY_REFERRER = "withdrawn-by-referrer", "Withdrawn by the referrer"
    PERSON_DECLINED = "person-declined", "The person changed their mind"
    EXPIRED = "expired", "No answer from the service in time"
    REFERRED_ELSEWHERE = "referred-elsewhere", "Referred to another service instead"
    # On hold.
    WAITLISTED = "waitlisted", "On the waiting list"
    PAUSED_BY_PERSON = "paused-by-person", "Paused at the person's request"
    # Any of them.
    OTHER = "other", "Another reason (say what)"


#: The reasons a move into each state takes; a state listed here needs one.
REASONS: dict[str, tuple[Reason, ...]] = {
    ReferralState.REJECTED: (
        Reason.NO_CAPACITY,
        Reason.NOT_ELIGIBLE,
        Reason.OUT_OF_AREA,
        Reason.DUPLICATE,
        Reason.DECLINED_BY_PERSON,
        Reason.OTHER,
    ),
    ReferralState.FAILED: (
        Reason.COULD_NOT_CONTACT,
        Reason.DID_NOT_ATTEND,
        Reason.NO_LONGER_INTERESTED,
        Reason.COULD_NOT_GET_HELP,
        Reason.OTHER,
    ),
    ReferralState.CANCELLED: (
        Reason.WITHDRAWN_BY_REFERRER,
        Reason.PERSON_DECLINED,
        Reason.EXPIRED,
        Reason.REFERRED_ELSEWHERE,
        Reason.OTHER,
    ),
    ReferralState.ON_HOLD: (Reason.WAITLISTED, Reason.PAUSED_BY_PERSON, Reason.OTHER),
}
#: Reasons only some parties may give: only Carehouse's timer expires a referral, and it gives no other
#: reason (any reason not listed here is for people, not the timer).
REASONS_FOR_PARTY: dict[Reason, frozenset[Party]] = {
    Reason.EXPIRED: frozenset({Party.SYSTEM}),
    Reason.WITHDRAWN_BY_REFERRER: frozenset({Party.REFERRER}),
    Reason.REFERRED_ELSEWHERE: frozenset({Party.REFERRER}),
}
PEOPLE = frozenset({Party.REFERRER, Party.PROVIDER, Party.PERSON})
#: Reasons that mean the person said no: the message back to the GP carries "Social prescribing declined".
PERSON_DECLINED_REASONS = frozenset({Reason.DECLINED_BY_PERSON, Reason.PERSON_DECLINED})


class Outcome(models.TextChoices):
    """What the support achieved, recorded when the service completes a referral (findhelp's "got help")."""

    GOT_HELP = "got_help", "Got the help they needed"
    PARTLY = "partly", "Got some of the help they needed"
    NOT_HELPED = "not_helped", "Did not get the help they needed"


_S = ReferralState
_P = Party

#: Every allowed move. Anything not here is refused, whoever asks.
TRANSITIONS: frozenset[tuple[ReferralState, ReferralState, Party]] = frozenset(
    {
        # The referrer (or the person referring themselves) sends or abandons a draft.
        (_S.DRAFT, _S.SENT, _P.REFERRER),
        (_S.DRAFT, _S.SENT, _P.PERSON),
        (_S.DRAFT, _S.CANCELLED, _P.REFERRER),
        (_S.DRAFT, _S.CANCELLED, _P.PERSON),
        # The service answers; the referrer or the person may withdraw; the timer expires it.
        (_S.SENT, _S.ACCEPTED, _P.PROVIDER),
        (_S.SENT, _S.REJECTED, _P.PROVIDER),
        (_S.SENT, _S.ON_HOLD, _P.PROVIDER),
        (_S.SENT, _S.CANCELLED, _P.REFERRER),
        (_S.SENT, _S.CANCELLED, _P.PERSON),
        (_S.SENT, _S.CANCELLED, _P.SYSTEM),
        # Accepted: support starts, pauses, ends; anyone involved may cancel.
        (_S.ACCEPTED, _S.IN_PROGRESS, _P.PROVIDER),
        (_S.ACCEPTED, _S.ON_HOLD, _P.PROVIDER),
        (_S.ACCEPTED, _S.COMPLETED, _P.PROVIDER),
        (_S.ACCEPTED, _S.FAILED, _P.PROVIDER),
        (_S.ACCEPTED, _S.CANCELLED, _P.REFERRER),
        (_S.ACCEPTED, _S.CANCELLED, _P.PROVIDER),
        (_S.ACCEPTED, _S.CANCELLED, _P.PERSON),
        (_S.IN_PROGRESS, _S.ON_HOLD, _P.PROVIDER),
        (_S.IN_PROGRESS, _S.COMPLETED, _P.PROVIDER),
        (_S.IN_PROGRESS, _S.FAILED, _P.PROVIDER),
        (_S.IN_PROGRESS, _S.CANCELLED, _P.REFERRER),
        (_S.IN_PROGRESS, _S.CANCELLED, _P.PROVIDER),
        (_S.IN_PROGRESS, _S.CANCELLED, _P.PERSON),
        (_S.ON_HOLD, _S.IN_PROGRESS, _P.PROVIDER),
        (_S.ON_HOLD, _S.ACCEPTED, _P.PROVIDER),
        (_S.ON_HOLD, _S.REJECTED, _P.PROVIDER),
        (_S.ON_HOLD, _S.COMPLETED, _P.PROVIDER),
        (_S.ON_HOLD, _S.FAILED, _P.PROVIDER),
        (_S.ON_HOLD, _S.CANCELLED, _P.REFERRER),
        (_S.ON_HOLD, _S.CANCELLED, _P.PROVIDER),
        (_S.ON_HOLD, _S.CANCELLED, _P.PERSON),
    }
    # The referrer may mark any referral, at any point, as entered in error (Gravity: "any state").
    | {(state, _S.ENTERED_IN_ERROR, _P.REFERRER) for state in _S if state != _S.ENTERED_IN_ERROR}
)


def allowed(from_state: str, to_state: str, party: Party) -> bool:
    return (ReferralState(from_state), ReferralState(to_state), party) in TRANSITIONS


def next_states(from_state: str, party: Party) -> list[ReferralState]:
    """Where this party may move a referral from here, in the order the states are declared."""
    here = ReferralState(from_state)
    return [state for state in ReferralState if (here, state, party) in TRANSITIONS]


def reasons_for(to_state: str, party: Party) -> list[Reason]:
    """The reasons this party may give for a move into ``to_state`` (empty: no reason asked)."""
    return [
        reason for reason in REASONS.get(ReferralState(to_state), ()) if party in REASONS_FOR_PARTY.get(reason, PEOPLE)
    ]


# -- FHIR R4 ----------------------------------------------------------------------------------------

#: ``Task.status`` for each state (Gravity's referral Task value set: core TaskStatus minus ready, received).
TASK_STATUS: dict[ReferralState, str] = {
    _S.DRAFT: "draft",
    _S.SENT: "requested",
    _S.ACCEPTED: "accepted",
    _S.REJECTED: "rejected",
    _S.IN_PROGRESS: "in-progress",
    _S.ON_HOLD: "on-hold",
    _S.COMPLETED: "completed",
    _S.FAILED: "failed",
    _S.CANCELLED: "cancelled",
    _S.ENTERED_IN_ERROR: "entered-in-error",
}
#: ``ServiceRequest.status`` (request-status) for each state: the order stays active while the work goes on.
SERVICE_REQUEST_STATUS: dict[ReferralState, str] = {
    _S.DRAFT: "draft",
    _S.SENT: "active",
    _S.ACCEPTED: "active",
    _S.IN_PROGRESS: "active",
    _S.ON_HOLD: "on-hold",
    _S.REJECTED: "revoked",
    _S.CANCELLED: "revoked",
    _S.FAILED: "completed",
    _S.COMPLETED: "completed",
    _S.ENTERED_IN_ERROR: "entered-in-error",
}
