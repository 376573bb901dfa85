"""How measures read on the staff pages: scores with their bands, change in words, trend charts.

Presenters only format what the views have already read through ``selectors``; they never
write and never query personal data themselves. The arithmetic is here, pure, so it can be
tested on its own:

- ``change_since_baseline`` says how far a score moved from the person's baseline, whether
  that is better or worse for this instrument, and how it compares with the published
  meaningful change ("Down 6 points since baseline (better): more than the 5-point change
  that is clinically meaningful (Löwe 2004)");
- ``TrendPresenter`` scales a person's results into the box of an SVG line chart (with axis
  ticks and shaded bands) and lists the same results as rows of a table, so the chart always
  has a text alternative. ``measures/_trend.jinja`` draws it.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.urls import reverse
from markupsafe import Markup

from carehouse.careplans.presenters import format_date, format_datetime, possessive, short_name
from carehouse.measures import scoring
from carehouse.measures.definitions import InstrumentDefinition, Item, ScoreDefinition
from carehouse.measures.models import (
    CompletedBy,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
)
from carehouse.people.models import Person

NOT_ANSWERED = "Not answered"

# -- numbers and change in words -----------------------------------------------------------------


def format_number(value: Decimal, decimals: int = 2) -> str:
    """A score as the pages show it: rounded to the score's places, without trailing zeros ("19.25", "6")."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals)) if decimals else value.quantize(Decimal(1))
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(amount: Decimal, decimals: int = 2) -> str:
    """ "1 point", "6 points", "2.5 points"."""
    number = format_number(amount, decimals)
    return f"{number} point" if number == "1" else f"{number} points"


def short_source(source: str) -> str:
    """A published source cited briefly, by first author and year: "Löwe 2004"."""
    words = source.split()
    if not words:
        return ""
    year = re.search(r"\b(?:19|20)\d{2}\b", source)
    return f"{words[0]} {year.group(0)}" if year else words[0]


def movement(score: ScoreDefinition, before: Decimal, after: Decimal) -> str:
    """ "Up 2 points", "Down 6 points" or "No change"."""
    difference = after - before
    if format_number(abs(difference), score.decimals) == "0":
        return "No change"
    return f"{'Up' if difference > 0 else 'Down'} {points(abs(difference), score.decimals)}"


def direction(score: ScoreDefinition, before: Decimal, after: Decimal) -> str:
    """ "better" or "worse" for this score (a higher PHQ-9 is worse), or "" when neither applies."""
    moved = scoring.change(score, before, after)
    if moved.improvement is None or moved.improvement == 0:
        return ""
    return "better" if moved.improvement > 0 else "worse"


def change_from_previous(score: ScoreDefinition, before: Decimal, after: Decimal) -> str:
    """A trend table's "Change from previous" cell: "Down 2 points (better)"."""
    words = movement(score, before, after)
    better = direction(score, before, after)
    return f"{words} ({better})" if better and words != "No change" else words


def meaningful_clause(score: ScoreDefinition, baseline: Decimal, latest: Decimal) -> str:
    """How a change compares with the published meaningful change; "" where none is published."""
    if score.meaningful_change is None:
        return ""
    threshold = f"{format_number(score.meaningful_change, score.decimals)}-point change"
    source = short_source(score.meaningful_change_source)
    cited = f" ({source})" if source else ""
    size = abs(latest - baseline)
    if size > score.meaningful_change:
        return f"more than the {threshold} that is clinically meaningful{cited}"
    if size == score.meaningful_change:
        return f"as much as the {threshold} that is clinically meaningful{cited}"
    return f"less than the {threshold} that is clinically meaningful{cited}"


def change_since_baseline(score: ScoreDefinition, baseline: Decimal, latest: Decimal) -> str:
    """ "Down 6 points since baseline (better): more than the 5-point change that is clinically meaningful
    (Löwe 2004)"."""
    words = movement(score, baseline, latest)
    if words == "No change":
        return "No change since baseline"
    text = f"{words} since baseline"
    better = direction(score, baseline, latest)
    if better:
        text += f" ({better})"
    clause = meaningful_clause(score, baseline, latest)
    return f"{text}: {clause}" if clause else text


