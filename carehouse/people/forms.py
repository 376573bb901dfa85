"""Forms for people, contacts, care team and consent, with NHS.UK-style error messages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from carehouse.core.models import Organisation, OrganisationType
from carehouse.nhsuk_forms.fields import DateField
from carehouse.people.identifiers import nhs_number_problem, normalise_nhs_number, normalise_postcode, validate_postcode
from carehouse.people.models import (
    ConsentDecision,
    ConsentGivenBy,
    ConsentPurpose,
    ConsentScope,
    ContactMethod,
    EthnicCategory,
    PersonalContact,
    Sex,
)


class PersonForm(forms.Form):
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    preferred_name = forms.CharField(label="Preferred name (optional)", max_length=100, required=False)
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=14,
        help_text="This is a 10 digit number, like 999 123 4560",
    )
    date_of_birth = DateField(
        label="Date of birth",
        help_text="For example, 15 3 1984",
        latest=datetime.date.max,
        earliest=datetime.date(1900, 1, 1),
        error_messages={"required": "Enter their date of birth"},
    )
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, widget=forms.RadioSelect, error_messages={"required": "Select their sex"}
    )
    gender_identity = forms.CharField(
        label="Gender identity (optional)", max_length=100, required=False, help_text="In their own words"
    )
    pronouns = forms.CharField(label="Pronouns (optional)", max_length=40, required=False)
    ethnicity = forms.ChoiceField(
        label="Ethnic group", choices=EthnicCategory.choices, initial=EthnicCategory.NOT_KNOWN
    )
    address = forms.CharField(label="Address (optional)", required=False, widget=forms.Textarea)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    preferred_contact_method = forms.ChoiceField(
        label="How would they like to be contacted? (optional)",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    may_leave_messages = forms.BooleanField(label="We may leave a message", required=False)
    preferred_language = forms.CharField(label="Preferred language (optional)", max_length=60, required=False)
    communication_needs = forms.CharField(
        label="Communication needs (optional)",
        max_length=300,
        required=False,
        help_text="For example an interpreter, British Sign Language or large print",
    )
    registered_practice = forms.ModelChoiceField(
        label="Registered GP practice (optional)",
        queryset=Organisation.objects.filter(type=OrganisationType.GP_PRACTICE, is_active=True),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].latest = timezone.localdate()  # type: ignore[attr-defined]

    def clean_nhs_number(self) -> str:
        value: str = self.cleaned_data["nhs_number"]
        if not value.strip():
            return ""
        problem = nhs_number_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return normalise_nhs_number(value)

    def clean_postcode(self) -> str:
        value: str = self.cleaned_data["postcode"]
        if not value.strip():
            return ""
        validate_postcode(value)
        return normalise_postcode(value)

    def person_data(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class FindPersonForm(forms.Form):
    q = forms.CharField(label="Search by name or NHS number", required=False, max_length=100)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the consent for?",
        choices=ConsentPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the consent is for"},
    )
    decision = forms.ChoiceField(
        label="What did they decide?",
        choices=ConsentDecision.choices,
        widget=forms.RadioSelect,
        initial=ConsentDecision.GIVEN,
        error_messages={"required": "Select what they decided"},
    )
    scope = forms.ChoiceField(
        label="What may be shared?",
        choices=ConsentScope.choices,
        widget=forms.RadioSelect,
        initial=ConsentScope.WHOLE_RECORD,
        error_messages={"required": "Select what may be shared"},
    )
    recipient_organisations = forms.ModelMultipleChoiceField(
        label="Which organisations may see it?",
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    recipient_contacts = forms.ModelMultipleChoiceField(
        label="Which carers or contacts may see it?",
        queryset=PersonalContact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    given_by = forms.ChoiceField(
        label="Who made the decision?",
        choices=ConsentGivenBy.choices,
        widget=forms.RadioSelect,
        initial=ConsentGivenBy.PERSON,
        error_messages={"required": "Select who made the decision"},
    )
    given_by_name = forms.CharField(label="Their name, if not the person (optional)", max_length=200, required=False)
    expires_on = DateField(label="Review or expiry date (optional)", required=False, help_text="For example, 31 3 2027")
    reason_not_sought = forms.CharField(
        label="Why was consent not sought? (if not sought)", max_length=300, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, contacts: list[PersonalContact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_contacts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = PersonalContact.objects.filter(pk__in=[c.pk for c in contacts])
        field.label_from_instance = lambda c: f"{c.name} ({c.relationship}{', carer' if c.is_carer else ''})"  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        purpose = data.get("purpose")
        decision = data.get("decision")
        if decision == ConsentDecision.NOT_SOUGHT and not (data.get("reason_not_sought") or "").strip():
            self.add_error("reason_not_sought", "Enter why consent was not sought")
        if decision == ConsentDecision.GIVEN:
            if purpose == ConsentPurpose.CARER_ACCESS and not data.get("recipient_contacts"):
                self.add_error("recipient_contacts", "Select the carer who may see the record")
            elif (
                purpose != ConsentPurpose.CARER_ACCESS
                and purpose != ConsentPurpose.RESEARCH
                and not data.get("recipient_organisations")
            ):
                self.add_error("recipient_organisations", "Select at least one organisation")
        if data.get("given_by") not in (None, ConsentGivenBy.PERSON) and not (data.get("given_by_name") or "").strip():
            self.add_error("given_by_name", "Enter the name of the person who made the decision")
        expires = data.get("expires_on")
        if expires and expires < timezone.localdate():
            self.add_error("expires_on", "Review or expiry date must be today or in the future")
        return data

    def consent_data(self) -> dict[str, Any]:
        keys = ("purpose", "decision", "scope", "given_by", "given_by_name", "expires_on", "reason_not_sought")
        return {key: self.cleaned_data[key] for key in keys}


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(
        label="Why is consent being withdrawn?",
        max_length=300,
        widget=forms.Textarea,
        error_messages={"required": "Enter why consent is being withdrawn"},
    )


class PersonalContactForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter their name"})
    relationship = forms.CharField(
        label="Relationship to the person",
        max_length=60,
        help_text="For example daughter, husband, friend",
        error_messages={"required": "Enter their relationship to the person"},
    )
    is_carer = forms.BooleanField(label="They are an unpaid carer for the person", required=False)
    is_next_of_kin = forms.BooleanField(label="They are the person's next of kin", required=False)
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )


class CareTeamMemberForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter their name"})
    role_title = forms.CharField(
        label="Role",
        max_length=100,
        help_text="For example practice nurse, link worker, social worker",
        error_messages={"required": "Enter their role"},
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        error_messages={"required": "Select their organisation"},
    )
    phone = forms.CharField(label="Phone number (optional)", max_length=30, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    is_key_worker = forms.BooleanField(label="This is the person's named key worker", required=False)
