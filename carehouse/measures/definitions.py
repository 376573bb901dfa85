"""Instrument definitions as data: what a questionnaire asks, how it is answered and scored.

Each instrument Carehouse ships is a JSON file in ``instruments/`` in the shape of
``InstrumentDefinition``; an administrator may load more (or a new version) from a file, and
load the item text of a licensed instrument, which we may not ship (``ItemTextPack``). A
definition names its scoring method; the methods themselves are code (``scoring.py``), so a
file can never run code. A definition is checked for consistency when it is read: every item
names a known scale, every score a known item, bands lie inside the score's range.

The licence decides what may be shown (docs/adr/0015-outcome-measures.md):

- ``open``: item text and scoring ship (PHQ-9, GAD-7, ONS4, SEMCD-6);
- ``scoring_only``: the scoring ships; the deploying organisation loads the item text under
  its own licence, and until then the instrument cannot be completed (SWEMWBS, MYCaW);
- ``external``: scores are worked out elsewhere and recorded here, never calculated here
  (PAM, POET);
- ``content_pack``: an optional pack under its own licence, off until an administrator loads it
  (CollaboRATE).
"""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SHIPPED_DIRECTORY = Path(__file__).resolve().parent / "instruments"
KEY_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
ITEM_ID_PATTERN = r"^[a-z0-9][a-z0-9_]{0,39}$"
#: Names the forms use for themselves, so never an item's id (item ids are form field names).
RESERVED_ITEM_IDS = frozenset(
    {"version", "timepoint", "plan", "goal", "referral_reference", "about_user", "reason", "instrument", "action"}
)


class LicenceKind(StrEnum):
    OPEN = "open"
    SCORING_ONLY = "scoring_only"
    EXTERNAL = "external"
    CONTENT_PACK = "content_pack"


#: Licences under which the item text is never in the repository: it is loaded from a file.
TEXT_LOADED_LICENCES = frozenset({LicenceKind.SCORING_ONLY, LicenceKind.CONTENT_PACK})


class Category(StrEnum):
    WELLBEING = "wellbeing"
    MENTAL_HEALTH = "mental_health"
    ACTIVATION = "activation"
    SELF_EFFICACY = "self_efficacy"
    EXPERIENCE = "experience"
    PERSONAL_OUTCOMES = "personal_outcomes"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Licence(Strict):
    kind: LicenceKind
    holder: str = Field(min_length=1, description="Who owns the instrument")
    terms: str = Field(min_length=1, description="What the licence allows, in a sentence")
    url: str = ""


class AnswerOption(Strict):
    value: int
    label: str = Field("", description="Empty in a shipped licensed definition: the text pack supplies it")
    code: str = Field("", description="LOINC answer code (LA...), where there is one")


class Scale(Strict):
    id: str = Field(pattern=ITEM_ID_PATTERN)
    options: list[AnswerOption] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct_values(self) -> Scale:
        values = [option.value for option in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"scale {self.id}: each answer needs its own value")
        return self

    @property
    def values(self) -> list[int]:
        return [option.value for option in self.options]


ItemType = Literal["choice", "integer", "decimal", "date", "text"]


class Item(Strict):
    id: str = Field(pattern=ITEM_ID_PATTERN, description="Stable id: the FHIR linkId")
    label: str = Field(min_length=1, description="A short name that is not the licensed wording, for tables")
    text: str = Field("", description="The question; empty in a shipped licensed definition")
    type: ItemType = "choice"
    scale: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_length: int = Field(500, ge=1, le=5000)
    required: bool = True
    code: str = Field("", description="LOINC code of the question, where there is one")
    hint: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Item:
        if self.id in RESERVED_ITEM_IDS:
            raise ValueError(f"item {self.id}: that id is reserved; choose another")
        if self.type == "choice" and not self.scale:
            raise ValueError(f"item {self.id}: a choice names its scale")
        if self.type != "choice" and self.scale:
            raise ValueError(f"item {self.id}: only a choice has a scale")
        if self.type in ("integer", "decimal") and (self.minimum is None or self.maximum is None):
            raise ValueError(f"item {self.id}: a number needs a minimum and a maximum")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"item {self.id}: the minimum is above the maximum")
        return self


class Band(Strict):
    low: Decimal
    high: Decimal
    label: str = Field(min_length=1)


