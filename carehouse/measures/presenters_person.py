"""How the person's own questionnaires and results read, spoken to them as "you".

The person sees what their care team has asked them to answer, their answers once sent, and
their results in plain words: the score, what range it is in (the instrument's band, such as
"Mild"), and which way is better. Every question and answer label comes from the instrument's
definition (``Instrument.parsed``, with any licensed wording loaded for it), never from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse

from carehouse.careplans.presenters import format_date, row
from carehouse.measures.definitions import Flag, InstrumentDefinition, Item, ScoreDefinition
from carehouse.measures.models import CompletedBy, MeasureResponse, MeasureScore
from carehouse.measures.presenters import format_number
from carehouse.measures.scoring import Answer, score

NOT_ANSWERED = "Not answered"
#: The query that asks for the questionnaire one question at a time, and its last page.
QUESTION = "question"
CHECK = "check"


# -- scores in plain words -------------------------------------------------------------------------


def score_value(value: Decimal, definition: ScoreDefinition | None) -> str:
    """A score as the instrument reports it: "7", "6.5", "52.25" (no trailing zeros)."""
    return format_number(value, definition.decimals if definition is not None else 2)


def out_of(value: Decimal, definition: ScoreDefinition | None) -> str:
    """ "7 out of 27"; just the number where the instrument gives no range."""
    shown = score_value(value, definition)
    if definition is None:
        return shown
    return f"{shown} out of {score_value(definition.maximum, definition)}"


def better(definition: ScoreDefinition | None) -> str:
    """Which way is better, in a sentence (empty where neither is)."""
    if definition is None or definition.higher_is_better is None:
        return ""
    return "A higher score is better." if definition.higher_is_better else "A lower score is better."


@dataclass(frozen=True)
class ScoreLine:
    """One of the person's scores: what was measured, the score, and its range in words."""

    label: str
    value: str
    band: str
    direction: str


def score_lines(definition: InstrumentDefinition, scores: Iterable[MeasureScore]) -> list[ScoreLine]:
    """A response's scores in the order the instrument defines them, the headline score first."""
    order = [s.code for s in definition.scores]
    headline = definition.headline
    if headline is not None:
        order.remove(headline.code)
        order.insert(0, headline.code)

    def position(found: MeasureScore) -> int:
        return order.index(found.code) if found.code in order else len(order)

    lines = []
    for found in sorted(scores, key=position):
        score_definition = definition.score(found.code)
        lines.append(
            ScoreLine(
                label=found.label,
                value=out_of(found.value, score_definition),
                band=found.band,
                direction=better(score_definition),
            )
        )
    return lines


def score_rows(lines: Sequence[ScoreLine]) -> list[dict[str, Any]]:
    """Scores as NHS.UK summary list rows: "PHQ-9 total" - "7 out of 27: Mild"."""
    rows = []
    for line in lines:
        value = f"{line.value}: {line.band}." if line.band else f"{line.value}."
        rows.append(row(line.label, f"{value} {line.direction}".strip()))
    return rows


# -- answers ---------------------------------------------------------------------------------------


def question_text(definition: InstrumentDefinition, item: Item) -> str:
    """The question as asked (its short label where there is no wording)."""
    return item.text or item.label


def answer_text(definition: InstrumentDefinition, item: Item, value: Answer | None) -> str:
    """What the person answered, in the words of the answer they chose."""
    if value is None or value == "":
        return NOT_ANSWERED
    if item.type == "choice":
        for option in definition.scale(item.scale).options:
            if option.value == value:
                return option.label or str(option.value)
        return str(value)
    if item.type == "date" and isinstance(value, str):
        return format_date(value)
    return str(value)


@dataclass(frozen=True)
class AnswerRow:
    """One question and its answer, for the summary of answers and for "Check your answers"."""

    number: int
    item_id: str
    question: str
    answer: str
    answered: bool


def answer_rows(definition: InstrumentDefinition, answers: dict[str, Answer]) -> list[AnswerRow]:
    return [
        AnswerRow(
            number=number,
            item_id=item.id,
            question=question_text(definition, item),
            answer=answer_text(definition, item, answers.get(item.id)),
            answered=item.id in answers,
        )
        for number, item in enumerate(definition.items, start=1)
    ]


# -- pages -----------------------------------------------------------------------------------------


def sent_by(response: MeasureResponse) -> str:
    """Who asked for the questionnaire: "Priya Shah at Riverside Practice", or the organisation."""
    organisation = response.organisation.name
    if response.requested_by is not None and response.requested_by.full_name:
        return f"{response.requested_by.full_name} at {organisation}"
    return organisation


def answer_url(response: MeasureResponse, question: int | str | None = None) -> str:
    url = reverse("measures:answer", kwargs={"response_id": response.pk})
    return f"{url}?{QUESTION}={question}" if question is not None else url


