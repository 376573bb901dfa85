"""Charlson Comorbidity Index: Quan 2005 ICD-10 coding algorithm with Quan 2011 weights.

Sources: Quan H et al., Med Care 2005;43(11):1130-9 (the ICD-10 code list, matched by prefix);
Quan H et al., Am J Epidemiol 2011;173(6):676-82 (the updated weights, AIDS/HIV = 4, maximum 24).
The code list (``codelists/charlson.csv``) is the same as comorbidipy 0.8.0's ``charlson_icd10_quan``
and the R ``comorbidity`` package's; comorbidipy weights AIDS/HIV 2, which the R package fixed
in 2022 and we do not copy. The age-adjusted score adds a point a decade over 40, at most 4
(Charlson 1994).
"""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import Category, ModelInfo, create_person_masks, weighted_sum_sql

CATEGORIES = (
    Category("ami", "Myocardial infarction", 0),
    Category("chf", "Congestive heart failure", 2),
    Category("pvd", "Peripheral vascular disease", 0),
    Category("cevd", "Cerebrovascular disease", 0),
    Category("dementia", "Dementia", 2),
    Category("copd", "Chronic pulmonary disease", 1),
    Category("rheumd", "Rheumatic disease", 1),
    Category("pud", "Peptic ulcer disease", 0),
    Category("mld", "Mild liver disease", 2, superseded_by="msld"),
    Category("diab", "Diabetes without complications", 0, superseded_by="diabwc"),
    Category("diabwc", "Diabetes with complications", 1),
    Category("hp", "Hemiplegia or paraplegia", 2),
    Category("rend", "Renal disease", 1),
    Category("canc", "Any malignancy, including leukaemia and lymphoma", 2, superseded_by="metacanc"),
    Category("msld", "Moderate or severe liver disease", 4),
    Category("metacanc", "Metastatic solid tumour", 6),
    Category("aids", "AIDS/HIV", 4),
)


def build(engine: Engine, settings: Settings) -> None:
    """``model_charlson``: person_id, charlson_mask, charlson, charlson_age_adjusted, for every person."""
    since = settings.since_sql(settings.charlson_lookback_months)
    create_person_masks(engine, "charlson", CATEGORIES, since, settings.as_at_sql, "charlson_people")
    engine.create(
        "model_charlson",
        f"""
        SELECT person_id, pid, mask AS charlson_mask, score AS charlson,
               score + least(greatest(age - 40, 0) // 10, 4) AS charlson_age_adjusted
        FROM (
            SELECT p.person_id, p.pid, p.age, coalesce(c.mask, CAST(0 AS BIGINT)) AS mask,
                   coalesce({weighted_sum_sql("c.mask", CATEGORIES)}, 0) AS score
            FROM persons AS p LEFT JOIN charlson_people AS c ON p.pid = c.pid
        ) AS scored
        """,
    )


MODEL = ModelInfo(
    key="charlson",
    name="Charlson Comorbidity Index",
    source="Quan 2005 ICD-10 coding algorithm; Quan 2011 weights (AIDS/HIV = 4)",
    version="quan2005-quan2011",
    lookback="ICD-10 diagnoses in the last 60 months (configurable)",
    inputs="diagnoses (icd10)",
    output_columns=("charlson", "charlson_age_adjusted", "charlson_mask"),
    build=build,
)
