"""The "Unmet needs and gaps" page: referrals services could not take, waiting lists, directory coverage."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.commissioning.presenters_gaps import REACH_MILES, gaps_page
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def gaps(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    page = gaps_page(actor_of(request), filters)
    return render(
        request, "commissioning/gaps.jinja", page_context(request, filters, page=page, reach_miles=REACH_MILES)
    )
