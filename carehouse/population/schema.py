"""The input schema of a population extract: four long tables, Parquet or CSV.

An extract is a folder holding ``persons``, ``diagnoses``, ``activity`` and, optionally,
``measures`` (each ``<name>.parquet`` or ``<name>.csv``) and, optionally, ``extract.json``
with ``{"as_at": "YYYY-MM-DD"}``: the date the extract was taken, from which ages and
look-back windows are counted.

The README shows a sample of each table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "integer", "double", "date"]

CODE_SYSTEMS = ("icd10", "snomed")
DIAGNOSIS_SOURCES = ("primary", "secondary")
SETTINGS = ("ae", "emergency_admission", "elective_admission", "outpatient", "gp")
ADMISSION_SETTINGS = ("emergency_admission", "elective_admission")
SEXES = ("female", "male", "unknown")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


PERSONS = Table(
    "persons",
    (
        Column("person_id", "string", description="The extract's own pseudonymous identifier; unique"),
        Column("nhs_number", "string", required=False, description="10 digits; only for a practice's own lists"),
        Column("year_of_birth", "integer", required=False, description="Give this or age"),
        Column("age", "integer", required=False, description="Age in whole years on the as-at date"),
        Column("sex", "string", description="female, male or unknown"),
        Column("lsoa", "string", required=False, description="Lower layer super output area, like E01000001"),
        Column("deprivation_decile", "integer", required=False, description="IMD decile, 1 = most deprived"),
        Column("practice_code", "string", description="ODS code of the registered GP practice"),
        Column("registered_from", "date", required=False),
        Column("registered_to", "date", required=False, description="Empty while registered"),
        Column("deceased_date", "date", required=False),
    ),
    description="One row per person",
)

DIAGNOSES = Table(
    "diagnoses",
    (
        Column("person_id", "string"),
        Column("code", "string", description="Normalised on load: E11.2, e112 and ' E112' are one code"),
        Column("code_system", "string", description="icd10 or snomed"),
        Column("date", "date"),
        Column("source", "string", required=False, description="primary (GP) or secondary (hospital)"),
    ),
    description="One row per coded diagnosis",
)

ACTIVITY = Table(
    "activity",
    (
        Column("person_id", "string"),
        Column("setting", "string", description="ae, emergency_admission, elective_admission, outpatient or gp"),
        Column("date", "date", description="Attendance or admission date"),
        Column("length_of_stay", "integer", required=False, description="Days, for admissions"),
    ),
    description="One row per attendance or admission",
)

MEASURES = Table(
    "measures",
    (
        Column("person_id", "string"),
        Column("instrument", "string", description="For example PAM, ONS4, SWEMWBS"),
        Column("score", "double", required=False),
        Column("level", "integer", required=False, description="PAM level 1 to 4, where recorded"),
        Column("date", "date"),
    ),
    required=False,
    description="Recorded questionnaire results; PAM levels are taken as recorded, never computed",
)

TABLES = (PERSONS, DIAGNOSES, ACTIVITY, MEASURES)
