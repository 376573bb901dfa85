"""Scoring: the test vectors of the research (§(c).3), the SWEMWBS conversion table, and properties.

The vectors and the conversion table are copied from ``shared/research/careplans.md`` §(c), not
from the shipped definitions, so a wrong number in a definition fails here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from carehouse.measures.definitions import InstrumentDefinition, shipped_definitions
from carehouse.measures.scoring import Answer, change, clean_answers, score, top_score


def definition(key: str) -> InstrumentDefinition:
    return next(d for d in shipped_definitions() if d.key == key)


SWEMWBS = definition("swemwbs")
PHQ9 = definition("phq9")
GAD7 = definition("gad7")
SEMCD6 = definition("semcd6")
ONS4 = definition("ons4")
COLLABORATE = definition("collaborate")
MYCAW = definition("mycaw")

#: The Warwick raw-to-metric table, as written in the research (§(c).2).
RESEARCH_SWEMWBS_TABLE = {
    7: "7.00", 8: "9.51", 9: "11.25", 10: "12.40", 11: "13.33", 12: "14.08", 13: "14.75",
    14: "15.32", 15: "15.84", 16: "16.36", 17: "16.88", 18: "17.43", 19: "17.98", 20: "18.59",
    21: "19.25", 22: "19.98", 23: "20.73", 24: "21.54", 25: "22.35", 26: "23.21", 27: "24.11",
    28: "25.03", 29: "26.02", 30: "27.03", 31: "28.13", 32: "29.31", 33: "30.70", 34: "32.55",
    35: "35.00",
}  # fmt: skip


def numbered(values: list[int | None], ids: list[str] | None = None) -> dict[str, Answer]:
    """Answers to items "1", "2"... (or ``ids``), leaving out the ``None`` ones."""
    ids = ids or [str(n) for n in range(1, len(values) + 1)]
    return {item_id: value for item_id, value in zip(ids, values, strict=True) if value is not None}


# -- the research's test vectors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "raw", "metric"),
    [
        ([3] * 7, 21, "19.25"),
        ([4, 3, 3, 4, 3, 4, 5], 26, "23.21"),
        ([1] * 7, 7, "7.00"),
        ([5] * 7, 35, "35.00"),
    ],
)
def test_swemwbs_vectors(answers: list[int], raw: int, metric: str) -> None:
    outcome = score(SWEMWBS, numbered(answers))
    assert outcome.not_scored == ""
    assert outcome.get("raw") is not None and outcome.get("raw").value == raw
    assert outcome.get("metric") is not None and outcome.get("metric").value == Decimal(metric)


def test_swemwbs_conversion_table_is_the_research_table() -> None:
    assert SWEMWBS.scoring is not None
    assert SWEMWBS.scoring.conversion == {raw: Decimal(metric) for raw, metric in RESEARCH_SWEMWBS_TABLE.items()}


@pytest.mark.parametrize(("raw", "metric"), sorted(RESEARCH_SWEMWBS_TABLE.items()))
def test_every_swemwbs_raw_total_converts_as_the_research_table(raw: int, metric: str) -> None:
    # Spread ``raw`` over seven answers of 1 to 5.
    extra = raw - 7
    answers = [1 + min(4, max(0, extra - 4 * n)) for n in range(7)]
    assert sum(answers) == raw
    outcome = score(SWEMWBS, numbered(answers))
    assert outcome.get("metric") is not None and outcome.get("metric").value == Decimal(metric)


def test_swemwbs_needs_every_item() -> None:
    outcome = score(SWEMWBS, numbered([3, 3, 3, 3, 3, 3, None]))
    assert outcome.scores == ()
    assert "1 question was not answered" in outcome.not_scored


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([1] * 9, 9, "Mild"),
        ([0, 0, 1, 1, 1, 1, 0, 0, 0], 4, "Minimal"),
        ([2, 2, 2, 1, 1, 1, 1, 0, 0], 10, "Moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 1, 0], 15, "Moderately severe"),
        ([3, 3, 3, 3, 3, 2, 2, 1, 0], 20, "Severe"),
        ([3] * 9, 27, "Severe"),
    ],
)
def test_phq9_vectors(answers: list[int], total: int, band: str) -> None:
    outcome = score(PHQ9, numbered(answers))
    assert [(s.code, s.value, s.band) for s in outcome.scores] == [("total", Decimal(total), band)]


@pytest.mark.parametrize("item_9", [1, 2, 3])
def test_phq9_item_9_raises_the_flag_and_never_changes_the_total(item_9: int) -> None:
    without = numbered([1, 1, 1, 1, 1, 1, 1, 1, 0])
    with_answer = {**without, "9": item_9}
    assert score(PHQ9, without).flags == ()
    outcome = score(PHQ9, with_answer)
    assert [flag.code for flag in outcome.flags] == ["self_harm_risk"]
    # The total counts item 9 as an answer like any other; the flag adds nothing to it.
    assert outcome.get("total").value == Decimal(8 + item_9)
    assert outcome.get("total").value - score(PHQ9, without).get("total").value == item_9


def test_phq9_difficulty_item_is_not_scored() -> None:
    answers = numbered([1] * 9)
    assert score(PHQ9, {**answers, "difficulty": 3}).get("total").value == 9


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([0, 1, 1, 1, 1, 0, 0], 4, "Minimal"),
        ([1] * 7, 7, "Mild"),
        ([2, 2, 2, 2, 1, 1, 0], 10, "Moderate"),
        ([3] * 7, 21, "Severe"),
    ],
)
def test_gad7_vectors(answers: list[int], total: int, band: str) -> None:
    outcome = score(GAD7, numbered(answers))
    assert [(s.code, s.value, s.band) for s in outcome.scores] == [("total", Decimal(total), band)]


SEMCD6_ITEMS = ["fatigue", "discomfort", "distress", "symptoms", "tasks", "beyond_medication"]


@pytest.mark.parametrize(
    ("answers", "mean"),
    [
        ([5, 6, 7, 8, 4, 6], "6.0"),
        ([5, None, 7, None, 4, 6], "5.5"),
        ([5, None, None, None, 4, 6], None),
    ],
    ids=["none missing", "2 missing", "3 missing"],
)
def test_semcd6_vectors(answers: list[int | None], mean: str | None) -> None:
    outcome = score(SEMCD6, numbered(answers, SEMCD6_ITEMS))
    if mean is None:
        assert outcome.scores == ()
        assert outcome.not_scored == "Not scored: 3 questions were not answered, and no more than 2 may be left out"
    else:
        assert outcome.not_scored == ""
        assert outcome.get("mean").value == Decimal(mean)


@pytest.mark.parametrize(
    ("value", "band"),
    [(4, "Low"), (5, "Medium"), (6, "Medium"), (7, "High"), (8, "High"), (9, "Very high")],
)
def test_ons4_satisfaction_bands(value: int, band: str) -> None:
    outcome = score(ONS4, {"satisfaction": value, "worthwhile": 5, "happiness": 5, "anxiety": 5})
    assert outcome.get("satisfaction") is not None
    assert (outcome.get("satisfaction").value, outcome.get("satisfaction").band) == (value, band)


@pytest.mark.parametrize(
    ("value", "band"),
    [(1, "Very low"), (2, "Low"), (3, "Low"), (4, "Medium"), (5, "Medium"), (6, "High")],
)
def test_ons4_anxiety_bands(value: int, band: str) -> None:
    outcome = score(ONS4, {"satisfaction": 5, "worthwhile": 5, "happiness": 5, "anxiety": value})
    assert (outcome.get("anxiety").value, outcome.get("anxiety").band) == (value, band)


def test_ons4_has_no_total() -> None:
    outcome = score(ONS4, {"satisfaction": 5, "worthwhile": 5, "happiness": 5, "anxiety": 5})
    assert [s.code for s in outcome.scores] == ["satisfaction", "worthwhile", "happiness", "anxiety"]


def test_collaborate_top_score_vector() -> None:
    encounters = [
        numbered([9, 9, 9]),
        numbered([9, 8, 9]),
        numbered([9, 9, 9]),
        numbered([7, 9, 9]),
        numbered([9, 9, None]),
    ]
    result = top_score(encounters, COLLABORATE)
    assert (result.complete, result.top, result.minimum) == (4, 2, 25)
    assert result.percent == Decimal("50.0")
    assert not result.reportable
    assert result.shown_percent is None


def test_collaborate_top_score_reportable_from_25_encounters() -> None:
    encounters = [numbered([9, 9, 9])] * 20 + [numbered([9, 9, 8])] * 5
    result = top_score(encounters, COLLABORATE)
    assert result.reportable
    assert result.shown_percent == Decimal("80.0")
    assert top_score(encounters[:24], COLLABORATE).shown_percent is None


def test_mycaw_change_per_concern() -> None:
    concern = MYCAW.score("concern_1")
    assert concern is not None
    result = change(concern, Decimal(5), Decimal(2))
    assert result.improvement == 3
    assert result.difference == -3
    assert result.meaningful is None  # no published threshold


def test_change_uses_the_meaningful_change_threshold() -> None:
    total = PHQ9.score("total")
    assert total is not None and total.meaningful_change == 5
    assert change(total, Decimal(15), Decimal(10)).meaningful is True
    assert change(total, Decimal(15), Decimal(10)).improvement == 5
    assert change(total, Decimal(15), Decimal(11)).meaningful is False
    assert change(total, Decimal(10), Decimal(15)).improvement == -5


# -- properties ------------------------------------------------------------------------------------


def answer_lists(size: int, low: int, high: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=size, max_size=size)


@given(answer_lists(9, 0, 3))
def test_phq9_total_in_range_and_banded(answers: list[int]) -> None:
    total = score(PHQ9, numbered(answers)).get("total")
    assert total is not None
    assert 0 <= total.value <= 27
    assert total.value == sum(answers)
    assert total.band != ""


@given(answer_lists(7, 0, 3))
def test_gad7_total_in_range_and_banded(answers: list[int]) -> None:
    total = score(GAD7, numbered(answers)).get("total")
    assert total is not None
    assert 0 <= total.value <= 21
    assert total.value == sum(answers)
    assert total.band != ""


@given(st.lists(st.one_of(st.none(), st.integers(1, 10)), min_size=6, max_size=6))
def test_semcd6_mean_in_range_or_not_scored(answers: list[int | None]) -> None:
    outcome = score(SEMCD6, numbered(answers, SEMCD6_ITEMS))
    missing = answers.count(None)
    if missing > 2:
        assert outcome.scores == ()
        assert outcome.not_scored
    else:
        mean = outcome.get("mean")
        assert mean is not None
        assert Decimal(1) <= mean.value <= Decimal(10)
        assert outcome.not_scored == ""


@given(answer_lists(7, 1, 5), answer_lists(7, 1, 5))
def test_swemwbs_metric_monotonic_in_raw_total(first: list[int], second: list[int]) -> None:
    one, two = score(SWEMWBS, numbered(first)), score(SWEMWBS, numbered(second))
    raw_one, raw_two = one.get("raw").value, two.get("raw").value
    metric_one, metric_two = one.get("metric").value, two.get("metric").value
    if raw_one < raw_two:
        assert metric_one < metric_two
    elif raw_one == raw_two:
        assert metric_one == metric_two


def test_swemwbs_conversion_strictly_increasing() -> None:
    assert SWEMWBS.scoring is not None
    metrics = [SWEMWBS.scoring.conversion[raw] for raw in range(7, 36)]
    assert metrics == sorted(set(metrics))


DEFINITIONS = {d.key: d for d in shipped_definitions()}
CHOICE_ITEMS = [
    (key, item.id)
    for key, definition in DEFINITIONS.items()
    for item in definition.items
    if item.type == "choice" and not definition.is_external
]


def _valid_answers(definition: InstrumentDefinition) -> dict[str, object]:
    """One allowed answer to every choice, for the other questions of a test."""
    return {
        item.id: definition.scale(item.scale).values[0]
        for item in definition.items
        if item.type == "choice" and item.required
    }


@given(st.sampled_from(CHOICE_ITEMS), st.integers(-1000, 1000))
def test_clean_answers_refuses_out_of_range_by_item(where: tuple[str, str], value: int) -> None:
    key, item_id = where
    definition = DEFINITIONS[key]
    allowed = definition.scale(definition.item(item_id).scale).values
    sent: Mapping[str, object] = {**_valid_answers(definition), item_id: value}
    if value in allowed:
        assert clean_answers(definition, sent, complete=False)[item_id] == value
        assert clean_answers(definition, {item_id: str(value)}, complete=False) == {item_id: value}
    else:
        with pytest.raises(ValidationError) as refused:
            clean_answers(definition, sent, complete=False)
        assert set(refused.value.message_dict) == {item_id}


@given(st.integers(0, 10), st.sampled_from(["satisfaction", "worthwhile", "happiness", "anxiety"]))
def test_ons4_every_answer_has_exactly_one_band(value: int, code: str) -> None:
    scored = ONS4.score(code)
    assert scored is not None
    assert sum(1 for band in scored.bands if band.low <= value <= band.high) == 1
    outcome = score(ONS4, {code: value})
    assert outcome.get(code) is not None and outcome.get(code).band != ""


# -- the edge: what clean_answers accepts ---------------------------------------------------------


def test_clean_answers_missing_required_item() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_answers(PHQ9, numbered([1] * 8), complete=True)
    assert refused.value.message_dict == {"9": ["Select an answer for question 9"]}


def test_clean_answers_draft_may_leave_questions() -> None:
    assert clean_answers(PHQ9, {"1": "2"}, complete=False) == {"1": 2}


def test_clean_answers_unknown_item() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_answers(PHQ9, {**numbered([1] * 9), "10": 1}, complete=True)
    assert refused.value.message_dict == {"10": ["PHQ-9 has no question 10"]}


@pytest.mark.parametrize("value", [True, 1.5, "one", [1], {"a": 1}, "1.0"])
def test_clean_answers_wrong_type(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_answers(PHQ9, {**numbered([1] * 9), "1": value}, complete=True)
    assert set(refused.value.message_dict) == {"1"}


def test_clean_answers_external_pam() -> None:
    pam = DEFINITIONS["pam"]
    sent = {"score": "62.5", "level": "3", "assessed_on": "2025-01-10", "licence_holder": " Test ICB "}
    assert clean_answers(pam, sent, complete=True) == {
        "score": "62.5",
        "level": 3,
        "assessed_on": "2025-01-10",
        "licence_holder": "Test ICB",
    }
    with pytest.raises(ValidationError) as refused:
        clean_answers(pam, {**sent, "score": "100.5", "assessed_on": "2999-01-01"}, complete=True)
    assert refused.value.message_dict == {
        "score": ["The activation score must be between 0 and 100"],
        "assessed_on": ["The date the PAM was completed must be today or in the past"],
    }


@given(st.text(max_size=8))
def test_clean_answers_any_typed_text_is_an_answer_or_a_plain_error(typed: str) -> None:
    try:
        cleaned = clean_answers(PHQ9, {"1": typed}, complete=False)
    except ValidationError as refused:
        assert refused.message_dict["1"][0].startswith("Select")
    else:
        assert cleaned.get("1", 0) in {0, 1, 2, 3}


@pytest.mark.parametrize("typed", ["--1", "\u00b2", "1-", "+1"])
def test_clean_answers_odd_numbers_refused_plainly(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_answers(PHQ9, {"1": typed}, complete=False)
    assert refused.value.message_dict == {"1": ["Select an answer for question 1"]}


@pytest.mark.parametrize(
    ("typed", "stored"), [("100.0", "100"), ("20", "20"), ("1E+1", "10"), ("62.5", "62.5"), ("7.50", "7.50")]
)
def test_clean_answers_decimal_stored_as_plain_text(typed: str, stored: str) -> None:
    assert clean_answers(DEFINITIONS["pam"], {"score": typed}, complete=False) == {"score": stored}
