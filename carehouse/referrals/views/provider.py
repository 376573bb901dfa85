"""Placeholder: replaced by the page work for this module."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def inbox(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def inbox_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def change_status(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def record_contact(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def link(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")
