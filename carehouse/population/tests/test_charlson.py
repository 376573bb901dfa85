"""Charlson (Quan 2005 codes, Quan 2011 weights) against hand-worked examples."""

from __future__ import annotations

from carehouse.population.models import charlson
from carehouse.population.tests.helpers import loaded, person, write_extract


def scores(tmp_path, diagnoses, persons=None):
    extract = write_extract(tmp_path, persons=persons or [person("p1")], diagnoses=diagnoses)
    engine, settings = loaded(extract, ["charlson"])
    charlson.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_charlson ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def dx(code, when="2025-01-01", person_id="p1", system="icd10"):
    from datetime import date

    return {"person_id": person_id, "code": code, "code_system": system, "date": date.fromisoformat(when)}


def test_weights_sum_with_the_hierarchy(tmp_path):
    # CHF 2 + dementia 2 + diabetes with complications 1 (uncomplicated diabetes scores 0 under it)
    # + metastatic tumour 6 (any malignancy scores 0 under it) = 11
    result = scores(tmp_path, [dx("I50.0"), dx("F03"), dx("E11.9"), dx("E11.2"), dx("C34.9"), dx("C78.0")])
    assert result["p1"]["charlson"] == 11
    # Aged 70: + 3 (a point a decade over 40, at most 4)
    assert result["p1"]["charlson_age_adjusted"] == 14


def test_aids_weighs_four_not_comorbidipys_two(tmp_path):
    result = scores(tmp_path, [dx("B20")])
    assert result["p1"]["charlson"] == 4


def test_messy_codes_match_and_old_ones_do_not(tmp_path):
    # ' j44.9' is COPD (1); 'K70.4' moderate/severe liver disease (4) supersedes 'k70.0' mild (2 -> 0);
    # the heart failure code is older than the 60-month look-back, so it does not count.
    result = scores(tmp_path, [dx(" j44.9"), dx("K70.4"), dx("k70.0"), dx("I50.0", when="2020-01-01")])
    assert result["p1"]["charlson"] == 5


def test_everyone_gets_a_row(tmp_path):
    persons = [person("p1"), person("p2", age=30)]
    result = scores(tmp_path, [dx("J45")], persons=persons)
    assert result["p2"]["charlson"] == 0
    assert result["p2"]["charlson_age_adjusted"] == 0
    assert result["p1"]["charlson"] == 1