# -- trends ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One result of one score, as a trend needs it."""

    measured_at: datetime.datetime
    value: Decimal
    band: str = ""
    timepoint: str = ""
    response_id: int | None = None

    @property
    def timepoint_label(self) -> str:
        return str(Timepoint(self.timepoint).label) if self.timepoint in Timepoint.values else ""


def trend_points(scores: Iterable[MeasureScore], code: str) -> list[TrendPoint]:
    """The results of one score code, oldest first (scores read through ``selectors.scores_for_person``)."""
    found = [score for score in scores if score.code == code]
    found.sort(key=lambda score: (score.effective_at, score.pk))
    return [
        TrendPoint(
            measured_at=score.effective_at,
            value=score.value,
            band=score.band,
            timepoint=score.response.timepoint,
            response_id=score.response_id,
        )
        for score in found
    ]


def baseline_of(points_: Sequence[TrendPoint]) -> TrendPoint | None:
    """The baseline: the first result recorded at the baseline timepoint, otherwise the earliest."""
    return next((point for point in points_ if point.timepoint == Timepoint.BASELINE), points_[0] if points_ else None)


def baseline_change(score: ScoreDefinition, points_: Sequence[TrendPoint]) -> str:
    """The change from baseline to the latest result, in words; "" until there are two results."""
    baseline = baseline_of(points_)
    if baseline is None or len(points_) < 2 or points_[-1] is baseline:
        return ""
    return change_since_baseline(score, baseline.value, points_[-1].value)


