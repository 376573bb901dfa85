"""Asking for, answering, recording and correcting measures; every write audited in its transaction.

- Staff send a questionnaire to a person (``send_questionnaire``): it waits, unanswered, on
  the person's "Your questionnaires" page. The person saves answers as they go
  (``save_draft``) and sends them (``submit``).
- Staff complete a questionnaire with the person, or type in an external result such as a PAM
  score, in one step (``record_response``): it is recorded as done on the person's behalf.
- A completed response never changes. ``correct_response`` records a new one that supersedes
  it, with the reason; the scores then read from the correction.
- Staff may withdraw a questionnaire that has not been answered yet (``withdraw_request``):
  the person no longer sees it, and any answers they saved are kept as they were.
- Completing scores the answers (``scoring.score``): one ``MeasureScore`` per derived score,
  and a ``MeasureAlert`` for each flag raised (PHQ-9 item 9 above 0), never part of a score.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import CarePlan, Goal
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, User
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.measures.definitions import InstrumentDefinition
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
)
from carehouse.measures.scoring import Answers, clean_answers, score
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

MAX_REASON = 1000
#: The item of an external report that dates it (the PAM's or the POET survey's date).
DATE_ITEMS = ("assessed_on", "completed_on")


class ResponseConflict(ValidationError):
    """The answers were saved somewhere else (another window) after this page was opened."""


# -- checks shared by the writes -------------------------------------------------------------------


def _timepoint(value: str) -> str:
    if value not in Timepoint.values:
        raise ValidationError({"timepoint": "Select when in the person's support this is"})
    return value


def _links(person: Person, plan: CarePlan | None, goal: Goal | None) -> tuple[CarePlan | None, Goal | None]:
    """The plan and goal a response is about: both must be this person's (a goal brings its plan)."""
    if goal is not None:
        if plan is not None and goal.plan_id != plan.pk:
            raise ValidationError({"goal": "Select a goal from this care and support plan"})
        plan = goal.plan
    if plan is not None and plan.person_id != person.pk:
        raise ValidationError({"plan": "Select one of this person's care and support plans"})
    return plan, goal


def _about(instrument: Instrument, about_user: User | None) -> User | None:
    if instrument.parsed.rates_encounter and about_user is None:
        raise ValidationError({"about_user": "Select who the appointment was with"})
    return about_user if instrument.parsed.rates_encounter else None


def _own(actor: Actor, response: MeasureResponse) -> None:
    if actor.role != Role.PERSON or actor.user is None or response.person.user_id != actor.user.pk:
        raise PermissionDenied("Only the person can answer their own questionnaire")


def _in_care(actor: Actor, person_id: int) -> None:
    """Staff change only the records of people in their care (the pages check this too: defence in depth)."""
    if not visible_people(actor).filter(pk=person_id).exists():
        raise PermissionDenied("This person is not in your care")


def _staff_organisation(actor: Actor) -> Organisation:
    if actor.organisation is None:
        raise PermissionDenied("Act for an organisation to do this")
    return actor.organisation


def _merged(definition: InstrumentDefinition, current: Answers, sent: Mapping[str, object]) -> dict[str, object]:
    """What is saved after a page sends some of the answers: a blank sent answer clears it."""
    merged: dict[str, object] = dict(current)
    merged.update(sent)
    return {item_id: value for item_id, value in merged.items() if value not in (None, "")}


def _effective_at(definition: InstrumentDefinition, answers: Answers, fallback: datetime.datetime) -> datetime.datetime:
    """When the measurement was taken: the date on an external report, otherwise ``fallback``."""
    for item_id in DATE_ITEMS:
        value = answers.get(item_id)
        if isinstance(value, str) and any(item.id == item_id for item in definition.items):
            day = datetime.date.fromisoformat(value)
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return fallback


