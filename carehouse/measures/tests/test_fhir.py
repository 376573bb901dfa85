"""FHIR R4 for outcome measures: Questionnaire, QuestionnaireResponse and Observation at /fhir/.

Every resource must parse with ``fhir.resources.R4B`` and come back the same; licensed wording
stays out until it is loaded; reads are scoped and audited; corrections are linked both ways.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from carehouse.careplans.fhir import codes
from carehouse.careplans.fhir.bindings import check_resource
from carehouse.careplans.models import CarePlan
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.models.audit import AuditAction
from carehouse.core.services.accounts import issue_api_token
from carehouse.measures import fhir as measures_fhir
from carehouse.measures.models import Instrument, MeasureResponse, MeasureScore, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

FHIR_JSON = "application/fhir+json"
PHQ9_MILD = {**{str(n): 1 for n in range(1, 10)}, "difficulty": 1}  # total 9: Mild


class Fhir:
    """The test client with one membership's bearer token (or none)."""

    def __init__(self, client: Client, membership: Membership | None) -> None:
        self.client = client
        self.headers: dict[str, str] = {}
        if membership is not None:
            _, secret = issue_api_token(Actor.for_membership(membership), "test")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, **query: str) -> Any:
        return self.client.get(f"/fhir/{path}", query, **self.headers)


@pytest.fixture
def fhir(client: Client) -> Callable[[Membership | None], Fhir]:
    return lambda membership: Fhir(client, membership)


def resource(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of a FHIR answer, after checking it round-trips through R4B and our bindings."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    data: dict[str, Any] = json.loads(response.content)
    parsed = get_fhir_model_class(data["resourceType"]).model_validate(data)
    assert parsed.model_dump(mode="json", exclude_none=True) == data
    assert check_resource(data) == []
    return data


def outcome_code(response: Any, status: int) -> str:
    data = resource(response, status)
    assert data["resourceType"] == "OperationOutcome"
    return str(data["issue"][0]["code"])


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.fixture
def phq9(staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]) -> MeasureResponse:
    """A PHQ-9 Priya completed with Mary at baseline, linked to her plan: total 9, item 9 above 0."""
    return responses.record_response(
        staff, mary, instrument("phq9"), PHQ9_MILD, timepoint=Timepoint.BASELINE, plan=plan, referral_reference="R-1"
    )


# -- Questionnaire -------------------------------------------------------------------------------


