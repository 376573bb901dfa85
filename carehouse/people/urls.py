from __future__ import annotations

from django.urls import path

from carehouse.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("add", views.person_add, name="add"),
    path("me", views.my_record, name="mine"),
    path("cared-for", views.cared_for, name="cared_for"),
    path("<int:person_id>", views.person_detail, name="detail"),
    path("<int:person_id>/edit", views.person_edit, name="edit"),
    path("<int:person_id>/consents/add", views.consent_add, name="consent_add"),
    path("<int:person_id>/consents/<int:consent_id>/withdraw", views.consent_withdraw, name="consent_withdraw"),
    path("<int:person_id>/contacts/add", views.contact_add, name="contact_add"),
    path("<int:person_id>/care-team/add", views.care_team_add, name="care_team_add"),
]