def _complete(
    actor: Actor,
    response: MeasureResponse,
    answers: Answers,
    *,
    mode: CompletedBy,
    effective_at: datetime.datetime | None = None,
    raise_flags: bool = True,
) -> MeasureResponse:
    """Store complete answers with their scores and alerts (inside the caller's transaction)."""
    definition = response.instrument.parsed
    outcome = score(definition, answers)
    now = timezone.now()
    response.answers = answers
    response.status = ResponseStatus.COMPLETED
    response.completed_at = now
    response.completed_by = actor.user
    response.completed_by_label = actor.label
    response.completed_mode = mode
    response.not_scored_reason = outcome.not_scored
    response.version += 1
    response.save()
    measured_at = _effective_at(definition, answers, effective_at or now)
    MeasureScore.objects.bulk_create(
        MeasureScore(
            response=response,
            person_id=response.person_id,
            instrument_key=definition.key,
            code=derived.code,
            label=derived.label,
            value=derived.value,
            band=derived.band,
            effective_at=measured_at,
        )
        for derived in outcome.scores
    )
    if raise_flags:
        for flag in outcome.flags:
            MeasureAlert.objects.create(
                response=response,
                person_id=response.person_id,
                organisation_id=response.organisation_id,
                code=flag.code,
                title=flag.title,
                message=flag.for_staff,
                raised_at=now,
            )
    return response


def _scores_summary(response: MeasureResponse) -> dict[str, object]:
    return {
        "instrument": response.instrument.key,
        "version": response.instrument.version,
        "timepoint": response.timepoint,
        "scores": {score.code: str(score.value) for score in response.scores.all()},
        "alerts": [alert.code for alert in response.alerts.all()],
    }


def _new_response(
    organisation: Organisation,
    person: Person,
    instrument: Instrument,
    timepoint: str,
    plan: CarePlan | None,
    goal: Goal | None,
    referral_reference: str,
    about_user: User | None,
) -> MeasureResponse:
    """A response not yet saved: who asked, whose it is, which instrument, when and what it is about."""
    return MeasureResponse(
        person=person,
        organisation=organisation,
        instrument=instrument,
        timepoint=_timepoint(timepoint),
        plan=plan,
        goal=goal,
        referral_reference=referral_reference.strip()[:100],
        about_user=_about(instrument, about_user),
    )


# -- staff -----------------------------------------------------------------------------------------


def send_questionnaire(
    actor: Actor,
    person: Person,
    instrument: Instrument,
    *,
    timepoint: str,
    plan: CarePlan | None = None,
    goal: Goal | None = None,
    referral_reference: str = "",
    about_user: User | None = None,
) -> MeasureResponse:
    """Ask the person to complete a questionnaire online; it waits for them until they send it."""
    require_permission(actor, "measures.send_questionnaire")
    organisation = _staff_organisation(actor)
    if not instrument.can_be_completed:
        raise ValidationError({"instrument": f"{instrument.title} cannot be sent: select another questionnaire"})
    if person.user_id is None:
        raise ValidationError(
            {
                "person": f"{person.full_name} does not use Carehouse online: complete the questionnaire with them instead"
            }
        )
    plan, goal = _links(person, plan, goal)
    with transaction.atomic():
        waiting = MeasureResponse.objects.filter(
            person=person, instrument__key=instrument.key, status=ResponseStatus.IN_PROGRESS
        ).exists()
        if waiting:
            raise ValidationError(
                {"instrument": f"{person.full_name} already has a {instrument.title} to answer: wait for that one"}
            )
        response = _new_response(
            organisation, person, instrument, timepoint, plan, goal, referral_reference, about_user
        )
        response.requested_by = actor.user
        response.requested_at = timezone.now()
        response.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=response,
            person_id=person.pk,
            summary=f"Sent {instrument.title} to complete online",
            changes={"instrument": instrument.key, "timepoint": response.timepoint},
        )
    return response


