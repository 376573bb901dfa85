"""Administrators: the questionnaires (instruments) Carehouse knows, and loading more from a file.

The list shows every version of every instrument: its licence, where it came from, whether it
is switched on and, for a licensed one, whether its wording has been loaded and by whom. An
administrator uploads a file there: a new definition (or a new version of one), or the
licensed wording of an instrument whose scoring ships (an item text pack). One instrument's
page shows its definition and lets the administrator switch it on or off.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from carehouse.careplans.presenters import format_date
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures import selectors
from carehouse.measures.definitions import InstrumentDefinition, Item, LicenceKind, ScoreDefinition
from carehouse.measures.models import Instrument, InstrumentSource
from carehouse.measures.services import instruments as instrument_services

LICENCE_KINDS = {
    LicenceKind.OPEN: "Open: the wording and scoring ship with Carehouse",
    LicenceKind.SCORING_ONLY: "Licensed: the scoring ships, your organisation loads the wording",
    LicenceKind.EXTERNAL: "External: results are recorded from the licence holder",
    LicenceKind.CONTENT_PACK: "Optional pack: loaded under its own licence",
}

SCORING_METHODS = {
    "sum": "The answers are added up",
    "mean": "The score is the average (mean) of the answers",
    "per_item": "Each answer is read on its own, with no total",
    "sum_convert": "The answers are added up, then converted with a published table",
    "collaborate": "Per appointment: whether every answer is the highest (the top score), and the average",
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="A definition, or the licensed wording of an instrument (an item text pack), as a JSON file "
        "smaller than 512 KB",
        error_messages={"required": "Select a file to upload", "empty": "The selected file is empty"},
    )


class SwitchForm(forms.Form):
    enabled = forms.ChoiceField(
        label="Can staff start new questionnaires with it?",
        choices=[("yes", "Yes, switch it on"), ("no", "No, switch it off")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether it is switched on"},
    )


def number(value: Decimal) -> str:
    """A number as people write it: 7, 62.5 (never 7.00 or 1E+2)."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class InstrumentRow:
    """One version of an instrument in the administrator's list."""

    instrument: Instrument

    @property
    def href(self) -> str:
        return reverse("measures:instrument", kwargs={"instrument_id": self.instrument.pk})

    @property
    def title(self) -> str:
        return f"{self.instrument.title} (version {self.instrument.version})"

    @property
    def licence(self) -> str:
        return LICENCE_KINDS[self.instrument.parsed.licence.kind]

    @property
    def source(self) -> str:
        return str(InstrumentSource(self.instrument.source).label)

    @property
    def status(self) -> str:
        if self.instrument.needs_text:
            return "Off: load its wording first"
        return "On" if self.instrument.enabled else "Off"

    @property
    def wording(self) -> str:
        instrument = self.instrument
        kind = instrument.parsed.licence.kind
        if kind == LicenceKind.OPEN:
            return "Ships with Carehouse"
        if kind == LicenceKind.EXTERNAL:
            return "Not used: results are recorded"
        if not instrument.item_text:
            return "Not loaded"
        who = instrument.text_loaded_by.full_name if instrument.text_loaded_by else "the system"
        return (
            f"Loaded on {format_date(instrument.text_loaded_at)} by {who}. "
            f"Licence holder: {instrument.text_licence_holder}"
        )


@dataclass(frozen=True)
class ItemRow:
    number: int
    label: str
    text: str
    answers: str


@dataclass(frozen=True)
class ScoreRow:
    label: str
    range: str
    bands: str
    better: str
    meaningful_change: str


