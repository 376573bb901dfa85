"""Incentive schemes (CQUIN-style): the list, a form to set one up, and each scheme's results."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.commissioning import services_measures
from carehouse.commissioning.forms_measures import SchemeForm
from carehouse.commissioning.presenters_incentives import money, scheme_page
from carehouse.commissioning.services_measures import MAX_INDICATORS
from carehouse.commissioning.views import page_context
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required


@require_http_methods(["GET", "POST"])
@actor_required("commissioning.view_intelligence")
def incentives(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    can_create = has_permission(actor, "commissioning.manage_local_settings")
    form = SchemeForm()
    status = 200
    if request.method == "POST":
        if not can_create:
            return HttpResponse(status=403)
        form = SchemeForm(request.POST)
        if form.is_valid():
            try:
                scheme = services_measures.create_scheme(
                    actor,
                    name=form.cleaned_data["name"],
                    paid_to=form.cleaned_data["paid_to"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    value_gbp=form.cleaned_data["value_gbp"],
                    chosen=form.chosen(),
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                return redirect("commissioning:incentive_scheme", scheme_id=scheme.pk)
        status = 400
    schemes = [{"scheme": scheme, "value": money(scheme.value_gbp)} for scheme in services_measures.schemes_for(actor)]
    context = page_context(
        request,
        schemes=schemes,
        form=form,
        can_create=can_create,
        rows=range(1, MAX_INDICATORS + 1),
    )
    return render(request, "commissioning/incentives.jinja", context, status=status)


@require_GET
@actor_required("commissioning.view_intelligence")
def scheme(request: HttpRequest, scheme_id: int) -> HttpResponse:
    actor = actor_of(request)
    found = services_measures.scheme_for(actor, scheme_id)
    if found is None:
        raise Http404("No such scheme")
    return render(
        request, "commissioning/incentive_scheme.jinja", page_context(request, page=scheme_page(actor, found))
    )