class ScoreDefinition(Strict):
    """One derived score: an Observation per response."""

    code: str = Field(pattern=ITEM_ID_PATTERN)
    label: str = Field(min_length=1)
    item: str = Field("", description="per_item scoring: the item whose answer this score is")
    minimum: Decimal
    maximum: Decimal
    decimals: int = Field(0, ge=0, le=2)
    bands: list[Band] = []
    higher_is_better: bool | None = Field(description="Which way is better; null where neither is (a count)")
    meaningful_change: Decimal | None = Field(None, gt=0)
    meaningful_change_source: str = ""
    loinc: str = ""
    headline: bool = False

    @model_validator(mode="after")
    def _bands_inside(self) -> ScoreDefinition:
        for band in self.bands:
            if band.low > band.high or band.low < self.minimum or band.high > self.maximum:
                raise ValueError(f"score {self.code}: band {band.label} lies outside {self.minimum}-{self.maximum}")
        if self.meaningful_change is not None and not self.meaningful_change_source:
            raise ValueError(f"score {self.code}: say where the meaningful change was published")
        return self

    def band_for(self, value: Decimal) -> str:
        for band in self.bands:
            if band.low <= value <= band.high:
                return band.label
        return ""


ScoringMethod = Literal["sum", "mean", "per_item", "sum_convert", "collaborate"]


class Scoring(Strict):
    method: ScoringMethod
    items: list[str] = Field([], description="The items scored (sum, mean, sum_convert, collaborate)")
    max_missing: int = Field(0, ge=0, description="How many scored items may be unanswered")
    conversion: dict[int, Decimal] = Field({}, description="sum_convert: raw total to converted score")
    conversion_source: str = ""


class Flag(Strict):
    """A product rule on one answer (never part of a score): PHQ-9 item 9 above 0 alerts the team."""

    code: str = Field(pattern=ITEM_ID_PATTERN)
    item: str
    above: int
    title: str
    for_staff: str
    for_person: str


