"""Alerts raised by answers (PHQ-9 item 9 above 0), for the care team to act on.

An alert stays on the list until someone records what they did about it. Only staff who give
direct care see alerts, and only about people in their care; anyone else's is "not found".
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_datetime
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures import selectors
from carehouse.measures.presenters import alert_rows
from carehouse.measures.services import responses as response_services
from carehouse.measures.services.responses import MAX_REASON


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="What did you do?",
        help_text="For example, who you spoke to, what was agreed and any referral made",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_REASON,
        strip=True,
        error_messages={
            "required": "Enter what you did about this alert",
            "max_length": f"What you did must be {MAX_REASON:,} characters or fewer",
        },
    )


@require_GET
@actor_required("measures.acknowledge_alert")
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts about people in the actor's care, oldest first."""
    actor = actor_of(request)
    return render(request, "measures/staff/alerts.jinja", {"alerts": alert_rows(selectors.list_open_alerts(actor))})


@require_http_methods(["GET", "POST"])
@actor_required("measures.acknowledge_alert")
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert, and the form to record what was done about it."""
    actor = actor_of(request)
    alert = selectors.get_alert(actor, alert_id)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            response_services.acknowledge_alert(actor, alert, action_taken=form.cleaned_data["action_taken"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, f"What you did about the alert for {alert.person.full_name} has been recorded.")
            return redirect("measures:alerts")
    context = {
        "alert": alert,
        "form": form if alert.is_open else None,
        "raised": format_datetime(alert.raised_at),
        "acknowledged": format_datetime(alert.acknowledged_at),
    }
    return render(request, "measures/staff/alert.jinja", context, status=400 if form.errors else 200)
