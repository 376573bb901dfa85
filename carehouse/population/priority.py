"""The priority score for personalised care and support planning, and each practice's ranking.

Five parts, each scaled to 0..1:

* unplanned_admission = min(emergency admissions in 12 months, 3) / 3: three or more is the
  top of the scale, since repeated admissions are the strongest sign of unmet need;
* multimorbidity = min(long-term conditions (CMS count), 5) / 5;
* frailty (65 and over only, else 0) = the larger of the HFRS band (low 0, intermediate 1/2,
  high 1) and the eFI category (fit 0, mild 1/3, moderate 2/3, severe 1);
* low_activation = 1 for PAM level 1, 1/2 for level 2, else 0 (unknown is 0: no data is not
  evidence of low activation);
* deprivation = (10 - IMD decile) / 9: decile 1 (most deprived) 1, decile 10 0, unknown 0.

score = 100 * sum(weight * part) / sum(weight), to one decimal place, with the weights in
``Settings.priority``. For Spark and DuckDB to agree to the last digit the arithmetic is exact:
every part is a whole number of 90ths (90 is the lowest common multiple of 3, 5, 6, 2 and 9),
weights are read as whole thousandths, and the score is rounded (half up) once, in integer
arithmetic, to whole tenths. Ranks within a practice break ties by person_id.
"""

from __future__ import annotations

from carehouse.population.config import PriorityWeights, Settings
from carehouse.population.engine import Engine

PART_UNITS = 90  # every part is a whole number of 1/90ths

# Each part as a whole number of 90ths, over the columns of ``segmented``.
PARTS = {
    "unplanned_admission": "least(CAST(coalesce(emergency_admissions, 0) AS BIGINT), 3) * 30",
    "multimorbidity": "least(CAST(coalesce(ltc_count, 0) AS BIGINT), 5) * 18",
    "frailty": (
        "CASE WHEN age >= 65 THEN greatest("
        "CASE hfrs_band WHEN 'high' THEN 6 WHEN 'intermediate' THEN 3 ELSE 0 END, "
        "CASE efi_category WHEN 'severe' THEN 6 WHEN 'moderate' THEN 4 WHEN 'mild' THEN 2 ELSE 0 END"
        ") * 15 ELSE 0 END"
    ),
    "low_activation": "CASE activation_level WHEN 1 THEN 90 WHEN 2 THEN 45 ELSE 0 END",
    "deprivation": (
        "CASE WHEN deprivation_decile BETWEEN 1 AND 10 THEN (10 - CAST(deprivation_decile AS BIGINT)) * 10 ELSE 0 END"
    ),
}


def weight_units(weights: PriorityWeights) -> dict[str, int]:
    """The weights as whole thousandths; they must not be negative and must not all be 0."""
    units = {}
    for name, weight in weights.as_dict().items():
        if weight < 0:
            raise ValueError(f"The priority weight for {name} is negative ({weight})")
        units[name] = round(weight * 1000)
    if sum(units.values()) == 0:
        raise ValueError("At least one priority weight must be more than 0")
    return units


def score_tenths_sql(weights: PriorityWeights) -> str:
    """The score in whole tenths: round(1000 * S / D) half up, as (2000 S + D) // 2D, where S is the
    weighted sum of parts in 90ths and D = 90 * the sum of the weights (everything non-negative)."""
    units = weight_units(weights)
    weighted = " + ".join(f"CAST({units[name]} AS BIGINT) * ({PARTS[name]})" for name in PARTS if units[name])
    total = PART_UNITS * sum(units.values())
    return f"((CAST(2000 AS BIGINT) * ({weighted}) + {total}) // {2 * total})"


def reasons_sql(weights: PriorityWeights, months: int) -> str:
    """A plain-English list of the parts that raise the score (parts with weight 0 are left out)."""
    units = weight_units(weights)
    text = "CAST({} AS VARCHAR)"
    reasons = {
        "unplanned_admission": [
            f"CASE WHEN emergency_admissions = 1 THEN '1 emergency admission in {months} months' "
            f"WHEN emergency_admissions > 1 THEN concat({text.format('emergency_admissions')}, "
            f"' emergency admissions in {months} months') END"
        ],
        "multimorbidity": [
            "CASE WHEN ltc_count = 1 THEN '1 long-term condition' "
            f"WHEN ltc_count > 1 THEN concat({text.format('ltc_count')}, ' long-term conditions') END"
        ],
        "frailty": [
            "CASE WHEN age >= 65 AND hfrs_band IN ('intermediate', 'high') "
            "THEN concat(hfrs_band, ' frailty risk (HFRS)') END",
            "CASE WHEN age >= 65 AND efi_category IN ('mild', 'moderate', 'severe') "
            "THEN concat(efi_category, ' frailty (eFI)') END",
        ],
        "low_activation": [
            "CASE WHEN activation_level IN (1, 2) "
            f"THEN concat('low activation (PAM level ', {text.format('activation_level')}, ')') END"
        ],
        # Deciles 6 to 9 add a little to the score but are not called out as a reason.
        "deprivation": [
            "CASE WHEN deprivation_decile = 1 THEN 'most deprived decile' "
            f"WHEN deprivation_decile BETWEEN 2 AND 5 THEN concat('deprivation decile ', "
            f"{text.format('deprivation_decile')}, ' of 10') END"
        ],
    }
    cases = [case for name, parts in reasons.items() if units[name] for case in parts]
    return f"concat_ws('; ', {', '.join(cases)})"


def priority_sql(engine: Engine, settings: Settings) -> str:
    """``segmented`` plus priority_score, priority_rank (within practice) and priority_reasons."""
    columns = ", ".join(f"s.{name}" for name in engine.columns("segmented"))
    weights = settings.priority
    return f"""
        SELECT {columns},
               CAST(s.priority_tenths AS DOUBLE) / 10 AS priority_score,
               row_number() OVER (
                   PARTITION BY s.practice_code ORDER BY s.priority_tenths DESC, s.person_id
               ) AS priority_rank,
               s.priority_reasons
        FROM (
            SELECT segmented.*,
                   {score_tenths_sql(weights)} AS priority_tenths,
                   {reasons_sql(weights, settings.utilisation_months)} AS priority_reasons
            FROM segmented
        ) AS s
    """


def build(engine: Engine, settings: Settings) -> None:
    """``strata``: ``segmented`` plus the priority score, rank within practice and reasons."""
    engine.create("strata", priority_sql(engine, settings))