@dataclass(frozen=True)
class WaitingQuestionnaire:
    """A questionnaire the person has been sent and not yet answered."""

    response: MeasureResponse

    @property
    def title(self) -> str:
        return self.response.instrument.parsed.name

    @property
    def sent_by(self) -> str:
        return sent_by(self.response)

    @property
    def sent_on(self) -> str:
        return format_date(self.response.requested_at or self.response.created_at)

    @property
    def started(self) -> bool:
        return bool(self.response.answers)

    @property
    def progress(self) -> dict[str, str]:
        """An NHS.UK tag: whether the person has saved any answers yet."""
        if self.started:
            return {"text": "Started", "classes": "nhsuk-tag--blue"}
        return {"text": "Not started", "classes": "nhsuk-tag--grey"}

    @property
    def link_text(self) -> str:
        return "Continue answering" if self.started else "Answer the questions"

    @property
    def href(self) -> str:
        return answer_url(self.response)


@dataclass(frozen=True)
class LatestResult:
    """The person's latest result for one instrument, with a link to all of them over time."""

    key: str
    title: str
    measured_on: str
    recorded_by_team: bool
    lines: list[ScoreLine]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return score_rows(self.lines)

    @property
    def when(self) -> str:
        if self.recorded_by_team:
            return f"Recorded by your care team on {self.measured_on}"
        return f"From your answers on {self.measured_on}"

    @property
    def trend_href(self) -> str:
        return reverse("measures:my_trend", kwargs={"key": self.key})


def latest_results(scores: Sequence[MeasureScore]) -> list[LatestResult]:
    """Per instrument, the scores of the person's latest response (scores come oldest first)."""
    latest: dict[str, MeasureResponse] = {}
    for found in scores:
        latest[found.instrument_key] = found.response
    results = []
    for key, response in latest.items():
        definition = response.instrument.parsed
        mine = [found for found in scores if found.response_id == response.pk]
        results.append(
            LatestResult(
                key=key,
                title=definition.name,
                measured_on=format_date(mine[0].effective_at),
                recorded_by_team=response.completed_mode != CompletedBy.PERSON,
                lines=score_lines(definition, mine),
            )
        )
    return sorted(results, key=lambda result: result.title)


@dataclass(frozen=True)
class MinePresenter:
    """ "Your questionnaires": what is waiting to be answered, and the latest results."""

    waiting: list[WaitingQuestionnaire]
    results: list[LatestResult]

    @classmethod
    def build(cls, waiting: Iterable[MeasureResponse], scores: Sequence[MeasureScore]) -> MinePresenter:
        return cls([WaitingQuestionnaire(response) for response in waiting], latest_results(scores))


class QuestionnairePresenter:
    """One questionnaire the person answers: its heading, instructions, questions and answers."""

    def __init__(self, response: MeasureResponse) -> None:
        self.response = response
        self.definition = response.instrument.parsed

    @property
    def title(self) -> str:
        return self.definition.name

    @property
    def preamble(self) -> str:
        return self.definition.preamble

    @property
    def sent_by(self) -> str:
        return sent_by(self.response)

    @property
    def sent_on(self) -> str:
        return format_date(self.response.requested_at or self.response.created_at)

    @property
    def can_be_answered(self) -> bool:
        """Licensed wording that is not loaded (or was removed) means there is nothing to show."""
        return not self.response.instrument.needs_text

    @property
    def count(self) -> int:
        return len(self.definition.items)

    @property
    def whole_href(self) -> str:
        return answer_url(self.response)

    @property
    def one_at_a_time_href(self) -> str:
        return answer_url(self.response, 1)

    @property
    def check_href(self) -> str:
        return answer_url(self.response, CHECK)

    def question_href(self, number: int) -> str:
        return answer_url(self.response, number)

    def item_at(self, number: int) -> Item:
        return self.definition.items[number - 1]

    def back_href(self, number: int) -> str:
        """Where "Back" goes from question ``number``: the one before, or the list."""
        if number > 1:
            return self.question_href(number - 1)
        return reverse("measures:mine")

    def next_href(self, number: int) -> str:
        return self.question_href(number + 1) if number < self.count else self.check_href

    @property
    def answers(self) -> list[AnswerRow]:
        return answer_rows(self.definition, self.response.answers or {})

    # -- once sent -------------------------------------------------------------------------------

    @property
    def completed_on(self) -> str:
        return format_date(self.response.completed_at)

    @property
    def sent_line(self) -> str:
        if self.response.completed_mode == CompletedBy.PERSON:
            return f"You sent these answers on {self.completed_on}."
        return f"Your care team recorded these answers with you on {self.completed_on}."

    @property
    def scores(self) -> list[ScoreLine]:
        return score_lines(self.definition, self.response.scores.all())

    @property
    def score_rows(self) -> list[dict[str, Any]]:
        return score_rows(self.scores)

    @property
    def not_scored(self) -> str:
        return self.response.not_scored_reason

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Safety rules the answers met (PHQ-9 item 9 above 0): the person is told where to get help."""
        if not self.response.is_completed:
            return ()
        return score(self.definition, self.response.answers or {}).flags

    @property
    def trend_href(self) -> str:
        return reverse("measures:my_trend", kwargs={"key": self.definition.key})
