"""Placeholder: being written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def summary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
