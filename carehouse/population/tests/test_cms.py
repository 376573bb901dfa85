"""Cambridge Multimorbidity Score (Payne 2020, 20 conditions) against hand-worked examples."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from carehouse.population import generate
from carehouse.population.codelists import CODELIST_DIR
from carehouse.population.codes import normalise_code
from carehouse.population.models import cms
from carehouse.population.tests.helpers import loaded, person, write_extract


def scores(tmp_path, diagnoses, persons=None):
    extract = write_extract(tmp_path, persons=persons or [person("p1")], diagnoses=diagnoses)
    engine, settings = loaded(extract, ["cms"])
    cms.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_cms ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def dx(code, when="2025-01-01", person_id="p1", system="snomed"):
    return {"person_id": person_id, "code": code, "code_system": system, "date": date.fromisoformat(when)}


def test_twenty_conditions_in_the_papers_order_with_both_weights():
    keys = [c.key for c in cms.CMS_CONDITIONS]
    order = "hyp anxdep pnc hel ibs ast dia chd ckd atr con str copd rhe can alc hef dem scz epi"
    assert keys == order.split(" ")
    assert set(cms.GENERAL_WEIGHTS) == set(keys) == set(cms.MORTALITY_WEIGHTS)
    # Each condition is in the code list with both SNOMED CT and ICD-10 codes.
    with (CODELIST_DIR / "cms.csv").open() as handle:
        systems = {(row["category"], row["code_system"]) for row in csv.DictReader(handle)}
    assert systems == {(key, system) for key in keys for system in ("snomed", "icd10")}


def test_general_and_mortality_sums(tmp_path):
    # Hypertension, type 2 diabetes, COPD and dementia from primary care; heart failure from hospital.
    result = scores(
        tmp_path,
        [dx("38341003"), dx("44054006"), dx("13645005"), dx("52448006"), dx("I50.0", system="icd10")],
    )
    row = result["p1"]
    # General: HYP 0.08 + DIA 0.75 + COPD 1.46 + DEM 2.50 + HEF 1.18 = 5.97
    assert row["cms_general"] == 5.97
    # Mortality: HYP -2.09 + DIA 10.23 + COPD 42.50 + DEM 124.42 + HEF 43.47 = 218.53
    assert row["cms_mortality"] == 218.53
    assert row["ltc_count"] == 5


def test_negative_mortality_weights_and_a_code_in_two_conditions(tmp_path):
    # I11.0 (hypertensive heart disease with heart failure) is both HYP and HEF; H91.9 is HEL;
    # the second hearing-loss code counts once.
    result = scores(tmp_path, [dx("I11.0", system="icd10"), dx("H91.9", system="icd10"), dx("15188001")])
    row = result["p1"]
    # General: HYP 0.08 + HEF 1.18 + HEL 0.09 = 1.35; mortality: -2.09 + 43.47 - 3.94 = 37.44
    assert row["cms_general"] == 1.35
    assert row["cms_mortality"] == 37.44
    assert row["ltc_count"] == 3
    bits = {c.key: 1 << i for i, c in enumerate(cms.CMS_CONDITIONS)}
    assert row["cms_mask"] == bits["hyp"] | bits["hef"] | bits["hel"]


def test_cancer_counts_only_when_first_recorded_in_the_last_60_months(tmp_path):
    persons = [person("p1"), person("p2"), person("p3")]
    diagnoses = [
        # p1: a lung cancer first coded 3 years ago: 1.53 general, 62.00 mortality.
        dx("C34.9", when="2023-03-01", system="icd10"),
        # p2: cancer first coded in 2015, coded again last year: not a new diagnosis.
        dx("363346000", when="2015-06-01", person_id="p2"),
        dx("C50.9", when="2025-06-01", person_id="p2", system="icd10"),
        # p3: cancer older than 60 months only (31 March 2021 is the first day inside), plus asthma.
        dx("C61", when="2021-03-30", person_id="p3", system="icd10"),
        dx("195967001", when="2001-01-01", person_id="p3"),
    ]
    result = scores(tmp_path, diagnoses, persons=persons)
    assert (result["p1"]["cms_general"], result["p1"]["cms_mortality"], result["p1"]["ltc_count"]) == (1.53, 62.0, 1)
    assert (result["p2"]["cms_general"], result["p2"]["ltc_count"]) == (0.0, 0)
    # Asthma counts if ever recorded: 0.19 general, -2.73 mortality.
    assert (result["p3"]["cms_general"], result["p3"]["cms_mortality"], result["p3"]["ltc_count"]) == (0.19, -2.73, 1)


def test_cancer_first_recorded_on_the_first_day_of_the_window_counts(tmp_path):
    result = scores(tmp_path, [dx("C18.9", when="2021-03-31", system="icd10")])
    assert result["p1"]["ltc_count"] == 1


def test_snomed_matches_the_whole_id_and_icd10_by_prefix(tmp_path):
    persons = [person("p1"), person("p2")]
    diagnoses = [
        # Longer ids holding the hypertension id's digits, and a SNOMED id given as ICD-10: none match.
        dx("383410031"),
        dx("138341003"),
        dx("3834100"),
        dx("38341003", system="icd10"),
        # ICD-10 prefixes: E11.9 is diabetes (E11), ' j45.0' asthma (J45), 'I10X' hypertension (I10).
        dx("E11.9", person_id="p2", system="icd10"),
        dx(" j45.0", person_id="p2", system="icd10"),
        dx("I10X", person_id="p2", system="icd10"),
        # K59.1 (functional diarrhoea) is not constipation (K59.0).
        dx("K59.1", person_id="p2", system="icd10"),
    ]
    result = scores(tmp_path, diagnoses, persons=persons)
    assert result["p1"]["ltc_count"] == 0
    assert result["p1"]["cms_general"] == 0.0
    # DIA 0.75 + AST 0.19 + HYP 0.08 = 1.02
    assert result["p2"]["ltc_count"] == 3
    assert result["p2"]["cms_general"] == 1.02


def test_everyone_gets_a_row_with_zeros(tmp_path):
    result = scores(tmp_path, [dx("49436004")], persons=[person("p1"), person("p2", age=20)])
    assert result["p2"] == {
        "person_id": "p2",
        "cms_mask": 0,
        "ltc_count": 0,
        "cms_general": 0.0,
        "cms_mortality": 0.0,
    }
    # AF: 1.34 general, 22.14 mortality.
    assert (result["p1"]["cms_general"], result["p1"]["cms_mortality"]) == (1.34, 22.14)


def test_all_twenty_conditions_sum_the_columns(tmp_path):
    # One SNOMED CT code for each condition: the totals are the column sums.
    with (CODELIST_DIR / "cms.csv").open() as handle:
        first: dict[str, str] = {}
        for row in csv.DictReader(handle):
            if row["code_system"] == "snomed":
                first.setdefault(row["category"], row["prefix"])
    result = scores(tmp_path, [dx(code) for code in first.values()])
    # General column: 0.08+0.50+0.92+0.09+0.21+0.19+0.75+0.49+0.53+1.34+1.12+0.80+1.46+0.43+1.53+0.65+1.18+2.50+0.64+0.92
    assert result["p1"]["cms_general"] == 16.33
    # Mortality column: -2.09+7.04+16.46-3.94-1.33-2.73+10.23+4.22+16.61+22.14+35.42+20.63+42.50-0.39+62.00
    # +12.72+43.47+124.42+7.20+18.26
    assert result["p1"]["cms_mortality"] == 432.84
    assert result["p1"]["ltc_count"] == 20


@pytest.mark.parametrize("condition", [c.code for c in generate.CONDITIONS])
def test_the_generators_codes_are_covered(condition):
    with (CODELIST_DIR / "cms.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["category"] == condition.lower()]
    snomed = {row["prefix"] for row in rows if row["code_system"] == "snomed"}
    icd10 = [row["prefix"] for row in rows if row["code_system"] == "icd10"]
    snomed_codes, icd10_codes = generate.CONDITION_CODES[condition]
    assert {code for code, _ in snomed_codes} <= snomed
    for code, _ in icd10_codes:
        assert any(normalise_code(code, "icd10").startswith(prefix) for prefix in icd10), code
