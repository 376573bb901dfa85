"""Loading an extract: every row is either used or counted, by reason, in the input report.

``load_extract`` reads the extract's files into the engine as raw views, checks the columns,
casts and normalises each value, and creates the clean tables ``persons``, ``diagnoses``,
``activity`` and ``measures`` the models read. Rows that cannot be used are counted by table
and reason. The extract is unusable (and the command exits non-zero) only when a required
table or column is missing, a required column holds no value of its type, or no person is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carehouse.population.codes import normalise_code_sql
from carehouse.population.config import Settings
from carehouse.population.engine import Engine, FileFormat, scalar
from carehouse.population.schema import (
    ACTIVITY,
    CODE_SYSTEMS,
    DIAGNOSES,
    DIAGNOSIS_SOURCES,
    MEASURES,
    PERSONS,
    SETTINGS,
    SEXES,
    TABLES,
    Column,
    Table,
)

_A_TYPE = {"string": "text", "integer": "a whole number", "double": "a number", "date": "a date (YYYY-MM-DD)"}
SQL_TYPES = {"string": "VARCHAR", "integer": "INTEGER", "double": "DOUBLE", "date": "DATE"}


class UnusableExtract(Exception):
    """The extract cannot be stratified; ``report`` says why."""

    def __init__(self, report: InputReport) -> None:
        super().__init__("; ".join(report.problems))
        self.report = report


@dataclass
class TableReport:
    table: str
    rows_read: int = 0
    rows_used: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": dict(self.rejected),
            "notes": list(self.notes),
        }


@dataclass
class InputReport:
    """What was read, used and set aside, by table and reason; ``problems`` make the extract unusable."""

    tables: dict[str, TableReport] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "usable": self.usable,
            "problems": list(self.problems),
            "tables": {name: table.as_dict() for name, table in self.tables.items()},
        }

    def lines(self) -> list[str]:
        """The report as plain lines for the command line."""
        return report_lines(self.as_dict())


def report_lines(report: dict[str, Any]) -> list[str]:
    """An input report (``InputReport.as_dict()``, perhaps read back from JSON) as plain lines."""
    out = [f"Problem: {problem}" for problem in report["problems"]]
    for table in report["tables"].values():
        out.append(f"{table['table']}: {table['rows_read']:,} rows read, {table['rows_used']:,} used")
        out.extend(f"  {count:,} set aside: {reason}" for reason, count in sorted(table["rejected"].items()))
        out.extend(f"  note: {note}" for note in table["notes"])
    return out


def find_file(extract: Path, table: str) -> tuple[Path, FileFormat] | None:
    for suffix, file_format in ((".parquet", "parquet"), (".csv", "csv")):
        path = extract / f"{table}{suffix}"
        if path.exists():
            return path, file_format  # type: ignore[return-value]
    return None


#: Engine type names (DuckDB's and Spark's) already of each schema type: read as they are, no cast.
NATIVE_TYPES = {
    "string": {"varchar", "string"},
    "integer": {"integer", "int", "bigint", "smallint", "tinyint"},
    "double": {"double", "float", "real"},
    "date": {"date"},
}


def _native(column: Column, present: dict[str, str]) -> bool:
    return present.get(column.name, "") in NATIVE_TYPES[column.type]


def _typed(column: Column, present: dict[str, str]) -> str:
    """``column`` cast to its schema type, or NULL when the file lacks it (an optional column)."""
    sql_type = SQL_TYPES[column.type]
    if column.name not in present:
        return f"CAST(NULL AS {sql_type})"
    if column.type == "string":
        return (
            f"nullif(trim({column.name}), '')"
            if _native(column, present)
            else f"nullif(trim(CAST({column.name} AS VARCHAR)), '')"
        )
    if _native(column, present):
        return f"CAST({column.name} AS {sql_type})"
    return f"try_cast(nullif(trim(CAST({column.name} AS VARCHAR)), '') AS {sql_type})"


def _bad_type(column: Column, present: dict[str, str]) -> str:
    """True when a value is given but is not of the column's type."""
    if column.name not in present or column.type == "string" or _native(column, present):
        return "FALSE"
    return f"(nullif(trim(CAST({column.name} AS VARCHAR)), '') IS NOT NULL AND {_typed(column, present)} IS NULL)"


