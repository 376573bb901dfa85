"""The receiving service's forms: answering and moving a referral on, recording contacts and attendance.

The same forms serve the inbox (provider staff signed in) and the emailed link (no account):
the pages post the state the user saw (``expected_status``) so that a change someone else made
first is caught, not overwritten.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone

from carehouse.nhsuk_forms.fields import DateField
from carehouse.referrals import presenters
from carehouse.referrals.services.activity import CONTACT_METHODS, CONTACT_RESULTS
from carehouse.referrals.services.referrals import MAX_TEXT
from carehouse.referrals.states import Outcome, Party, Reason, ReferralState, reasons_for

#: What each move is called on the service's pages (button, heading).
ACTION_LABELS: dict[str, str] = {
    ReferralState.ACCEPTED: "Accept the referral",
    ReferralState.REJECTED: "Decline the referral",
    ReferralState.ON_HOLD: "Put on the waiting list or on hold",
    ReferralState.IN_PROGRESS: "Start support",
    ReferralState.COMPLETED: "Complete the support",
    ReferralState.FAILED: "End without support",
    ReferralState.CANCELLED: "Cancel the referral",
}
#: What the page says about each move, under its heading.
ACTION_HINTS: dict[str, str] = {
    ReferralState.ACCEPTED: "The referrer and the person will be told that you have accepted the referral.",
    ReferralState.REJECTED: "The referrer will be told that you cannot take the referral, and why.",
    ReferralState.ON_HOLD: "Use this when the person is waiting for a place, or has asked to pause.",
    ReferralState.IN_PROGRESS: "The person has started getting support from your service.",
    ReferralState.COMPLETED: (
        "The support has ended. Tell the referrer whether the person got the help they needed. "
        "You can then record an end-of-support questionnaire or measure."
    ),
    ReferralState.FAILED: "The person did not get support from your service, for example you could not reach them.",
    ReferralState.CANCELLED: "Cancel the referral if it should not go on.",
}
#: Notes go to the referrer (and, in a message back, to the GP).
NOTE_LABELS: dict[str, str] = {
    ReferralState.REJECTED: "Anything the referrer should know (optional)",
    ReferralState.COMPLETED: "What happened (optional)",
}
NOTE_HINT = "The referrer will see this. Do not include information the person has not agreed to share."


def action_label(to_state: str, from_state: str = "") -> str:
    if to_state == ReferralState.ACCEPTED and from_state == ReferralState.ON_HOLD:
        return "Take off hold and accept"
    if to_state == ReferralState.ON_HOLD and from_state == ReferralState.SENT:
        return "Put on the waiting list"
    return ACTION_LABELS.get(to_state, presenters.status_label(to_state))


class StatusForm(forms.Form):
    """One move of the referral: ``to`` decides which of reason, outcome and note are asked."""

    expected_status = forms.CharField(widget=forms.HiddenInput, max_length=20)
    to = forms.CharField(widget=forms.HiddenInput, max_length=20)
    reason = forms.ChoiceField(
        label="Why?",
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select one of the reasons listed"},
    )
    outcome = forms.ChoiceField(
        label="Did the person get the help they needed?",
        widget=forms.RadioSelect,
        choices=Outcome.choices,
        required=False,
        error_messages={"invalid_choice": "Select whether the person got the help they needed"},
    )
    note = forms.CharField(
        label="Note for the referrer (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=MAX_TEXT,
        help_text=NOTE_HINT,
        error_messages={"max_length": f"The note must be {MAX_TEXT:,} characters or fewer"},
    )
    record_measure = forms.BooleanField(
        label="Record an end-of-support questionnaire or measure next",
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, to_state: str, party: Party = Party.PROVIDER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to_state = ReferralState(to_state)
        reasons = reasons_for(self.to_state, party)
        reason_field = self.fields["reason"]
        assert isinstance(reason_field, forms.ChoiceField)
        if reasons:
            reason_field.choices = [(reason.value, reason.label) for reason in reasons]
            reason_field.required = True
            reason_field.error_messages["required"] = "Select a reason"
            if self.to_state == ReferralState.ON_HOLD:
                reason_field.label = "Why is the referral on hold?"
                reason_field.initial = Reason.WAITLISTED
            elif self.to_state == ReferralState.REJECTED:
                reason_field.label = "Why are you declining the referral?"
            elif self.to_state == ReferralState.FAILED:
                reason_field.label = "Why did the person not get support?"
            elif self.to_state == ReferralState.CANCELLED:
                reason_field.label = "Why are you cancelling the referral?"
            reason_field.help_text = "If you select another reason, say what it is in the note"
        else:
            del self.fields["reason"]
        if self.to_state == ReferralState.COMPLETED:
            outcome_field = self.fields["outcome"]
            outcome_field.required = True
            outcome_field.error_messages["required"] = "Select whether the person got the help they needed"
        else:
            del self.fields["outcome"]
            del self.fields["record_measure"]
        self.fields["note"].label = NOTE_LABELS.get(self.to_state, "Note for the referrer (optional)")

    @property
    def has_reason(self) -> bool:
        return "reason" in self.fields

    @property
    def has_outcome(self) -> bool:
        return "outcome" in self.fields

    def clean_to(self) -> str:
        value = str(self.cleaned_data["to"])
        if value != self.to_state:
            raise forms.ValidationError("Choose what to do from the referral page")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == Reason.OTHER and not str(data.get("note", "")).strip():
            self.add_error("note", "Say what the reason is")
        return data


def _optional_note() -> forms.CharField:
    return forms.CharField(
        label="Note (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=MAX_TEXT,
        help_text=NOTE_HINT,
        error_messages={"max_length": f"The note must be {MAX_TEXT:,} characters or fewer"},
    )


def _no_later_than_today(form: forms.Form, name: str) -> None:
    field = form.fields[name]
    assert isinstance(field, DateField)
    field.latest = timezone.localdate()


class ContactForm(forms.Form):
    """A contact with the person (or an attempt at one)."""

    kind = forms.CharField(widget=forms.HiddenInput, initial="contact")
    contact_on = DateField(label="Date of the contact", error_messages={"required": "Enter the date of the contact"})
    contact_time = forms.CharField(
        label="Time (optional)",
        required=False,
        max_length=5,
        help_text="For example, 14:30",
    )
    method = forms.ChoiceField(
        label="How did you contact the person?",
        widget=forms.RadioSelect,
        choices=[(key, presenters.CONTACT_METHODS[key]) for key in CONTACT_METHODS],
        error_messages={
            "required": "Select how you contacted the person",
            "invalid_choice": "Select how you contacted the person",
        },
    )
    result = forms.ChoiceField(
        label="What happened?",
        widget=forms.RadioSelect,
        choices=[(key, presenters.CONTACT_RESULTS[key]) for key in CONTACT_RESULTS],
        error_messages={"required": "Select what happened", "invalid_choice": "Select what happened"},
    )
    note = _optional_note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_later_than_today(self, "contact_on")

    def clean_contact_time(self) -> datetime.time | None:
        value = str(self.cleaned_data.get("contact_time") or "").strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise forms.ValidationError("Enter a time like 14:30")
        return datetime.time(int(match.group(1)), int(match.group(2)))

    def when(self) -> datetime.datetime:
        """The moment of the contact: the time given, else now (today) or midday (another day)."""
        day: datetime.date = self.cleaned_data["contact_on"]
        time: datetime.time | None = self.cleaned_data.get("contact_time")
        now = timezone.localtime()
        if time is None:
            if day == now.date():
                return now.replace(second=0, microsecond=0)
            time = datetime.time(12, 0)
        return timezone.make_aware(datetime.datetime.combine(day, time))


class AttendanceForm(forms.Form):
    """Whether the person came to a session."""

    kind = forms.CharField(widget=forms.HiddenInput, initial="attendance")
    session_on = DateField(label="Date of the session", error_messages={"required": "Enter the date of the session"})
    attended = forms.ChoiceField(
        label="Did the person attend?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")],
        error_messages={"required": "Select yes if the person attended", "invalid_choice": "Select yes or no"},
    )
    note = _optional_note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _no_later_than_today(self, "session_on")
