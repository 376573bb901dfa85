"""The measures pages, under ``/measures/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.measures.views import alerts, experience, instruments, person, staff

app_name = "measures"

urlpatterns: list[URLPattern] = [
    # The person: questionnaires to answer, and their results.
    path("mine", person.mine, name="mine"),
    path("mine/<str:key>", person.my_trend, name="my_trend"),
    path("answer/<int:response_id>", person.answer, name="answer"),
    # Staff: one person's measures.
    path("person/<int:person_id>", staff.person_measures, name="person"),
    path("person/<int:person_id>/send", staff.send, name="send"),
    path("person/<int:person_id>/record/<str:key>", staff.record, name="record"),
    path("person/<int:person_id>/trend/<str:key>", staff.trend, name="trend"),
    path("responses/<int:response_id>", staff.response, name="response"),
    path("responses/<int:response_id>/correct", staff.correct, name="correct"),
    path("responses/<int:response_id>/withdraw", staff.withdraw, name="withdraw"),
    path("alerts", alerts.alert_list, name="alerts"),
    path("alerts/<int:alert_id>", alerts.acknowledge, name="alert"),
    path("experience", experience.summary, name="experience"),
    # Administrators: definitions and licensed wording.
    path("instruments", instruments.instrument_list, name="instruments"),
    path("instruments/<int:instrument_id>", instruments.instrument_detail, name="instrument"),
]
