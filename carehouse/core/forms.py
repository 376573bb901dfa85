"""Forms for signing in, choosing a role, two-factor set-up and administration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.models.organisations import validate_ods_code
from carehouse.core.roles import STAFF_ROLES, Role


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput, strip=False, error_messages={"required": "Enter your password"}
    )


class OtpForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "Enter the 6-digit security code",
            "min_length": "Security code must be 6 digits",
            "max_length": "Security code must be 6 digits",
        },
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Security code must only include numbers 0 to 9")
        return code


class ChooseRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Which role are you working in?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the role you are working in"},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = choices  # type: ignore[attr-defined]


class OrganisationForm(forms.Form):
    ods_code = forms.CharField(
        label="ODS code",
        max_length=10,
        help_text="The Organisation Data Service code, like A81001",
        validators=[],
        error_messages={"required": "Enter the ODS code"},
    )
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the organisation's name"})
    type = forms.ChoiceField(
        label="Type of organisation",
        choices=OrganisationType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of organisation"},
    )
    parent = forms.ModelChoiceField(
        label="Part of (optional)",
        queryset=Organisation.objects.all(),
        required=False,
        help_text="For example the primary care network a practice belongs to",
    )
    postcode = forms.CharField(label="Postcode (optional)", max_length=8, required=False)

    def clean_ods_code(self) -> str:
        code: str = self.cleaned_data["ods_code"].strip().upper()
        validate_ods_code(code)
        if Organisation.objects.filter(ods_code=code).exists():
            raise forms.ValidationError("An organisation with this ODS code already exists")
        return code


class UserForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, error_messages={"required": "Enter their full name"})
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.filter(is_active=True),
        error_messages={"required": "Select their organisation"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES],
        widget=forms.RadioSelect,
        error_messages={"required": "Select their role"},
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=120, required=False)
    password = forms.CharField(
        label="Temporary password",
        widget=forms.PasswordInput,
        strip=False,
        help_text="At least 12 characters. Share it with them securely; they can change it after signing in.",
        error_messages={"required": "Enter a temporary password"},
    )

    def clean_email(self) -> str:
        from carehouse.core.models import User

        email: str = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this email address already exists")
        return email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What is this token for?",
        max_length=100,
        help_text="For example 'practice system integration'",
        error_messages={"required": "Enter what the token is for"},
    )


class AuditFilterForm(forms.Form):
    actor_email = forms.CharField(label="User's email address", required=False)
    action = forms.ChoiceField(label="Action", required=False)
    person_id = forms.IntegerField(
        label="Person (record number)", required=False, error_messages={"invalid": "Record number must be a number"}
    )
    organisation = forms.CharField(label="Organisation ODS code", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from carehouse.core.models.audit import AuditAction

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *AuditAction.choices]  # type: ignore[attr-defined]
