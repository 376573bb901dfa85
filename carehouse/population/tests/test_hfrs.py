"""Hospital Frailty Risk Score (Gilbert 2018): the points table against comorbidipy 0.8.0,
per-person scores against comorbidipy's ``hfrs()`` on random people, and hand-worked examples."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl
from comorbidipy import hfrs as comorbidipy_hfrs
from comorbidipy.codemaps import hfrs_mapping

from carehouse.population.codelists import read_codelist
from carehouse.population.config import months_before
from carehouse.population.models import hfrs
from carehouse.population.tests.helpers import AS_AT, loaded, person, write_extract


def dx(code, when="2025-06-01", person_id="p1", source="secondary", system="icd10"):
    return {
        "person_id": person_id,
        "code": code,
        "code_system": system,
        "date": date.fromisoformat(when) if isinstance(when, str) else when,
        "source": source,
    }


def scores(tmp_path, diagnoses, persons=None):
    extract = write_extract(tmp_path, persons=persons or [person("p1")], diagnoses=diagnoses)
    engine, settings = loaded(extract, ["hfrs"])
    hfrs.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_hfrs ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def test_points_equal_comorbidipys_table():
    assert len(hfrs.CATEGORIES) == 109
    assert {category.key: category.weight / 10 for category in hfrs.CATEGORIES} == hfrs_mapping
    assert sum(category.weight for category in hfrs.CATEGORIES) == 1732  # the maximum, 173.2


def test_code_list_is_one_three_character_prefix_per_category():
    rows = read_codelist("hfrs")
    assert [(category, prefix) for category, _, prefix in rows] == [(c.key, c.key) for c in hfrs.CATEGORIES]
    assert {code_system for _, code_system, _ in rows} == {"icd10"}
    assert all(len(prefix) == 3 for _, _, prefix in rows)


def test_hand_worked_example(tmp_path):
    # F00 7.1 + G81 4.4 + W19 3.2 = 14.7: intermediate. F00.1 and f00.9 are the same category (counted
    # once); the GP-recorded R54 (2.2) and the 25-month-old S72 (1.4) do not count; Z38 is not an HFRS code.
    old = months_before(AS_AT, 25)
    diagnoses = [
        dx("F00.1"),
        dx("f00.9", when="2024-12-01"),
        dx("G81.9"),
        dx("W19X"),
        dx("R54", source="primary"),
        dx("S72.0", when=old),
        dx("Z38.0"),
    ]
    result = scores(tmp_path, diagnoses)
    assert result["p1"]["hfrs"] == 14.7
    assert result["p1"]["hfrs_band"] == "intermediate"


def test_band_edges(tmp_path):
    persons = [person(f"p{index}") for index in range(1, 6)]
    codes = {
        "p1": ["R54", "Z50.9"],  # 2.2 + 2.1 = 4.3: low
        "p2": ["G30.9", "J69.0"],  # 4.0 + 1.0 = 5.0: intermediate
        "p3": ["F00", "G81", "S42", "J18", "R50"],  # 7.1 + 4.4 + 2.3 + 1.1 + 0.1 = 15.0: intermediate
        "p4": ["R31", "F00", "E86", "J18", "M41", "D64", "R11"],  # 3.0 + 7.1 + 2.3 + 1.1 + 0.9 + 0.4 + 0.3 = 15.1
    }
    diagnoses = [dx(code, person_id=person_id) for person_id, listed in codes.items() for code in listed]
    diagnoses.append(dx("F00", person_id="p5", source="primary"))  # GP-recorded only: 0, low
    result = scores(tmp_path, diagnoses, persons=persons)
    assert [(result[p]["hfrs"], result[p]["hfrs_band"]) for p in ("p1", "p2", "p3", "p4", "p5")] == [
        (4.3, "low"),
        (5.0, "intermediate"),
        (15.0, "intermediate"),
        (15.1, "high"),
        (0.0, "low"),
    ]


def test_look_back_edge_and_rows_without_a_source(tmp_path):
    # A diagnosis exactly 24 months back counts (F00 7.1); one a day earlier (G81) does not, and
    # neither does one with no source (G30).
    since = months_before(AS_AT, 24)
    diagnoses = [dx("F00", when=since), dx("G81", when=since - timedelta(days=1)), dx("G30", source=None)]
    result = scores(tmp_path, diagnoses)
    assert result["p1"]["hfrs"] == 7.1


def test_per_person_scores_equal_comorbidipy_on_random_people(tmp_path):
    rng = random.Random(1775)
    pool = list(hfrs_mapping) + [code + str(rng.randrange(10)) for code in hfrs_mapping]
    pool += [f"{rng.choice('ABCDEFGHIJKLMNOPQRSTVWXYZ')}{rng.randrange(100):02d}" for _ in range(200)]
    since = months_before(AS_AT, 24)
    persons = [person(f"p{index:04d}") for index in range(3000)]
    diagnoses = []
    for row in persons:
        for _ in range(rng.randrange(0, 14)):
            when = AS_AT - timedelta(days=rng.randrange(0, 1000))
            source = rng.choice(("primary", "secondary", "secondary"))
            diagnoses.append(dx(rng.choice(pool), when=when, person_id=row["person_id"], source=source))
    result = scores(tmp_path, diagnoses, persons=persons)

    counted = [row for row in diagnoses if row["source"] == "secondary" and since <= row["date"] <= AS_AT]
    # Given as three-character categories: comorbidipy counts R00 and R006 as two (see below).
    frame = pl.DataFrame({"id": [row["person_id"] for row in counted], "code": [row["code"][:3] for row in counted]})
    theirs = {row["id"]: row for row in comorbidipy_hfrs(frame).to_dicts()}

    assert len(theirs) > 2500
    assert {row["hfrs_category"] for row in theirs.values()} == {"Low", "Intermediate", "High"}
    for person_id, row in result.items():
        expected = theirs.get(person_id, {"hfrs_score": 0.0, "hfrs_category": "Low"})
        # comorbidipy adds floats; we add tenths, so compare to one decimal.
        assert row["hfrs"] == round(expected["hfrs_score"], 1), person_id
        assert row["hfrs_band"] == expected["hfrs_category"].lower(), person_id


def test_two_codes_in_one_category_count_once_where_comorbidipy_counts_twice(tmp_path):
    # R00 (0.7) and R00.6 are one category: 0.7. comorbidipy 0.8.0 de-duplicates (person, code)
    # before truncating to three characters, so it gives 1.4.
    result = scores(tmp_path, [dx("R00"), dx("R00.6")])
    assert result["p1"]["hfrs"] == 0.7
    theirs = comorbidipy_hfrs(pl.DataFrame({"id": ["p1", "p1"], "code": ["R00", "R006"]})).to_dicts()
    assert theirs[0]["hfrs_score"] == 1.4
