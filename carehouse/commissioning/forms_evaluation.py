"""The forms for planning an evaluation and setting a local unit cost, with NHS.UK error messages."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms

from carehouse.commissioning.dimensions import areas_for
from carehouse.commissioning.evaluation_data import COHORTS, COVARIATES, OUTCOMES
from carehouse.commissioning.models import AnalysisMethod
from carehouse.commissioning.services_evaluation import PlanData
from carehouse.core.actor import Actor

MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def _month(value: str, message: str) -> datetime.date:
    match = MONTH.fullmatch((value or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise forms.ValidationError(message)
    return datetime.date(int(match[1]), int(match[2]), 1)


class PlanEvaluationForm(forms.Form):
    """What the evaluation asks, of whom, and how: saved as the plan before any result is shown."""

    title = forms.CharField(
        label="Name of the evaluation",
        max_length=200,
        error_messages={"required": "Enter a name for the evaluation"},
    )
    question = forms.CharField(
        label="What do you want to find out?",
        help_text="For example, did social prescribing reduce A&E attendances in North PCN?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what you want to find out"},
    )
    cohort = forms.ChoiceField(
        label="Who received support?",
        choices=list(COHORTS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select who received support", "invalid_choice": "Select who received support"},
    )
    area = forms.ChoiceField(
        label="Area", required=False, error_messages={"invalid_choice": "Select an area from the list"}
    )
    start = forms.CharField(
        label="First month support started",
        help_text="For example, 2025-01",
        error_messages={"required": "Enter the first month as a year and month, like 2025-01"},
    )
    end = forms.CharField(
        label="Last month support started",
        help_text="For example, 2025-06",
        error_messages={"required": "Enter the last month as a year and month, like 2025-06"},
    )
    method = forms.ChoiceField(
        label="How should they be compared?",
        choices=AnalysisMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how to compare", "invalid_choice": "Select how to compare"},
    )
    outcome = forms.ChoiceField(
        label="What outcome should be measured?",
        choices=list(OUTCOMES.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select an outcome", "invalid_choice": "Select an outcome"},
    )
    covariates = forms.MultipleChoiceField(
        label="What should the groups be made alike on?",
        help_text="Used by matching, weighting and difference in differences. Prior hospital use matters most.",
        choices=list(COVARIATES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select characteristics from the list"},
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(org.pk): org for org in areas_for(actor)}
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [("", "All areas")] + [
            (pk, f"{org.name} ({org.get_type_display()})") for pk, org in self.areas.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("covariates", list(COVARIATES))

    def clean_start(self) -> datetime.date:
        return _month(self.cleaned_data["start"], "Enter the first month as a year and month, like 2025-01")

    def clean_end(self) -> datetime.date:
        return _month(self.cleaned_data["end"], "Enter the last month as a year and month, like 2025-06")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The last month must be the same as or after the first month")
        method, outcome = cleaned.get("method"), cleaned.get("outcome")
        if outcome == "wellbeing" and method and method != AnalysisMethod.PRE_POST:
            self.add_error(
                "method", "Select before and after for wellbeing, as wellbeing is only recorded for people supported"
            )
        if method and method != AnalysisMethod.PRE_POST and not cleaned.get("covariates"):
            self.add_error("covariates", "Select at least one characteristic to make the groups alike on")
        return cleaned

    def plan_data(self) -> PlanData:
        data = self.cleaned_data
        return PlanData(
            title=data["title"],
            question=data["question"],
            cohort=data["cohort"],
            method=data["method"],
            outcome=data["outcome"],
            covariates=list(data.get("covariates") or []),
            period_start=data["start"],
            period_end=data["end"],
            area=self.areas.get(data.get("area") or ""),
        )


class UnitCostForm(forms.Form):
    """A local unit cost for one kind of hospital activity."""

    unit_cost_gbp = forms.DecimalField(
        label="Cost in pounds",
        min_value=Decimal("0.01"),
        max_value=Decimal("99999999"),
        decimal_places=2,
        error_messages={
            "required": "Enter the cost in pounds",
            "invalid": "Enter the cost in pounds, like 250 or 250.50",
            "min_value": "The cost must be more than £0",
            "max_value": "The cost must be less than £100,000,000",
            "max_decimal_places": "Enter the cost to the nearest penny",
        },
    )
    price_year = forms.RegexField(
        label="Price year",
        help_text="The financial year the cost is in, like 2024/25",
        regex=r"^\d{4}/\d{2}$",
        error_messages={
            "required": "Enter the price year, like 2024/25",
            "invalid": "Enter the price year, like 2024/25",
        },
    )
    source = forms.CharField(
        label="Where the cost comes from",
        max_length=300,
        error_messages={"required": "Enter where the cost comes from"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
