"""Outcome figures: how people's questionnaire scores changed between their first and latest answers.

For each person and score (activation, wellbeing, self-efficacy, mental health, experience) the
**baseline** is their first current score (a corrected answer is replaced by its correction) and
the **follow-up** is their latest score measured on a later day. One ``outcome_change`` cell per
pair, in the follow-up's month:

- ``key``: the score, as ``<instrument>.<code>`` (like ``ons4.anxiety``);
- ``value``: the change, follow-up minus baseline, in the score's own units (so a fall in ONS4
  anxiety is negative, and is an improvement);
- ``improved``: 1 when the score moved the better way by at least its meaningful change, where
  the instrument defines one (PHQ-9 5 points, GAD-7 4; SWEMWBS 3 points here, see
  ``MEANINGFUL_CHANGE``), and by any amount where it does not;
- ``second``: 1 when the score moved the better way by any amount.

``any_wellbeing_improved``: one cell per person with at least one pair of a wellbeing-type score
(not experience), in the month of their latest follow-up; ``improved`` is 1 when at least one of
those scores moved the better way, as the Rotherham social prescribing evaluation counted it
(83% of 280 people in its 2012-14 pilot; Dayson and Bashir 2014).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from carehouse.commissioning.facts import Cell, Population
from carehouse.measures.definitions import shipped_definitions
from carehouse.measures.models import MeasureResponse, MeasureScore

MEASURE = "outcome_change"
ANY_IMPROVED = "any_wellbeing_improved"


@dataclass(frozen=True)
class Outcome:
    """One score whose change is counted."""

    key: str  # "<instrument>.<code>"
    label: str
    area: str  # activation, wellbeing, self-efficacy, mental health, experience
    higher_is_better: bool
    meaningful_change: float | None


#: The scores counted, in the order pages list them: (instrument, score code, area).
COUNTED: tuple[tuple[str, str, str], ...] = (
    ("pam", "score", "Activation"),
    ("ons4", "satisfaction", "Wellbeing"),
    ("ons4", "worthwhile", "Wellbeing"),
    ("ons4", "happiness", "Wellbeing"),
    ("ons4", "anxiety", "Wellbeing"),
    ("swemwbs", "metric", "Wellbeing"),
    ("semcd6", "mean", "Confidence to manage a condition"),
    ("phq9", "total", "Mental health"),
    ("gad7", "total", "Mental health"),
    ("collaborate", "mean", "Experience of care"),
)
#: Areas that are not about the person's wellbeing, so not counted in ``any_wellbeing_improved``.
NOT_WELLBEING = frozenset({"Experience of care"})
#: Meaningful changes the shipped definitions do not carry. SWEMWBS: Warwick Medical School's
#: guidance (Maheswaran et al. 2013) puts the minimal important difference at 1 to 3 metric points;
#: the stricter end is used.
MEANINGFUL_CHANGE: dict[str, float] = {"swemwbs.metric": 3.0}


def outcomes() -> dict[str, Outcome]:
    """The counted scores with their direction and meaningful change, from the shipped definitions."""
    definitions = {definition.key: definition for definition in shipped_definitions()}
    found: dict[str, Outcome] = {}
    for instrument_key, code, area in COUNTED:
        definition = definitions.get(instrument_key)
        score = next((s for s in definition.scores if s.code == code), None) if definition else None
        if definition is None or score is None or score.higher_is_better is None:
            continue
        key = f"{instrument_key}.{code}"
        meaningful = float(score.meaningful_change) if score.meaningful_change is not None else None
        found[key] = Outcome(
            key=key,
            label=f"{definition.title}: {score.label}" if definition.title not in score.label else score.label,
            area=area,
            higher_is_better=score.higher_is_better,
            meaningful_change=MEANINGFUL_CHANGE.get(key, meaningful),
        )
    return found


def improvement(outcome: Outcome, change: float) -> tuple[bool, bool]:
    """(improved by at least the meaningful change, moved the better way at all)."""
    better = change if outcome.higher_is_better else -change
    threshold = outcome.meaningful_change
    return (better >= threshold if threshold is not None else better > 0), better > 0


def _scores() -> Iterator[tuple[int, str, str, Decimal, datetime.datetime]]:
    """Every current score of a counted kind, ordered by person, score and time."""
    corrected = Exists(MeasureResponse.objects.filter(supersedes=OuterRef("response_id")))
    instruments = sorted({instrument for instrument, _, _ in COUNTED})
    rows = (
        MeasureScore.objects.filter(instrument_key__in=instruments)
        .exclude(corrected)
        .order_by("person_id", "instrument_key", "code", "effective_at", "pk")
        .values_list("person_id", "instrument_key", "code", "value", "effective_at")
    )
    yield from rows.iterator(chunk_size=10_000)


def build(population: Population) -> Iterator[Cell]:
    known = outcomes()
    person: int | None = None
    any_better = False
    latest_month: datetime.date | None = None
    current: tuple[int, str] | None = None
    baseline: tuple[float, datetime.date] | None = None
    follow_up: tuple[float, datetime.date] | None = None

    def pair() -> Iterator[Cell]:
        nonlocal any_better, latest_month
        if current is None or baseline is None or follow_up is None:
            return
        outcome = known[current[1]]
        dims = population.of(current[0])
        if dims is None:
            return
        change = round(follow_up[0] - baseline[0], 4)
        improved, better = improvement(outcome, change)
        yield Cell(MEASURE, follow_up[1], dims, key=outcome.key, improved=int(improved), value=change, second=better)
        if outcome.area not in NOT_WELLBEING:
            any_better = any_better or better
            latest_month = max(latest_month or follow_up[1], follow_up[1])

    def person_done() -> Iterator[Cell]:
        if person is None or latest_month is None:
            return
        dims = population.of(person)
        if dims is not None:
            yield Cell(ANY_IMPROVED, latest_month, dims, improved=int(any_better))

    for person_id, instrument_key, code, value, effective_at in _scores():
        key = f"{instrument_key}.{code}"
        if key not in known:
            continue
        day = timezone.localtime(effective_at).date()
        if (person_id, key) != current:
            yield from pair()
            if person_id != person:
                yield from person_done()
                person, any_better, latest_month = person_id, False, None
            current, baseline, follow_up = (person_id, key), (float(value), day), None
        elif baseline is not None and day > baseline[1]:
            follow_up = (float(value), day)
    yield from pair()
    yield from person_done()
