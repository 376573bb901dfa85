"""The practitioner's menu: find "more than medicine" services near a person, and read one.

Directory records are public, so anyone may search, signed in or not. How to refer (routes,
referral forms and addresses) is for staff who give care, provider staff and administrators;
the "Add to shortlist" buttons are for staff who give care. Every search goes through the one
search service (``carehouse.directory.search.engine``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission
from carehouse.directory import geography, presenters, selectors
from carehouse.directory.forms import SEARCH_DAY_NAMES, SHOW_FILTERS, SearchForm
from carehouse.directory.search.engine import SearchResults, search
from carehouse.directory.services import keeping

#: What "Clear filters" keeps: the words, the place and the order.
KEPT_WHEN_CLEARING = ("q", "postcode", "sort")


def _actor(request: HttpRequest) -> Actor | None:
    actor = getattr(request, "actor", None)
    return actor if isinstance(actor, Actor) else None


def can_shortlist(actor: Actor | None) -> bool:
    return has_permission(actor, "directory.use_shortlist") and actor is not None and actor.organisation is not None


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _count_choices(form: SearchForm, results: SearchResults) -> None:
    """Show how many results each filter would leave, beside it."""
    access = {facet.key: facet for facet in results.facets.get("accessibility", [])}
    form.fields["access"].choices = [  # type: ignore[attr-defined]
        (key, f"{label} ({access[key].count})" if key in access else label)
        for key, label in form.fields["access"].choices  # type: ignore[attr-defined]
    ]
    flags = {facet.key: facet.count for facet in results.facets.get("filters", [])}
    form.fields["show"].choices = [  # type: ignore[attr-defined]
        (value, f"{label} ({flags.get(key, 0)})") for value, label, key in SHOW_FILTERS
    ]
    days = {facet.key: facet.count for facet in results.facets.get("days", [])}
    form.fields["day"].choices = [  # type: ignore[attr-defined]
        ("", "Any day"),
        *[(code, f"{name} ({days.get(code, 0)})") for code, name in SEARCH_DAY_NAMES.items()],
    ]


def _chosen_filters(form: SearchForm, links: presenters.SearchLinks) -> list[dict[str, str]]:
    """The filters in use, each with a link that takes it off."""
    data = form.cleaned_data
    chosen: list[dict[str, str]] = []
    categories = dict(form.fields["category"].choices)  # type: ignore[attr-defined]
    if data.get("category"):
        chosen.append({"text": categories[data["category"]], "href": links.without("category")})
    access = dict(form.fields["access"].choices)  # type: ignore[attr-defined]
    for value in data.get("access") or []:
        chosen.append({"text": access[value], "href": links.without("access", value)})
    shows = {value: label for value, label, _ in SHOW_FILTERS}
    for value in data.get("show") or []:
        chosen.append({"text": f"Only services that {shows[value]}", "href": links.without("show", value)})
    if data.get("day"):
        chosen.append({"text": f"Open on {SEARCH_DAY_NAMES[data['day']]}", "href": links.without("day")})
    if data.get("age") is not None:
        chosen.append({"text": f"Age {data['age']}", "href": links.without("age")})
    if data.get("distance"):
        chosen.append({"text": f"Within {data['distance']} miles", "href": links.without("distance")})
    return chosen


def _category_links(results: SearchResults, links: presenters.SearchLinks) -> list[dict[str, Any]]:
    return [
        {"text": facet.label, "count": facet.count, "href": links.with_value("category", facet.key)}
        for facet in results.facets.get("categories", [])
        if facet.count and not facet.selected
    ]


def _corrections(results: SearchResults) -> list[tuple[str, str]]:
    return [(typed, " or ".join(found)) for typed, found in results.corrections.items() if found]


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """The search form, and once it is used, one page of results with filters and their counts."""
    actor = _actor(request)
    submitted = any(name in request.GET for name in SearchForm.base_fields)
    form = SearchForm(request.GET if submitted else None)
    context: dict[str, Any] = {"form": form, "submitted": submitted, "results": None}
    shortlisting = can_shortlist(actor)
    shortlisted = selectors.shortlisted_service_ids(actor) if shortlisting else set()
    context["can_shortlist"] = shortlisting
    context["shortlist_count"] = len(shortlisted)
    if submitted and form.is_valid():
        page = _page_number(request.GET.get("page"))
        results = search(form.query(page))
        if results.hits == [] and page > results.total_pages:
            page = results.total_pages
            results = search(form.query(page))
        services = selectors.services_for_cards(hit.service_id for hit in results.hits)
        links = presenters.SearchLinks(request.path, dict(request.GET.lists()))
        postcode = form.cleaned_data.get("postcode") or ""
        chosen = _chosen_filters(form, links)
        _count_choices(form, results)
        context.update(
            {
                "results": results,
                "count": presenters.count_text(results.total),
                "cards": presenters.result_cards(
                    results,
                    services,
                    postcode=postcode,
                    show_referrals=has_permission(actor, "directory.see_referral_details"),
                    shortlisted=shortlisted,
                ),
                "corrections": _corrections(results),
                "chosen": chosen,
                "clear_href": links.clear_filters(KEPT_WHEN_CLEARING),
                "category_links": _category_links(results, links),
                "pagination": presenters.pagination(links, page, results.total_pages),
                "page_number": page,
                "attribution": geography.ATTRIBUTION if results.place is not None else "",
                "place": results.place,
                "here": request.get_full_path(),
            }
        )
    return render(request, "directory/search/search.jinja", context, status=400 if form.errors else 200)


@require_GET
def service_page(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    """One service: what it is, where and when, what it costs, and (for staff) how to refer."""
    actor = _actor(request)
    service = selectors.get_service(service_id)
    place = None
    postcode_problem = ""
    typed = request.GET.get("postcode", "").strip()
    if typed:
        try:
            place = geography.locate(typed)
        except ValidationError as error:
            postcode_problem = error.messages[0]
    terms = selectors.service_terms([service.id]).get(service.id, [])
    page = presenters.ServicePage(
        service=service,
        terms=terms,
        place=place,
        show_referrals=has_permission(actor, "directory.see_referral_details"),
    )
    shortlisting = can_shortlist(actor)
    context = {
        "page": page,
        "place": place,
        "postcode_problem": postcode_problem,
        "can_shortlist": shortlisting,
        "on_shortlist": shortlisting and service.id in selectors.shortlisted_service_ids(actor),
        # Anyone may suggest a change (the public with their name and email); keepers change it themselves.
        "can_suggest": True,
        "can_keep": keeping.can_keep(actor, service),
        "here": request.get_full_path(),
        "attribution": geography.ATTRIBUTION if place is not None else "",
    }
    return render(request, "directory/search/service.jinja", context)