def test_phq9_questionnaire(fhir: Any, priya: Membership, instrument: Callable[[str], Instrument]):
    data = resource(fhir(priya).get("Questionnaire/phq9-1"))

    assert (data["id"], data["url"], data["version"], data["status"]) == (
        "phq9-1",
        "https://carehouse.example/fhir/Questionnaire/phq9",
        "1",
        "active",
    )
    assert data["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    assert data["publisher"].startswith("Pfizer")
    preamble, first, *_, difficulty = data["item"]
    assert (preamble["type"], preamble["text"]) == ("display", instrument("phq9").parsed.preamble)
    assert (first["linkId"], first["type"], first["required"], first["text"]) == (
        "1",
        "choice",
        True,
        "Little interest or pleasure in doing things",
    )
    assert first["code"] == [{"system": "http://loinc.org", "code": "44250-9"}]
    not_at_all = first["answerOption"][0]["valueCoding"]
    assert (not_at_all["system"], not_at_all["code"], not_at_all["display"]) == (
        "http://loinc.org",
        "LA6568-5",
        "Not at all",
    )
    assert not_at_all["extension"] == [{"url": measures_fhir.ORDINAL_VALUE, "valueDecimal": 0}]
    assert (difficulty["linkId"], difficulty["required"]) == ("difficulty", False)


def test_swemwbs_without_its_wording_has_no_text(fhir: Any, priya: Membership):
    data = resource(fhir(priya).get("Questionnaire/swemwbs-1"))

    assert [item["linkId"] for item in data["item"]] == [str(n) for n in range(1, 8)]
    assert all("text" not in item for item in data["item"])
    options = [option["valueCoding"] for option in data["item"][0]["answerOption"]]
    assert [(o["system"], o["code"]) for o in options] == [
        ("https://carehouse.example/fhir/CodeSystem/swemwbs-answers", f"frequency-{n}") for n in range(1, 6)
    ]
    assert all("display" not in option for option in options)
    assert "Test statement" not in json.dumps(data)


def test_swemwbs_with_loaded_wording_has_it(fhir: Any, priya: Membership, swemwbs_with_text: Instrument):
    data = resource(fhir(priya).get("Questionnaire/swemwbs-1"))

    questions = [item for item in data["item"] if item["type"] == "choice"]
    assert questions[0]["text"] == "Test statement 1 for wellbeing"
    assert questions[0]["answerOption"][0]["valueCoding"]["display"] == "Test answer 1"
    assert "Carehouse test suite" in data["copyright"]


def test_external_pam_describes_the_fields_recorded(fhir: Any, priya: Membership):
    data = resource(fhir(priya).get("Questionnaire/pam-1"))

    by_id = {item["linkId"]: item for item in data["item"]}
    assert {key: (item["type"], item["text"]) for key, item in by_id.items()} == {
        "score": ("decimal", "Activation score"),
        "level": ("choice", "Activation level"),
        "assessed_on": ("date", "Date the PAM was completed"),
        "licence_holder": ("string", "Organisation that holds the PAM licence"),
    }
    assert by_id["score"]["extension"] == [
        {"url": measures_fhir.MIN_VALUE, "valueDecimal": 0},
        {"url": measures_fhir.MAX_VALUE, "valueDecimal": 100},
    ]


def test_a_switched_off_pack_is_retired(fhir: Any, priya: Membership):
    assert resource(fhir(priya).get("Questionnaire/collaborate-1"))["status"] == "retired"


def test_questionnaire_search(fhir: Any, priya: Membership, instrument: Callable[[str], Instrument]):
    everything = entries(resource(fhir(priya).get("Questionnaire")))
    by_name = entries(resource(fhir(priya).get("Questionnaire", name="gad")))
    by_url = entries(
        resource(fhir(priya).get("Questionnaire", url="https://carehouse.example/fhir/Questionnaire/phq9|1"))
    )
    nothing = entries(resource(fhir(priya).get("Questionnaire", url="https://carehouse.example/fhir/Questionnaire/x")))

    assert {r["id"] for r in everything} == {measures_fhir.questionnaire_id(i) for i in Instrument.objects.all()}
    assert len(everything) == Instrument.objects.count() >= 9
    assert [r["id"] for r in by_name] == ["gad7-1"]
    assert [r["id"] for r in by_url] == ["phq9-1"]
    assert nothing == []


@pytest.mark.parametrize("resource_id", ["phq9-2", "nothing-1", "phq9"])
def test_an_unknown_questionnaire_is_404(fhir: Any, priya: Membership, resource_id: str):
    assert outcome_code(fhir(priya).get(f"Questionnaire/{resource_id}"), 404) == "not-found"


def test_any_staff_api_user_may_read_questionnaires(fhir: Any, cora: Membership, vic: Membership):
    assert resource(fhir(cora).get("Questionnaire/phq9-1"))["id"] == "phq9-1"
    assert resource(fhir(vic).get("Questionnaire/phq9-1"))["id"] == "phq9-1"


# -- QuestionnaireResponse -----------------------------------------------------------------------


def test_a_response(fhir: Any, priya: Membership, phq9: MeasureResponse, plan: CarePlan):
    data = resource(fhir(priya).get(f"QuestionnaireResponse/{phq9.pk}"))

    assert data["questionnaire"] == "https://carehouse.example/fhir/Questionnaire/phq9|1"
    assert (data["status"], data["subject"]["reference"]) == ("completed", f"Patient/{phq9.person_id}")
    assert data["basedOn"] == [{"reference": f"CarePlan/{plan.pk}", "type": "CarePlan"}]
    assert data["author"] == {"type": "Practitioner", "display": phq9.completed_by_label}
    assert data["source"]["reference"] == f"Patient/{phq9.person_id}"
    assert data["authored"].startswith(phq9.completed_at.date().isoformat())
    extensions = {e["url"]: e for e in data["extension"]}
    assert extensions[codes.EXT_MEASURE_TIMEPOINT]["valueCode"] == "baseline"
    assert extensions[codes.EXT_REFERRAL]["valueString"] == "R-1"
    answered = {item["linkId"]: item["answer"][0]["valueCoding"] for item in data["item"]}
    assert list(answered) == [*(str(n) for n in range(1, 10)), "difficulty"]
    assert (answered["9"]["code"], answered["difficulty"]["code"]) == ("LA6569-3", "LA6573-5")


def test_a_draft_is_in_progress(fhir: Any, priya: Membership, phq9_sent: MeasureResponse, mary_actor: Actor):
    responses.save_draft(mary_actor, phq9_sent, {"1": "2"}, expected_version=phq9_sent.version)

    data = resource(fhir(priya).get(f"QuestionnaireResponse/{phq9_sent.pk}"))

    assert data["status"] == "in-progress"
    assert "authored" not in data
    assert [item["linkId"] for item in data["item"]] == ["1"]


def test_an_external_result_has_typed_answers(
    fhir: Any, priya: Membership, staff: Actor, mary: Person, instrument: Callable[[str], Instrument]
):
    pam = responses.record_response(
        staff,
        mary,
        instrument("pam"),
        {"score": "62.5", "level": 3, "assessed_on": "2024-05-01", "licence_holder": "Test ICB"},
        timepoint=Timepoint.REVIEW,
    )

    data = resource(fhir(priya).get(f"QuestionnaireResponse/{pam.pk}"))

    answers = {item["linkId"]: item["answer"][0] for item in data["item"]}
    assert answers["score"] == {"valueDecimal": 62.5}
    assert answers["assessed_on"] == {"valueDate": "2024-05-01"}
    assert answers["licence_holder"] == {"valueString": "Test ICB"}
    assert answers["level"]["valueCoding"]["code"] == "level-3"
    assert "source" not in data


def test_swemwbs_response_without_wording_has_no_text(
    fhir: Any, priya: Membership, staff: Actor, mary: Person, swemwbs_with_text: Instrument
):
    done = responses.record_response(
        staff, mary, swemwbs_with_text, {str(n): 3 for n in range(1, 8)}, timepoint=Timepoint.BASELINE
    )
    Instrument.objects.filter(pk=swemwbs_with_text.pk).update(item_text={})  # as if the wording were withdrawn

    data = resource(fhir(priya).get(f"QuestionnaireResponse/{done.pk}"))

    assert all("text" not in item for item in data["item"])
    assert "Test statement" not in json.dumps(data)
    assert "Test answer" not in json.dumps(data)


def test_a_correction_is_linked_both_ways(fhir: Any, priya: Membership, staff: Actor, phq9: MeasureResponse):
    correction = responses.correct_response(staff, phq9, {**PHQ9_MILD, "1": 3}, reason="Typed 1 for 3")

    original = resource(fhir(priya).get(f"QuestionnaireResponse/{phq9.pk}"))
    amended = resource(fhir(priya).get(f"QuestionnaireResponse/{correction.pk}"))
    listed = entries(resource(fhir(priya).get("QuestionnaireResponse", patient=str(phq9.person_id))))

    assert original["status"] == "completed"
    assert {e["url"]: e.get("valueReference") for e in original["extension"]}[codes.EXT_REPLACED_BY] == {
        "reference": f"QuestionnaireResponse/{correction.pk}"
    }
    assert amended["status"] == "amended"
    links = {e["url"]: e for e in amended["extension"]}
    assert links[codes.EXT_REPLACES_RESPONSE]["valueReference"]["reference"] == f"QuestionnaireResponse/{phq9.pk}"
    assert links[codes.EXT_CORRECTION_REASON]["valueString"] == "Typed 1 for 3"
    assert [r["id"] for r in listed] == [str(correction.pk)]


def test_response_search_is_scoped_and_audited(
    fhir: Any, priya: Membership, omar: Membership, phq9: MeasureResponse, phq9_sent: MeasureResponse
):
    mine = entries(resource(fhir(priya).get("QuestionnaireResponse", patient=f"Patient/{phq9.person_id}")))
    theirs = entries(resource(fhir(omar).get("QuestionnaireResponse", patient=str(phq9.person_id))))

    assert [(r["id"], r["status"]) for r in mine] == [(str(phq9.pk), "completed"), (str(phq9_sent.pk), "in-progress")]
    assert theirs == []
    events = AuditEvent.objects.filter(action=AuditAction.SEARCH, summary__contains="questionnaire responses")
    assert sorted((e.actor_email, e.changes["responses_listed"]) for e in events) == [
        (omar.user.email, []),
        (priya.user.email, [phq9.pk, phq9_sent.pk]),
    ]


def test_a_response_the_caller_may_not_see_is_404(fhir: Any, omar: Membership, phq9: MeasureResponse):
    assert outcome_code(fhir(omar).get(f"QuestionnaireResponse/{phq9.pk}"), 404) == "not-found"
    assert not AuditEvent.objects.filter(actor_email=omar.user.email, action=AuditAction.READ).exists()


def test_a_response_read_is_audited(fhir: Any, priya: Membership, phq9: MeasureResponse):
    fhir(priya).get(f"QuestionnaireResponse/{phq9.pk}")

    event = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(phq9.pk)).latest("pk")
    assert (event.actor_email, event.purpose) == (priya.user.email, "FHIR read")


