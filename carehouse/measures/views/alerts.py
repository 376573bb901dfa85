"""Placeholder: being written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def alert_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return HttpResponse(status=501)