def tick_step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) that puts no more than 6 ticks on an axis of this span."""
    for power in range(7):
        for base in (1, 2, 5):
            step = Decimal(base).scaleb(power)
            if span / step < 6:
                return step
    return Decimal(10) ** 7


@dataclass(frozen=True)
class Tick:
    label: str
    position: float


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class BandArea:
    """A band drawn as a shaded range of the chart: ``y`` is its top edge."""

    label: str
    y: float
    height: float
    label_y: float
    shade: int


@dataclass(frozen=True)
class TrendRow:
    date: str
    value: str
    band: str
    timepoint: str
    change: str
    response_id: int | None


def _short_date(moment: datetime.datetime) -> str:
    day = moment.date()
    return f"{day.day} {day:%b %Y}"


class TrendPresenter:
    """One score's results over time, for an SVG line chart and its table.

    The chart is ``WIDTH`` by ``HEIGHT`` units; results sit inside the plot box (the margins
    hold the axis labels on the left and bottom and the band names on the right). The value axis
    runs over the score's whole range, lowest at the bottom; results are placed along the time
    axis by when they were measured (evenly, if they were all measured at once).
    """

    WIDTH = 640
    HEIGHT = 320
    LEFT = 48
    RIGHT = 112
    TOP = 16
    BOTTOM = 48
    #: The fewest units between two date labels, so they do not overlap.
    LABEL_GAP = 80

    def __init__(self, score: ScoreDefinition, points_: Sequence[TrendPoint], *, title: str = "") -> None:
        self.score = score
        self.points = list(points_)
        self.title = title or score.label

    @property
    def id(self) -> str:
        return f"trend-{self.score.code}"

    @property
    def width(self) -> int:
        return self.WIDTH

    @property
    def height(self) -> int:
        return self.HEIGHT

    @property
    def plot_left(self) -> float:
        return float(self.LEFT)

    @property
    def plot_right(self) -> float:
        return float(self.WIDTH - self.RIGHT)

    @property
    def plot_top(self) -> float:
        return float(self.TOP)

    @property
    def plot_bottom(self) -> float:
        return float(self.HEIGHT - self.BOTTOM)

    def y_for(self, value: Decimal) -> float:
        """Where a value sits up the chart: the score's minimum at the bottom, its maximum at the top."""
        low, high = self.score.minimum, self.score.maximum
        share = float((value - low) / (high - low)) if high > low else 0.5
        share = min(max(share, 0.0), 1.0)
        return round(self.plot_bottom - share * (self.plot_bottom - self.plot_top), 1)

    def x_for(self, index: int) -> float:
        """Where the result at ``index`` sits along the time axis."""
        count = len(self.points)
        if count <= 1:
            return round((self.plot_left + self.plot_right) / 2, 1)
        first, last = self.points[0].measured_at, self.points[-1].measured_at
        span = (last - first).total_seconds()
        moment = self.points[index].measured_at
        share = index / (count - 1) if span <= 0 else (moment - first).total_seconds() / span
        return round(self.plot_left + share * (self.plot_right - self.plot_left), 1)

    def value_text(self, value: Decimal) -> str:
        return format_number(value, self.score.decimals)

    @cached_property
    def chart_points(self) -> list[ChartPoint]:
        return [
            ChartPoint(
                self.x_for(index),
                self.y_for(point.value),
                f"{self.value_text(point.value)}{f' ({point.band})' if point.band else ''}"
                f" on {format_date(point.measured_at)}",
            )
            for index, point in enumerate(self.points)
        ]

    @property
    def polyline(self) -> str:
        """The SVG ``points`` attribute of the line joining the results."""
        return " ".join(f"{point.x:g},{point.y:g}" for point in self.chart_points)

    @cached_property
    def y_ticks(self) -> list[Tick]:
        low, high = self.score.minimum, self.score.maximum
        step = tick_step(high - low)
        first = math.ceil(low / step)
        last = math.floor(high / step)
        return [Tick(self.value_text(step * n), self.y_for(step * n)) for n in range(first, last + 1)]

    @cached_property
    def x_ticks(self) -> list[Tick]:
        """Date labels under the results: the first, the last, and those between that fit."""
        ticks: list[Tick] = []
        for index, point in enumerate(self.points):
            tick = Tick(_short_date(point.measured_at), self.x_for(index))
            if ticks and tick.label == ticks[-1].label:
                continue
            if not ticks or tick.position - ticks[-1].position >= self.LABEL_GAP:
                ticks.append(tick)
            elif index == len(self.points) - 1 and len(ticks) > 1:
                ticks[-1] = tick  # the latest date matters more than one between
        return ticks

    @cached_property
    def bands(self) -> list[BandArea]:
        """The score's bands as shaded ranges; edges fall halfway between one band and the next."""
        ordered = sorted(self.score.bands, key=lambda band: band.low)
        areas: list[BandArea] = []
        for position, band in enumerate(ordered):
            bottom = self.score.minimum if position == 0 else (ordered[position - 1].high + band.low) / 2
            top = self.score.maximum if position == len(ordered) - 1 else (band.high + ordered[position + 1].low) / 2
            y_top, y_bottom = self.y_for(top), self.y_for(bottom)
            areas.append(
                BandArea(
                    label=band.label,
                    y=y_top,
                    height=round(y_bottom - y_top, 1),
                    label_y=round((y_top + y_bottom) / 2 + 5, 1),
                    shade=position % 2,
                )
            )
        return areas

    @property
    def band_label_x(self) -> float:
        return self.plot_right + 8

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def baseline(self) -> TrendPoint | None:
        return baseline_of(self.points)

    @property
    def change(self) -> str:
        return baseline_change(self.score, self.points)

    @property
    def scale_text(self) -> str:
        low, high = self.value_text(self.score.minimum), self.value_text(self.score.maximum)
        which = {True: "higher is better", False: "lower is better", None: ""}[self.score.higher_is_better]
        return f"Scored from {low} to {high}{f', {which}' if which else ''}"

    @property
    def summary(self) -> str:
        """What the chart shows, in words, for people who cannot see it."""
        if not self.points:
            return f"{self.title}: no results yet."
        first, last = self.points[0], self.points[-1]
        count = len(self.points)
        results = "1 result" if count == 1 else f"{count} results"
        first_day, last_day = format_date(first.measured_at), format_date(last.measured_at)
        span = f"on {first_day}" if first_day == last_day else f"from {first_day} to {last_day}"
        latest = f"Latest {self.value_text(last.value)}{f' ({last.band})' if last.band else ''}"
        sentences = [f"{self.title}: {results} {span}", self.scale_text, latest]
        if self.change:
            sentences.append(self.change)
        return ". ".join(sentences) + "."

    @cached_property
    def rows(self) -> list[TrendRow]:
        rows: list[TrendRow] = []
        previous: TrendPoint | None = None
        for point in self.points:
            rows.append(
                TrendRow(
                    date=format_date(point.measured_at),
                    value=self.value_text(point.value),
                    band=point.band,
                    timepoint=point.timepoint_label,
                    change=change_from_previous(self.score, previous.value, point.value)
                    if previous
                    else "First result",
                    response_id=point.response_id,
                )
            )
            previous = point
        return rows


