"""Elixhauser comorbidity: Quan 2005 ICD-10 coding algorithm with van Walraven 2009 weights.

Sources: Quan H et al., Med Care 2005;43(11):1130-9 (the ICD-10 code list for 31 categories,
matched by prefix); van Walraven C et al., Med Care 2009;47(6):626-33 (the single-number score,
from -19 to 89; some weights are negative). The code list (``codelists/elixhauser.csv``) and the
weights are the same as comorbidipy 0.8.0's ``elixhauser_icd10_quan`` and ``van_walraven``, and
the R ``comorbidity`` package's. Hierarchy: uncomplicated hypertension scores 0 under complicated
hypertension, uncomplicated diabetes under complicated diabetes, and solid tumour under metastatic
cancer. Look-back: ICD-10 diagnoses from any source in the last 60 months (configurable).
"""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import Category, ModelInfo, create_person_masks, weighted_sum_sql

CATEGORIES = (
    Category("chf", "Congestive heart failure", 7),
    Category("carit", "Cardiac arrhythmias", 5),
    Category("valv", "Valvular disease", -1),
    Category("pcd", "Pulmonary circulation disorders", 4),
    Category("pvd", "Peripheral vascular disorders", 2),
    Category("hypunc", "Hypertension, uncomplicated", 0, superseded_by="hypc"),
    Category("hypc", "Hypertension, complicated", 0),
    Category("para", "Paralysis", 7),
    Category("ond", "Other neurological disorders", 6),
    Category("cpd", "Chronic pulmonary disease", 3),
    Category("diabunc", "Diabetes, uncomplicated", 0, superseded_by="diabc"),
    Category("diabc", "Diabetes, complicated", 0),
    Category("hypothy", "Hypothyroidism", 0),
    Category("rf", "Renal failure", 5),
    Category("ld", "Liver disease", 11),
    Category("pud", "Peptic ulcer disease, excluding bleeding", 0),
    Category("aids", "AIDS/HIV", 0),
    Category("lymph", "Lymphoma", 9),
    Category("metacanc", "Metastatic cancer", 12),
    Category("solidtum", "Solid tumour without metastasis", 4, superseded_by="metacanc"),
    Category("rheumd", "Rheumatoid arthritis and collagen vascular diseases", 0),
    Category("coag", "Coagulopathy", 3),
    Category("obes", "Obesity", -4),
    Category("wloss", "Weight loss", 6),
    Category("fed", "Fluid and electrolyte disorders", 5),
    Category("blane", "Blood loss anaemia", -2),
    Category("dane", "Deficiency anaemia", -2),
    Category("alcohol", "Alcohol abuse", 0),
    Category("drug", "Drug abuse", -7),
    Category("psycho", "Psychoses", 0),
    Category("depre", "Depression", -3),
)


def build(engine: Engine, settings: Settings) -> None:
    """``model_elixhauser``: person_id, elixhauser_mask, elixhauser, for every person."""
    since = settings.since_sql(settings.elixhauser_lookback_months)
    create_person_masks(engine, "elixhauser", CATEGORIES, since, settings.as_at_sql, "elixhauser_people")
    engine.create(
        "model_elixhauser",
        f"""
        SELECT p.person_id, p.pid, coalesce(e.mask, CAST(0 AS BIGINT)) AS elixhauser_mask,
               CAST(coalesce({weighted_sum_sql("e.mask", CATEGORIES)}, 0) AS INTEGER) AS elixhauser
        FROM persons AS p LEFT JOIN elixhauser_people AS e ON p.pid = e.pid
        """,
    )


MODEL = ModelInfo(
    key="elixhauser",
    name="Elixhauser comorbidity (van Walraven)",
    source="Quan 2005 ICD-10 coding algorithm; van Walraven 2009 weights",
    version="quan2005-vanwalraven2009",
    lookback="ICD-10 diagnoses in the last 60 months (configurable)",
    inputs="diagnoses (icd10)",
    output_columns=("elixhauser", "elixhauser_mask"),
    build=build,
)
