"""FHIR R4 endpoints for referrals, at /fhir/ beside the care plan and measures ones (read only).

Thin: the care plan endpoints' ``fhir_view`` authenticates the bearer token (``StaffToken``, so
``core.use_api``), checks ``referrals.view_referrals`` and turns a 404 from the selectors into an
OperationOutcome; ``referrals.fhir`` reads (audited) and builds the validated resources.

- ``ServiceRequest/<id>`` and ``ServiceRequest?patient=<person id>``: what was asked for.
- ``Task/<id>`` and ``Task?patient=<person id>``: how the receiving service is getting on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from carehouse.careplans.fhir.views import fhir_response, fhir_view, outcome
from carehouse.core.actor import Actor
from carehouse.referrals import fhir

READ_PERMISSIONS = ("referrals.view_referrals",)


def _base(request: HttpRequest) -> str:
    """The absolute service base, ending in a slash (fullUrls are built from it)."""
    return request.build_absolute_uri(reverse("fhir:service-request-search")).removesuffix("ServiceRequest")


def _patient(request: HttpRequest, resource_type: str) -> str | HttpResponse:
    patient = request.GET.get("patient", "").strip()
    if not patient:
        return outcome(400, "required", f"Search by patient: {resource_type}?patient=<person id>")
    return patient


def _with_etag(resource: dict[str, object]) -> HttpResponse:
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    return fhir_response(resource, headers={"ETag": f'W/"{version}"'} if version else None)


@fhir_view(*READ_PERMISSIONS)
def service_request_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    return _with_etag(fhir.read_service_request(actor, resource_id))


@fhir_view(*READ_PERMISSIONS)
def service_request_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    patient = _patient(request, "ServiceRequest")
    if isinstance(patient, HttpResponse):
        return patient
    resources = fhir.search_service_requests(actor, patient)
    return fhir_response(fhir.search_bundle(resources, base=_base(request), self_url=request.build_absolute_uri()))


@fhir_view(*READ_PERMISSIONS)
def task_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    return _with_etag(fhir.read_task(actor, resource_id))


@fhir_view(*READ_PERMISSIONS)
def task_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    patient = _patient(request, "Task")
    if isinstance(patient, HttpResponse):
        return patient
    resources = fhir.search_tasks(actor, patient)
    return fhir_response(fhir.search_bundle(resources, base=_base(request), self_url=request.build_absolute_uri()))
