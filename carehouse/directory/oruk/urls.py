"""The Open Referral UK 3.0 read API, under ``/oruk/`` (filled in by ``oruk/views.py``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
