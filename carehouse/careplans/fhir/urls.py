"""FHIR R4 endpoints for care and support plans, included at /fhir/."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.careplans.fhir import views

app_name = "fhir"

urlpatterns: list[URLPattern] = [
    path("CarePlan", views.care_plan_search, name="care-plan-search"),
    path("CarePlan/<str:resource_id>", views.care_plan_read, name="care-plan-read"),
    path("CarePlan/<str:resource_id>/$everything", views.care_plan_everything, name="care-plan-everything"),
    path("Bundle", views.bundle_import, name="bundle-import"),
]