def trend_codes(definition: InstrumentDefinition) -> list[ScoreDefinition]:
    """The scores a trend shows: every score, but only the converted one where a raw total is converted."""
    if definition.scoring is not None and definition.scoring.method == "sum_convert":
        headline = definition.headline
        return [headline] if headline is not None else []
    return list(definition.scores)


def trends(definition: InstrumentDefinition, scores: Iterable[MeasureScore]) -> list[TrendPresenter]:
    """One chart for each score an instrument's trend shows."""
    found = list(scores)
    return [
        TrendPresenter(score, trend_points(found, score.code), title=score.label) for score in trend_codes(definition)
    ]


# -- who and how ----------------------------------------------------------------------------------


def completed_by(response: MeasureResponse) -> str:
    """Who completed a response and how: online, by staff on the person's behalf, or from a report."""
    who = response.completed_by_label or "Not recorded"
    if response.completed_mode == CompletedBy.PERSON:
        return f"{response.person.full_name}, online"
    if response.completed_mode == CompletedBy.STAFF:
        return f"{who}, on {possessive(short_name(response.person))} behalf"
    if response.completed_mode == CompletedBy.EXTERNAL:
        return f"{who}, from the licence holder's report"
    return who


def completed_how(response: MeasureResponse) -> str:
    """ "The person, online", "Staff, on the person's behalf", "Recorded from the licence holder's report"."""
    if response.completed_mode in CompletedBy.values:
        return str(CompletedBy(response.completed_mode).label)
    return ""


def timepoint_label(value: str) -> str:
    return str(Timepoint(value).label) if value in Timepoint.values else ""


def _row(key: str, value: str, href: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"key": {"text": key}, "value": {"text": value or "Not recorded"}}
    if href and value:
        row["value"] = {"html": _link(href, value)}
    return row


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


# -- one person's measures -------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentSummary:
    """The latest headline result of one instrument, for the person's measures page."""

    key: str
    title: str
    score_label: str
    value: str
    band: str
    date: str
    timepoint: str
    change: str
    trend_href: str


@dataclass(frozen=True)
class ResponseRow:
    pk: int
    date: str
    instrument: str
    timepoint: str
    completed_by: str
    corrected: str
    href: str


@dataclass(frozen=True)
class WaitingRow:
    pk: int
    instrument: str
    sent_on: str
    timepoint: str
    href: str


@dataclass(frozen=True)
class WithdrawnRow:
    """A questionnaire staff withdrew before the person answered it, with the reason."""

    pk: int
    instrument: str
    sent_on: str
    withdrawn_on: str
    withdrawn_by: str
    reason: str
    href: str


