"""Forms for measures. A questionnaire's form is built from its definition.

The questionnaire form only collects what was typed or chosen: whether an answer is missing
or out of range is decided once, by ``scoring.clean_answers`` in the services, whose errors
are keyed by item id, which is also each field's name, so ``show_errors`` puts every message
beside its question (pages and API give the same messages).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from carehouse.measures.definitions import InstrumentDefinition, Item
from carehouse.measures.scoring import Answer
from carehouse.nhsuk_forms.fields import DateField

OUT_OF_DATE = "This page is out of date. Open it again, then make your change"


def _label(definition: InstrumentDefinition, item: Item) -> str:
    if definition.is_external or not item.text:
        return item.label
    return f"{definition.items.index(item) + 1}. {item.text}"


def _field(definition: InstrumentDefinition, item: Item) -> forms.Field:
    label = _label(definition, item)
    hint = item.hint or ("Optional" if not item.required and not definition.is_external else "")
    if item.type == "choice":
        options = definition.scale(item.scale).options
        return forms.ChoiceField(
            label=label,
            help_text=hint,
            required=False,
            choices=[(str(option.value), option.label or str(option.value)) for option in options],
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": f"Select one of the answers given for {label}"},
        )
    if item.type == "date":
        return DateField(label=label, help_text=hint, required=False)
    if item.type in ("integer", "decimal"):
        return forms.CharField(
            label=label,
            help_text=hint,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal" if item.type == "decimal" else "numeric"}),
        )
    widget = forms.Textarea(attrs={"rows": 4}) if item.max_length > 300 else forms.TextInput()
    return forms.CharField(label=label, help_text=hint, required=False, widget=widget, strip=True)


class QuestionnaireForm(forms.Form):
    """Some or all of an instrument's questions; ``items`` picks the ones on this page."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        definition: InstrumentDefinition,
        items: Sequence[str] | None = None,
        answers: Mapping[str, Answer] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = {key: _initial(definition.item(key), value) for key, value in (answers or {}).items()}
        super().__init__(data, initial=initial, **kwargs)
        self.definition = definition
        chosen = items if items is not None else [item.id for item in definition.items]
        self.item_ids = [item_id for item_id in chosen if any(item.id == item_id for item in definition.items)]
        for item_id in self.item_ids:
            self.fields[item_id] = _field(definition, definition.item(item_id))

    def question_fields(self) -> list[forms.BoundField]:
        return [self[item_id] for item_id in self.item_ids]

    def sent(self) -> dict[str, object]:
        """What was sent for each question on the page ("" where it was left blank)."""
        sent: dict[str, object] = {}
        for item_id in self.item_ids:
            value = self.cleaned_data.get(item_id)
            sent[item_id] = "" if value is None else value
        return sent


def _initial(item: Item, value: Answer) -> object:
    if item.type == "choice":
        return str(value)
    if item.type == "date" and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


class DraftForm(forms.Form):
    """The version of the saved answers the page was opened at: a save never overwrites newer ones."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE},
    )
