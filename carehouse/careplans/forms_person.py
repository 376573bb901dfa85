"""Forms for the person's own view, preparation packs and the personal health budget pages.

The forms only check what a browser could get wrong (a missing choice, a date that is not a
date); the rules of care planning (how much of the budget is left, whether an overspend is
confirmed, who may answer a pack) live in the services, whose errors the views put back on
these forms beside the field they are about.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from carehouse.careplans.forms import VersionedForm
from carehouse.careplans.models import (
    Achievement,
    Action,
    ActionStatus,
    BudgetAllocation,
    BudgetManagement,
    Goal,
    PersonalHealthBudget,
)
from carehouse.careplans.pathways import template_choices
from carehouse.nhsuk_forms.fields import DateField

AMOUNT_MESSAGE = "Enter an amount in pounds and pence, like 120.50"


def _amount(value: str, *, allow_negative: bool = False) -> Decimal | None:
    """Pounds and pence as typed, with or without a £ sign or commas; None when left blank."""
    text = value.strip().replace(",", "").replace("£", "").replace(" ", "")
    if not text:
        return None
    negative = text.startswith("-")
    text = text.removeprefix("-").removeprefix("£")
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise forms.ValidationError(AMOUNT_MESSAGE) from error
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise forms.ValidationError(AMOUNT_MESSAGE)
    if negative and not allow_negative:
        raise forms.ValidationError("The amount must be £0 or more")
    return -amount if negative else amount


# The person's view: progress and notes -------------------------------------------------------


class GoalProgressForm(forms.Form):
    achievement = forms.ChoiceField(
        label="How is this going?",
        choices=Achievement.choices,
        error_messages={"required": "Select how this goal is going", "invalid_choice": "Select how this goal is going"},
    )


class ActionProgressForm(forms.Form):
    status = forms.ChoiceField(
        label="Where are you with this?",
        choices=ActionStatus.choices,
        error_messages={"required": "Select how this is going", "invalid_choice": "Select how this is going"},
    )


class NoteForm(forms.Form):
    """A note on the plan, or on one goal or action in it."""

    text = forms.CharField(
        label="Your note",
        widget=forms.Textarea,
        max_length=5000,
        help_text="For example how things are going, or something to talk about at your review",
        error_messages={
            "required": "Enter your note",
            "max_length": "Your note must be 5,000 characters or fewer",
        },
    )
    about = forms.ChoiceField(
        label="What is it about?",
        choices=[("plan", "My plan as a whole")],
        error_messages={"invalid_choice": "Select what your note is about"},
    )

    def __init__(self, *args: Any, goals: list[Goal] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("plan", "My plan as a whole")]
        for number, goal in enumerate(goals or [], start=1):
            choices.append((f"goal-{goal.pk}", f"Goal {number}: {_short(goal.text)}"))
            for action in goal.actions.all():
                choices.append((f"action-{action.pk}", f"Goal {number}, action: {_short(action.what)}"))
        self.fields["about"].choices = choices  # type: ignore[attr-defined]

    def target(self) -> tuple[str, int | None]:
        """("plan", None), ("goal", id) or ("action", id)."""
        value: str = self.cleaned_data["about"]
        if value == "plan":
            return "plan", None
        kind, _, number = value.partition("-")
        return kind, int(number)


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 3] + "..."


# Preparation packs --------------------------------------------------------------------------

RESULT_ROWS = 5


class ChooseTemplateForm(forms.Form):
    """Choosing a template reloads the page with its questions filled in (works without JavaScript)."""

    template = forms.ChoiceField(
        label="Template", choices=[("", "None: the usual questions"), *template_choices()], required=False
    )


class SendPreparationForm(forms.Form):
    template = forms.ChoiceField(
        choices=[("", "None"), *template_choices()],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Select a template from the list, or none"},
    )
    prompts = forms.CharField(
        label="Questions for them to think about",
        widget=forms.Textarea,
        help_text="One question on each line. You can change, add or remove questions",
        error_messages={"required": "Enter at least one question for the person to think about"},
    )
    conversation_on = DateField(
        label="Date of the care and support planning conversation",
        required=False,
        help_text="Optional. For example, 17 3 2027",
    )
    message = forms.CharField(
        label="A short message to them (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text="For example why you are sending this, and how to change the appointment",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        for row in range(1, RESULT_ROWS + 1):
            self.fields[f"result_{row}_name"] = forms.CharField(
                label="What was measured", max_length=100, required=False
            )
            self.fields[f"result_{row}_value"] = forms.CharField(label="Result", max_length=50, required=False)
            self.fields[f"result_{row}_unit"] = forms.CharField(label="Unit (optional)", max_length=30, required=False)
            self.fields[f"result_{row}_taken_on"] = DateField(
                label=f"Date of result {row}",
                help_text="Optional. For example, 3 3 2027",
                required=False,
                latest=today,
                earliest=datetime.date(1900, 1, 1),
            )
            self.fields[f"result_{row}_note"] = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, RESULT_ROWS + 1):
            name = (data.get(f"result_{row}_name") or "").strip()
            value = (data.get(f"result_{row}_value") or "").strip()
            others = any(data.get(f"result_{row}_{key}") for key in ("unit", "taken_on", "note"))
            if (name or others) and not value:
                self.add_error(f"result_{row}_value", f"Enter result {row}, or clear the row")
            if (value or others) and not name:
                self.add_error(f"result_{row}_name", f"Enter what was measured for result {row}")
        return data

    def result_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"result_{row}_{key}"] for key in ("name", "value", "unit", "taken_on", "note")]
            for row in range(1, RESULT_ROWS + 1)
        ]

    def results(self) -> list[dict[str, str]]:
        rows = []
        for row in range(1, RESULT_ROWS + 1):
            taken_on = self.cleaned_data.get(f"result_{row}_taken_on")
            rows.append(
                {
                    "name": self.cleaned_data.get(f"result_{row}_name") or "",
                    "value": self.cleaned_data.get(f"result_{row}_value") or "",
                    "unit": self.cleaned_data.get(f"result_{row}_unit") or "",
                    "taken_on": taken_on.isoformat() if taken_on else "",
                    "note": self.cleaned_data.get(f"result_{row}_note") or "",
                }
            )
        return rows

    def prompt_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["prompts"].splitlines() if line.strip()]


class AnswerPackForm(forms.Form):
    """One text box for each question in the pack, in the order of the questions."""

    #: The version of the answers the page was opened at, so that a save never overwrites newer ones.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "This page is out of date. Open it again, then make your change",
            "invalid": "This page is out of date. Open it again, then make your change",
        },
    )

    def __init__(self, *args: Any, prompts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, prompt in enumerate(prompts, start=1):
            self.fields[f"answer_{number}"] = forms.CharField(
                label=prompt,
                widget=forms.Textarea,
                required=False,
                max_length=5000,
                error_messages={"max_length": f"Answer {number} must be 5,000 characters or fewer"},
            )
        self.count = len(prompts)

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[f"answer_{number}"] for number in range(1, self.count + 1)]

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(f"answer_{number}") or "" for number in range(1, self.count + 1)]


# Personal health budget -----------------------------------------------------------------------


class BudgetForm(VersionedForm):
    managed_as = forms.ChoiceField(
        label="How is the budget held?",
        choices=BudgetManagement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the budget is held"},
    )
    indicative_amount = forms.CharField(
        label="Indicative budget (optional)",
        required=False,
        help_text="The amount first expected to meet the person's needs, in pounds",
    )
    agreed_amount = forms.CharField(
        label="Agreed budget (optional)", required=False, help_text="The amount agreed in the plan, in pounds"
    )
    agreed_on = DateField(
        label="Date the budget was agreed (optional)", required=False, help_text="For example, 3 3 2027"
    )
    period_start = DateField(label="Start of the budget period (optional)", required=False)
    period_end = DateField(label="End of the budget period (optional)", required=False)
    not_to_be_spent_on = forms.CharField(
        label="What the budget may not be spent on (optional)",
        widget=forms.Textarea,
        required=False,
        help_text="For example alcohol, tobacco, gambling, debt, or anything the NHS already provides",
    )

    def clean_indicative_amount(self) -> Decimal | None:
        return _amount(self.cleaned_data["indicative_amount"])

    def clean_agreed_amount(self) -> Decimal | None:
        return _amount(self.cleaned_data["agreed_amount"])

    @staticmethod
    def initial_for(budget: PersonalHealthBudget | None, plan_version: int) -> dict[str, Any]:
        if budget is None:
            return {"managed_as": BudgetManagement.NOTIONAL, "version": plan_version}
        return {
            "managed_as": budget.managed_as,
            "indicative_amount": "" if budget.indicative_amount is None else f"{budget.indicative_amount:.2f}",
            "agreed_amount": "" if budget.agreed_amount is None else f"{budget.agreed_amount:.2f}",
            "agreed_on": budget.agreed_on,
            "period_start": budget.period_start,
            "period_end": budget.period_end,
            "not_to_be_spent_on": budget.not_to_be_spent_on,
            "version": plan_version,
        }


class AllocationForm(VersionedForm):
    description = forms.CharField(
        label="What is the money for?",
        max_length=300,
        help_text="For example a personal assistant for 6 hours a week",
        error_messages={"required": "Enter what the money is for"},
    )
    amount = forms.CharField(label="Amount, in pounds", error_messages={"required": "Enter the amount"})
    action = forms.ChoiceField(label="Which action in the plan is it for? (optional)", required=False)

    def __init__(self, *args: Any, actions: list[Action], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._actions = {str(a.pk): a for a in actions}
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", "None"),
            *[(str(a.pk), _short(a.what, 80)) for a in actions],
        ]

    def clean_amount(self) -> Decimal:
        amount = _amount(self.cleaned_data["amount"])
        if amount is None:
            raise forms.ValidationError("Enter the amount")
        if amount <= 0:
            raise forms.ValidationError("The amount must be more than £0")
        return amount

    def chosen_action(self) -> Action | None:
        return self._actions.get(self.cleaned_data.get("action") or "")


class SpendForm(forms.Form):
    spent_on = DateField(
        label="Date of the spending",
        help_text="For example, 27 3 2027",
        earliest=datetime.date(2000, 1, 1),
        error_messages={"required": "Enter the date of the spending"},
    )
    payee = forms.CharField(label="Who was paid", max_length=200, error_messages={"required": "Enter who was paid"})
    description = forms.CharField(
        label="What was it for?", max_length=300, error_messages={"required": "Enter what the money was spent on"}
    )
    amount = forms.CharField(
        label="Amount, in pounds",
        help_text="To put right an earlier entry, enter a negative amount, like -25.00",
        error_messages={"required": "Enter the amount"},
    )
    allocation = forms.ChoiceField(label="Which allocation is it from? (optional)", required=False)
    confirm_overspend = forms.BooleanField(label="Confirm the overspend", required=False)
    overspend_reason = forms.CharField(
        label="Why is the agreed budget being overspent?", max_length=300, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, allocations: list[BudgetAllocation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spent_on"].latest = timezone.localdate()  # type: ignore[attr-defined]
        self._allocations = {str(a.pk): a for a in allocations}
        self.fields["allocation"].choices = [  # type: ignore[attr-defined]
            ("", "None"),
            *[(str(a.pk), _short(a.description, 80)) for a in allocations],
        ]

    def clean_amount(self) -> Decimal:
        amount = _amount(self.cleaned_data["amount"], allow_negative=True)
        if amount is None:
            raise forms.ValidationError("Enter the amount")
        if amount == 0:
            raise forms.ValidationError("Enter an amount other than £0")
        return amount

    @property
    def asks_about_overspend(self) -> bool:
        """Show the overspend questions once they matter: when refused, or when already answered."""
        return bool(
            self.errors.get("confirm_overspend")
            or self.errors.get("overspend_reason")
            or (self.is_bound and (self.data.get("confirm_overspend") or self.data.get("overspend_reason")))
        )

    def chosen_allocation(self) -> BudgetAllocation | None:
        return self._allocations.get(self.cleaned_data.get("allocation") or "")
