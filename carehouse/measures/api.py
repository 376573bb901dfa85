"""Outcome measures over the API: the instruments, recording a response, and a person's scores.

The same selectors, services and rules as the pages. Reads of a person's answers and scores go
through ``carehouse.measures.selectors`` and ``carehouse.people.selectors`` (scoped to the
token's organisation, audited; what the caller may not see is a 404). A response is recorded
through ``services.responses.record_response``: staff completing a questionnaire with the person,
or typing in an external result (PAM, POET), in one transaction with its scores, alerts and audit
event.

Bad input is a 422 naming each field, and nothing is stored: an unknown instrument or version
names ``instrument`` or ``version``; a wrong or missing answer names ``answers.<item id>``. A
questionnaire about one appointment (CollaboRATE) names who it was with in ``about_user_id``: a
member of staff of the caller's organisation (``selectors.encounter_staff``).
Scores are decimal strings, to the places the instrument reports them ("9", "23.21").
Question and answer wording is given only where Carehouse may show it (``measures.fhir``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from carehouse.careplans import selectors as plan_selectors
from carehouse.careplans.models import CarePlan, Goal
from carehouse.core.actor import Actor
from carehouse.core.api import api_actor
from carehouse.core.models import User
from carehouse.core.rules import require_permission
from carehouse.measures import selectors
from carehouse.measures.fhir import score_value, shows_wording
from carehouse.measures.models import Instrument, MeasureResponse, MeasureScore, Timepoint
from carehouse.measures.scoring import clean_answers
from carehouse.measures.services import responses as response_services
from carehouse.people import selectors as people_selectors
from carehouse.people.models import Person

router = Router(tags=["Measures"])

INSTRUMENTS_HINT = "GET /api/v1/measures/instruments lists them"
#: Field names the services use, and the names this API gives them.
SERVICE_FIELDS = {"plan": "plan_id", "goal": "goal_id", "person": "person_id", "about_user": "about_user_id"}


# -- shapes ------------------------------------------------------------------------------------


class OptionOut(Schema):
    value: int = Field(description="What is sent as the answer, and scored")
    label: str | None = Field(description="The answer's wording; null where it is licensed and not loaded")
    code: str = Field(description="LOINC answer code, where there is one")


class ItemOut(Schema):
    id: str = Field(description="Send answers keyed by this id (the FHIR linkId)")
    label: str = Field(description="A short name, not the licensed wording")
    type: str = Field(description="choice, integer, decimal, date or text")
    required: bool
    text: str | None = Field(description="The question; null where it is licensed and not loaded")
    minimum: str | None = Field(description="integer and decimal: the lowest value allowed")
    maximum: str | None = Field(description="integer and decimal: the highest value allowed")
    max_length: int | None = Field(description="text: the most characters allowed")
    options: list[OptionOut] = Field(description="choice: the answers allowed")


class InstrumentOut(Schema):
    key: str
    version: str
    title: str
    name: str
    licence_kind: str = Field(description="open, scoring_only, external or content_pack")
    licence_holder: str
    enabled: bool = Field(description="Whether new responses may be recorded against this version")
    can_be_completed: bool = Field(description="A questionnaire staff may complete with the person")
    can_be_recorded: bool = Field(description="An external result typed in from the licence holder's report")
    wording_included: bool = Field(description="False while licensed wording has not been loaded")
    items: list[ItemOut]


class ResponseIn(Schema):
    person_id: int = Field(description="The person the answers are about")
    instrument: str = Field(min_length=1, max_length=40, description="The instrument's key, like phq9")
    version: str | None = Field(None, max_length=20, description="Leave out for the newest enabled version")
    timepoint: Timepoint
    answers: dict[str, Any] = Field(description="Answers keyed by item id: a choice's value, a number, a date or text")
    plan_id: int | None = Field(None, description="The person's care and support plan this measures")
    goal_id: int | None = Field(None, description="A goal in the person's plan this measures")
    referral_reference: str = Field("", max_length=100)
    about_user_id: int | None = Field(
        None,
        description="Only for a questionnaire about one appointment (CollaboRATE): the id of the member of staff "
        "of your organisation the appointment was with",
    )


class ScoreOut(Schema):
    code: str
    label: str
    value: str = Field(description="A decimal string, to the places the instrument reports", examples=["9"])
    band: str


class AlertOut(Schema):
    code: str
    title: str


class AnswerOut(Schema):
    item_id: str
    label: str
    value: int | str = Field(description="A choice or whole number; a decimal, date or text as a string")


class ResponseOut(Schema):
    id: int
    person_id: int
    instrument: str
    version: str
    timepoint: Timepoint
    status: str = Field(description="in_progress, completed or withdrawn (withdrawn by staff before it was answered)")
    completed_at: datetime.datetime | None
    completed_by: str = Field(description="Name, role and organisation of whoever recorded it, at the time")
    completed_mode: str = Field(description="person, staff or external")
    plan_id: int | None
    goal_id: int | None
    referral_reference: str
    about_user_id: int | None = Field(description="CollaboRATE: the member of staff the appointment was with")
    answers: list[AnswerOut]
    scores: list[ScoreOut]
    alerts: list[AlertOut] = Field(description="What the answers raised for the care team")
    not_scored: str = Field(description="Why there is no score, when too many questions were left out")
    supersedes: int | None = Field(description="The response this one corrects")
    superseded_by: int | None = Field(description="The correction that replaced this response")
    correction_reason: str


class PersonScoreOut(ScoreOut):
    response_id: int
    instrument: str
    version: str
    timepoint: Timepoint
    effective_at: datetime.datetime


class ScoresFilter(Schema):
    instrument: str | None = Field(None, description="Only this instrument's scores, like phq9")


# -- building the answers ----------------------------------------------------------------------


def _instrument_out(instrument: Instrument) -> InstrumentOut:
    definition = instrument.parsed
    wording = shows_wording(instrument)
    items = []
    for item in definition.items:
        options = definition.scale(item.scale).options if item.type == "choice" else []
        text = item.text or (item.label if definition.is_external else "")
        items.append(
            ItemOut(
                id=item.id,
                label=item.label,
                type=item.type,
                required=item.required,
                text=text if text and (wording or definition.is_external) else None,
                minimum=None if item.minimum is None else str(item.minimum),
                maximum=None if item.maximum is None else str(item.maximum),
                max_length=item.max_length if item.type == "text" else None,
                options=[
                    OptionOut(
                        value=option.value, label=option.label if wording and option.label else None, code=option.code
                    )
                    for option in options
                ],
            )
        )
    return InstrumentOut(
        key=instrument.key,
        version=instrument.version,
        title=instrument.title,
        name=definition.name,
        licence_kind=definition.licence.kind.value,
        licence_holder=definition.licence.holder,
        enabled=instrument.enabled,
        can_be_completed=instrument.can_be_completed,
        can_be_recorded=instrument.can_be_recorded,
        wording_included=wording,
        items=items,
    )


def _score_out(instrument: Instrument, score: MeasureScore) -> ScoreOut:
    value = score_value(instrument.parsed, score.code, Decimal(score.value))
    return ScoreOut(code=score.code, label=score.label, value=str(value), band=score.band)


def _response_out(response: MeasureResponse, superseded_by: MeasureResponse | None = None) -> ResponseOut:
    instrument = response.instrument
    definition = instrument.parsed
    answers = [
        AnswerOut(item_id=item.id, label=item.label, value=response.answers[item.id])
        for item in definition.items
        if item.id in response.answers
    ]
    return ResponseOut(
        id=response.pk,
        person_id=response.person_id,
        instrument=instrument.key,
        version=instrument.version,
        timepoint=Timepoint(response.timepoint),
        status=response.status,
        completed_at=response.completed_at,
        completed_by=response.completed_by_label,
        completed_mode=response.completed_mode,
        plan_id=response.plan_id,
        goal_id=response.goal_id,
        referral_reference=response.referral_reference,
        about_user_id=response.about_user_id,
        answers=answers,
        scores=[_score_out(instrument, score) for score in response.scores.order_by("pk")],
        alerts=[AlertOut(code=alert.code, title=alert.title) for alert in response.alerts.order_by("pk")],
        not_scored=response.not_scored_reason,
        supersedes=response.supersedes_id,
        superseded_by=superseded_by.pk if superseded_by is not None else None,
        correction_reason=response.correction_reason,
    )


# -- checking what was sent ----------------------------------------------------------------------


def _choose_instrument(payload: ResponseIn, errors: dict[str, str]) -> Instrument | None:
    """The instrument version named, or a field error on ``instrument`` or ``version``."""
    versions = [instrument for instrument in selectors.instruments() if instrument.key == payload.instrument]
    if not versions:
        errors["instrument"] = f"There is no questionnaire called {payload.instrument!r}: {INSTRUMENTS_HINT}"
        return None
    title = versions[-1].title
    if payload.version is None:
        try:
            chosen = selectors.get_instrument(payload.instrument)
        except Http404:
            errors["instrument"] = f"{title} is switched off: select another questionnaire"
            return None
    else:
        found = next((instrument for instrument in versions if instrument.version == payload.version), None)
        if found is None:
            known = ", ".join(instrument.version for instrument in versions)
            errors["version"] = f"{title} has no version {payload.version!r}: use one of {known}"
            return None
        chosen = found
    if not (chosen.can_be_completed or chosen.can_be_recorded):
        errors["instrument"] = f"{chosen.title} cannot be used yet: select another questionnaire"
        return None
    return chosen


def _in_body[M](lookup: Callable[[], M], field: str, message: str, errors: dict[str, str]) -> M | None:
    """A record named in the body that is not there (or not the caller's to see) is bad input, not a 404."""
    try:
        return lookup()
    except Http404:
        errors[field] = message
        return None


def _goal(actor: Actor, goal_id: int) -> Goal:
    """A goal in a plan the caller may see (its plan comes with it)."""
    plan_id = plan_selectors.visible_plans(actor).filter(goals__pk=goal_id).values_list("pk", flat=True).first()
    if plan_id is None:
        raise Http404("No goal found")
    return plan_selectors.get_goal(plan_selectors.get_plan(actor, plan_id, audited=False), goal_id)


def _about_user(
    actor: Actor, instrument: Instrument | None, about_user_id: int | None, errors: dict[str, str]
) -> User | None:
    """Who a questionnaire about one appointment was with: a member of staff of the caller's organisation."""
    if instrument is None:
        return None
    if not instrument.parsed.rates_encounter:
        if about_user_id is not None:
            errors["about_user_id"] = f"{instrument.title} is not about one appointment: leave about_user_id out"
        return None
    if about_user_id is None:
        errors["about_user_id"] = f"{instrument.title} is about one appointment: give who it was with"
        return None
    found = next((user for user in selectors.encounter_staff(actor) if user.pk == about_user_id), None)
    if found is None:
        errors["about_user_id"] = "No member of staff of your organisation has this id"
    return found


def _renamed(error: ValidationError) -> ValidationError:
    """A service's field errors under the names this API uses."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {SERVICE_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()}
    )


# -- endpoints -----------------------------------------------------------------------------------


@router.get("/instruments", response=list[InstrumentOut], summary="The instruments and their questions")
def list_instruments(request: HttpRequest) -> list[InstrumentOut]:
    """Every version of every instrument (not personal data: any API user may read them)."""
    api_actor(request)
    return [_instrument_out(instrument) for instrument in sorted(selectors.instruments(), key=lambda i: (i.key, i.pk))]


@router.post("/responses", response={201: ResponseOut}, summary="Record a complete response or an external result")
def record_response(request: HttpRequest, payload: ResponseIn) -> Status[ResponseOut]:
    """Staff complete a questionnaire on the person's behalf (recorded as such), or type in an external result."""
    actor = api_actor(request)
    require_permission(actor, "measures.record_on_behalf")
    errors: dict[str, str] = {}
    instrument = _choose_instrument(payload, errors)
    person: Person | None = _in_body(
        lambda: people_selectors.get_person(actor, payload.person_id, purpose="api measures"),
        "person_id",
        "No person in your care has this id",
        errors,
    )
    plan: CarePlan | None = None
    if payload.plan_id is not None:
        plan_id = payload.plan_id
        plan = _in_body(
            lambda: plan_selectors.get_plan(actor, plan_id, audited=False),
            "plan_id",
            "No care and support plan you may see has this id",
            errors,
        )
    goal: Goal | None = None
    if payload.goal_id is not None:
        goal_id = payload.goal_id
        goal = _in_body(lambda: _goal(actor, goal_id), "goal_id", "No goal you may see has this id", errors)
    about_user = _about_user(actor, instrument, payload.about_user_id, errors)
    if instrument is not None:
        try:
            clean_answers(instrument.parsed, payload.answers, complete=True)
        except ValidationError as error:
            for item_id, messages in error.message_dict.items():
                errors[f"answers.{item_id}"] = messages[0]
    if errors or instrument is None or person is None:
        raise ValidationError(errors)
    try:
        response = response_services.record_response(
            actor,
            person,
            instrument,
            payload.answers,
            timepoint=payload.timepoint,
            plan=plan,
            goal=goal,
            referral_reference=payload.referral_reference,
            about_user=about_user,
        )
    except ValidationError as error:
        raise _renamed(error) from error
    return Status(201, _response_out(response))


@router.get("/responses/{response_id}", response=ResponseOut, summary="One response: answers and scores (audited)")
def get_response(request: HttpRequest, response_id: int) -> ResponseOut:
    actor = api_actor(request)
    require_permission(actor, "measures.view_scores")
    response = selectors.get_response(actor, response_id, purpose="api")
    return _response_out(response, selectors.correction_of(response))


@router.get(
    "/people/{person_id}/scores",
    response=list[PersonScoreOut],
    summary="A person's scores over time, oldest first (corrections replace what they correct)",
)
def person_scores(request: HttpRequest, person_id: int, filters: Query[ScoresFilter]) -> list[PersonScoreOut]:
    actor = api_actor(request)
    require_permission(actor, "measures.view_scores")
    instruments = {instrument.pk: instrument for instrument in selectors.instruments()}
    if filters.instrument is not None and filters.instrument not in {i.key for i in instruments.values()}:
        raise ValidationError(
            {"instrument": f"There is no questionnaire called {filters.instrument!r}: {INSTRUMENTS_HINT}"}
        )
    person = people_selectors.get_person(actor, person_id, purpose="api measure scores")
    found = []
    for score in selectors.scores_for_person(actor, person, filters.instrument):
        instrument = instruments[score.response.instrument_id]
        shown = _score_out(instrument, score)
        found.append(
            PersonScoreOut(
                **shown.model_dump(),
                response_id=score.response_id,
                instrument=instrument.key,
                version=instrument.version,
                timepoint=Timepoint(score.response.timepoint),
                effective_at=score.effective_at,
            )
        )
    return found
