"""The local measurement hierarchy: three tiers of indicators, each with its owner, purpose and recent trend."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from carehouse.commissioning import indicators, services_measures
from carehouse.commissioning.forms_measures import HierarchyEntryForm
from carehouse.commissioning.presenters_process import hierarchy_page
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required


@require_http_methods(["GET", "POST"])
@actor_required("commissioning.view_intelligence")
def hierarchy(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = filters_of(request)
    form: HierarchyEntryForm | None = None
    editing = request.GET.get("edit", "") if request.method == "GET" else request.POST.get("measure_key", "")
    if editing not in indicators.BY_KEY:
        editing = ""
    entries = services_measures.hierarchy_entries(actor)
    status = 200
    if request.method == "POST":
        if not has_permission(actor, "commissioning.manage_local_settings"):
            return HttpResponse(status=403)
        form = HierarchyEntryForm(request.POST)
        if editing and form.is_valid():
            try:
                services_measures.save_hierarchy_entry(
                    actor,
                    editing,
                    owner=form.cleaned_data["owner"],
                    purpose=form.cleaned_data["purpose"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.info(request, f"Saved the owner and purpose of {indicators.get(editing).name}.")
                return redirect("commissioning:hierarchy")
        entries = services_measures.hierarchy_entries(actor)
        status = 400
    elif editing:
        entry = entries.get(editing)
        indicator = indicators.get(editing)
        form = HierarchyEntryForm(
            initial={
                "owner": entry.owner if entry else indicator.owner,
                "purpose": entry.purpose if entry else indicator.purpose,
                "version": entry.version if entry else 0,
            }
        )
    context = page_context(
        request,
        filters,
        tiers=hierarchy_page(actor, filters, entries),
        purposes=indicators.PURPOSES,
        can_edit=has_permission(actor, "commissioning.manage_local_settings"),
        editing=indicators.BY_KEY.get(editing),
        form=form,
    )
    return render(request, "commissioning/hierarchy.jinja", context, status=status)
