"""Outcome measures as FHIR R4 resources, and the audited reads the /fhir/ endpoints need.

- ``Questionnaire``: one per instrument version, id ``<key>-<version>`` (``phq9-1``; an
  underscore in a key becomes a hyphen, as FHIR ids allow no underscores), canonical url
  ``https://carehouse.example/fhir/Questionnaire/<key>`` with the version in ``version``. Not
  personal data: any staff API user may read them.
- ``QuestionnaireResponse``: one per response, id the response's id; ``questionnaire`` is the
  canonical ``<url>|<version>`` it answered.
- ``Observation``: one per derived score, id the score's id, ``derivedFrom`` its response.

Reads go through ``carehouse.measures.selectors`` and ``carehouse.people.selectors`` (scoped to
the actor, 404 for what they may not see, audited). Resources are built as plain JSON and
validated once, just before they leave, with ``fhir.resources.R4B`` and the care plan binding
checks (``careplans.fhir.export.validated``), after our own checks of the codes these resource
types carry (``code_problems``).

Decisions:

- **Licensed wording.** Question, instruction and answer wording is exported where Carehouse
  shows it: always for an open instrument, and for a ``scoring_only`` or ``content_pack``
  instrument only once the deploying organisation has loaded its wording under its own licence.
  The endpoints answer only that organisation's authenticated staff systems, which may show the
  wording on their pages anyway; the resource is never public. Until the wording is loaded, the
  Questionnaire has the structure only (link ids, types, answer codes): no ``text``, no answer
  ``display``. An external instrument (PAM, POET) is never asked here: its Questionnaire
  describes the fields recorded from the licence holder's report, in our own words.
- **Answer codes.** A LOINC answer code where the definition has one, otherwise our code system
  ``https://carehouse.example/fhir/CodeSystem/<key>-answers`` with code ``<scale>-<value>``;
  either way the number scored is in the HL7 ``ordinalValue`` extension.
- **Corrections.** Answers never change: a correction is a new response. The original keeps
  the status it had (``completed``: the questionnaire was completed, and its answers are kept
  as they were) and carries our ``replaced-by`` extension pointing at the correction. The
  correction is ``amended``, with ``replaces-response`` and ``correction-reason``. Its scores are
  ``amended`` Observations; the original's scores stay ``final`` with ``replaced-by``. Searches
  return current records only (what the person's measures are now): a replaced response or
  score is read by its id, through the link from its correction.
- **Withdrawn.** A questionnaire staff withdrew before it was answered is ``stopped`` (R4: abandoned
  before it was completed), with any answers the person had saved, and no ``authored``. Searches
  include it, like a questionnaire still being answered: it is part of the person's record, not
  replaced by anything; it has no scores, so no Observations.
- **Values.** Every score is a ``valueQuantity`` with the UCUM unit ``{score}``, so decimal
  scores (SWEMWBS metric, SEMCD-6 mean) and whole ones read the same way; the band is the
  ``interpretation`` text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import Http404
from django.utils import timezone

from carehouse.careplans.fhir import codes as c
from carehouse.careplans.fhir.bindings import Problem, values_at
from carehouse.careplans.fhir.export import ExportError, patient_id_from_search, searchset, validated
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.measures import selectors
from carehouse.measures.definitions import AnswerOption, InstrumentDefinition, Item, Scale
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
    is_corrected,
)
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

JSON = dict[str, Any]

QUESTIONNAIRE_BASE = c.OUR_BASE + "Questionnaire/"
CS_MEASURE_SCORE = c.CODE_SYSTEM_BASE + "measure-score"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CS_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
SCORE_UNIT = "{score}"
#: The link id of the instructions shown before the questions; item ids cannot start with "_".
PREAMBLE_LINK_ID = "_preamble"
#: Free text up to this length is a ``string`` item; longer is ``text`` (several lines).
STRING_MAX = 255

ITEM_TYPES = {"choice": "choice", "integer": "integer", "decimal": "decimal", "date": "date"}

#: Codes these resource types carry that the care plan binding tables do not cover (FHIR R4 value sets).
CODE_BINDINGS: dict[str, dict[str, frozenset[str]]] = {
    "Questionnaire": {
        "status": frozenset({"draft", "active", "retired", "unknown"}),
        "item.type": frozenset({"display", "choice", "integer", "decimal", "date", "string", "text"}),
    },
    "QuestionnaireResponse": {
        "status": frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"}),
    },
    "Observation": {
        "status": frozenset(
            {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
        ),
        "category.coding.code": frozenset({"survey"}),
    },
}
TIMEPOINTS = frozenset(Timepoint.values)


# Ids, urls and small builders ------------------------------------------------------------------


def questionnaire_id(instrument: Instrument) -> str:
    return f"{instrument.key.replace('_', '-')}-{instrument.version}"


def questionnaire_url(instrument: Instrument) -> str:
    return QUESTIONNAIRE_BASE + instrument.key


def questionnaire_canonical(instrument: Instrument) -> str:
    return f"{questionnaire_url(instrument)}|{instrument.version}"


def answers_system(key: str) -> str:
    return f"{c.CODE_SYSTEM_BASE}{key}-answers"


def score_code(instrument_key: str, code: str) -> str:
    return f"{instrument_key}-{code}"


def shows_wording(instrument: Instrument) -> bool:
    """Whether the wording may be exported: not licensed, or loaded under the organisation's licence."""
    return not instrument.parsed.text_is_licensed or bool(instrument.item_text)


