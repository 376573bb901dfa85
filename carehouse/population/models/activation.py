"""Patient activation: the latest recorded Patient Activation Measure (PAM) level.

Source: the PAM (Hibbard JH et al., Health Serv Res 2004;39(4 Pt 1):1005-26, and the 13-item
short form, Health Serv Res 2005;40(6 Pt 1):1918-30; Insignia Health, licensed). Version:
``pam-recorded-v1``. Look-back: the last ``settings.activation_lookback_months`` (24) months.

The PAM is a licensed questionnaire, so nothing here scores its items (research §1.8): we only
read levels (1-4) or scores (0-100) already recorded in ``measures`` (instrument ``PAM``). When a
record gives a score but no level, the level is taken from the published score bands: 47.0 or
lower is level 1, 47.1-55.1 level 2, 55.2-67.0 level 3, 67.1 and over level 4 (as quoted, citing
Hibbard, in J Am Geriatr Soc 2010;58(8):1496-1503, PMC2955177, Table 2 note; not checked against
Insignia Health's own documentation). A level outside 1-4 is treated as not given.

The latest record in the window wins; of two on the same day, the lower level. Low activation
means level 1 or 2.
"""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import ModelInfo

INSTRUMENT = "PAM"
# Highest score in levels 1, 2 and 3; anything higher is level 4.
SCORE_BANDS = (47.0, 55.1, 67.0)
LOW_LEVELS = (1, 2)


def level_sql(level: str, score: str) -> str:
    """The recorded level if it is 1-4, else the level from a 0-100 score, else NULL."""
    first, second, third = SCORE_BANDS
    return (
        f"CASE WHEN {level} BETWEEN 1 AND 4 THEN {level} "
        f"WHEN {score} BETWEEN 0 AND 100 THEN "
        f"CASE WHEN {score} <= {first} THEN 1 WHEN {score} <= {second} THEN 2 "
        f"WHEN {score} <= {third} THEN 3 ELSE 4 END END"
    )


def build(engine: Engine, settings: Settings) -> None:
    """``model_activation``: person_id, activation_level, activation_date, low_activation, for every person."""
    since = settings.since_sql(settings.activation_lookback_months)
    engine.create(
        "activation_records",
        f"""
        SELECT person_id, date, CAST({level_sql("level", "score")} AS INTEGER) AS level
        FROM measures
        WHERE instrument = '{INSTRUMENT}' AND date >= {since} AND date <= {settings.as_at_sql}
        """,
    )
    engine.create(
        "activation_latest",
        """
        SELECT person_id, date, level FROM (
            SELECT person_id, date, level,
                   row_number() OVER (PARTITION BY person_id ORDER BY date DESC, level) AS position
            FROM activation_records WHERE level IS NOT NULL
        ) AS ranked
        WHERE position = 1
        """,
    )
    low = ", ".join(str(level) for level in LOW_LEVELS)
    engine.create(
        "model_activation",
        f"""
        SELECT p.person_id, p.pid, a.level AS activation_level, a.date AS activation_date,
               CASE WHEN a.level IN ({low}) THEN TRUE ELSE FALSE END AS low_activation
        FROM persons AS p LEFT JOIN activation_latest AS a ON p.person_id = a.person_id
        """,
    )


MODEL = ModelInfo(
    key="activation",
    name="Patient activation (recorded PAM level)",
    source="Patient Activation Measure (Hibbard 2004, 2005): recorded levels or scores, never computed",
    version="pam-recorded-v1",
    lookback="The latest PAM record in the last 24 months (configurable)",
    inputs="measures (instrument PAM)",
    output_columns=("activation_level", "activation_date", "low_activation"),
    build=build,
    uses_codelist=False,
)
