"""The person's forms: refer yourself, withdraw a referral, tell us how it went.

The forms check only what a browser could get wrong; the rules (who may, when, once only) are
in ``services.person`` and ``services.referrals``, whose errors the views put back on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms

from carehouse.referrals.models import Helpfulness
from carehouse.referrals.services.referrals import MAX_TEXT
from carehouse.referrals.states import ReferralState

TOO_LONG = f"Must be {MAX_TEXT:,} characters or fewer"


class SelfReferralForm(forms.Form):
    reason_for_referral = forms.CharField(
        label="What would you like help with?",
        widget=forms.Textarea,
        max_length=MAX_TEXT,
        help_text="For example: I would like to get out more and meet people",
        error_messages={"required": "Enter what you would like help with", "max_length": TOO_LONG},
    )
    information_for_service = forms.CharField(
        label="Anything else the service should know (optional)",
        widget=forms.Textarea,
        max_length=MAX_TEXT,
        required=False,
        help_text="For example times that suit you, or help you need to take part",
        error_messages={"max_length": TOO_LONG},
    )
    agree = forms.BooleanField(required=False)

    def __init__(self, *args: Any, organisation_name: str, needs_consent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent
        if needs_consent:
            self.fields[
                "agree"
            ].label = f"I agree to share my name, contact details and this request with {organisation_name}"
            self.fields["agree"].required = True
            self.fields["agree"].error_messages["required"] = (
                f"Confirm that you agree to share your details with {organisation_name}"
            )
        else:
            del self.fields["agree"]


class WithdrawForm(forms.Form):
    """ "I no longer want this referral": the state the person saw, and what they want to say."""

    expected_status = forms.ChoiceField(choices=ReferralState.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label="Anything you want to tell the service (optional)",
        widget=forms.Textarea,
        max_length=MAX_TEXT,
        required=False,
        help_text="The service and whoever referred you will see this",
        error_messages={"max_length": TOO_LONG},
    )


RECOMMEND_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure")]
RECOMMEND_VALUES: dict[str, bool | None] = {"yes": True, "no": False, "not_sure": None}


class FeedbackForm(forms.Form):
    helpfulness = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=Helpfulness.choices,
        error_messages={
            "required": "Select how helpful the service was",
            "invalid_choice": "Select how helpful the service was",
        },
    )
    would_recommend = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=RECOMMEND_CHOICES,
        error_messages={"required": "Select yes, no or not sure", "invalid_choice": "Select yes, no or not sure"},
    )
    comments = forms.CharField(
        label="Anything else you want to tell us (optional)",
        widget=forms.Textarea,
        max_length=MAX_TEXT,
        required=False,
        help_text="The service and whoever referred you will see what you write",
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args: Any, service_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helpfulness"].label = f"How helpful was {service_name}?"
        self.fields["would_recommend"].label = f"Would you recommend {service_name} to someone like you?"

    @property
    def recommend(self) -> bool | None:
        return RECOMMEND_VALUES.get(self.cleaned_data["would_recommend"])
