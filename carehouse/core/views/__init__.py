"""Helpers shared by the views of every app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
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


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's validation errors on the form, so the user sees them beside the field.

    Errors about a field the form does not have, or not about any field, go at the top of the
    form (and so into the page's error summary).
    """
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
