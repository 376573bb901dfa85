"""Checking and scoring answers: pure functions of a definition and the answers, no database.

``clean_answers`` is the edge: it turns what a form or the API sent into stored answers, or
raises a ``ValidationError`` with one message per question (the field is the item's id).
``score`` applies the definition's scoring method and its flags; ``change`` compares two
scores the way the instrument reads (which direction is better, and whether the change
reaches the published meaningful change); ``top_score`` is CollaboRATE's group figure.

Stored answers are JSON: a choice or whole number as an int, a decimal as a string
("62.5"), a date as ISO text, text as text. An unanswered question is absent.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from carehouse.measures.definitions import Flag, InstrumentDefinition, Item, ScoreDefinition

Answer = int | str
Answers = dict[str, Answer]


@dataclass(frozen=True)
class DerivedScore:
    code: str
    label: str
    value: Decimal
    band: str = ""


@dataclass(frozen=True)
class Outcome:
    scores: tuple[DerivedScore, ...]
    flags: tuple[Flag, ...]
    not_scored: str = ""

    def get(self, code: str) -> DerivedScore | None:
        return next((score for score in self.scores if score.code == code), None)


@dataclass(frozen=True)
class Change:
    baseline: Decimal
    latest: Decimal
    improvement: Decimal | None
    meaningful: bool | None

    @property
    def difference(self) -> Decimal:
        return self.latest - self.baseline


@dataclass(frozen=True)
class TopScore:
    percent: Decimal | None
    complete: int
    top: int
    minimum: int

    @property
    def reportable(self) -> bool:
        return self.complete >= self.minimum

    @property
    def shown_percent(self) -> Decimal | None:
        """The figure a page may show: none until there are enough complete appointments."""
        return self.percent if self.reportable else None


# -- the edge: what was sent, checked --------------------------------------------------------


def _name(definition: InstrumentDefinition, item: Item) -> str:
    """How an error names a question: by number in the questionnaire, or by label for a record."""
    if definition.is_external:
        return f"the {item.label[:1].lower()}{item.label[1:]}"
    return f"question {definition.items.index(item) + 1}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_one(definition: InstrumentDefinition, item: Item, value: object) -> Answer:
    name = _name(definition, item)
    if item.type in ("choice", "integer"):
        number = _whole_number(value)
        if number is None:
            raise ValueError(f"Select an answer for {name}" if item.type == "choice" else f"Enter {name} as a number")
        if item.type == "choice":
            if number not in definition.scale(item.scale).values:
                raise ValueError(f"Select one of the answers given for {name}")
        elif not item.minimum <= number <= item.maximum:  # type: ignore[operator]
            raise ValueError(f"{_sentence(name)} must be between {item.minimum} and {item.maximum}")
        return number
    if item.type == "decimal":
        amount = _decimal(value)
        if amount is None:
            raise ValueError(f"Enter {name} as a number, like 62.5")
        if not item.minimum <= amount <= item.maximum:  # type: ignore[operator]
            raise ValueError(f"{_sentence(name)} must be between {item.minimum} and {item.maximum}")
        return str(amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount)
    if item.type == "date":
        day = _date(value)
        if day is None:
            raise ValueError(f"Enter {name} as a real date")
        if day > timezone.localdate():
            raise ValueError(f"{_sentence(name)} must be today or in the past")
        return day.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"Enter {name} as text")
    text = value.strip()
    if len(text) > item.max_length:
        raise ValueError(f"{_sentence(name)} must be {item.max_length:,} characters or fewer")
    return text


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value.strip())
    return None


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return amount


def _date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def clean_answers(definition: InstrumentDefinition, sent: Mapping[str, object], *, complete: bool) -> Answers:
    """The answers to store, or ``ValidationError`` naming each question that is wrong.

    ``complete`` False is a draft (save and come back later): what is there must be valid, but
    questions may be left for later. Complete, every required question must be answered.
    """
    errors: dict[str, str] = {}
    known = {item.id for item in definition.items}
    for item_id in sent:
        if item_id not in known:
            errors[str(item_id)] = f"{definition.title} has no question {item_id}"
    cleaned: Answers = {}
    for item in definition.items:
        value = sent.get(item.id)
        if _blank(value):
            if complete and item.required:
                errors[item.id] = (
                    f"Select an answer for {_name(definition, item)}"
                    if item.type == "choice"
                    else f"Enter {_name(definition, item)}"
                )
            continue
        try:
            cleaned[item.id] = _clean_one(definition, item, value)
        except ValueError as problem:
            errors[item.id] = str(problem)
    if errors:
        raise ValidationError(errors)
    return cleaned


# -- scoring -----------------------------------------------------------------------------------


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _derived(definition: ScoreDefinition, value: Decimal) -> DerivedScore:
    rounded = _round(value, definition.decimals)
    return DerivedScore(definition.code, definition.label, rounded, definition.band_for(rounded))


def _numbers(answers: Mapping[str, Answer], item_ids: Iterable[str]) -> list[Decimal]:
    return [Decimal(str(answers[item_id])) for item_id in item_ids if item_id in answers]


def _flags(definition: InstrumentDefinition, answers: Mapping[str, Answer]) -> tuple[Flag, ...]:
    raised = []
    for flag in definition.flags:
        value = answers.get(flag.item)
        if isinstance(value, int) and value > flag.above:
            raised.append(flag)
    return tuple(raised)


def score(definition: InstrumentDefinition, answers: Mapping[str, Answer]) -> Outcome:
    """Every derived score of a complete response (or why there is none), and any flags raised."""
    flags = _flags(definition, answers)
    scoring = definition.scoring
    if scoring is None:
        return Outcome((), flags)
    if scoring.method == "per_item":
        scores = tuple(
            _derived(score_definition, Decimal(str(answers[score_definition.item])))
            for score_definition in definition.scores
            if score_definition.item in answers
        )
        return Outcome(scores, flags)
    values = _numbers(answers, scoring.items)
    missing = len(scoring.items) - len(values)
    if missing > scoring.max_missing:
        unanswered = "1 question was" if missing == 1 else f"{missing} questions were"
        allowed = (
            "every question is needed"
            if scoring.max_missing == 0
            else f"no more than {scoring.max_missing} may be left out"
        )
        return Outcome((), flags, f"Not scored: {unanswered} not answered, and {allowed}")
    if scoring.method == "mean":
        mean = sum(values, Decimal(0)) / len(values)
        return Outcome(tuple(_derived(s, mean) for s in definition.scores), flags)
    total = sum(values, Decimal(0))
    if scoring.method == "sum":
        return Outcome(tuple(_derived(s, total) for s in definition.scores), flags)
    if scoring.method == "sum_convert":
        converted = scoring.conversion[int(total)]
        return Outcome(
            tuple(_derived(s, total if s.code == "raw" else converted) for s in definition.scores),
            flags,
        )
    # collaborate: one appointment's answers; the top score is 1 when every answer is the highest.
    highest = max(definition.scale(definition.item(scoring.items[0]).scale).values)
    per_encounter = {"top": Decimal(all(value == highest for value in values)), "mean": total / len(values)}
    return Outcome(tuple(_derived(s, per_encounter[s.code]) for s in definition.scores), flags)


# -- reading scores ------------------------------------------------------------------------------


def change(definition: ScoreDefinition, baseline: Decimal, latest: Decimal) -> Change:
    """How far a score moved from baseline, signed so that a positive improvement is better."""
    if definition.higher_is_better is None:
        improvement = None
    else:
        improvement = latest - baseline if definition.higher_is_better else baseline - latest
    meaningful = None
    if definition.meaningful_change is not None:
        meaningful = abs(latest - baseline) >= definition.meaningful_change
    return Change(baseline, latest, improvement, meaningful)


def top_score(encounters: Iterable[Mapping[str, Answer]], definition: InstrumentDefinition) -> TopScore:
    """CollaboRATE's top score over appointments: incomplete ones are left out. Pages show it only
    once the definition's minimum number of complete ones is reached (``shown_percent``)."""
    complete = top = 0
    for answers in encounters:
        outcome = score(definition, answers)
        scored = outcome.get("top")
        if scored is None:
            continue
        complete += 1
        top += int(scored.value)
    minimum = definition.minimum_reportable
    percent = _round(Decimal(100 * top) / complete, 1) if complete else None
    return TopScore(percent, complete, top, minimum)
