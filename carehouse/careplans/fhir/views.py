"""FHIR R4 endpoints for care and support plans, at /fhir/ (docs/adr/0010-fhir-care-plans.md).

Thin: each view authenticates the bearer token with the JSON API's own ``StaffToken``, checks the
permission, and hands over to ``export`` (audited reads through the selectors, resources built and
validated) or ``importer`` (a new draft plan written through the plan services). Every answer is
FHIR JSON; every refusal is an OperationOutcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from carehouse.careplans import selectors
from carehouse.careplans.fhir import export, importer
from carehouse.careplans.fhir.bindings import Problem
from carehouse.core.actor import Actor
from carehouse.core.api import StaffToken
from carehouse.core.rules import has_permission

FHIR_JSON = "application/fhir+json"
ACCEPTED_BODY_TYPES = ("application/fhir+json", "application/json")
#: ``core.use_api`` is checked by ``StaffToken`` itself, as for every JSON API endpoint.
READ_PERMISSIONS = ("careplans.view_plan",)
IMPORT_PERMISSIONS = ("careplans.start_plan",)

View = Callable[..., HttpResponse]


def fhir_response(resource: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False), status=status, content_type=FHIR_JSON, headers=headers
    )


def outcome(status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None) -> HttpResponse:
    return fhir_response(export.operation_outcome([Problem(code, diagnostics)]), status, headers)


_staff_token = StaffToken()


def fhir_view(*permissions: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[View], View]:
    """Bearer-token authentication and permission checks, with OperationOutcome refusals.

    No, unknown or expired token, or a role that may not use the API: 401, as the JSON API answers.
    A role without the permissions: 403. A record the actor may not see (``Http404`` from the
    selectors): 404, the same as one that does not exist.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return outcome(
                    405, "not-supported", f"Use {' or '.join(methods)} here", headers={"Allow": ", ".join(methods)}
                )
            actor = _staff_token(request)
            if not isinstance(actor, Actor):
                return outcome(
                    401,
                    "login",
                    "Send a current API token: Authorization: Bearer <token>",
                    {"WWW-Authenticate": "Bearer"},
                )
            if not all(has_permission(actor, name) for name in permissions):
                return outcome(403, "forbidden", "Your role does not allow this")
            try:
                return view(request, actor, *args, **kwargs)
            except Http404:
                return outcome(404, "not-found", "No such resource, or you may not see it")
            except PermissionDenied:
                return outcome(403, "forbidden", "Your role does not allow this")

        return wrapper

    return decorate


def _base(request: HttpRequest) -> str:
    """The absolute service base, ending in a slash (fullUrls are built from it)."""
    return request.build_absolute_uri(reverse("fhir:care-plan-search")).removesuffix("CarePlan")


@fhir_view(*READ_PERMISSIONS)
def care_plan_read(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    resource = export.read_care_plan(actor, resource_id)
    version = resource.get("meta", {}).get("versionId")
    return fhir_response(resource, headers={"ETag": f'W/"{version}"'} if version else None)


@fhir_view(*READ_PERMISSIONS)
def care_plan_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    patient = request.GET.get("patient", "").strip()
    if not patient:
        return outcome(400, "required", "Search care plans by patient: CarePlan?patient=<person id>")
    plans = export.search_care_plans(actor, patient)
    return fhir_response(export.search_bundle(plans, base=_base(request), self_url=request.build_absolute_uri()))


@fhir_view(*READ_PERMISSIONS)
def care_plan_everything(request: HttpRequest, actor: Actor, resource_id: str) -> HttpResponse:
    parts, consents = export.read_everything(actor, resource_id)
    bundle = export.everything_bundle(parts, consents, base=_base(request), self_url=request.build_absolute_uri())
    return fhir_response(bundle)


@csrf_exempt  # token authentication only: no cookies, so no cross-site request to forge
@fhir_view(*IMPORT_PERMISSIONS, methods=("POST",))
def bundle_import(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.content_type not in ACCEPTED_BODY_TYPES:
        return outcome(415, "not-supported", "Send the Bundle as application/fhir+json")
    try:
        result = importer.import_bundle(actor, request.body)
    except RequestDataTooBig:
        return outcome(413, "too-costly", "The Bundle is too large")
    except importer.ImportRefused as refused:
        return fhir_response(export.operation_outcome(refused.problems), refused.status)
    # The creator reads back what they just wrote; the import itself is in the audit log.
    plan = selectors.get_plan(actor, result.plan.pk, audited=False)
    location = request.build_absolute_uri(reverse("fhir:care-plan-read", args=[export.plan_id(plan)]))
    headers = {"Location": location, "ETag": f'W/"{plan.version}"'}
    prefer = request.headers.get("Prefer", "").replace(" ", "")
    if "return=OperationOutcome" in prefer:
        created = Problem("informational", f"Created CarePlan/{plan.pk} as a draft", severity="information")
        return fhir_response(export.operation_outcome([created, *result.warnings]), 201, headers)
    if "return=minimal" in prefer:
        return HttpResponse(status=201, headers=headers)
    return fhir_response(export.imported_care_plan(plan, result.warnings), 201, headers)