def withdraw_request(actor: Actor, response: MeasureResponse, *, reason: str) -> MeasureResponse:
    """Withdraw a questionnaire sent to the person before they answer it, with the reason.

    The person no longer sees it; any answers they saved are kept in the record as they were,
    and the record never changes again. The same questionnaire can then be sent again.
    """
    require_permission(actor, "measures.send_questionnaire")
    _in_care(actor, response.person_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are withdrawing this questionnaire"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"The reason must be {MAX_REASON:,} characters or fewer"})
    with transaction.atomic():
        current = (
            MeasureResponse.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=response.pk)
        )
        title = current.instrument.title
        if current.status == ResponseStatus.COMPLETED:
            raise ValidationError(f"The answers to {title} have already been sent: it can no longer be withdrawn")
        if current.status != ResponseStatus.IN_PROGRESS:
            raise ValidationError(f"This {title} has already been withdrawn")
        current.status = ResponseStatus.WITHDRAWN
        current.withdrawn_reason = reason
        current.withdrawn_at = timezone.now()
        current.withdrawn_by_label = actor.label
        current.version += 1
        current.save(update_fields=["status", "withdrawn_reason", "withdrawn_at", "withdrawn_by_label", "version"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Withdrew {title} before it was answered",
            changes={"status": ResponseStatus.WITHDRAWN.value, "reason": reason},
        )
    return current


def record_response(
    actor: Actor,
    person: Person,
    instrument: Instrument,
    sent: Mapping[str, object],
    *,
    timepoint: str,
    plan: CarePlan | None = None,
    goal: Goal | None = None,
    referral_reference: str = "",
    about_user: User | None = None,
) -> MeasureResponse:
    """Staff complete a questionnaire with the person, or record an external result, in one step."""
    require_permission(actor, "measures.record_on_behalf")
    organisation = _staff_organisation(actor)
    if not (instrument.can_be_completed or instrument.can_be_recorded):
        raise ValidationError({"instrument": f"{instrument.title} cannot be used yet: select another questionnaire"})
    answers = clean_answers(instrument.parsed, sent, complete=True)
    plan, goal = _links(person, plan, goal)
    with transaction.atomic():
        response = _new_response(
            organisation, person, instrument, timepoint, plan, goal, referral_reference, about_user
        )
        mode = CompletedBy.EXTERNAL if instrument.parsed.is_external else CompletedBy.STAFF
        _complete(actor, response, answers, mode=mode)
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=response,
            person_id=person.pk,
            summary=f"Recorded {instrument.title} on the person's behalf"
            if mode == CompletedBy.STAFF
            else f"Recorded an external {instrument.title} result",
            changes=_scores_summary(response),
        )
    return response


def record_for_referral(
    actor: Actor,
    person: Person,
    instrument: Instrument,
    sent: Mapping[str, object],
    *,
    organisation: Organisation,
    referral_reference: str,
    goal: Goal | None = None,
    completed_by_label: str = "",
) -> MeasureResponse:
    """A receiving service records an end-of-support questionnaire completed with the person.

    Only ``carehouse.referrals.services.measures`` calls this, once it has checked that the actor
    is the referral's receiving service and that the person's consent still covers it. The
    response is completed on the person's behalf (timepoint end of support), linked to the
    referral by its reference and to the referral's goal.
    """
    if not instrument.can_be_completed:
        raise ValidationError({"instrument": f"{instrument.title} cannot be used yet: select another questionnaire"})
    answers = clean_answers(instrument.parsed, sent, complete=True)
    plan, goal = _links(person, None, goal)
    with transaction.atomic():
        response = _new_response(
            organisation, person, instrument, Timepoint.END_OF_SUPPORT, plan, goal, referral_reference, None
        )
        _complete(actor, response, answers, mode=CompletedBy.STAFF)
        if completed_by_label:
            # Who filled it in, as the referral's history names them (a link holder has no account).
            MeasureResponse.objects.filter(pk=response.pk).update(completed_by_label=completed_by_label[:300])
            response.completed_by_label = completed_by_label[:300]
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=response,
            person_id=person.pk,
            summary=f"Recorded {instrument.title} at the end of support for referral {referral_reference}"[:300],
            changes=_scores_summary(response),
        )
    return response