def _instant(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


def _coding(system: str, code: str, display: str = "") -> JSON:
    coding: JSON = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _patient(person: Person) -> JSON:
    return {"reference": f"Patient/{person.pk}", "type": "Patient", "display": person.full_name}


def _question_text(definition: InstrumentDefinition, item: Item, wording: bool) -> str:
    """The question as asked; for an external result, our own name for the field recorded."""
    if definition.is_external:
        return item.text or item.label
    return item.text if wording else ""


def answer_coding(definition: InstrumentDefinition, scale: Scale, option: AnswerOption, wording: bool) -> JSON:
    if option.code:
        coding = _coding(LOINC, option.code)
    else:
        coding = _coding(answers_system(definition.key), f"{scale.id}-{option.value}")
    if wording and option.label:
        coding["display"] = option.label
    coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.value}]
    return coding


def code_problems(resource: JSON) -> list[Problem]:
    """Wrong codes in one of our measures resources, by FHIRPath expression."""
    resource_type = str(resource.get("resourceType", ""))
    problems = []
    for path, allowed in CODE_BINDINGS.get(resource_type, {}).items():
        for value, where in values_at(resource, path, resource_type):
            if value not in allowed:
                problems.append(Problem("code-invalid", f"{value!r} is not an allowed code here", where))
    for extension in resource.get("extension", []):
        if extension.get("url") == c.EXT_MEASURE_TIMEPOINT and extension.get("valueCode") not in TIMEPOINTS:
            problems.append(Problem("code-invalid", "Unknown timepoint", f"{resource_type}.extension"))
    return problems


