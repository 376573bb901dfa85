"""Placeholder: replaced by the page work for this module."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def self_refer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def mine(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def feedback(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")
