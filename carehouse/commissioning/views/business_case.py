"""The business case page (shared filters and the cost inputs as query parameters) and local unit costs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.commissioning import presenters_business_case as presenters
from carehouse.commissioning.forms_evaluation import UnitCostForm
from carehouse.commissioning.services_business_case import ChangedElsewhere, save_unit_cost
from carehouse.commissioning.unit_costs import costs_for, defaults
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("commissioning.view_intelligence")
def business_case(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = filters_of(request)
    cohort, cost, errors = presenters.parse_inputs(request.GET)
    context = page_context(request, filters, **presenters.page(actor, filters, cohort, cost))
    context["page_error_items"] = context.get("page_error_items", []) + [
        {"text": text, "href": f"#input-{name}"} for name, text in errors.items()
    ]
    context["input_errors"] = errors
    context["chosen_cohort"] = cohort
    context["chosen_cost"] = request.GET.get("cost", "")
    return render(
        request, "commissioning/business_case.jinja", context, status=400 if context["page_error_items"] else 200
    )


@require_http_methods(["GET", "POST"])
@actor_required("commissioning.manage_local_settings")
def unit_cost(request: HttpRequest, activity: str) -> HttpResponse:
    actor = actor_of(request)
    assert actor.organisation is not None
    if activity not in defaults():
        raise Http404
    current = costs_for(actor.organisation)[activity]
    initial = {
        "unit_cost_gbp": current.unit_cost_gbp,
        "price_year": current.price_year,
        "source": current.source,
        "version": current.version,
    }
    form = UnitCostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save_unit_cost(
                actor,
                activity,
                unit_cost_gbp=data["unit_cost_gbp"],
                price_year=data["price_year"],
                source=data["source"],
                version=data.get("version") or 0,
            )
        except ChangedElsewhere:
            form.add_error(None, "Someone else changed this cost while you were editing it. Check it and try again.")
        else:
            messages.info(request, "The local unit cost has been saved.")
            return redirect("commissioning:business_case")
    context = page_context(request, form=form, activity=activity, current=current)
    return render(request, "commissioning/unit_cost.jinja", context, status=400 if form.errors else 200)
