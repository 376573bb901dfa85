"""Placeholder: being written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def instrument_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    return HttpResponse(status=501)