def checked(resource: JSON) -> JSON:
    """The resource as R4B serialises it, after our code checks, R4B and the binding checks."""
    problems = code_problems(resource)
    if problems:
        raise ExportError("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
    return validated(resource)


# Questionnaire ---------------------------------------------------------------------------------


def _question(definition: InstrumentDefinition, item: Item, wording: bool) -> JSON:
    question: JSON = {"linkId": item.id}
    if item.code:
        question["code"] = [_coding(LOINC, item.code)]
    text = _question_text(definition, item, wording)
    if text:
        question["text"] = text
    if item.type == "text":
        question["type"] = "string" if item.max_length <= STRING_MAX else "text"
        question["maxLength"] = item.max_length
    else:
        question["type"] = ITEM_TYPES[item.type]
    question["required"] = item.required
    if item.type == "choice":
        scale = definition.scale(item.scale)
        question["answerOption"] = [
            {"valueCoding": answer_coding(definition, scale, option, wording)} for option in scale.options
        ]
    elif item.type in ("integer", "decimal") and item.minimum is not None and item.maximum is not None:
        element = "valueInteger" if item.type == "integer" else "valueDecimal"
        convert = int if item.type == "integer" else Decimal
        question["extension"] = [
            {"url": MIN_VALUE, element: convert(item.minimum)},
            {"url": MAX_VALUE, element: convert(item.maximum)},
        ]
    return question


def _copyright(instrument: Instrument) -> str:
    licence = instrument.parsed.licence
    parts = [licence.terms]
    if licence.url:
        parts.append(licence.url)
    if instrument.parsed.text_is_licensed and instrument.item_text:
        parts.append(f"Wording loaded under the licence held by {instrument.text_licence_holder}.")
    return " ".join(parts)


def questionnaire_resource(instrument: Instrument) -> JSON:
    """One version of an instrument: its questions, answers and licence (wording only where allowed)."""
    definition = instrument.parsed
    wording = shows_wording(instrument)
    items: list[JSON] = []
    if wording and definition.preamble and not definition.is_external:
        items.append({"linkId": PREAMBLE_LINK_ID, "type": "display", "text": definition.preamble})
    items += [_question(definition, item, wording) for item in definition.items]
    resource: JSON = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(instrument),
        "url": questionnaire_url(instrument),
        "version": instrument.version,
        "name": instrument.key.upper(),
        "title": definition.name,
        "status": "active" if instrument.enabled else "retired",
        "subjectType": ["Patient"],
        "date": _instant(instrument.created_at),
        "publisher": definition.licence.holder,
        "description": definition.about,
        "copyright": _copyright(instrument),
        "item": items,
    }
    concept = []
    if definition.loinc:
        concept.append(_coding(LOINC, definition.loinc))
    if definition.snomed:
        concept.append(_coding(c.SNOMED, definition.snomed))
    if concept:
        resource["code"] = concept
    return resource


def read_questionnaire(resource_id: str) -> JSON:
    """``GET Questionnaire/{id}``; 404 for an id no instrument version has."""
    found = next((i for i in selectors.instruments() if questionnaire_id(i) == resource_id), None)
    if found is None:
        raise Http404("No such questionnaire")
    return checked(questionnaire_resource(found))


def search_questionnaires(*, name: str = "", url: str = "") -> list[Instrument]:
    """Every instrument version, or those whose name starts with ``name`` (any case) or whose url is ``url``.

    ``url`` may carry a version (``<url>|<version>``), as canonical references do.
    """
    found = selectors.instruments()
    if name:
        wanted = name.strip().lower()
        found = [i for i in found if i.key.lower().startswith(wanted) or i.title.lower().startswith(wanted)]
    if url:
        address, _, version = url.strip().partition("|")
        found = [i for i in found if questionnaire_url(i) == address and (not version or i.version == version)]
    return sorted(found, key=lambda i: (i.key, i.created_at))


# QuestionnaireResponse -------------------------------------------------------------------------


def _answer(definition: InstrumentDefinition, item: Item, value: object, wording: bool) -> JSON:
    if item.type == "choice":
        scale = definition.scale(item.scale)
        option = next(option for option in scale.options if option.value == value)
        return {"valueCoding": answer_coding(definition, scale, option, wording)}
    if item.type == "integer":
        return {"valueInteger": int(str(value))}
    if item.type == "decimal":
        return {"valueDecimal": Decimal(str(value))}
    if item.type == "date":
        return {"valueDate": str(value)}
    return {"valueString": str(value)}


def _author_and_source(response: MeasureResponse) -> JSON:
    """Who wrote the answers down, and who gave them (the person, unless it was an external report)."""
    if response.completed_mode == CompletedBy.PERSON:
        return {"author": _patient(response.person), "source": _patient(response.person)}
    if response.completed_mode == CompletedBy.STAFF:
        return {
            "author": {"type": "Practitioner", "display": response.completed_by_label},
            "source": _patient(response.person),
        }
    if response.completed_mode == CompletedBy.EXTERNAL:
        return {"author": {"type": "Practitioner", "display": response.completed_by_label}}
    return {}


def _status(response: MeasureResponse) -> str:
    if response.status == ResponseStatus.IN_PROGRESS:
        return "in-progress"
    if response.status == ResponseStatus.WITHDRAWN:
        return "stopped"
    return "amended" if response.supersedes_id is not None else "completed"


