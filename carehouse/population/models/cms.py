"""Cambridge Multimorbidity Score: the 20-condition general-outcome and mortality scores.

Source: Payne RA et al., CMAJ 2020;192(5):E107-14 (PMC7004217), the reduced 20-condition models.
Version: ``payne2020-20``. Two weight columns are shipped, stored as integer hundredths:

* general outcome: as in two independent public implementations that agree (research §1.5);
* mortality (1 year): from one public implementation, consistent with the paper's Table 3.

The GP-consultation and unplanned-admission columns are NOT shipped until they are transcribed
from the paper's Table 3.

Look-back: a condition counts if ever recorded, except cancer, which counts only when the
person's first cancer code is in the last ``settings.cms_cancer_months`` (60) months ("new
diagnosis in the last 5 years"). Codes: SNOMED CT concept ids (primary care, whole id) and ICD-10
prefixes (hospital) in ``codelists/cms.csv``.

The Cambridge "usage definitions" also use prescriptions and eGFR results, which an extract does
not hold, so a code alone is taken as sufficient: see ``CODE_ALONE_SUFFICES``.
"""

from __future__ import annotations

from datetime import date

from carehouse.population.config import Settings, sql_date
from carehouse.population.engine import Engine
from carehouse.population.models.base import (
    Category,
    ModelInfo,
    category_bits,
    count_sql,
    create_person_masks,
    diagnosis_categories_sql,
    weighted_sum_sql,
)

CMS_CONDITIONS = (
    Category("hyp", "Hypertension"),
    Category("anxdep", "Anxiety or depression"),
    Category("pnc", "Painful condition"),
    Category("hel", "Hearing loss"),
    Category("ibs", "Irritable bowel syndrome"),
    Category("ast", "Asthma (currently treated)"),
    Category("dia", "Diabetes"),
    Category("chd", "Coronary heart disease"),
    Category("ckd", "Chronic kidney disease"),
    Category("atr", "Atrial fibrillation"),
    Category("con", "Constipation (treated)"),
    Category("str", "Stroke or transient ischaemic attack"),
    Category("copd", "Chronic obstructive pulmonary disease"),
    Category("rhe", "Connective tissue disorder"),
    Category("can", "Cancer (new diagnosis in the last 5 years)"),
    Category("alc", "Alcohol problems"),
    Category("hef", "Heart failure"),
    Category("dem", "Dementia"),
    Category("scz", "Schizophrenia or bipolar disorder"),
    Category("epi", "Epilepsy (currently treated)"),
)
CATEGORIES = CMS_CONDITIONS

# Hundredths of a point (Payne 2020, 20-condition models; research §1.5).
GENERAL_WEIGHTS: dict[str, int] = {
    "hyp": 8,
    "anxdep": 50,
    "pnc": 92,
    "hel": 9,
    "ibs": 21,
    "ast": 19,
    "dia": 75,
    "chd": 49,
    "ckd": 53,
    "atr": 134,
    "con": 112,
    "str": 80,
    "copd": 146,
    "rhe": 43,
    "can": 153,
    "alc": 65,
    "hef": 118,
    "dem": 250,
    "scz": 64,
    "epi": 92,
}
MORTALITY_WEIGHTS: dict[str, int] = {
    "hyp": -209,
    "anxdep": 704,
    "pnc": 1646,
    "hel": -394,
    "ibs": -133,
    "ast": -273,
    "dia": 1023,
    "chd": 422,
    "ckd": 1661,
    "atr": 2214,
    "con": 3542,
    "str": 2063,
    "copd": 4250,
    "rhe": -39,
    "can": 6200,
    "alc": 1272,
    "hef": 4347,
    "dem": 12442,
    "scz": 720,
    "epi": 1826,
}

# The Cambridge usage definitions we cannot apply without prescribing or test data; for these a
# code (ever recorded) is taken as sufficient.
CODE_ALONE_SUFFICES: dict[str, str] = {
    "anxdep": "code in the last 12 months, or 4+ anxiolytic/hypnotic or antidepressant prescriptions in 12 months",
    "pnc": "4+ analgesic prescriptions in 12 months, or 4+ anti-epileptics without epilepsy (prescriptions only)",
    "ibs": "code ever, or 4+ antispasmodic prescriptions in 12 months",
    "ast": "code ever and a prescription in the last 12 months",
    "ckd": "code ever, or the better of the last two eGFRs below 60",
    "con": "4+ laxative prescriptions in 12 months (prescriptions only)",
    "scz": "code ever, or lithium ever prescribed",
    "epi": "code ever and an anti-epileptic prescription in the last 12 months",
}

EVER = sql_date(date(1900, 1, 1))


def _weighted(weights: dict[str, int]) -> tuple[Category, ...]:
    return tuple(Category(c.key, c.label, weights[c.key]) for c in CMS_CONDITIONS)


def build(engine: Engine, settings: Settings) -> None:
    """``model_cms``: person_id, cms_mask, ltc_count, cms_general, cms_mortality, for every person."""
    cancer_bit = category_bits(CMS_CONDITIONS)["can"]
    # Every condition ever recorded; the cancer bit is replaced below.
    create_person_masks(engine, "cms", CMS_CONDITIONS, EVER, settings.as_at_sql, "cms_ever")
    # Cancer: the person's first cancer code must fall inside the cancer window.
    engine.create(
        "cms_cancer",
        f"""
        SELECT person_id FROM ({diagnosis_categories_sql("cms", EVER, settings.as_at_sql, "AND m.category = 'can'")}) AS cancer
        GROUP BY person_id
        HAVING min(date) >= {settings.since_sql(settings.cms_cancer_months)}
        """,
    )
    mask = (
        f"((coalesce(e.mask, CAST(0 AS BIGINT)) - (coalesce(e.mask, CAST(0 AS BIGINT)) & CAST({cancer_bit} AS BIGINT)))"
        f" + CASE WHEN c.person_id IS NULL THEN CAST(0 AS BIGINT) ELSE CAST({cancer_bit} AS BIGINT) END)"
    )
    engine.create(
        "model_cms",
        f"""
        SELECT person_id, pid, mask AS cms_mask,
               CAST({count_sql("mask", CMS_CONDITIONS)} AS INTEGER) AS ltc_count,
               CAST({weighted_sum_sql("mask", _weighted(GENERAL_WEIGHTS))} AS DOUBLE) / 100 AS cms_general,
               CAST({weighted_sum_sql("mask", _weighted(MORTALITY_WEIGHTS))} AS DOUBLE) / 100 AS cms_mortality
        FROM (
            SELECT p.person_id, p.pid, {mask} AS mask
            FROM persons AS p
            LEFT JOIN cms_ever AS e ON p.pid = e.pid
            LEFT JOIN cms_cancer AS c ON p.person_id = c.person_id
        ) AS masked
        """,
    )


MODEL = ModelInfo(
    key="cms",
    name="Cambridge Multimorbidity Score",
    source="Payne 2020 (CMAJ 192:E107), 20-condition general-outcome and mortality weights",
    version="payne2020-20",
    lookback="Conditions ever recorded; cancer only when first recorded in the last 60 months (configurable)",
    inputs="diagnoses (snomed, icd10)",
    output_columns=("cms_general", "cms_mortality", "ltc_count", "cms_mask"),
    build=build,
)