class PersonMeasures:
    """One person's questionnaires and scores, as staff see them (read through the selectors)."""

    def __init__(
        self,
        person: Person,
        responses: Sequence[MeasureResponse],
        scores: Sequence[MeasureScore],
        alerts: Sequence[MeasureAlert],
    ) -> None:
        self.person = person
        self.responses = list(responses)
        self.scores = list(scores)
        self.alerts = [alert for alert in alerts if alert.is_open]

    @cached_property
    def _corrected_ids(self) -> set[int]:
        return {response.supersedes_id for response in self.responses if response.supersedes_id is not None}

    @cached_property
    def definitions(self) -> dict[str, InstrumentDefinition]:
        """Each instrument's definition, from the newest version the person answered."""
        found: dict[str, tuple[datetime.datetime, InstrumentDefinition]] = {}
        for response in self.responses:
            created = response.instrument.created_at
            key = response.instrument.key
            if key not in found or created > found[key][0]:
                found[key] = (created, response.instrument.parsed)
        return {key: definition for key, (_, definition) in found.items()}

    @cached_property
    def summaries(self) -> list[InstrumentSummary]:
        summaries: list[InstrumentSummary] = []
        for key, definition in self.definitions.items():
            headline = definition.headline
            if headline is None:
                continue
            results = trend_points((score for score in self.scores if score.instrument_key == key), headline.code)
            if not results:
                continue
            latest = results[-1]
            summaries.append(
                InstrumentSummary(
                    key=key,
                    title=definition.title,
                    score_label=headline.label,
                    value=format_number(latest.value, headline.decimals),
                    band=latest.band,
                    date=format_date(latest.measured_at),
                    timepoint=latest.timepoint_label,
                    change=baseline_change(headline, results),
                    trend_href=reverse("measures:trend", kwargs={"person_id": self.person.pk, "key": key}),
                )
            )
        return sorted(summaries, key=lambda summary: summary.title)

    @cached_property
    def waiting(self) -> list[WaitingRow]:
        """Questionnaires sent to the person that they have not answered yet, oldest first."""
        rows = [
            WaitingRow(
                pk=response.pk,
                instrument=response.instrument.title,
                sent_on=format_date(response.requested_at or response.created_at),
                timepoint=timepoint_label(response.timepoint),
                href=reverse("measures:response", kwargs={"response_id": response.pk}),
            )
            for response in self.responses
            if response.status == ResponseStatus.IN_PROGRESS
        ]
        return list(reversed(rows))

    @cached_property
    def withdrawn(self) -> list[WithdrawnRow]:
        """Questionnaires withdrawn before they were answered, most recently withdrawn first."""
        found = [response for response in self.responses if response.status == ResponseStatus.WITHDRAWN]
        found.sort(key=lambda response: (response.withdrawn_at or response.created_at, response.pk), reverse=True)
        return [
            WithdrawnRow(
                pk=response.pk,
                instrument=response.instrument.title,
                sent_on=format_date(response.requested_at or response.created_at),
                withdrawn_on=format_date(response.withdrawn_at),
                withdrawn_by=response.withdrawn_by_label or "Not recorded",
                reason=response.withdrawn_reason,
                href=reverse("measures:response", kwargs={"response_id": response.pk}),
            )
            for response in found
        ]

    @cached_property
    def completed(self) -> list[ResponseRow]:
        """Every completed response, newest first, corrections and what they corrected included."""
        rows: list[ResponseRow] = []
        for response in self.responses:
            if not response.is_completed:
                continue
            if response.pk in self._corrected_ids:
                corrected = "Corrected"
            elif response.supersedes_id is not None:
                corrected = "Correction"
            else:
                corrected = ""
            rows.append(
                ResponseRow(
                    pk=response.pk,
                    date=format_date(response.completed_at),
                    instrument=response.instrument.title,
                    timepoint=timepoint_label(response.timepoint),
                    completed_by=completed_how(response),
                    corrected=corrected,
                    href=reverse("measures:response", kwargs={"response_id": response.pk}),
                )
            )
        return rows


# -- one response ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


def question_text(definition: InstrumentDefinition, item: Item) -> str:
    """The question as asked where its wording is available, otherwise the item's short label."""
    if item.text and not definition.is_external:
        return f"{definition.items.index(item) + 1}. {item.text}"
    return item.text or item.label


def answer_text(definition: InstrumentDefinition, item: Item, value: object) -> str:
    if value is None or value == "":
        return NOT_ANSWERED
    if item.type == "choice":
        option = next((o for o in definition.scale(item.scale).options if o.value == value), None)
        if option is None or not option.label:
            return str(value)
        return option.label if option.label.startswith(str(option.value)) else f"{option.label} ({option.value})"
    if item.type == "date" and isinstance(value, str):
        return format_date(value)
    return str(value)