# -- Observation ---------------------------------------------------------------------------------


def test_an_observation_per_score(fhir: Any, priya: Membership, phq9: MeasureResponse, plan: CarePlan):
    score = phq9.scores.get()

    data = resource(fhir(priya).get(f"Observation/{score.pk}"))

    assert (data["status"], data["subject"]["reference"]) == ("final", f"Patient/{phq9.person_id}")
    assert data["category"][0]["coding"][0]["code"] == "survey"
    assert [(c["system"], c["code"]) for c in data["code"]["coding"]] == [
        ("http://loinc.org", "44261-6"),
        (measures_fhir.CS_MEASURE_SCORE, "phq9-total"),
    ]
    assert data["valueQuantity"] == {
        "value": 9,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert data["interpretation"] == [{"text": "Mild"}]
    assert data["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{phq9.pk}", "type": "QuestionnaireResponse"}]
    assert data["basedOn"][0]["reference"] == f"CarePlan/{plan.pk}"
    assert data["effectiveDateTime"].startswith(score.effective_at.date().isoformat())


def test_a_decimal_score(fhir: Any, priya: Membership, staff: Actor, mary: Person, swemwbs_with_text: Instrument):
    done = responses.record_response(
        staff, mary, swemwbs_with_text, {str(n): 3 for n in range(1, 8)}, timepoint=Timepoint.BASELINE
    )
    metric = done.scores.get(code="metric")

    data = resource(fhir(priya).get(f"Observation/{metric.pk}"))

    assert data["valueQuantity"]["value"] == float(metric.value)
    assert data["code"]["coding"] == [
        {"system": measures_fhir.CS_MEASURE_SCORE, "code": "swemwbs-metric", "display": metric.label}
    ]


