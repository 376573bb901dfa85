"""Placeholder: replaced by the page work for this module."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def caseload(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def change_status(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def follow_up(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def update_goal(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def add_note(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")
