"""Placeholder: being written."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def person_measures(request: HttpRequest, person_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def trend(request: HttpRequest, person_id: int, key: str) -> HttpResponse:
    return HttpResponse(status=501)


def send(request: HttpRequest, person_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def record(request: HttpRequest, person_id: int, key: str) -> HttpResponse:
    return HttpResponse(status=501)


def response(request: HttpRequest, response_id: int) -> HttpResponse:
    return HttpResponse(status=501)


def correct(request: HttpRequest, response_id: int) -> HttpResponse:
    return HttpResponse(status=501)