def _reference_ext(url: str, reference: str) -> JSON:
    return {"url": url, "valueReference": {"reference": reference}}


def response_resource(response: MeasureResponse, replaced_by: MeasureResponse | None = None) -> JSON:
    """The answers to one questionnaire, linked to the plan, goal and correction they belong to."""
    instrument = response.instrument
    definition = instrument.parsed
    wording = shows_wording(instrument)
    extensions: list[JSON] = [{"url": c.EXT_MEASURE_TIMEPOINT, "valueCode": response.timepoint}]
    if response.goal_id is not None:
        extensions.append(_reference_ext(c.EXT_MEASURE_GOAL, f"Goal/goal-{response.goal_id}"))
    if response.referral_reference:
        extensions.append({"url": c.EXT_REFERRAL, "valueString": response.referral_reference})
    if response.supersedes_id is not None:
        extensions.append(_reference_ext(c.EXT_REPLACES_RESPONSE, f"QuestionnaireResponse/{response.supersedes_id}"))
        extensions.append({"url": c.EXT_CORRECTION_REASON, "valueString": response.correction_reason})
    if replaced_by is not None:
        extensions.append(_reference_ext(c.EXT_REPLACED_BY, f"QuestionnaireResponse/{replaced_by.pk}"))
    items: list[JSON] = []
    for item in definition.items:
        if item.id not in response.answers:
            continue
        answered: JSON = {"linkId": item.id}
        text = _question_text(definition, item, wording)
        if text:
            answered["text"] = text
        answered["answer"] = [_answer(definition, item, response.answers[item.id], wording)]
        items.append(answered)
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "meta": {"versionId": str(response.version)},
        "extension": extensions,
        "questionnaire": questionnaire_canonical(instrument),
        "status": _status(response),
        "subject": _patient(response.person),
        **_author_and_source(response),
    }
    if response.plan_id is not None:
        resource["basedOn"] = [{"reference": f"CarePlan/{response.plan_id}", "type": "CarePlan"}]
    if response.completed_at is not None:
        resource["authored"] = _instant(response.completed_at)
    if items:
        resource["item"] = items
    return resource


def _numeric_id(text: str) -> int:
    """A database id written in a URL; 404 for anything else (no signs, spaces or huge numbers)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise Http404("No such resource")
    return int(text)


def read_response(actor: Actor, resource_id: str) -> JSON:
    """``GET QuestionnaireResponse/{id}``: audited; 404 when the actor may not see it."""
    response = selectors.get_response(actor, _numeric_id(resource_id), purpose="FHIR read")
    return checked(response_resource(response, selectors.correction_of(response)))


def _visible_person(actor: Actor, patient: str) -> Person | None:
    """The person a search names (``123``, ``Patient/123`` or a full URL), if the actor may see them."""
    person_pk = patient_id_from_search(patient)
    if person_pk is None:
        return None
    return visible_people(actor).filter(pk=person_pk).first()


def search_responses(actor: Actor, patient: str) -> list[MeasureResponse]:
    """The person's current responses, oldest first, then any still being answered or withdrawn; one audit event."""
    person = _visible_person(actor, patient)
    found: list[MeasureResponse] = []
    if person is not None:
        found = list(
            selectors.visible_responses(actor)
            .filter(person=person)
            .exclude(is_corrected())
            .select_related("person", "instrument")
            .order_by(F("completed_at").asc(nulls_last=True), "created_at", "pk")
        )
    audit.record(
        actor,
        AuditAction.SEARCH,
        person_id=person.pk if found and person is not None else None,
        summary="Searched questionnaire responses (FHIR)",
        changes={"patient": patient[:100], "responses_listed": [r.pk for r in found]},
        purpose="FHIR search",
    )
    return found


# Observation -----------------------------------------------------------------------------------


def _score_definition_decimals(definition: InstrumentDefinition, code: str) -> int:
    score = definition.score(code)
    return score.decimals if score is not None else 2


def score_value(definition: InstrumentDefinition, code: str, value: Decimal) -> Decimal:
    """A stored score with the number of decimal places the instrument reports it to."""
    return value.quantize(Decimal(1).scaleb(-_score_definition_decimals(definition, code)))


