"""Placeholder: being written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def mine(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


def answer(request: HttpRequest, response_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def my_trend(request: HttpRequest, key: str) -> HttpResponse:
    return HttpResponse(status=501)