def correct_response(
    actor: Actor, original: MeasureResponse, sent: Mapping[str, object], *, reason: str
) -> MeasureResponse:
    """A new response that supersedes a completed one; the original is kept as it was."""
    require_permission(actor, "measures.correct_response")
    organisation = _staff_organisation(actor)
    _in_care(actor, original.person_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the answers are being corrected"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"The reason must be {MAX_REASON:,} characters or fewer"})
    if not original.is_completed:
        raise ValidationError("Only completed answers can be corrected")
    answers = clean_answers(original.instrument.parsed, sent, complete=True)
    with transaction.atomic():
        locked = MeasureResponse.objects.select_for_update().get(pk=original.pk)
        if MeasureResponse.objects.filter(supersedes=locked).exists():
            raise ValidationError("These answers have already been corrected: correct the latest answers instead")
        first_measured = locked.scores.order_by("effective_at").values_list("effective_at", flat=True).first()
        correction = MeasureResponse(
            person_id=locked.person_id,
            organisation=organisation,
            instrument=locked.instrument,
            timepoint=locked.timepoint,
            plan_id=locked.plan_id,
            goal_id=locked.goal_id,
            referral_reference=locked.referral_reference,
            about_user_id=locked.about_user_id,
            requested_by_id=locked.requested_by_id,
            requested_at=locked.requested_at,
            supersedes=locked,
            correction_reason=reason,
        )
        already_raised = set(locked.alerts.values_list("code", flat=True))
        definition = locked.instrument.parsed
        newly_flagged = {flag.code for flag in score(definition, answers).flags}
        mode = CompletedBy.EXTERNAL if definition.is_external else CompletedBy.STAFF
        _complete(
            actor,
            correction,
            answers,
            mode=mode,
            effective_at=first_measured or locked.completed_at,
            raise_flags=bool(newly_flagged - already_raised),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=correction,
            person_id=locked.person_id,
            summary=f"Corrected {definition.title} answers",
            changes={**_scores_summary(correction), "supersedes": locked.pk, "reason": reason},
        )
    return correction


# -- the person ------------------------------------------------------------------------------------


def _save(
    actor: Actor, response: MeasureResponse, sent: Mapping[str, object], expected_version: int
) -> tuple[MeasureResponse, Answers]:
    """Lock, check the version and merge the sent answers into the saved ones (not yet stored)."""
    require_permission(actor, "measures.complete_questionnaire")
    _own(actor, response)
    definition = response.instrument.parsed
    partial = clean_answers(definition, sent, complete=False)
    current = MeasureResponse.objects.select_for_update().select_related("instrument").get(pk=response.pk)
    if current.is_completed:
        raise ValidationError("You have already sent these answers")
    if current.status != ResponseStatus.IN_PROGRESS:
        raise ValidationError("Your care team withdrew this questionnaire: you do not need to answer it")
    if current.version != expected_version:
        raise ResponseConflict(
            "Your answers were changed somewhere else (perhaps in another window) after you opened this page. "
            "Your typing is below: check it and save it again"
        )
    blanks = {item_id: None for item_id, value in sent.items() if item_id not in partial}
    merged = _merged(definition, current.answers, {**partial, **blanks})
    return current, clean_answers(definition, merged, complete=False)


def save_draft(
    actor: Actor, response: MeasureResponse, sent: Mapping[str, object], *, expected_version: int
) -> MeasureResponse:
    """Keep the answers so far: the person can come back and finish later."""
    with transaction.atomic():
        current, answers = _save(actor, response, sent, expected_version)
        current.answers = answers
        current.version += 1
        current.save(update_fields=["answers", "version"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Saved answers to {current.instrument.title} to finish later",
        )
    return current


def submit(
    actor: Actor, response: MeasureResponse, sent: Mapping[str, object], *, expected_version: int
) -> MeasureResponse:
    """Send the answers: every required question must be answered; the response is then scored."""
    with transaction.atomic():
        current, answers = _save(actor, response, sent, expected_version)
        complete = clean_answers(current.instrument.parsed, answers, complete=True)
        _complete(actor, current, complete, mode=CompletedBy.PERSON)
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Completed {current.instrument.title}",
            changes=_scores_summary(current),
        )
    return current


# -- alerts ----------------------------------------------------------------------------------------


def acknowledge_alert(actor: Actor, alert: MeasureAlert, *, action_taken: str) -> MeasureAlert:
    """Record what was done about an alert; it then leaves the list of alerts to act on."""
    require_permission(actor, "measures.acknowledge_alert")
    _in_care(actor, alert.person_id)
    action_taken = action_taken.strip()
    if not action_taken:
        raise ValidationError({"action_taken": "Enter what you did about this alert"})
    if len(action_taken) > MAX_REASON:
        raise ValidationError({"action_taken": f"What you did must be {MAX_REASON:,} characters or fewer"})
    with transaction.atomic():
        current = MeasureAlert.objects.select_for_update().get(pk=alert.pk)
        if not current.is_open:
            raise ValidationError(
                f"{current.acknowledged_by_label} already recorded what they did about this alert: {current.action_taken}"
            )
        current.acknowledged_at = timezone.now()
        current.acknowledged_by = actor.user
        current.acknowledged_by_label = actor.label
        current.action_taken = action_taken
        current.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=current,
            person_id=current.person_id,
            summary=f"Recorded what was done about an alert: {current.title}",
        )
    return current
