"""The referral pages, under ``/referrals/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.referrals.views import gp, measure, person, provider, refer, referrer

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    # Referring: from a plan action, a shortlist or the directory; the person referring themselves.
    path("new/<int:person_id>", refer.new, name="new"),
    path("new", refer.choose_person, name="choose_person"),
    path("self/<uuid:service_id>", person.self_refer, name="self_refer"),
    # The referrer's side.
    path("caseload", referrer.caseload, name="caseload"),
    path("<int:referral_id>", referrer.detail, name="detail"),
    path("<int:referral_id>/status", referrer.change_status, name="change_status"),
    path("<int:referral_id>/reroute", refer.reroute, name="reroute"),
    path("<int:referral_id>/follow-up", referrer.follow_up, name="follow_up"),
    path("<int:referral_id>/goal", referrer.update_goal, name="update_goal"),
    path("<int:referral_id>/note", referrer.add_note, name="add_note"),
    # The receiving service: its inbox, and the signed email link for services without accounts.
    path("inbox", provider.inbox, name="inbox"),
    path("inbox/<int:referral_id>", provider.inbox_detail, name="inbox_detail"),
    path("inbox/<int:referral_id>/status", provider.change_status, name="inbox_change_status"),
    path("inbox/<int:referral_id>/contact", provider.record_contact, name="inbox_contact"),
    path("inbox/<int:referral_id>/measure", measure.end_measure, name="inbox_measure"),
    path("link/<str:token>/measure", measure.end_measure_by_link, name="link_measure"),
    path("link/<str:token>", provider.link, name="link"),
    # The person.
    path("mine", person.mine, name="mine"),
    path("<int:referral_id>/feedback", person.feedback, name="feedback"),
    path("<int:referral_id>/withdraw", person.withdraw, name="withdraw"),
    # Messages back to the GP.
    path("gp-messages", gp.messages, name="gp_messages"),
    path("gp-messages/<int:message_id>", gp.message, name="gp_message"),
]
