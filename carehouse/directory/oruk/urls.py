"""The Open Referral UK 3.0 read API, mounted at ``/oruk/`` (see ``oruk/__init__.py``).

Paths work with or without a trailing slash; anything else under ``/oruk/`` is a JSON 404.
"""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from carehouse.directory.oruk import views

app_name = "oruk"

ID = r"(?P<{}>[^/]+)"

urlpatterns: list[URLPattern] = [
    path("", views.root, name="root"),
    re_path(r"^openapi\.json$", views.openapi, name="openapi"),
    re_path(r"^services/?$", views.services, name="services"),
    re_path(rf"^services/{ID.format('service_id')}/?$", views.service, name="service"),
    re_path(r"^service_at_locations/?$", views.service_at_locations, name="service_at_locations"),
    re_path(rf"^service_at_locations/{ID.format('sal_id')}/?$", views.service_at_location, name="service_at_location"),
    re_path(r"^taxonomies/?$", views.taxonomies, name="taxonomies"),
    re_path(rf"^taxonomies/{ID.format('taxonomy_id')}/?$", views.taxonomy, name="taxonomy"),
    re_path(r"^taxonomy_terms/?$", views.taxonomy_terms, name="taxonomy_terms"),
    re_path(rf"^taxonomy_terms/{ID.format('term_id')}/?$", views.taxonomy_term, name="taxonomy_term"),
    re_path(r"^organizations/?$", views.organizations, name="organizations"),
    re_path(rf"^organizations/{ID.format('organization_id')}/?$", views.organization, name="organization"),
    re_path(r"^.*$", views.not_found, name="not_found"),
]
