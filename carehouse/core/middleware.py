"""Put the acting user, role and organisation on every request as ``request.actor``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from carehouse.core.actor import Actor
from carehouse.core.services.roles import actor_from_session


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        actor: Actor | None = None
        if request.user.is_authenticated:
            actor = actor_from_session(request, client_ip(request))
        request.actor = actor  # type: ignore[attr-defined]
        return self.get_response(request)
