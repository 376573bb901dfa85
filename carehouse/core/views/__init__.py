"""Helpers shared by the views of every app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission

View = Callable[..., HttpResponse]


def actor_of(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert isinstance(actor, Actor), "actor_required must wrap this view"
    return actor


def actor_required(permission: str | None = None) -> Callable[[View], View]:
    """Signed in, in a chosen role, and (if given) holding the permission; otherwise 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"/login?next={request.path}")
            actor = getattr(request, "actor", None)
            if actor is None:
                return redirect("core:choose_role")
            if permission and not has_permission(actor, permission):
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
