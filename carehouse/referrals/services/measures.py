"""The receiving service's end-of-support measure: a questionnaire completed with the person.

Once support is under way or completed, the service may complete one questionnaire with the
person (ONS4 wellbeing, SEMCD-6 self-efficacy, or any other that Carehouse can complete and whose
wording is loaded), stored as a completed ``MeasureResponse`` at the end-of-support timepoint,
with the referral's reference and goal. The service never sees the person's other measures: it
only records this one, and the referral's history gets a NOTE with the score.

Only while the person's consent still covers the service (``referrals.consent_covers``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.measures.models import Instrument, MeasureResponse
from carehouse.measures.selectors import completable_instruments
from carehouse.measures.services import responses as measure_responses
from carehouse.referrals.models import EventKind, Referral
from carehouse.referrals.services.referrals import (
    actor_label,
    append_event,
    consent_covers,
    lock,
    require_party,
)
from carehouse.referrals.states import Party, ReferralState

#: A measure at the end of support makes sense once support has started.
MEASURABLE_STATES = frozenset({ReferralState.IN_PROGRESS, ReferralState.COMPLETED})


def end_of_support_instruments() -> list[Instrument]:
    """What a service may complete with the person: completable, not about one appointment, raising no alerts.

    Alerts (PHQ-9 item 9) go to a care team to act on, which a community service is not.
    """
    return [
        instrument
        for instrument in completable_instruments()
        if not instrument.parsed.rates_encounter and not instrument.parsed.flags
    ]


def why_not(actor: Actor, referral: Referral, on: datetime.date | None = None) -> str:
    """Why this actor cannot record an end-of-support measure on the referral now ("" when they can)."""
    if require_party(actor, referral) != Party.PROVIDER:
        raise PermissionDenied("Only the receiving service records an end-of-support measure")
    if referral.status not in MEASURABLE_STATES:
        return "You can record an end-of-support measure once the person's support has started"
    if not consent_covers(referral, on):
        return (
            "The person's consent to share their details with your service has been withdrawn or has ended, "
            "so you cannot record a measure with them"
        )
    if recording_organisation(actor, referral) is None:
        return "This referral has no organisation to record the measure for"
    return ""


def recording_organisation(actor: Actor, referral: Referral) -> Organisation | None:
    """Whose record the measure is: the service's own organisation, else (a service answering from an
    emailed link, with no Carehouse organisation) the organisation that made the referral."""
    if actor.organisation is not None:
        return actor.organisation
    return referral.referring_organisation


def record_end_measure(
    actor: Actor,
    referral: Referral,
    instrument: Instrument,
    sent: dict[str, object],
    *,
    now: datetime.datetime | None = None,
) -> MeasureResponse:
    """Store the answers as a completed end-of-support response and note it in the referral's history."""
    now = now or timezone.now()
    if instrument not in end_of_support_instruments():
        raise ValidationError({"instrument": "Select one of the questionnaires listed"})
    with transaction.atomic():
        current = lock(referral)
        problem = why_not(actor, current, now.date())
        if problem:
            raise ValidationError(problem)
        organisation = recording_organisation(actor, current)
        assert organisation is not None
        party = require_party(actor, current)
        response = measure_responses.record_for_referral(
            actor,
            current.person,
            instrument,
            sent,
            organisation=organisation,
            referral_reference=current.reference,
            goal=current.goal,
            completed_by_label=actor_label(actor, party),
        )
        scores = ", ".join(f"{score.label} {score.value.normalize():f}" for score in response.scores.all())
        note = f"End-of-support measure recorded: {instrument.title}" + (f" {scores}" if scores else "")
        details: dict[str, object] = {"instrument": instrument.key, "response": response.pk}
        if actor.organisation is None:
            details["recorded_for"] = organisation.name
            note += f" (recorded for {organisation.name}, which made the referral)"
        Referral.objects.filter(pk=current.pk).update(last_activity_at=now)
        append_event(
            actor, current, party, EventKind.NOTE, note=note[:5000], shared_with_service=True, details=details, now=now
        )
    return response
