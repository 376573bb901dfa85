"""The commissioning pages. Each module is one page family; all share the filters and the shell here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from carehouse.commissioning import cells
from carehouse.commissioning.dimensions import (
    AGE_BANDS,
    DEPRIVATION_GROUPS,
    Filters,
    areas_for,
    condition_labels,
    parse_filters,
)
from carehouse.core.views import actor_of

#: The pages in the side navigation, in the commissioning cycle's order: (url name, label).
SECTIONS: list[tuple[str, str]] = [
    ("commissioning:overview", "Overview"),
    ("commissioning:needs", "What people need"),
    ("commissioning:gaps", "Unmet needs and gaps"),
    ("commissioning:outcomes", "What changed"),
    ("commissioning:process", "How care is delivered"),
    ("commissioning:hierarchy", "Measurement hierarchy"),
    ("commissioning:evaluations", "Evaluations"),
    ("commissioning:business_case", "Business case"),
    ("commissioning:incentives", "Incentive schemes"),
    ("commissioning:board_papers", "Board papers"),
]


def filters_of(request: HttpRequest) -> Filters:
    return parse_filters(actor_of(request), request.GET, today=timezone.localdate())


def filter_form(request: HttpRequest, filters: Filters) -> dict[str, Any]:
    """What the shared filter form needs: its choices, what is chosen, and any errors."""
    actor = actor_of(request)
    return {
        "areas": [(str(org.pk), f"{org.name} ({org.get_type_display()})") for org in areas_for(actor)],
        "age_bands": [(label, label) for label, _, _ in AGE_BANDS],
        "deprivation_groups": [(key, label) for key, label, _ in DEPRIVATION_GROUPS],
        "conditions": sorted(condition_labels().items(), key=lambda item: item[1]),
        "chosen": {
            "from": f"{filters.start:%Y-%m}",
            "to": f"{filters.end:%Y-%m}",
            "area": str(filters.area.pk) if filters.area else "",
            "age": filters.age_band,
            "deprivation": filters.deprivation,
            "condition": filters.condition if filters.condition is not None else "",
        },
        "errors": filters.errors,
    }


def page_context(request: HttpRequest, filters: Filters | None = None, **extra: Any) -> dict[str, Any]:
    """The context every commissioning page starts from."""
    actor = actor_of(request)
    refreshed = cells.last_refresh()
    context: dict[str, Any] = {
        "organisation_name": actor.organisation.name if actor.organisation else "",
        "sections": [{"href": _reverse(name), "text": text} for name, text in SECTIONS],
        "figures_as_at": timezone.localtime(refreshed.finished_at).strftime("%-d %B %Y at %H:%M")
        if refreshed is not None and refreshed.finished_at is not None
        else "",
    }
    if filters is not None:
        context["filters"] = filters
        context["filter_choices"] = filter_form(request, filters)
        context["query_string"] = filters.query_string()
        context["page_error_items"] = [
            {"text": text, "href": f"#filter-{name}"} for name, text in filters.errors.items()
        ]
    context.update(extra)
    return context


def _reverse(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