def _stage(
    engine: Engine,
    table: Table,
    present: dict[str, str],
    checks: list[tuple[str, str]],
    with_person_status: bool = True,
) -> None:
    """``staged_<table>``: typed columns plus ``reject``, the first reason a row cannot be used (or NULL).

    Persons are materialised (several steps read them); the other tables are views, read twice:
    once to count the reasons, once to keep the usable rows.
    """
    typed = ", ".join(f"{_typed(column, present)} AS {column.name}" for column in table.columns)
    type_checks = [
        (f"{column.name} is not {_A_TYPE[column.type]}", _bad_type(column, present))
        for column in table.columns
        if column.name in present and column.type != "string" and not _native(column, present)
    ]

    def case(pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "CAST(NULL AS VARCHAR)"
        whens = " ".join(f"WHEN {condition} THEN '{reason.replace("'", "''")}'" for reason, condition in pairs)
        return f"CASE {whens} ELSE NULL END"

    # Type checks read the raw values (inside); the other checks read the typed ones (outside).
    typed += f", {case(type_checks)} AS type_reject"
    reject = f"coalesce(type_reject, {case(checks)})"
    join, status = "", ""
    if with_person_status:
        join = " LEFT JOIN person_status ON source.person_id = person_status.status_person_id"
        status = ", person_status.status_pid, person_status.status"
    query = f"SELECT source.*{status}, {reject} AS reject FROM (SELECT {typed} FROM raw_{table.name}) AS source{join}"
    if with_person_status:
        engine.view(f"staged_{table.name}", query)
    else:
        engine.create(f"staged_{table.name}", query)


def _tally(engine: Engine, source: str, report: TableReport) -> None:
    rows = engine.fetch(f"SELECT reject, count(*) AS n FROM {source} GROUP BY reject").to_pylist()
    for row in rows:
        report.rows_read += int(row["n"])
        if row["reject"] is not None:
            report.rejected[str(row["reject"])] = int(row["n"])


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def load_extract(engine: Engine, extract: Path, settings: Settings) -> InputReport:
    """Read ``extract`` into clean tables in ``engine``; raise ``UnusableExtract`` when it cannot be used."""
    report = InputReport()
    present: dict[str, dict[str, str]] = {}
    for table in TABLES:
        found = find_file(extract, table.name)
        if found is None:
            if table.required:
                report.problems.append(f"The {table.name} table is missing: give {table.name}.parquet or .csv")
            continue
        engine.register_file(f"raw_{table.name}", *found)
        types = engine.columns(f"raw_{table.name}")
        columns = {name.lower(): name for name in types}
        if any(name != lower for lower, name in columns.items()):
            renames = ", ".join(f"`{name}` AS {lower}" for lower, name in columns.items())
            engine.create(f"raw_{table.name}", f"SELECT {renames} FROM raw_{table.name}")
        present[table.name] = {lower: types[name] for lower, name in columns.items()}
        missing = [c.name for c in table.columns if c.required and c.name not in columns]
        if table is PERSONS and not {"age", "year_of_birth"} & set(columns):
            missing.append("age or year_of_birth")
        if missing:
            report.problems.append(f"The {table.name} table has no {', '.join(missing)} column")
    if report.problems:
        raise UnusableExtract(report)

    as_at = settings.as_at_sql
    # Persons: one row each; the first of duplicates (latest registration) is used.
    persons = present["persons"]
    _stage(
        engine,
        PERSONS,
        persons,
        [
            ("person_id is missing", "person_id IS NULL"),
            ("age is missing", "age IS NULL AND year_of_birth IS NULL"),
            ("age is below 0 or over 120", "coalesce(age, year(" + as_at + ") - year_of_birth) NOT BETWEEN 0 AND 120"),
            ("practice_code is missing", "practice_code IS NULL"),
            (
                "deprivation_decile is not 1 to 10",
                "deprivation_decile IS NOT NULL AND deprivation_decile NOT BETWEEN 1 AND 10",
            ),
            ("died before the as-at date", f"deceased_date IS NOT NULL AND deceased_date <= {as_at}"),
            ("left the practice before the as-at date", f"registered_to IS NOT NULL AND registered_to < {as_at}"),
            ("registered after the as-at date", f"registered_from IS NOT NULL AND registered_from > {as_at}"),
            (
                "duplicate person_id (the row with the latest registration is used)",
                "row_number() OVER (PARTITION BY person_id ORDER BY coalesce(registered_from, DATE '1900-01-01') DESC, "
                "practice_code, coalesce(nhs_number, '')) > 1",
            ),
        ],
        with_person_status=False,
    )
    persons_report = report.tables.setdefault("persons", TableReport("persons"))
    _tally(engine, "staged_persons", persons_report)
    unknown_sex = scalar(
        engine,
        f"SELECT count(*) FROM staged_persons WHERE reject IS NULL AND (sex IS NULL OR lower(sex) NOT IN {_in(SEXES)})",
    )
    if unknown_sex:
        persons_report.notes.append(f"{unknown_sex:,} rows with sex not female, male or unknown: read as unknown")
    engine.create(
        "persons",
        f"""
        SELECT person_id, CAST(row_number() OVER (ORDER BY person_id) AS INTEGER) AS pid, nhs_number,
               CAST(coalesce(age, year({as_at}) - year_of_birth) AS INTEGER) AS age,
               CASE WHEN lower(sex) IN {_in(SEXES)} THEN lower(sex) ELSE 'unknown' END AS sex,
               lsoa, deprivation_decile, upper(practice_code) AS practice_code
        FROM staged_persons WHERE reject IS NULL
        """,
    )

    # Each person_id's standing: used, or set aside above (died, left), taking their rows with them.
    engine.create(
        "person_status",
        "SELECT s.person_id AS status_person_id, p.pid AS status_pid, "
        "CASE WHEN p.pid IS NOT NULL THEN 'used' ELSE 'set aside' END AS status "
        "FROM (SELECT DISTINCT person_id FROM staged_persons WHERE person_id IS NOT NULL) AS s "
        "LEFT JOIN persons AS p ON s.person_id = p.person_id",
    )
    known_person = "status IS NOT NULL"
    set_aside = "status = 'set aside'"
    _stage(
        engine,
        DIAGNOSES,
        present["diagnoses"],
        [
            ("person_id is missing", "person_id IS NULL"),
            ("code is missing", "code IS NULL"),
            ("date is missing", "date IS NULL"),
            (
                "code_system is not icd10 or snomed",
                f"lower(code_system) NOT IN {_in(CODE_SYSTEMS)} OR code_system IS NULL",
            ),
            ("date is after the as-at date", f"date > {as_at}"),
            (
                "source is not primary or secondary",
                f"source IS NOT NULL AND lower(source) NOT IN {_in(DIAGNOSIS_SOURCES)}",
            ),
            ("the person was set aside", set_aside),
            ("person_id is not in persons", f"NOT {known_person}"),
        ],
    )
    # Each distinct code once, numbered; its normalised form is worked out here, not on every row.
    raw_system = f"lower({_typed(DIAGNOSES.column('code_system'), present['diagnoses'])})"
    raw_code = _typed(DIAGNOSES.column("code"), present["diagnoses"])
    engine.create(
        "codes",
        f"""
        SELECT CAST(row_number() OVER (ORDER BY code_system, code) AS INTEGER) AS code_id, code_system, code,
               {normalise_code_sql("code", "code_system")} AS normalised
        FROM (
            SELECT DISTINCT {raw_system} AS code_system, {raw_code} AS code FROM raw_diagnoses
            WHERE {raw_code} IS NOT NULL AND {raw_system} IN {_in(CODE_SYSTEMS)}
        ) AS u
        """,
    )
    # One pass over the rows: numbers only (person, code), so the models' joins are on integers.
    engine.create(
        "diagnoses_checked",
        """
        SELECT s.status_pid AS pid, c.code_id, s.date, lower(s.source) AS source, s.reject
        FROM staged_diagnoses AS s LEFT JOIN codes AS c ON lower(s.code_system) = c.code_system AND s.code = c.code
        """,
    )
    _tally(engine, "diagnoses_checked", report.tables.setdefault("diagnoses", TableReport("diagnoses")))
    _note_unknown_systems(engine, report.tables["diagnoses"])
    engine.create("diagnoses", "SELECT pid, code_id, date, source FROM diagnoses_checked WHERE reject IS NULL")

    _stage(
        engine,
        ACTIVITY,
        present["activity"],
        [
            ("person_id is missing", "person_id IS NULL"),
            ("date is missing", "date IS NULL"),
            (
                "setting is not one of " + ", ".join(SETTINGS),
                f"setting IS NULL OR lower(setting) NOT IN {_in(SETTINGS)}",
            ),
            ("date is after the as-at date", f"date > {as_at}"),
            ("length_of_stay is negative", "length_of_stay < 0"),
            ("the person was set aside", set_aside),
            ("person_id is not in persons", f"NOT {known_person}"),
        ],
    )
    engine.create(
        "activity_checked",
        "SELECT status_pid AS pid, lower(setting) AS setting, date, length_of_stay, reject FROM staged_activity",
    )
    _tally(engine, "activity_checked", report.tables.setdefault("activity", TableReport("activity")))
    engine.create("activity", "SELECT pid, setting, date, length_of_stay FROM activity_checked WHERE reject IS NULL")

    if "measures" in present:
        _stage(
            engine,
            MEASURES,
            present["measures"],
            [
                ("person_id is missing", "person_id IS NULL"),
                ("instrument is missing", "instrument IS NULL"),
                ("date is missing", "date IS NULL"),
                ("date is after the as-at date", f"date > {as_at}"),
                ("score and level are both missing", "score IS NULL AND level IS NULL"),
                ("the person was set aside", set_aside),
                ("person_id is not in persons", f"NOT {known_person}"),
            ],
        )
        _tally(engine, "staged_measures", report.tables.setdefault("measures", TableReport("measures")))
        engine.create(
            "measures",
            "SELECT person_id, upper(instrument) AS instrument, score, level, date FROM staged_measures WHERE reject IS NULL",
        )
    else:
        engine.create(
            "measures",
            "SELECT CAST(NULL AS VARCHAR) AS person_id, CAST(NULL AS VARCHAR) AS instrument, "
            "CAST(NULL AS DOUBLE) AS score, CAST(NULL AS INTEGER) AS level, CAST(NULL AS DATE) AS date WHERE FALSE",
        )

    for name, table_report in report.tables.items():
        table_report.rows_used = table_report.rows_read - sum(table_report.rejected.values())
        if name in ("persons", "diagnoses", "activity", "measures"):
            _unusable_columns(engine, name, present[name], report)
    if report.tables["persons"].rows_used == 0:
        report.problems.append("No person in the extract can be used")
    if report.problems:
        raise UnusableExtract(report)
    return report


def _note_unknown_systems(engine: Engine, table_report: TableReport) -> None:
    rows = engine.fetch(
        f"SELECT lower(code_system) AS system, count(*) AS n FROM staged_diagnoses "
        f"WHERE code_system IS NOT NULL AND lower(code_system) NOT IN {_in(CODE_SYSTEMS)} "
        "GROUP BY lower(code_system) ORDER BY n DESC, system LIMIT 5"
    ).to_pylist()
    if rows:
        systems = ", ".join(f"{row['system']} ({row['n']:,})" for row in rows)
        table_report.notes.append(f"Code systems we do not read: {systems}")


def _unusable_columns(engine: Engine, table: str, present: dict[str, str], report: InputReport) -> None:
    """A required column in which no value has its type (dates written as words, say) makes the extract unusable."""
    schema = next(t for t in TABLES if t.name == table)
    for column in schema.columns:
        if not column.required or column.type == "string" or column.name not in present or _native(column, present):
            continue
        given = f"nullif(trim(CAST({column.name} AS VARCHAR)), '') IS NOT NULL"
        counts = engine.fetch(
            f"SELECT count(*) FILTER (WHERE {given}) AS given, "
            f"count(*) FILTER (WHERE {given} AND {_typed(column, present)} IS NOT NULL) AS typed "
            f"FROM raw_{table}"
        ).to_pylist()[0]
        if counts["given"] and not counts["typed"]:
            report.problems.append(f"No value in {table}.{column.name} is {_A_TYPE[column.type]}")
