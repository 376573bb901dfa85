"""The priority score against hand-worked examples, ranks within practice and the reasons given."""

from __future__ import annotations

from datetime import date

import pytest

from carehouse.population import priority, segmentation
from carehouse.population.config import PriorityWeights, Settings
from carehouse.population.tests.feature_rows import duckdb_with, feature_row

SETTINGS = Settings(as_at=date(2026, 3, 31))


def strata(rows, settings=SETTINGS):
    engine = duckdb_with(rows)
    segmentation.build(engine)
    priority.build(engine, settings)
    result = engine.fetch("SELECT * FROM strata").to_pylist()
    return {row["person_id"]: row for row in result}


def test_hand_worked_scores():
    rows = [
        # Default weights 0.30, 0.25, 0.20, 0.15, 0.10 (sum 1.00):
        # 2 emergency admissions -> 2/3; 4 LTCs -> 4/5; high HFRS at 70 -> 1; PAM level 1 -> 1; decile 1 -> 1
        # 100 * (0.30 * 2/3 + 0.25 * 4/5 + 0.20 * 1 + 0.15 * 1 + 0.10 * 1) = 100 * (0.2 + 0.2 + 0.2 + 0.15 + 0.1) = 85.0
        feature_row(
            "p1",
            ("cms.hyp", "cms.dia", "cms.chd", "cms.ckd"),
            age=70,
            emergency_admissions=2,
            hfrs_band="high",
            activation_level=1,
            deprivation_decile=1,
        ),
        # 1 emergency admission -> 1/3; decile 4 -> 6/9: 100 * (0.30/3 + 0.10 * 6/9) = 10 + 6.666.. = 16.7
        feature_row("p2", emergency_admissions=1, deprivation_decile=4),
        # 7 admissions cap at 3 -> 1; 9 LTCs cap at 5 -> 1; high HFRS and severe eFI at 50 -> 0 (under 65);
        # PAM level 2 -> 1/2; no decile -> 0: 100 * (0.30 + 0.25 + 0.15/2) = 62.5
        feature_row(
            "p3",
            age=50,
            emergency_admissions=7,
            ltc_count=9,
            hfrs_band="high",
            efi_category="severe",
            activation_level=2,
            deprivation_decile=None,
        ),
        # At 80: intermediate HFRS (1/2) and moderate eFI (2/3), the larger counts: 0.20 * 2/3;
        # PAM level 3 -> 0; decile 10 -> 0: 100 * 0.20 * 2/3 = 13.333.. = 13.3
        feature_row(
            "p4", age=80, hfrs_band="intermediate", efi_category="moderate", activation_level=3, deprivation_decile=10
        ),
        # Nothing at all, decile 10: 0.0
        feature_row("p5", deprivation_decile=10),
    ]
    result = strata(rows)
    assert {person: row["priority_score"] for person, row in result.items()} == {
        "p1": 85.0,
        "p2": 16.7,
        "p3": 62.5,
        "p4": 13.3,
        "p5": 0.0,
    }
    assert result["p1"]["priority_reasons"] == (
        "2 emergency admissions in 12 months; 4 long-term conditions; high frailty risk (HFRS); "
        "low activation (PAM level 1); most deprived decile"
    )
    assert result["p2"]["priority_reasons"] == "1 emergency admission in 12 months; deprivation decile 4 of 10"
    assert result["p3"]["priority_reasons"] == (
        "7 emergency admissions in 12 months; 9 long-term conditions; low activation (PAM level 2)"
    )
    assert result["p4"]["priority_reasons"] == "intermediate frailty risk (HFRS); moderate frailty (eFI)"
    assert result["p5"]["priority_reasons"] == ""


def test_weights_come_from_settings_and_unweighted_parts_give_no_reason():
    # Deprivation only: decile 4 -> 100 * 6/9 = 66.666.. = 66.7 ; admissions weigh nothing.
    settings = Settings(
        as_at=SETTINGS.as_at,
        priority=PriorityWeights(unplanned_admission=0, multimorbidity=0, frailty=0, low_activation=0, deprivation=2.5),
    )
    result = strata([feature_row("p1", emergency_admissions=3, deprivation_decile=4)], settings)
    assert result["p1"]["priority_score"] == 66.7
    assert result["p1"]["priority_reasons"] == "deprivation decile 4 of 10"
    # Half up once, at the end: weights 1 and 1, one admission (1/3) and decile 8 (2/9):
    # 100 * (1/3 + 2/9) / 2 = 100 * 5/18 = 27.777.. = 27.8
    settings = Settings(
        as_at=SETTINGS.as_at,
        priority=PriorityWeights(unplanned_admission=1, multimorbidity=0, frailty=0, low_activation=0, deprivation=1),
    )
    result = strata([feature_row("p1", emergency_admissions=1, deprivation_decile=8)], settings)
    assert result["p1"]["priority_score"] == 27.8


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="negative"):
        priority.weight_units(PriorityWeights(frailty=-0.1))
    with pytest.raises(ValueError, match="more than 0"):
        priority.weight_units(PriorityWeights(0, 0, 0, 0, 0))


def test_ranks_within_practice_break_ties_by_person_id():
    rows = [
        # Practice A: c, a and b score the same (one admission, 10.0); d scores more (two, 20.0).
        feature_row("c", emergency_admissions=1, deprivation_decile=10),
        feature_row("a", emergency_admissions=1, deprivation_decile=10),
        feature_row("d", emergency_admissions=2, deprivation_decile=10),
        feature_row("b", emergency_admissions=1, deprivation_decile=10),
        # Practice B ranks on its own.
        feature_row("e", emergency_admissions=1, deprivation_decile=10, practice_code="B82002"),
        feature_row("f", emergency_admissions=3, deprivation_decile=10, practice_code="B82002"),
    ]
    result = strata(rows)
    assert result["a"]["priority_score"] == result["b"]["priority_score"] == result["c"]["priority_score"] == 10.0
    assert {person: row["priority_rank"] for person, row in result.items()} == {
        "d": 1,
        "a": 2,
        "b": 3,
        "c": 4,
        "f": 1,
        "e": 2,
    }


def test_strata_is_segmented_plus_three_columns():
    engine = duckdb_with([feature_row("p1")])
    segmentation.build(engine)
    priority.build(engine, SETTINGS)
    assert list(engine.columns("strata")) == [
        *engine.columns("segmented"),
        "priority_score",
        "priority_rank",
        "priority_reasons",
    ]
