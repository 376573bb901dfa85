"""The form a commissioner fills in to run a stratification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from carehouse.casefinding import extracts
from carehouse.casefinding.models import RunSource


class StartRunForm(forms.Form):
    """Where the extract comes from, and which groups of people to find.

    The choices are checked again by ``services.start_run``, which also checks an uploaded file.
    """

    source = forms.ChoiceField(
        label="Where is the extract?",
        choices=[
            (RunSource.CONFIGURED.value, "An extract already set up on the server"),
            (RunSource.UPLOAD.value, "A ZIP file I will upload"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the extract is", "invalid_choice": "Select where the extract is"},
    )
    extract = forms.ChoiceField(label="Extract set up on the server", required=False)
    upload = forms.FileField(
        label="Upload a ZIP file", required=False, error_messages={"empty": "The selected file is empty"}
    )
    cohorts = forms.MultipleChoiceField(
        label="Which groups of people should the practices' invitation lists find?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one group of people to find",
            "invalid_choice": "Select groups of people from the list",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = extracts.configured_extracts()
        self.fields["extract"].choices = [("", "Choose an extract")] + [(n, n) for n in names]  # type: ignore[attr-defined]
        self.fields["extract"].help_text = (
            "Folders in the extracts folder set up by your administrator" if names else "None is set up yet"
        )
        self.fields["upload"].help_text = (
            "The persons, diagnoses and activity tables (and, if you have it, measures) as .parquet or .csv files, "
            f"in one ZIP file smaller than {filesizeformat(settings.CASEFINDING_MAX_UPLOAD_BYTES)}"
        )
        cohorts = extracts.available_cohorts()
        self.fields["cohorts"].choices = [(c.key, c.name) for c in cohorts]  # type: ignore[attr-defined]
        self.cohort_descriptions = {c.key: c.description for c in cohorts}
        if not self.is_bound:
            self.initial.setdefault("cohorts", [c.key for c in cohorts])
            self.initial.setdefault("source", RunSource.CONFIGURED.value if names else RunSource.UPLOAD.value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = data.get("source")
        if source == RunSource.CONFIGURED and not data.get("extract"):
            self.add_error("extract", "Select an extract from the list")
        if source == RunSource.UPLOAD and not data.get("upload"):
            self.add_error("upload", "Select a ZIP file to upload")
        return data
