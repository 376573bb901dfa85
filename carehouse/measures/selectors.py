"""Reading measures: every query scoped to what the actor may see, and every read of a person's answers audited.

Responses, scores and alerts are visible to whoever may see the person
(``carehouse.people.selectors.visible_people``): staff in the person's care and the person
themselves. Carers do not see them: a questionnaire's answers are the person's own. Something
the actor may not see is "not found" (404), never "forbidden".
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404

from carehouse.careplans.models import CarePlan
from carehouse.core.actor import Actor
from carehouse.core.models import User
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.services import audit
from carehouse.measures.models import (
    Instrument,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    is_corrected,
)
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

#: Roles that see individual responses (carers do not: the answers are the person's own).
SEES_RESPONSES = (*CARE_ROLES, Role.PERSON)


def _people(actor: Actor | None) -> QuerySet[Person]:
    if actor is None or actor.role not in SEES_RESPONSES:
        return Person.objects.none()
    return visible_people(actor)


def visible_responses(actor: Actor | None) -> QuerySet[MeasureResponse]:
    return MeasureResponse.objects.filter(person__in=_people(actor))


def current_responses(actor: Actor | None) -> QuerySet[MeasureResponse]:
    """Completed responses that no correction has replaced."""
    return visible_responses(actor).filter(status=ResponseStatus.COMPLETED).exclude(is_corrected())


def get_response(actor: Actor | None, response_id: int, *, purpose: str = "") -> MeasureResponse:
    """One response, audited as a read; 404 when the actor may not see it."""
    response = (
        visible_responses(actor)
        .select_related("person", "instrument", "organisation", "plan", "goal", "about_user", "supersedes")
        .filter(pk=response_id)
        .first()
    )
    if response is None or actor is None:
        raise Http404("No questionnaire found")
    audit.record(
        actor,
        AuditAction.READ,
        obj=response,
        person_id=response.person_id,
        summary=f"Viewed {response.instrument.title} answers",
        purpose=purpose,
    )
    return response


def correction_of(response: MeasureResponse) -> MeasureResponse | None:
    """The response that replaced this one, if it has been corrected (already read through ``get_response``)."""
    return MeasureResponse.objects.filter(supersedes=response).first()


def responses_for_person(actor: Actor, person: Person) -> list[MeasureResponse]:
    """Every response of a person the actor has already been allowed to see (via ``get_person``)."""
    return list(
        visible_responses(actor)
        .filter(person=person)
        .select_related("instrument", "supersedes")
        .prefetch_related("scores")
        .order_by("-completed_at", "-created_at", "-pk")
    )


def waiting_for_me(actor: Actor) -> list[MeasureResponse]:
    """The person's questionnaires still to answer (sent to them, or started and saved)."""
    if actor.role != Role.PERSON:
        return []
    return list(
        visible_responses(actor)
        .filter(status=ResponseStatus.IN_PROGRESS)
        .select_related("instrument", "organisation")
        .order_by("requested_at", "pk")
    )


def count_waiting_for_me(actor: Actor) -> int:
    """How many questionnaires the person still has to answer (for their start page)."""
    if actor.role != Role.PERSON:
        return 0
    return visible_responses(actor).filter(status=ResponseStatus.IN_PROGRESS).count()


def plan_measure_times(actor: Actor, plan: CarePlan) -> list[tuple[str, datetime.datetime | None]]:
    """The timepoint and completion time of each completed questionnaire linked to a plan the actor has read.

    For the plan page's prompts to measure at the start, the review and the end of support.
    """
    return list(
        visible_responses(actor)
        .filter(plan=plan, status=ResponseStatus.COMPLETED)
        .order_by("completed_at", "pk")
        .values_list("timepoint", "completed_at")
    )


def _current_scores(actor: Actor, person: Person) -> QuerySet[MeasureScore]:
    """The person's scores from completed responses no correction has replaced (one scoped query)."""
    return MeasureScore.objects.filter(
        person=person, person__in=_people(actor), response__status=ResponseStatus.COMPLETED
    ).exclude(is_corrected("response_id"))


def scores_for_person(actor: Actor, person: Person, instrument_key: str | None = None) -> list[MeasureScore]:
    """Current scores (corrections replace what they correct), oldest first, for trends."""
    scores = _current_scores(actor, person).select_related("response")
    if instrument_key is not None:
        scores = scores.filter(instrument_key=instrument_key)
    return list(scores.order_by("effective_at", "pk"))


