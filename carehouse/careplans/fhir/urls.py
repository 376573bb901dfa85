"""FHIR R4 endpoints, included at /fhir/: care and support plans, outcome measures and referrals."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.careplans.fhir import views
from carehouse.measures import fhir_views as measures
from carehouse.referrals import fhir_views as referrals

app_name = "fhir"

urlpatterns: list[URLPattern] = [
    path("CarePlan", views.care_plan_search, name="care-plan-search"),
    path("CarePlan/<str:resource_id>", views.care_plan_read, name="care-plan-read"),
    path("CarePlan/<str:resource_id>/$everything", views.care_plan_everything, name="care-plan-everything"),
    path("Bundle", views.bundle_import, name="bundle-import"),
    path("Questionnaire", measures.questionnaire_search, name="questionnaire-search"),
    path("Questionnaire/<str:resource_id>", measures.questionnaire_read, name="questionnaire-read"),
    path("QuestionnaireResponse", measures.response_search, name="questionnaire-response-search"),
    path("QuestionnaireResponse/<str:resource_id>", measures.response_read, name="questionnaire-response-read"),
    path("Observation", measures.observation_search, name="observation-search"),
    path("Observation/<str:resource_id>", measures.observation_read, name="observation-read"),
    path("ServiceRequest", referrals.service_request_search, name="service-request-search"),
    path("ServiceRequest/<str:resource_id>", referrals.service_request_read, name="service-request-read"),
    path("Task", referrals.task_search, name="task-search"),
    path("Task/<str:resource_id>", referrals.task_read, name="task-read"),
]
