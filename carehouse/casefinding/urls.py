"""The case finding pages, under ``/case-finding/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.casefinding import views

app_name = "casefinding"

urlpatterns: list[URLPattern] = [
    path("", views.runs, name="runs"),
    path("invitations", views.invitations, name="invitations"),
    path("<int:run_id>", views.run, name="run"),
]