class InstrumentDefinition(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    version: str = Field(pattern=r"^[0-9A-Za-z.\-]{1,20}$")
    title: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    category: Category
    about: str = Field(min_length=1, description="What it measures, in plain English")
    preamble: str = ""
    recall_period: str = ""
    licence: Licence
    loinc: str = ""
    snomed: str = ""
    rates_encounter: bool = Field(False, description="Answered about one appointment with one member of staff")
    minimum_reportable: int = Field(0, ge=0, description="Completed responses needed before a group figure is shown")
    scales: list[Scale] = []
    items: list[Item] = Field(min_length=1)
    scoring: Scoring | None = None
    scores: list[ScoreDefinition] = []
    flags: list[Flag] = []
    source: str = Field("", description="Where the scoring rules were published")

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        scales = {scale.id: scale for scale in self.scales}
        if len(scales) != len(self.scales):
            raise ValueError("two scales share an id")
        items = {item.id: item for item in self.items}
        if len(items) != len(self.items):
            raise ValueError("two items share an id")
        for item in self.items:
            if item.type == "choice" and item.scale not in scales:
                raise ValueError(f"item {item.id}: no scale called {item.scale}")
        codes = [score.code for score in self.scores]
        if len(set(codes)) != len(codes):
            raise ValueError("two scores share a code")
        external = self.licence.kind == LicenceKind.EXTERNAL
        if self.scoring is None:
            if self.scores and not external:
                raise ValueError("scores need a scoring method")
        else:
            if external and self.scoring.method != "per_item":
                raise ValueError("an external instrument's scores are recorded as given (per_item), never calculated")
            for item_id in self.scoring.items:
                if item_id not in items:
                    raise ValueError(f"scoring: no item called {item_id}")
            if self.scoring.method in ("sum", "mean", "sum_convert", "collaborate") and not self.scoring.items:
                raise ValueError(f"scoring: {self.scoring.method} needs the items it scores")
            if self.scoring.max_missing > len(self.scoring.items):
                raise ValueError("scoring: more items may be missing than are scored")
            if self.scoring.method == "sum_convert":
                self._check_conversion(items, scales)
        for score in self.scores:
            if score.item and score.item not in items:
                raise ValueError(f"score {score.code}: no item called {score.item}")
            if self.scoring is not None and self.scoring.method == "per_item" and not score.item:
                raise ValueError(f"score {score.code}: per_item scores name their item")
        for flag in self.flags:
            if flag.item not in items:
                raise ValueError(f"flag {flag.code}: no item called {flag.item}")
        return self

    def _check_conversion(self, items: dict[str, Item], scales: dict[str, Scale]) -> None:
        assert self.scoring is not None
        lowest = highest = 0
        for item_id in self.scoring.items:
            values = scales[items[item_id].scale].values
            lowest += min(values)
            highest += max(values)
        if sorted(self.scoring.conversion) != list(range(lowest, highest + 1)):
            raise ValueError(f"scoring: the conversion table must cover every raw total {lowest}-{highest}")
        if not self.scoring.conversion_source:
            raise ValueError("scoring: say where the conversion table was published")

    # -- reading a definition ---------------------------------------------------------------

    @property
    def reference(self) -> str:
        return f"{self.key}/{self.version}"

    @property
    def has_text(self) -> bool:
        """Whether any question, instruction or answer wording is present."""
        return (
            bool(self.preamble)
            or any(item.text for item in self.items)
            or any(option.label for scale in self.scales for option in scale.options)
        )

    @property
    def text_is_licensed(self) -> bool:
        return self.licence.kind in TEXT_LOADED_LICENCES

    @property
    def is_external(self) -> bool:
        return self.licence.kind == LicenceKind.EXTERNAL

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    def scale(self, scale_id: str) -> Scale:
        return next(scale for scale in self.scales if scale.id == scale_id)

    def score(self, code: str) -> ScoreDefinition | None:
        return next((score for score in self.scores if score.code == code), None)

    @property
    def headline(self) -> ScoreDefinition | None:
        return next((score for score in self.scores if score.headline), self.scores[0] if self.scores else None)

    def with_text(self, pack: ItemTextPack) -> InstrumentDefinition:
        """This definition with a loaded pack's wording (checked first by ``check_pack``)."""
        data = self.model_dump(mode="python")
        data["preamble"] = pack.preamble
        for item in data["items"]:
            item["text"] = pack.items.get(item["id"], "")
        for scale in data["scales"]:
            labels = pack.scales.get(scale["id"], [])
            for option, label in zip(scale["options"], labels, strict=False):
                option["label"] = label
        return InstrumentDefinition.model_validate(data)

    def check_pack(self, pack: ItemTextPack) -> dict[str, str]:
        """Field problems with a pack for this definition: every item and answer needs its wording."""
        problems: dict[str, str] = {}
        if (pack.instrument, pack.version) != (self.key, self.version):
            problems["instrument"] = f"This pack is for {pack.instrument} {pack.version}, not {self.reference}"
            return problems
        missing = [item.id for item in self.items if not pack.items.get(item.id, "").strip()]
        if missing:
            problems["items"] = f"Give the wording of every item; missing: {', '.join(missing)}"
        unknown = sorted(set(pack.items) - {item.id for item in self.items})
        if unknown:
            problems["items"] = f"No such items in {self.title}: {', '.join(unknown)}"
        for scale in self.scales:
            labels = pack.scales.get(scale.id, [])
            if len(labels) != len(scale.options) or not all(label.strip() for label in labels):
                problems[f"scales.{scale.id}"] = (
                    f"Give the {len(scale.options)} answer labels of scale {scale.id}, in order"
                )
        return problems


class ItemTextPack(Strict):
    """The wording of a licensed instrument, loaded by the organisation that holds the licence."""

    kind: Literal["item_text"] = "item_text"
    instrument: str = Field(pattern=KEY_PATTERN)
    version: str
    licence_holder: str = Field(min_length=1, max_length=200)
    licence_reference: str = Field("", max_length=200)
    preamble: str = Field("", max_length=2000)
    items: dict[str, str]
    scales: dict[str, list[str]] = {}


LICENSED_TEXT_PROBLEM = (
    "The wording of this instrument is licensed: leave it out of the definition and load it as an item text pack"
)


class DefinitionFileError(ValueError):
    """A definition or pack file that cannot be used, with one message per problem."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{where}: {what}" if where else what for where, what in problems.items()))
        self.problems = problems


def _problems(error: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"])
        message = str(detail["msg"]).removeprefix("Value error, ")
        problems.setdefault(where, message)
    return problems


def parse_file(content: bytes | str) -> InstrumentDefinition | ItemTextPack:
    """A definition or an item text pack from a JSON file, or ``DefinitionFileError``."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefinitionFileError({"": f"The file is not valid JSON: {error}"}) from error
    if not isinstance(data, dict):
        raise DefinitionFileError({"": "The file must hold one JSON object"})
    try:
        if data.get("kind") == "item_text":
            return ItemTextPack.model_validate(data)
        return InstrumentDefinition.model_validate(data)
    except ValidationError as error:
        raise DefinitionFileError(_problems(error)) from error


@cache
def shipped_definitions() -> tuple[InstrumentDefinition, ...]:
    """Every definition in ``instruments/``, in file-name order."""
    definitions = []
    for path in sorted(SHIPPED_DIRECTORY.glob("*.json")):
        parsed = parse_file(path.read_bytes())
        if not isinstance(parsed, InstrumentDefinition):
            raise DefinitionFileError({path.name: "a shipped file must be a definition"})
        if parsed.text_is_licensed and parsed.has_text:
            raise DefinitionFileError({path.name: LICENSED_TEXT_PROBLEM})
        definitions.append(parsed)
    return tuple(definitions)
