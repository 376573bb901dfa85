"""Recorded PAM levels: the latest in the look-back, levels from scores, ties."""

from __future__ import annotations

from datetime import date

from carehouse.population.models import activation
from carehouse.population.tests.helpers import loaded, person, write_extract


def pam(person_id, when, level=None, score=None, instrument="PAM"):
    return {
        "person_id": person_id,
        "instrument": instrument,
        "level": level,
        "score": score,
        "date": date.fromisoformat(when),
    }


def levels(tmp_path, measures, persons):
    extract = write_extract(tmp_path, persons=persons, measures=measures)
    engine, settings = loaded(extract, [])
    activation.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_activation ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def test_the_latest_record_in_the_look_back_wins(tmp_path):
    persons = [person("p1"), person("p2"), person("p3")]
    measures = [
        # p1: level 1 last year, then level 3 this year: 3, not low.
        pam("p1", "2025-02-01", level=1),
        pam("p1", "2026-01-15", level=3),
        # p2: level 4 in 2023 (outside the 24 months from 31 March 2024) and level 2 inside: 2, low.
        pam("p2", "2023-06-01", level=4),
        pam("p2", "2024-03-31", level=2),
        # p3: only outside the window, and a later record of another instrument.
        pam("p3", "2024-03-30", level=1),
        pam("p3", "2026-01-01", score=40.0, instrument="ons4"),
    ]
    result = levels(tmp_path, measures, persons)
    assert result["p1"] == {
        "person_id": "p1",
        "activation_level": 3,
        "activation_date": date(2026, 1, 15),
        "low_activation": False,
    }
    assert (result["p2"]["activation_level"], result["p2"]["activation_date"], result["p2"]["low_activation"]) == (
        2,
        date(2024, 3, 31),
        True,
    )
    assert result["p3"] == {
        "person_id": "p3",
        "activation_level": None,
        "activation_date": None,
        "low_activation": False,
    }


def test_levels_from_scores_at_the_published_cut_points(tmp_path):
    scores = {"a": 47.0, "b": 47.1, "c": 55.1, "d": 55.2, "e": 67.0, "f": 67.1, "g": 0.0, "h": 100.0}
    expected = {"a": 1, "b": 2, "c": 2, "d": 3, "e": 3, "f": 4, "g": 1, "h": 4}
    persons = [person(key) for key in scores]
    result = levels(tmp_path, [pam(key, "2025-09-01", score=value) for key, value in scores.items()], persons)
    assert {key: row["activation_level"] for key, row in result.items()} == expected
    assert {key for key, row in result.items() if row["low_activation"]} == {"a", "b", "c", "g"}


def test_a_recorded_level_wins_over_its_score_and_bad_values_are_passed_over(tmp_path):
    persons = [person("p1"), person("p2")]
    measures = [
        # p1: level 4 recorded with a score of 40 (level 1 by score): the recorded level is used.
        pam("p1", "2025-09-01", level=4, score=40.0),
        # p2: the latest record has level 7 and score 140, neither usable; the earlier one is used.
        pam("p2", "2025-01-01", score=50.0),
        pam("p2", "2025-09-01", level=7, score=140.0),
    ]
    result = levels(tmp_path, measures, persons)
    assert result["p1"]["activation_level"] == 4
    assert (result["p2"]["activation_level"], result["p2"]["activation_date"]) == (2, date(2025, 1, 1))


def test_on_the_same_day_the_lower_level_wins(tmp_path):
    measures = [pam("p1", "2025-11-11", level=3), pam("p1", "2025-11-11", score=45.5)]
    result = levels(tmp_path, measures, [person("p1")])
    assert (result["p1"]["activation_level"], result["p1"]["low_activation"]) == (1, True)


def test_no_measures_table_at_all(tmp_path):
    extract = write_extract(tmp_path, persons=[person("p1")])
    engine, settings = loaded(extract, [])
    activation.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_activation").to_pylist()
    assert rows == [{"person_id": "p1", "activation_level": None, "activation_date": None, "low_activation": False}]
