"""Hospital and GP use per person in the last ``utilisation_months`` (12 by default)."""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine

COLUMNS = (
    "ae_attendances",
    "emergency_admissions",
    "elective_admissions",
    "outpatient_attendances",
    "gp_appointments",
    "bed_days",
)


def build(engine: Engine, settings: Settings) -> None:
    """``utilisation``: one row per person with the counts in ``COLUMNS`` (0 when none)."""
    since = settings.since_sql(settings.utilisation_months)
    engine.create(
        "utilisation",
        f"""
        SELECT p.person_id, p.pid,
               coalesce(u.ae_attendances, 0) AS ae_attendances,
               coalesce(u.emergency_admissions, 0) AS emergency_admissions,
               coalesce(u.elective_admissions, 0) AS elective_admissions,
               coalesce(u.outpatient_attendances, 0) AS outpatient_attendances,
               coalesce(u.gp_appointments, 0) AS gp_appointments,
               coalesce(u.bed_days, 0) AS bed_days
        FROM persons AS p LEFT JOIN (
            SELECT pid,
                   CAST(count(*) FILTER (WHERE setting = 'ae') AS INTEGER) AS ae_attendances,
                   CAST(count(*) FILTER (WHERE setting = 'emergency_admission') AS INTEGER) AS emergency_admissions,
                   CAST(count(*) FILTER (WHERE setting = 'elective_admission') AS INTEGER) AS elective_admissions,
                   CAST(count(*) FILTER (WHERE setting = 'outpatient') AS INTEGER) AS outpatient_attendances,
                   CAST(count(*) FILTER (WHERE setting = 'gp') AS INTEGER) AS gp_appointments,
                   CAST(coalesce(sum(length_of_stay) FILTER (
                       WHERE setting IN ('emergency_admission', 'elective_admission')), 0) AS INTEGER) AS bed_days
            FROM activity
            WHERE date >= {since} AND date <= {settings.as_at_sql}
            GROUP BY pid
        ) AS u ON p.pid = u.pid
        """,
    )
