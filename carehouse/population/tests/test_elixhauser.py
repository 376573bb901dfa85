"""Elixhauser (Quan 2005 codes, van Walraven 2009 weights): the code list and weights against
comorbidipy 0.8.0, per-person scores against comorbidipy on random people, and hand-worked examples."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl
from comorbidipy import comorbidity
from comorbidipy.codemaps import mapping, weights

from carehouse.population.codelists import read_codelist
from carehouse.population.config import months_before
from carehouse.population.models import elixhauser
from carehouse.population.models.base import category_bits
from carehouse.population.tests.helpers import AS_AT, loaded, person, write_extract

QUAN = mapping["elixhauser_icd10_quan"]
VAN_WALRAVEN = weights["elixhauser_icd10_quan"]["van_walraven"]


def dx(code, when="2025-01-01", person_id="p1", system="icd10", source="secondary"):
    return {
        "person_id": person_id,
        "code": code,
        "code_system": system,
        "date": date.fromisoformat(when),
        "source": source,
    }


def scores(tmp_path, diagnoses, persons=None):
    extract = write_extract(tmp_path, persons=persons or [person("p1")], diagnoses=diagnoses)
    engine, settings = loaded(extract, ["elixhauser"])
    elixhauser.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_elixhauser ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def test_code_list_equals_comorbidipy_category_by_category():
    ours: dict[str, list[str]] = {}
    for category, code_system, prefix in read_codelist("elixhauser"):
        assert code_system == "icd10"
        ours.setdefault(category, []).append(prefix)
    assert list(ours) == list(QUAN) == [category.key for category in elixhauser.CATEGORIES]
    assert len(ours) == 31
    for category, prefixes in QUAN.items():
        assert len(set(ours[category])) == len(ours[category]), category
        assert sorted(ours[category]) == sorted(prefixes), category


def test_weights_equal_comorbidipys_van_walraven():
    assert {category.key: category.weight for category in elixhauser.CATEGORIES} == VAN_WALRAVEN
    hierarchy = {category.key: category.superseded_by for category in elixhauser.CATEGORIES if category.superseded_by}
    assert hierarchy == {"hypunc": "hypc", "diabunc": "diabc", "solidtum": "metacanc"}


def test_hand_worked_example_with_negative_weights_and_the_hierarchy(tmp_path):
    # CHF 7 + valvular -1 + metastatic cancer 12 (solid tumour 4 scores 0 under it)
    # + hypertension 0 + obesity -4 + drug abuse -7 = 7
    codes = ["I50.0", "I35.0", "C78.0", "C34.9", "I10", "I11.9", "E66.9", "F11.2"]
    result = scores(tmp_path, [dx(code) for code in codes])
    assert result["p1"]["elixhauser"] == 7 - 1 + 12 - 4 - 7
    bits = category_bits(elixhauser.CATEGORIES)
    expected = ("chf", "valv", "metacanc", "solidtum", "hypunc", "hypc", "obes", "drug")
    # The mask keeps every category recorded, superseded ones included.
    assert result["p1"]["elixhauser_mask"] == sum(bits[key] for key in expected)


def test_the_score_can_be_negative_and_old_codes_do_not_count(tmp_path):
    # Drug abuse -7 + depression -3 = -10; the liver disease code (11) is 61 months old.
    old = (months_before(AS_AT, 61)).isoformat()
    result = scores(tmp_path, [dx("F12.1"), dx("F32.9"), dx("K70.3", when=old)])
    assert result["p1"]["elixhauser"] == -10


def test_one_code_in_two_categories_and_everyone_gets_a_row(tmp_path):
    # K70.0 is liver disease (11) and alcohol abuse (0); F31.5 is psychosis (0) and depression (-3).
    persons = [person("p1"), person("p2")]
    result = scores(tmp_path, [dx("K70.0"), dx("F31.5")], persons=persons)
    assert result["p1"]["elixhauser"] == 11 + 0 + 0 - 3
    assert result["p2"] == {"person_id": "p2", "elixhauser_mask": 0, "elixhauser": 0}


def code_pool(rng: random.Random) -> list[str]:
    """Every prefix of the map, longer codes under them, and codes outside it."""
    prefixes = sorted({prefix for codes in QUAN.values() for prefix in codes})
    longer = [prefix + str(rng.randrange(10)) for prefix in prefixes if len(prefix) == 3]
    outside = [
        f"{rng.choice('ABCDEFGHIJKLMNOPQRSTVWXYZ')}{rng.randrange(100):02d}{rng.randrange(10)}" for _ in range(300)
    ]
    return prefixes + longer + outside


def test_per_person_scores_equal_comorbidipy_on_random_people(tmp_path):
    rng = random.Random(20260331)
    pool = code_pool(rng)
    since = months_before(AS_AT, 60)
    persons = [person(f"p{index:04d}") for index in range(3000)]
    diagnoses = []
    for row in persons:
        for _ in range(rng.randrange(0, 9)):
            when = AS_AT - timedelta(days=rng.randrange(0, 2300))
            diagnoses.append(dx(rng.choice(pool), when=when.isoformat(), person_id=row["person_id"]))
    result = scores(tmp_path, diagnoses, persons=persons)

    in_window = [row for row in diagnoses if since <= row["date"] <= AS_AT]
    frame = pl.DataFrame({"id": [row["person_id"] for row in in_window], "code": [row["code"] for row in in_window]})
    theirs = comorbidity(frame, score="elixhauser", variant="quan", weighting="van_walraven")
    flags = comorbidity(frame, score="elixhauser", variant="quan", weighting="van_walraven", assign0=False)
    expected = {row["id"]: row["comorbidity_score"] for row in theirs.to_dicts()}
    bits = category_bits(elixhauser.CATEGORIES)
    expected_masks = {row["id"]: sum(bit for key, bit in bits.items() if row[key]) for row in flags.to_dicts()}

    assert len(expected) > 2000
    assert len(set(expected.values())) > 20
    for person_id, row in result.items():
        assert row["elixhauser"] == expected.get(person_id, 0), person_id
        assert row["elixhauser_mask"] == expected_masks.get(person_id, 0), person_id
    assert any(score < 0 for score in expected.values())