def get_score(actor: Actor | None, score_id: int, *, purpose: str = "") -> MeasureScore:
    """One derived score (any, including one a correction replaced), audited as a read; 404 when not visible."""
    score = (
        MeasureScore.objects.filter(pk=score_id, person__in=_people(actor), response__in=visible_responses(actor))
        .select_related("person", "response__instrument")
        .first()
    )
    if score is None or actor is None:
        raise Http404("No score found")
    audit.record(
        actor,
        AuditAction.READ,
        obj=score,
        person_id=score.person_id,
        summary=f"Viewed a {score.label} score",
        purpose=purpose,
    )
    return score


def latest_activation(actor: Actor, person: Person) -> MeasureScore | None:
    """The person's most recent PAM level, as recorded from the licence holder's report."""
    return (
        _current_scores(actor, person)
        .filter(instrument_key="pam", code="level")
        .select_related("response")
        .order_by("-effective_at", "-pk")
        .first()
    )


def open_alerts(actor: Actor | None) -> QuerySet[MeasureAlert]:
    """Alerts still to act on, for staff who may see the person."""
    if actor is None or actor.role not in CARE_ROLES:
        return MeasureAlert.objects.none()
    return (
        MeasureAlert.objects.filter(person__in=visible_people(actor), acknowledged_at=None)
        .select_related("person", "response__instrument")
        # The list shows who, what and when: not the answers, nor the instrument's whole definition.
        .defer("response__answers", "response__instrument__definition", "response__instrument__item_text")
        .order_by("raised_at", "pk")
    )


def list_open_alerts(actor: Actor) -> list[MeasureAlert]:
    """Open alerts as the alerts page lists them, oldest first; one audit event records whose were listed."""
    alerts = list(open_alerts(actor))
    audit.record(
        actor,
        AuditAction.SEARCH,
        summary="Viewed measure alerts",
        changes={"people_listed": sorted({alert.person_id for alert in alerts})},
    )
    return alerts


def encounter_staff(actor: Actor) -> list[User]:
    """Staff of the actor's organisation an appointment may have been with (CollaboRATE rates one)."""
    if actor.organisation is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation=actor.organisation,
            memberships__is_active=True,
            memberships__role__in=CARE_ROLES,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def alerts_for_person(actor: Actor, person: Person) -> list[MeasureAlert]:
    if actor.role not in CARE_ROLES:
        return []
    return list(
        MeasureAlert.objects.filter(person=person, person__in=visible_people(actor))
        .select_related("response__instrument")
        .order_by("-raised_at", "-pk")
    )


def get_alert(actor: Actor, alert_id: int) -> MeasureAlert:
    people = visible_people(actor) if actor.role in CARE_ROLES else Person.objects.none()
    alert = (
        MeasureAlert.objects.filter(pk=alert_id, person__in=people)
        .select_related("person", "response__instrument")
        .first()
    )
    if alert is None:
        raise Http404("No alert found")
    audit.record(actor, AuditAction.READ, obj=alert, person_id=alert.person_id, summary="Viewed a measure alert")
    return alert


# -- instruments (not personal data) ----------------------------------------------------------------


def instruments() -> list[Instrument]:
    """Every version of every instrument, for the administrator's page."""
    return list(Instrument.objects.order_by("title", "created_at"))


def newest_versions() -> dict[str, Instrument]:
    """The newest enabled version of each instrument, by key."""
    newest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.filter(enabled=True).order_by("created_at", "pk"):
        newest[instrument.key] = instrument
    return newest


def completable_instruments(newest: dict[str, Instrument] | None = None) -> list[Instrument]:
    """What staff may send or complete with a person: enabled, with its wording where it is licensed.

    ``newest`` is ``newest_versions()`` when the caller has already read it.
    """
    found = newest if newest is not None else newest_versions()
    return sorted((i for i in found.values() if i.can_be_completed), key=lambda instrument: instrument.title)


def recordable_instruments(newest: dict[str, Instrument] | None = None) -> list[Instrument]:
    """External results staff may type in (PAM, POET)."""
    found = newest if newest is not None else newest_versions()
    return sorted((i for i in found.values() if i.can_be_recorded), key=lambda i: i.title)


def get_instrument(key: str, version: str | None = None) -> Instrument:
    """An instrument by key (newest enabled version) or exact version; 404 when there is none."""
    if version is None:
        found = newest_versions().get(key)
    else:
        found = Instrument.objects.filter(key=key, version=version).first()
    if found is None:
        raise Http404("No such questionnaire")
    return found


def get_instrument_by_id(instrument_id: int) -> Instrument:
    found = Instrument.objects.filter(pk=instrument_id).first()
    if found is None:
        raise Http404("No such questionnaire")
    return found
