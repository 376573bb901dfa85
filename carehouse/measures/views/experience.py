"""How people rated shared decision making at their appointments (CollaboRATE), as group figures only.

Staff giving direct care see their organisation's top score and their own; commissioners see one
disclosure-controlled row for each organisation in their integrated care board. Every figure
comes from ``carehouse.measures.aggregates``: no person and no single appointment is ever shown.
When the CollaboRATE content pack has not been loaded, the page says so and how to load it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required
from carehouse.measures import aggregates


@require_GET
@actor_required("measures.view_experience")
def summary(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    instrument = aggregates.collaborate()
    context: dict[str, object] = {
        "enabled": instrument is not None,
        "organisation_name": actor.organisation.name if actor.organisation else "",
    }
    if instrument is not None:
        definition = instrument.parsed
        context["minimum"] = definition.minimum_reportable
        if actor.role == Role.COMMISSIONER:
            context["commissioner"] = aggregates.for_commissioner(actor, definition)
        else:
            context["staff"] = aggregates.for_staff(actor, definition)
    return render(request, "measures/experience.jinja", context)
