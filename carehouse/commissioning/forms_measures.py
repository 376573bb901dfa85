"""Forms for the measurement hierarchy (owner and purpose) and for setting up an incentive scheme."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from carehouse.commissioning.indicators import PAYABLE, PURPOSES
from carehouse.commissioning.services_measures import MAX_INDICATORS, PAID_TO, IndicatorChoice, check_scheme
from carehouse.nhsuk_forms.fields import DateField


class HierarchyEntryForm(forms.Form):
    owner = forms.CharField(
        label="Who owns this indicator here",
        max_length=200,
        help_text="A role, not a person's name. For example, ICB personalised care lead",
        error_messages={
            "required": "Enter who owns this indicator",
            "max_length": "Owner must be 200 characters or fewer",
        },
    )
    purpose = forms.ChoiceField(
        label="What it is used for",
        choices=PURPOSES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what this indicator is used for",
            "invalid_choice": "Select what this indicator is used for",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def _percent(value: str) -> Decimal | None:
    text = value.strip().rstrip("%").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class SchemeForm(forms.Form):
    """A scheme with up to five indicators; thresholds and weights are typed as percentages."""

    name = forms.CharField(
        label="Name of the scheme", max_length=200, error_messages={"required": "Enter a name for the scheme"}
    )
    paid_to = forms.ChoiceField(
        label="Who the scheme pays",
        choices=PAID_TO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who the scheme pays", "invalid_choice": "Select who the scheme pays"},
    )
    period_start = DateField(label="Start of the period", error_messages={"required": "Enter the start of the period"})
    period_end = DateField(label="End of the period", error_messages={"required": "Enter the end of the period"})
    value_gbp = forms.DecimalField(
        label="Most each practice or provider can earn, in pounds",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "required": "Enter the scheme's value in pounds",
            "invalid": "The scheme's value must be a number of pounds, like 2500",
            "min_value": "The scheme's value must be more than £0",
            "max_digits": "The scheme's value must be less than £10,000,000,000",
            "max_decimal_places": "The scheme's value can have at most 2 decimal places (pence)",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            ("", "No indicator"),
            *[(indicator.key, indicator.name) for indicator in PAYABLE if not indicator.is_mean],
        ]
        for number in range(1, MAX_INDICATORS + 1):
            self.fields[f"indicator_{number}"] = forms.ChoiceField(
                label=f"Indicator {number}",
                choices=choices,
                required=False,
                error_messages={"invalid_choice": "Select an indicator from the list"},
            )
            for part, label in (
                ("lower", "Lower threshold (%)"),
                ("upper", "Upper threshold (%)"),
                ("weight", "Weight (%)"),
            ):
                self.fields[f"{part}_{number}"] = forms.CharField(
                    label=f"{label}, indicator {number}", required=False, max_length=12
                )

    def chosen(self) -> list[IndicatorChoice]:
        found: list[IndicatorChoice] = []
        for number in range(1, MAX_INDICATORS + 1):
            key = self.cleaned_data.get(f"indicator_{number}") or ""
            if not key:
                continue
            parts = {
                part: _percent(str(self.cleaned_data.get(f"{part}_{number}") or ""))
                for part in ("lower", "upper", "weight")
            }
            found.append(
                IndicatorChoice(
                    key,
                    (parts["lower"] or Decimal(0)) / 100,
                    (parts["upper"] or Decimal(0)) / 100,
                    (parts["weight"] or Decimal(0)) / 100,
                )
            )
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        numbered: list[int] = []
        for number in range(1, MAX_INDICATORS + 1):
            key = data.get(f"indicator_{number}") or ""
            typed = [str(data.get(f"{part}_{number}") or "").strip() for part in ("lower", "upper", "weight")]
            if not key:
                if any(typed):
                    self.add_error(f"indicator_{number}", "Select an indicator, or clear its thresholds and weight")
                continue
            numbered.append(number)
            for part, name in (("lower", "lower threshold"), ("upper", "upper threshold"), ("weight", "weight")):
                raw = str(data.get(f"{part}_{number}") or "").strip()
                if not raw:
                    self.add_error(f"{part}_{number}", f"Enter the {name} for indicator {number}")
                elif _percent(raw) is None:
                    self.add_error(f"{part}_{number}", f"The {name} must be a percentage, like 60")
        if self.errors:
            return data
        chosen = self.chosen()
        errors = check_scheme(data["paid_to"], data["period_start"], data["period_end"], data["value_gbp"], chosen)
        # check_scheme numbers indicators in the order chosen; map them back to the form's rows.
        for name, message in errors.items():
            field, _, position = name.rpartition("_")
            if field and position.isdigit() and int(position) <= len(numbered):
                name = f"{field}_{numbered[int(position) - 1]}"
            elif not field and name not in self.fields:
                name = "indicator_1"
            self.add_error(name if name in self.fields else None, message)
        return data
