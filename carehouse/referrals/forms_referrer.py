"""Forms for the referrer's pages: making a referral, sending it on, and acting on it afterwards.

They check only what a browser could get wrong; the rules (pre-flight checks, who may make which
change, which reasons apply) live in ``services``, whose errors the views put beside the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from carehouse.careplans.models import Achievement
from carehouse.referrals.models import Priority
from carehouse.referrals.services.referrals import MAX_TEXT
from carehouse.referrals.states import Party, ReferralState, reasons_for

YES_NO = [("yes", "Yes"), ("no", "No")]


def _text(label: str, *, required: bool, message: str = "", hint: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": message or f"Enter {label.lower()}",
            "max_length": f"Must be {MAX_TEXT:,} characters or fewer",
        },
    )


class ReferralForm(forms.Form):
    """What the referral asks for; with ``consent_question``, whether the person has agreed to share."""

    reason_for_referral = _text(
        "What would the person like help with?",
        required=True,
        message="Enter what the person would like help with",
        hint="In their own words if you can. The service sees this.",
    )
    information_for_service = _text(
        "Anything else the service should know",
        required=False,
        hint="For example the best time to call, access needs or someone who should come along. The service sees this.",
    )
    priority = forms.ChoiceField(
        label="How soon does the person need help?",
        choices=[(Priority.ROUTINE, "Routine"), (Priority.URGENT, "Urgent: the service should answer quickly")],
        initial=Priority.ROUTINE,
        widget=forms.RadioSelect,
        error_messages={"required": "Select routine or urgent", "invalid_choice": "Select routine or urgent"},
    )
    consent = forms.ChoiceField(
        label="Has the person agreed to share their details?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, name: str = "the person", consent_question: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_for_referral"].label = f"What would {name} like help with?"
        if consent_question:
            consent = self.fields["consent"]
            consent.label = consent_question
            consent.required = True
            consent.error_messages["required"] = f"Select yes if {name} has agreed to share their details"
        else:
            del self.fields["consent"]

    @property
    def consent_given(self) -> bool | None:
        if "consent" not in self.fields:
            return None
        return {"yes": True, "no": False}.get(self.cleaned_data.get("consent") or "")


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you cancelling this referral?",
        choices=[(r.value, r.label) for r in reasons_for(ReferralState.CANCELLED, Party.REFERRER)],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a reason", "invalid_choice": "Select one of the reasons listed"},
    )
    note = _text("Anything to add (the service sees this)", required=False, rows=3)
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)


class EnteredInErrorForm(forms.Form):
    note = _text(
        "Why was this referral entered in error?",
        required=True,
        message="Say why this referral was entered in error",
        hint="For example the wrong person or the wrong service",
        rows=3,
    )
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)


class NoteForm(forms.Form):
    note = _text("Note", required=True, message="Enter your note", rows=3)
    shared = forms.ChoiceField(
        label="Who can see this note?",
        choices=[("internal", "Only your organisation"), ("shared", "Your organisation and the service")],
        initial="internal",
        widget=forms.RadioSelect,
        error_messages={"required": "Select who can see this note", "invalid_choice": "Select who can see this note"},
    )


class FollowUpForm(forms.Form):
    note = _text("What happens next (optional)", required=False, rows=3)


class GoalForm(forms.Form):
    achievement = forms.ChoiceField(
        label="How is the goal going?",
        choices=Achievement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the goal is going", "invalid_choice": "Select how the goal is going"},
    )


class FindPersonForm(forms.Form):
    find = forms.CharField(
        label="Name or NHS number",
        max_length=100,
        error_messages={"required": "Enter a name or NHS number"},
    )


class FindServiceForm(forms.Form):
    q = forms.CharField(
        label="Service name",
        max_length=100,
        error_messages={"required": "Enter the name of a service"},
    )
