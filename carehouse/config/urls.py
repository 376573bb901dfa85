"""Top-level URLs: one include per bounded context."""

from __future__ import annotations

from django.urls import include, path

from carehouse.core.api import api
from carehouse.core.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("people/", include("carehouse.people.urls")),
    path("careplans/", include("carehouse.careplans.urls")),
    path("measures/", include("carehouse.measures.urls")),
    path("fhir/", include("carehouse.careplans.fhir.urls")),
    path("directory/", include("carehouse.directory.urls")),
    path("oruk/", include("carehouse.directory.oruk.urls")),
    path("referrals/", include("carehouse.referrals.urls")),
    path("case-finding/", include("carehouse.casefinding.urls")),
    path("commissioning/", include("carehouse.commissioning.urls")),
    path("", include("carehouse.core.urls")),
]

handler403 = "carehouse.core.views.errors.forbidden"
handler404 = "carehouse.core.views.errors.not_found"
handler500 = "carehouse.core.views.errors.server_error"
