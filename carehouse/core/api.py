"""The JSON API at /api/v1/: bearer-token authentication for staff, the same rules as the UI.

Each app adds a router; endpoints stay thin and call the same selectors and services as
the HTML views. Bad input gets 422 with a list of field errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.security import HttpBearer

from carehouse.core.actor import Actor
from carehouse.core.middleware import client_ip
from carehouse.core.rules import has_permission
from carehouse.core.services.accounts import actor_for_token


class StaffToken(HttpBearer):
    """``Authorization: Bearer <token>``; the token carries one staff membership."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = actor_for_token(token, client_ip(request))
        if actor is None or not has_permission(actor, "core.use_api"):
            return None
        request.actor = actor  # type: ignore[attr-defined]
        return actor


api = NinjaAPI(
    title="Carehouse API",
    version="1",
    description=(
        "The Carehouse API for staff systems. Authenticate with a bearer token created on the "
        "'API tokens' page; a token acts in one role at one organisation, with the same permissions "
        "and the same audit trail as the web pages. Invalid input is answered with 422 and a list of "
        "field errors; a change against an out-of-date version with 409."
    ),
    auth=StaffToken(),
    urls_namespace="api",
)


def api_actor(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


def _validation_errors(error: ValidationError) -> list[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        return [
            {"loc": ["body", "payload", field], "msg": message, "type": "value_error"}
            for field, errors in error.message_dict.items()
            for message in errors
        ]
    return [{"loc": ["body", "payload"], "msg": message, "type": "value_error"} for message in error.messages]


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": _validation_errors(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Your role does not allow this"}, status=403)


class MeOut(Schema):
    email: str
    full_name: str
    role: str
    organisation_ods_code: str | None
    organisation_name: str | None


core_router = Router(tags=["Account"])


@core_router.get("/me", response=MeOut, summary="Who the token acts as")
def me(request: HttpRequest) -> MeOut:
    actor = api_actor(request)
    assert actor.user is not None and actor.role is not None
    return MeOut(
        email=actor.user.email,
        full_name=actor.user.full_name,
        role=actor.role.value,
        organisation_ods_code=actor.organisation.ods_code if actor.organisation else None,
        organisation_name=actor.organisation.name if actor.organisation else None,
    )


api.add_router("/", core_router)


def _register_routers() -> None:
    from carehouse.people.api import router as people_router

    api.add_router("/people", people_router)
    from carehouse.careplans.api import router as careplans_router

    api.add_router("/careplans", careplans_router)
    from carehouse.measures.api import router as measures_router

    api.add_router("/measures", measures_router)
    from carehouse.referrals.api import router as referrals_router

    api.add_router("/referrals", referrals_router)
    from carehouse.commissioning.api import router as commissioning_router

    api.add_router("/commissioning", commissioning_router)


_register_routers()