def score_codings(definition: InstrumentDefinition, score: MeasureScore) -> list[JSON]:
    codings: list[JSON] = []
    score_definition = definition.score(score.code)
    if score_definition is not None and score_definition.loinc:
        codings.append(_coding(LOINC, score_definition.loinc, score.label))
    codings.append(_coding(CS_MEASURE_SCORE, score_code(score.instrument_key, score.code), score.label))
    return codings


def observation_resource(
    score: MeasureScore,
    response: MeasureResponse,
    instrument: Instrument,
    person: Person,
    replaced_by: MeasureResponse | None = None,
) -> JSON:
    """One derived score, ``derivedFrom`` the response it was worked out from."""
    definition = instrument.parsed
    value = score_value(definition, score.code, score.value)
    resource: JSON = {
        "resourceType": "Observation",
        "id": str(score.pk),
        "status": "amended" if response.supersedes_id is not None else "final",
        "category": [{"coding": [_coding(CS_OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {"coding": score_codings(definition, score), "text": score.label},
        "subject": _patient(person),
        "effectiveDateTime": _instant(score.effective_at),
        "valueQuantity": {
            "value": int(value) if value == value.to_integral_value() else value,
            "unit": SCORE_UNIT,
            "system": UCUM,
            "code": SCORE_UNIT,
        },
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}", "type": "QuestionnaireResponse"}],
    }
    if replaced_by is not None:
        resource["extension"] = [_reference_ext(c.EXT_REPLACED_BY, f"QuestionnaireResponse/{replaced_by.pk}")]
    if response.plan_id is not None:
        resource["basedOn"] = [{"reference": f"CarePlan/{response.plan_id}", "type": "CarePlan"}]
    if response.completed_at is not None:
        resource["issued"] = _instant(response.completed_at)
    if score.band:
        resource["interpretation"] = [{"text": score.band}]
    return resource


def read_observation(actor: Actor, resource_id: str) -> JSON:
    """``GET Observation/{id}``: audited; 404 when the actor may not see it."""
    score = selectors.get_score(actor, _numeric_id(resource_id), purpose="FHIR read")
    response = score.response
    resource = observation_resource(
        score, response, response.instrument, score.person, selectors.correction_of(response)
    )
    return checked(resource)


def _matches(codings: Iterable[JSON], tokens: Sequence[str]) -> bool:
    """FHIR token search: ``code``, ``system|code`` or ``|code`` (no system), any of several."""
    for token in tokens:
        system, bar, code = token.strip().rpartition("|")
        for coding in codings:
            if coding["code"] == code and (not bar or coding.get("system", "") == system):
                return True
    return False


def search_observations(actor: Actor, patient: str, code: str = "") -> list[JSON]:
    """The person's current scores, oldest first, as Observations; one audit event names them."""
    person = _visible_person(actor, patient)
    resources: list[JSON] = []
    listed: list[int] = []
    if person is not None:
        instruments = {instrument.pk: instrument for instrument in selectors.instruments()}
        tokens = [token for token in code.split(",") if token.strip()]
        for score in selectors.scores_for_person(actor, person):
            instrument = instruments[score.response.instrument_id]
            if tokens and not _matches(score_codings(instrument.parsed, score), tokens):
                continue
            resources.append(observation_resource(score, score.response, instrument, person))
            listed.append(score.pk)
    audit.record(
        actor,
        AuditAction.SEARCH,
        person_id=person.pk if listed and person is not None else None,
        summary="Searched measure scores (FHIR)",
        changes={"patient": patient[:100], "code": code[:100], "scores_listed": listed},
        purpose="FHIR search",
    )
    return resources


# Bundles ---------------------------------------------------------------------------------------


def search_bundle(resources: Sequence[JSON], *, base: str, self_url: str) -> JSON:
    """A searchset of these resources, checked and validated once, with every entry."""
    entries = [
        {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in resources
    ]
    problems = [problem for resource in resources for problem in code_problems(resource)]
    if problems:
        raise ExportError("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
    return searchset(entries, total=len(entries), self_url=self_url)
