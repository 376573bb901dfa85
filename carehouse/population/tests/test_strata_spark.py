"""Segmentation, priority and a cohort give the same rows on Spark as on DuckDB."""

from __future__ import annotations

from datetime import date

import pytest

from carehouse.population import cohort, priority, segmentation
from carehouse.population.config import Settings
from carehouse.population.tests.feature_rows import activity, duckdb_with, feature_row, with_features

SETTINGS = Settings(as_at=date(2026, 3, 31))

PEOPLE = [
    feature_row("p01", ("charlson.dementia", "cms.hyp"), age=81, emergency_admissions=2, deprivation_decile=1),
    feature_row("p02", ("charlson.metacanc", "cms.can", "cms.copd"), activation_level=1, deprivation_decile=None),
    feature_row("p03", ("cms.hef", "cms.hyp", "cms.dia"), age=60, hfrs_band="intermediate", efi_category="mild"),
    feature_row("p04", ("charlson.hp",), practice_code="B82002", emergency_admissions=1, deprivation_decile=4),
    feature_row("p05", ("cms.ast", "cms.anxdep"), age=22, activation_level=2, practice_code="B82002"),
    feature_row("p06", age=12, practice_code="B82002", deprivation_decile=8),
    feature_row("p07", ("cms.hyp", "cms.ckd"), age=70, efi_category="severe", emergency_admissions=1),
    feature_row("p08", ("cms.hyp", "cms.ckd"), age=70, efi_category="severe", emergency_admissions=1),
    feature_row("p09", charlson=1, age=45, efi_category=None, deprivation_decile=2),
]
ACTIVITY = [
    activity("p01", "emergency_admission", "2025-12-01"),
    activity("p01", "emergency_admission", "2026-01-15"),
    activity("p07", "emergency_admission", "2025-05-01"),
    activity("p08", "emergency_admission", "2025-03-30"),  # a day outside 12 months
    activity("p03", "ae", "2026-02-01"),
]


def run_all(engine):
    segmentation.build(engine)
    priority.build(engine, SETTINGS)
    mltc = cohort.parse_cohort(
        {
            "key": "spark-check",
            "name": "Two or more LTCs, or an admission",
            "any": [
                {"ltc_count": {"min": 2}},
                {"activity": {"setting": "emergency_admission", "within_months": 12}},
            ],
            "none": [{"deprivation_decile": {"min": 9}}],
        }
    )
    result = cohort.run(engine, SETTINGS, mltc)
    strata = engine.fetch("SELECT * FROM strata ORDER BY person_id").to_pylist()
    return strata, result.as_dict(), cohort.invitations(engine, mltc).to_pylist()


@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_results_as_duckdb(spark_engine):
    spark = spark_engine
    expected = run_all(duckdb_with(PEOPLE, ACTIVITY))
    actual = run_all(with_features(spark, PEOPLE, ACTIVITY))
    assert actual == expected
    strata, counts, invitations = expected
    assert {row["segment"] for row in strata} >= {"frailty_dementia", "incurable_cancer", "organ_failure"}
    assert counts["people"] == len({row["person_id"] for row in invitations}) > 0
