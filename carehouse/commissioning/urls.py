"""The commissioning pages, under ``/commissioning/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.commissioning.views import overview

app_name = "commissioning"

urlpatterns: list[URLPattern] = [
    path("", overview.overview, name="overview"),
    path("refresh", overview.refresh, name="refresh"),
]