def test_observation_search_by_patient_and_code(
    fhir: Any, priya: Membership, staff: Actor, phq9: MeasureResponse, instrument: Callable[[str], Instrument]
):
    gad7 = responses.record_response(
        staff, phq9.person, instrument("gad7"), {str(n): 2 for n in range(1, 8)}, timepoint=Timepoint.BASELINE
    )
    patient = f"Patient/{phq9.person_id}"

    everything = entries(resource(fhir(priya).get("Observation", patient=patient)))
    by_loinc = entries(resource(fhir(priya).get("Observation", patient=patient, code="http://loinc.org|44261-6")))
    by_ours = entries(resource(fhir(priya).get("Observation", patient=patient, code="gad7-total")))
    wrong_system = entries(resource(fhir(priya).get("Observation", patient=patient, code="http://x|44261-6")))

    assert [r["derivedFrom"][0]["reference"] for r in everything] == [
        f"QuestionnaireResponse/{phq9.pk}",
        f"QuestionnaireResponse/{gad7.pk}",
    ]
    assert [r["id"] for r in by_loinc] == [str(phq9.scores.get().pk)]
    assert [r["id"] for r in by_ours] == [str(gad7.scores.get().pk)]
    assert wrong_system == []


def test_a_correction_replaces_the_scores(fhir: Any, priya: Membership, staff: Actor, phq9: MeasureResponse):
    old_score = phq9.scores.get()
    correction = responses.correct_response(staff, phq9, {**PHQ9_MILD, "1": 3}, reason="Typed 1 for 3")
    new_score = correction.scores.get()

    listed = entries(resource(fhir(priya).get("Observation", patient=str(phq9.person_id))))
    old = resource(fhir(priya).get(f"Observation/{old_score.pk}"))

    assert [(r["id"], r["status"], r["valueQuantity"]["value"]) for r in listed] == [(str(new_score.pk), "amended", 11)]
    assert old["status"] == "final"
    assert old["extension"] == [
        {"url": codes.EXT_REPLACED_BY, "valueReference": {"reference": f"QuestionnaireResponse/{correction.pk}"}}
    ]


