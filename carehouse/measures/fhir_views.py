"""FHIR R4 endpoints for outcome measures, at /fhir/ beside the care plan ones (read only).

Thin: the care plan endpoints' ``fhir_view`` authenticates the bearer token (``StaffToken``, so
``core.use_api``) and turns a 404 from the selectors into an OperationOutcome; ``measures.fhir``
reads (audited) and builds the validated resources.

- ``Questionnaire``: not personal data, so any staff API user may read the definitions.
- ``QuestionnaireResponse`` and ``Observation``: a person's answers and scores, for roles with
  ``measures.view_scores``; search by ``patient`` (``Observation`` also by ``code``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from carehouse.careplans.fhir.views import fhir_response, fhir_view, outcome
from carehouse.core.actor import Actor
from carehouse.measures import fhir

READ_PERMISSIONS = ("measures.view_scores",)


def _base(request: HttpRequest) -> str:
    """The absolute service base, ending in a slash (fullUrls are built from it)."""
    return request.build_absolute_uri(reverse("fhir:questionnaire-search")).removesuffix("Questionnaire")


def _patient(request: HttpRequest, resource_type: str) -> str | HttpResponse:
    patient = request.GET.get("patient", "").strip()
    if not patient:
        return outcome(400, "required", f"Search by patient: {resource_type}?patient=<person id>")
    return patient


@fhir_view()
def questionnaire_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    return fhir_response(fhir.read_questionnaire(resource_id))


@fhir_view()
def questionnaire_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    found = fhir.search_questionnaires(name=request.GET.get("name", ""), url=request.GET.get("url", ""))
    resources = [fhir.questionnaire_resource(instrument) for instrument in found]
    return fhir_response(fhir.search_bundle(resources, base=_base(request), self_url=request.build_absolute_uri()))


@fhir_view(*READ_PERMISSIONS)
def response_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    resource = fhir.read_response(actor, resource_id)
    return fhir_response(resource, headers={"ETag": f'W/"{resource["meta"]["versionId"]}"'})


@fhir_view(*READ_PERMISSIONS)
def response_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    patient = _patient(request, "QuestionnaireResponse")
    if isinstance(patient, HttpResponse):
        return patient
    resources = [fhir.response_resource(response) for response in fhir.search_responses(actor, patient)]
    return fhir_response(fhir.search_bundle(resources, base=_base(request), self_url=request.build_absolute_uri()))


@fhir_view(*READ_PERMISSIONS)
def observation_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    return fhir_response(fhir.read_observation(actor, resource_id))


@fhir_view(*READ_PERMISSIONS)
def observation_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    patient = _patient(request, "Observation")
    if isinstance(patient, HttpResponse):
        return patient
    resources = fhir.search_observations(actor, patient, request.GET.get("code", ""))
    return fhir_response(fhir.search_bundle(resources, base=_base(request), self_url=request.build_absolute_uri()))