class ResponsePresenter:
    """One response as staff read it: answers, scores, alerts, who completed it, and its corrections."""

    def __init__(self, response: MeasureResponse, correction: MeasureResponse | None) -> None:
        self.response = response
        self.correction = correction
        self.definition = response.instrument.parsed

    @property
    def heading(self) -> str:
        return f"{self.definition.title} for {self.response.person.full_name}"

    @property
    def is_completed(self) -> bool:
        return self.response.is_completed

    @property
    def is_withdrawn(self) -> bool:
        return self.response.status == ResponseStatus.WITHDRAWN

    @property
    def can_withdraw(self) -> bool:
        return self.response.status == ResponseStatus.IN_PROGRESS

    @property
    def completed_on(self) -> str:
        return format_date(self.response.completed_at)

    @property
    def can_correct(self) -> bool:
        return self.response.is_completed and self.correction is None

    @cached_property
    def answers(self) -> list[AnswerRow]:
        stored = self.response.answers or {}
        return [
            AnswerRow(question_text(self.definition, item), answer_text(self.definition, item, stored.get(item.id)))
            for item in self.definition.items
        ]

    @cached_property
    def scores(self) -> list[dict[str, str]]:
        rows = []
        for score in self.response.scores.all():
            definition = self.definition.score(score.code)
            decimals = definition.decimals if definition else 2
            rows.append({"label": score.label, "value": format_number(score.value, decimals), "band": score.band})
        return rows

    @cached_property
    def alerts(self) -> list[MeasureAlert]:
        return list(self.response.alerts.all())

    @cached_property
    def detail_rows(self) -> list[dict[str, Any]]:
        response = self.response
        rows = []
        if response.is_completed:
            rows.append(_row("Completed", format_datetime(response.completed_at)))
            rows.append(_row("Completed by", completed_by(response)))
        elif self.is_withdrawn:
            rows.append(_row("Sent", format_datetime(response.requested_at or response.created_at)))
            rows.append(
                _row(
                    "Status", f"Withdrawn on {format_datetime(response.withdrawn_at)} by {response.withdrawn_by_label}"
                )
            )
            rows.append(_row("Reason for withdrawing", response.withdrawn_reason))
        else:
            rows.append(_row("Sent", format_datetime(response.requested_at or response.created_at)))
            rows.append(_row("Status", "Waiting for the person to answer online"))
        rows.append(_row("Timepoint", timepoint_label(response.timepoint)))
        plan_href = reverse("careplans:plan", kwargs={"plan_id": response.plan_id}) if response.plan_id else ""
        rows.append(_row("Care and support plan", response.plan.title if response.plan else "", plan_href))
        rows.append(_row("Goal", response.goal.text if response.goal else ""))
        rows.append(_row("Referral reference", response.referral_reference))
        if self.definition.rates_encounter:
            rows.append(_row("Appointment with", response.about_user.full_name if response.about_user else ""))
        rows.append(_row("Questionnaire version", f"{self.definition.title} version {self.definition.version}"))
        return rows

    @property
    def corrects(self) -> dict[str, str] | None:
        """The earlier answers this response replaced, with the reason."""
        earlier = self.response.supersedes
        if earlier is None:
            return None
        return {
            "text": f"These answers correct the answers recorded on {format_date(earlier.completed_at)}",
            "reason": self.response.correction_reason,
            "href": reverse("measures:response", kwargs={"response_id": earlier.pk}),
        }

    @property
    def corrected(self) -> dict[str, str] | None:
        """The correction that replaced these answers: "Corrected on … by …: reason"."""
        later = self.correction
        if later is None:
            return None
        return {
            "text": f"Corrected on {format_date(later.completed_at)} by {later.completed_by_label or 'Not recorded'}",
            "reason": later.correction_reason,
            "href": reverse("measures:response", kwargs={"response_id": later.pk}),
        }


# -- alerts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    pk: int
    raised: str
    person: str
    person_href: str
    title: str
    instrument: str
    href: str


def alert_rows(alerts: Iterable[MeasureAlert]) -> list[AlertRow]:
    return [
        AlertRow(
            pk=alert.pk,
            raised=format_datetime(alert.raised_at),
            person=alert.person.full_name,
            person_href=reverse("measures:person", kwargs={"person_id": alert.person_id}),
            title=alert.title,
            instrument=alert.response.instrument.title,
            href=reverse("measures:alert", kwargs={"alert_id": alert.pk}),
        )
        for alert in alerts
    ]
