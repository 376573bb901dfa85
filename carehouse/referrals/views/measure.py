"""Placeholder: replaced by the page work for this module."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def end_measure(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")


def end_measure_by_link(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404("Not built yet")
