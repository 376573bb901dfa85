"""LACE index for early death or unplanned readmission within 30 days of discharge.

Source: van Walraven C et al., CMAJ 2010;182(6):551-7 (range 0 to 19). Version: vanwalraven2010.
Index admission: each person's most recent emergency admission in the last 12 months
(``utilisation_months``); on a tie of dates, the longest stay. An unknown length of stay counts as
0 days. People without an emergency admission in the look-back have no LACE (NULL).

- L, length of stay in days: under 1 = 0, 1 = 1, 2 = 2, 3 = 3, 4 to 6 = 4, 7 to 13 = 5, 14 or more = 7.
- A, acuity: 3 (every index admission is an emergency one).
- C, comorbidity, from the Charlson score in ``model_charlson`` (build that first):
  0 to 3 as is, 4 or more = 5.
- E, A&E attendances in the 6 months (``lace_ae_months``) before the admission date: 0 to 3 as
  is, 4 or more = 4. The window runs from the same day 6 months earlier (clamped to the month's
  end, as ``config.months_before``: admitted 31 August, it starts 28 February) up to the day
  before admission, so the attendance that led to the admission is not counted. This is the one
  place we use ``date - INTERVAL n MONTH``: the window moves with each admission, so it cannot be
  a literal date; DuckDB and Spark give the same dates (tested).

Bands: low 0 to 4, moderate 5 to 9, high 10 or more.
"""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import ModelInfo

ACUITY_EMERGENCY = 3


def length_of_stay_points(days: str) -> str:
    return (
        f"CASE WHEN {days} < 1 THEN 0 WHEN {days} <= 3 THEN {days} WHEN {days} <= 6 THEN 4 "
        f"WHEN {days} <= 13 THEN 5 ELSE 7 END"
    )


def charlson_points(score: str) -> str:
    return f"CASE WHEN {score} >= 4 THEN 5 WHEN {score} < 0 THEN 0 ELSE {score} END"


def months_earlier_sql(day: str, months: int) -> str:
    """The same day ``months`` earlier, clamped to the month's end, as a DATE on DuckDB and Spark."""
    return f"CAST({day} - INTERVAL {int(months)} MONTH AS DATE)"


def build(engine: Engine, settings: Settings) -> None:
    """``model_lace``: person_id, lace (NULL without an emergency admission), lace_band, for every person."""
    since = settings.since_sql(settings.utilisation_months)
    engine.create(
        "lace_admissions",
        f"""
        SELECT pid, date AS admitted, days, {months_earlier_sql("date", settings.lace_ae_months)} AS ae_since
        FROM (
            SELECT pid, date, coalesce(length_of_stay, 0) AS days,
                   row_number() OVER (
                       PARTITION BY pid ORDER BY date DESC, coalesce(length_of_stay, 0) DESC
                   ) AS recency
            FROM activity
            WHERE setting = 'emergency_admission' AND date >= {since} AND date <= {settings.as_at_sql}
        ) AS ranked
        WHERE recency = 1
        """,
    )
    engine.create(
        "lace_ae",
        """
        SELECT i.pid, CAST(count(*) AS INTEGER) AS attendances
        FROM lace_admissions AS i JOIN activity AS a ON a.pid = i.pid
        WHERE a.setting = 'ae' AND a.date >= i.ae_since AND a.date < i.admitted
        GROUP BY i.pid
        """,
    )
    engine.create(
        "model_lace",
        f"""
        SELECT person_id, pid, lace,
               CASE WHEN lace IS NULL THEN NULL WHEN lace <= 4 THEN 'low' WHEN lace <= 9 THEN 'moderate'
                    ELSE 'high' END AS lace_band
        FROM (
            SELECT p.person_id, p.pid,
                   CAST(CASE WHEN i.pid IS NULL THEN NULL
                        ELSE {length_of_stay_points("i.days")} + {ACUITY_EMERGENCY}
                             + {charlson_points("coalesce(c.charlson, 0)")}
                             + least(coalesce(e.attendances, 0), 4) END AS INTEGER) AS lace
            FROM persons AS p
            LEFT JOIN lace_admissions AS i ON p.pid = i.pid
            LEFT JOIN model_charlson AS c ON p.pid = c.pid
            LEFT JOIN lace_ae AS e ON p.pid = e.pid
        ) AS scored
        """,
    )


MODEL = ModelInfo(
    key="lace",
    name="LACE index",
    source="van Walraven 2010 (CMAJ): length of stay, acuity, Charlson comorbidity, A&E visits",
    version="vanwalraven2010",
    lookback="The most recent emergency admission in the last 12 months; A&E visits in the 6 months before it",
    inputs="activity (emergency admissions, A&E); model_charlson",
    output_columns=("lace", "lace_band"),
    build=build,
    uses_codelist=False,
)