def test_observation_search_is_scoped(fhir: Any, omar: Membership, phq9: MeasureResponse):
    assert entries(resource(fhir(omar).get("Observation", patient=str(phq9.person_id)))) == []
    assert outcome_code(fhir(omar).get(f"Observation/{phq9.scores.get().pk}"), 404) == "not-found"


def test_someone_elses_person_is_not_found(fhir: Any, priya: Membership, practice: Any, omar: Membership):
    stranger = PersonFactory()  # registered nowhere Priya works
    assert entries(resource(fhir(priya).get("Observation", patient=str(stranger.pk)))) == []


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "Questionnaire/phq9-1",
        "Questionnaire",
        "QuestionnaireResponse/{response}",
        "QuestionnaireResponse?patient={person}",
        "Observation/{score}",
        "Observation?patient={person}",
    ],
)
def test_no_token_is_401(client: Client, phq9: MeasureResponse, path: str):
    score = MeasureScore.objects.get(response=phq9)
    response = client.get("/fhir/" + path.format(response=phq9.pk, person=phq9.person_id, score=score.pk))

    assert outcome_code(response, 401) == "login"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["QuestionnaireResponse/{response}", "Observation?patient={person}"])
def test_a_role_that_may_not_see_scores_is_403(fhir: Any, vic: Membership, phq9: MeasureResponse, path: str):
    response = fhir(vic).get(path.format(response=phq9.pk, person=phq9.person_id))

    assert outcome_code(response, 403) == "forbidden"


@pytest.mark.parametrize("path", ["QuestionnaireResponse", "Observation"])
def test_a_search_needs_a_patient(fhir: Any, priya: Membership, path: str):
    assert outcome_code(fhir(priya).get(path), 400) == "required"


@pytest.mark.parametrize("resource_id", ["999999", "abc", "-1", "1.5"])
def test_unknown_ids_are_404(fhir: Any, priya: Membership, resource_id: str):
    assert outcome_code(fhir(priya).get(f"QuestionnaireResponse/{resource_id}"), 404) == "not-found"
    assert outcome_code(fhir(priya).get(f"Observation/{resource_id}"), 404) == "not-found"


def test_every_shipped_questionnaire_validates(instrument: Callable[[str], Instrument]):
    for each in Instrument.objects.all():
        data = measures_fhir.checked(measures_fhir.questionnaire_resource(each))
        assert data["id"] == measures_fhir.questionnaire_id(each)
