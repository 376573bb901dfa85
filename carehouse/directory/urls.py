"""The directory pages, under ``/directory/``. The Open Referral UK API is in ``oruk/urls.py`` at ``/oruk/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.directory.views import claims, providers, search, shortlist, suggestions

app_name = "directory"

urlpatterns: list[URLPattern] = [
    # Anyone: find a service, read it, suggest a correction.
    path("", search.search_page, name="search"),
    path("services/<uuid:service_id>", search.service_page, name="service"),
    path("services/<uuid:service_id>/suggest", suggestions.suggest, name="suggest"),
    # Practitioners and link workers: a shortlist for a person, printed or sent to them.
    path("shortlist", shortlist.current, name="shortlist"),
    path("shortlist/add", shortlist.add, name="shortlist_add"),
    path("shortlist/remove", shortlist.remove, name="shortlist_remove"),
    path("shortlist/print", shortlist.print_view, name="shortlist_print"),
    path("shortlist/send", shortlist.send, name="shortlist_send"),
    # The person: services suggested for them.
    path("suggested-for-me", shortlist.mine, name="mine"),
    # Provider staff: claim an organisation, keep its services true.
    path("organisations", providers.organisation_list, name="organisations"),
    path("organisations/<uuid:organization_id>", providers.organisation_detail, name="organisation"),
    path("organisations/<uuid:organization_id>/claim", providers.claim, name="claim"),
    path("services/<uuid:service_id>/edit", providers.edit_service, name="edit_service"),
    path("services/<uuid:service_id>/reviewed", providers.mark_reviewed, name="mark_reviewed"),
    path("services/<uuid:service_id>/history", providers.history, name="history"),
    # Moderation: suggestions (keepers and administrators), claims (administrators).
    path("suggestions", suggestions.queue, name="suggestions"),
    path("suggestions/<int:suggestion_id>", suggestions.decide, name="suggestion"),
    path("claims", claims.queue, name="claims"),
    path("claims/<int:claim_id>", claims.decide, name="claim_decision"),
]
