"""Linking a population extract to Carehouse records: deprivation, long-term conditions and hospital activity.

The extract (``carehouse.population.schema``: persons, diagnoses, activity) is read with DuckDB
in this process, through the same loader and checks a stratification run uses
(``population.load.load_extract``); the application database is never attached to DuckDB.
People are matched by NHS number (spaces taken out) to ``Person.nhs_number``. For each person
matched:

- ``PersonProfile``: the extract's deprivation decile; the number of long-term conditions on the
  Cambridge Multimorbidity list (``population.models.cms``, from the diagnoses, conditions ever
  recorded); the segment the person was given by the newest finished stratification run of the
  same extract, where they were on one of its lists (otherwise blank: a run keeps segments only
  for the people it lists);
- ``HospitalActivity``: A&E attendances, emergency and planned admissions and outpatient
  appointments counted by month, with bed days (the sum of admissions' length of stay; a
  same-day discharge is 0 days). GP appointments in the extract are not kept.

Rows the loader sets aside (left the practice, died, dates after the as-at date, unknown
setting) are not linked. An NHS number given to more than one person in the extract is not
linked at all, as it cannot be told which is the Carehouse record.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from carehouse.commissioning.models import ActivitySetting
from carehouse.population.codelists import build_code_map
from carehouse.population.config import Settings, read_as_at
from carehouse.population.engine import DuckDBEngine
from carehouse.population.load import UnusableExtract, find_file, load_extract
from carehouse.population.models import cms

#: The settings kept (the extract's ``gp`` is not hospital activity).
KEPT_SETTINGS = tuple(ActivitySetting.values)


class LinkError(ValueError):
    """The extract cannot be linked; the message says why, in plain words."""


@dataclass(frozen=True)
class ExtractPerson:
    """What the extract says about one NHS number."""

    imd_decile: int | None
    ltc_count: int


@dataclass
class ReadExtract:
    """The linkable contents of one extract, keyed by NHS number."""

    as_at: datetime.date
    persons: dict[str, ExtractPerson]
    activity: dict[str, dict[tuple[str, datetime.date], tuple[int, int]]]
    persons_used: int
    duplicate_numbers: int


def _nhs_number(value: object) -> str:
    return "".join(str(value or "").split())


def read_extract(folder: Path, *, today: datetime.date | None = None) -> ReadExtract:
    """Read ``folder`` with DuckDB; raise ``LinkError`` when it is missing or cannot be used."""
    if not folder.is_dir():
        raise LinkError(f"There is no extract folder at {folder}")
    if find_file(folder, "persons") is None:
        raise LinkError(f"The extract {folder.name} has no persons table: give persons.parquet or persons.csv")
    try:
        as_at = read_as_at(folder) or today or timezone.localdate()
    except (ValueError, OSError) as error:
        raise LinkError(f"The extract's extract.json cannot be read: {error}") from error
    settings = Settings(as_at=as_at)
    engine = DuckDBEngine(memory_limit="1GB", threads=1)
    try:
        try:
            report = load_extract(engine, folder, settings)
        except UnusableExtract as error:
            raise LinkError("The extract cannot be used: " + "; ".join(error.report.problems)) from error
        build_code_map(engine, ["cms"])
        cms.build(engine, settings)
        rows = engine.fetch(
            "SELECT p.nhs_number, p.deprivation_decile, coalesce(c.ltc_count, 0) AS ltc_count "
            "FROM persons AS p LEFT JOIN model_cms AS c ON p.pid = c.pid WHERE p.nhs_number IS NOT NULL"
        ).to_pylist()
        settings_sql = ", ".join(f"'{value}'" for value in KEPT_SETTINGS)
        activity_rows = engine.fetch(
            "SELECT p.nhs_number, a.setting, CAST(date_trunc('month', a.date) AS DATE) AS month, "  # noqa: S608
            "count(*) AS n, CAST(sum(coalesce(a.length_of_stay, 0)) AS BIGINT) AS bed_days "
            "FROM activity AS a JOIN persons AS p ON a.pid = p.pid "
            f"WHERE p.nhs_number IS NOT NULL AND a.setting IN ({settings_sql}) "
            "GROUP BY p.nhs_number, a.setting, CAST(date_trunc('month', a.date) AS DATE)"
        ).to_pylist()
    finally:
        engine.close()

    counted: dict[str, int] = defaultdict(int)
    for row in rows:
        counted[_nhs_number(row["nhs_number"])] += 1
    duplicates = {number for number, times in counted.items() if times > 1}
    persons: dict[str, ExtractPerson] = {}
    for row in rows:
        number = _nhs_number(row["nhs_number"])
        if number and number not in duplicates:
            persons[number] = ExtractPerson(row["deprivation_decile"], int(row["ltc_count"]))
    activity: dict[str, dict[tuple[str, datetime.date], tuple[int, int]]] = defaultdict(dict)
    for row in activity_rows:
        number = _nhs_number(row["nhs_number"])
        if number not in persons:
            continue
        key = (str(row["setting"]), row["month"])
        count, bed_days = activity[number].get(key, (0, 0))
        is_admission = row["setting"] in (ActivitySetting.EMERGENCY_ADMISSION, ActivitySetting.ELECTIVE_ADMISSION)
        activity[number][key] = (count + int(row["n"]), bed_days + (int(row["bed_days"]) if is_admission else 0))
    return ReadExtract(
        as_at=as_at,
        persons=persons,
        activity=dict(activity),
        persons_used=report.tables["persons"].rows_used,
        duplicate_numbers=len(duplicates),
    )