@dataclass(frozen=True)
class InstrumentPage:
    """One instrument's definition, as an administrator reads it."""

    instrument: Instrument

    @property
    def definition(self) -> InstrumentDefinition:
        return self.instrument.parsed

    @property
    def row(self) -> InstrumentRow:
        return InstrumentRow(self.instrument)

    def _answers(self, item: Item) -> str:
        if item.type == "choice":
            options = self.definition.scale(item.scale).options
            return ", ".join(f"{o.value} ({o.label})" if o.label else str(o.value) for o in options)
        if item.type in ("integer", "decimal"):
            assert item.minimum is not None and item.maximum is not None
            return f"A number from {number(item.minimum)} to {number(item.maximum)}"
        return {"date": "A date", "text": "Text"}[item.type]

    @property
    def items(self) -> list[ItemRow]:
        licensed = self.definition.text_is_licensed
        missing = "Not loaded" if licensed else ""
        return [
            ItemRow(n, item.label, item.text or missing, self._answers(item))
            for n, item in enumerate(self.definition.items, start=1)
        ]

    @property
    def scoring(self) -> list[tuple[str, str]]:
        """Rows for a summary list: how the instrument is scored."""
        scoring = self.definition.scoring
        if scoring is None:
            return [("Scoring", "Not scored: the results are recorded as given")]
        rows = [("Scoring", SCORING_METHODS[scoring.method])]
        if scoring.items:
            labels = [self.definition.item(item_id).label for item_id in scoring.items]
            rows.append(("Questions scored", ", ".join(labels)))
            rows.append(
                (
                    "Unanswered questions",
                    "Every scored question must be answered"
                    if scoring.max_missing == 0
                    else f"Up to {scoring.max_missing} may be left out",
                )
            )
        if scoring.conversion_source:
            rows.append(("Conversion table", scoring.conversion_source))
        if self.definition.minimum_reportable:
            rows.append(
                ("Shown for a group", f"Once there are {self.definition.minimum_reportable} complete responses")
            )
        if self.definition.source:
            rows.append(("Published in", self.definition.source))
        return rows

    @staticmethod
    def _score(score: ScoreDefinition) -> ScoreRow:
        bands = "; ".join(f"{number(b.low)} to {number(b.high)}: {b.label}" for b in score.bands)
        better = {True: "Higher", False: "Lower", None: "Neither"}[score.higher_is_better]
        change = (
            f"{number(score.meaningful_change)} ({score.meaningful_change_source})"
            if score.meaningful_change is not None
            else "None published"
        )
        return ScoreRow(
            score.label, f"{number(score.minimum)} to {number(score.maximum)}", bands or "None", better, change
        )

    @property
    def scores(self) -> list[ScoreRow]:
        return [self._score(score) for score in self.definition.scores]


def _upload_field(form: UploadForm) -> dict[str, object]:
    """The NHS.UK file upload component's settings for the form's one field."""
    bound = form["file"]
    return {
        "id": bound.auto_id,
        "name": bound.html_name,
        "label": {"text": str(bound.label), "size": "m"},
        "hint": {"text": str(bound.help_text)},
        "errorMessage": {"text": " ".join(str(e) for e in bound.errors)} if bound.errors else None,
        "attributes": {"accept": ".json,application/json"},
    }


@require_http_methods(["GET", "POST"])
@actor_required("measures.load_instruments")
def instrument_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read(instrument_services.MAX_FILE_BYTES + 1)
        try:
            instrument = instrument_services.load_file(actor, content)
        except ValidationError as error:
            show_errors(form, error)
        else:
            what = "licensed wording" if instrument.item_text else "definition"
            messages.info(request, f"The {what} of {instrument} has been loaded.")
            return redirect("measures:instrument", instrument_id=instrument.pk)
    context = {
        "rows": [InstrumentRow(instrument) for instrument in selectors.instruments()],
        "form": form,
        "upload": _upload_field(form),
    }
    return render(request, "measures/instruments/list.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("measures.load_instruments")
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    actor = actor_of(request)
    instrument = selectors.get_instrument_by_id(instrument_id)
    if request.method == "POST":
        form = SwitchForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["enabled"] == "yes"
            try:
                instrument_services.set_enabled(actor, instrument, enabled)
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(request, f"{instrument} has been switched {'on' if enabled else 'off'}.")
                return redirect("measures:instrument", instrument_id=instrument.pk)
    else:
        form = SwitchForm(initial={"enabled": "yes" if instrument.enabled else "no"})
    context = {"page": InstrumentPage(instrument), "form": form}
    return render(request, "measures/instruments/detail.jinja", context, status=400 if form.errors else 200)
