"""Loading an extract: bad rows are counted by reason, never silently dropped; unusable extracts stop."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carehouse.population.config import Settings
from carehouse.population.engine import DuckDBEngine, scalar
from carehouse.population.load import UnusableExtract, load_extract
from carehouse.population.tests.helpers import AS_AT, person, write_extract

SETTINGS = Settings(as_at=AS_AT)


def dx(person_id, code, system="icd10", when=date(2025, 1, 1)):
    return {"person_id": person_id, "code": code, "code_system": system, "date": when, "source": "secondary"}


def load(path):
    engine = DuckDBEngine(memory_limit="1GB", threads=1)
    return engine, load_extract(engine, path, SETTINGS)


def test_codes_are_normalised_once_each(tmp_path):
    extract = write_extract(
        tmp_path,
        persons=[person("p1")],
        diagnoses=[dx("p1", "E11.2"), dx("p1", "e112"), dx("p1", " E112"), dx("p1", "I10X"), dx("p1", "i10")],
    )
    engine, report = load(extract)
    codes = (
        engine.fetch("SELECT c.normalised AS code FROM diagnoses JOIN codes AS c USING (code_id) ORDER BY code")
        .column("code")
        .to_pylist()
    )
    assert codes == ["E112", "E112", "E112", "I10", "I10"]
    assert report.tables["diagnoses"].rows_used == 5


def test_bad_rows_are_counted_by_reason_and_the_rest_used(tmp_path):
    extract = write_extract(
        tmp_path,
        persons=[
            person("p1"),
            person("p1", practice_code="B00002"),  # a duplicate
            person("p2", deceased_date=date(2025, 1, 1)),
            person("p3", age=None),
            person("p4", deprivation_decile=11),
        ],
        diagnoses=[
            dx("p1", "I10"),
            dx("p1", "I10", system="read2"),
            dx("p1", "I10", when=date(2027, 1, 1)),
            dx("p9", "I10"),
            dx("p2", "I10"),
        ],
        activity=[
            {"person_id": "p1", "setting": "ae", "date": date(2026, 1, 1)},
            {"person_id": "p1", "setting": "walk_in", "date": date(2026, 1, 1)},
            {"person_id": "p1", "setting": "emergency_admission", "date": date(2026, 1, 1), "length_of_stay": -2},
        ],
    )
    engine, report = load(extract)
    assert report.usable
    persons = report.tables["persons"]
    assert persons.rows_read == 5 and persons.rows_used == 1
    assert persons.rejected == {
        "duplicate person_id (the row with the latest registration is used)": 1,
        "died before the as-at date": 1,
        "age is missing": 1,
        "deprivation_decile is not 1 to 10": 1,
    }
    diagnoses = report.tables["diagnoses"]
    assert diagnoses.rejected == {
        "code_system is not icd10 or snomed": 1,
        "date is after the as-at date": 1,
        "person_id is not in persons": 1,
        "the person was set aside": 1,
    }
    assert diagnoses.rows_used == 1
    assert any("read2 (1)" in note for note in diagnoses.notes)
    activity = report.tables["activity"]
    assert activity.rejected == {
        "setting is not one of ae, emergency_admission, elective_admission, outpatient, gp": 1,
        "length_of_stay is negative": 1,
    }
    assert scalar(engine, "SELECT count(*) FROM persons") == 1
    assert "3 set aside: " not in "\n".join(report.lines())
    assert "  1 set aside: age is missing" in report.lines()


def test_a_missing_column_makes_the_extract_unusable(tmp_path):
    write_extract(tmp_path, persons=[person("p1")])
    pq.write_table(
        pa.table({"person_id": ["p1"], "code": ["I10"], "date": [date(2025, 1, 1)]}), tmp_path / "diagnoses.parquet"
    )
    with pytest.raises(UnusableExtract) as raised:
        load(tmp_path)
    assert raised.value.report.problems == ["The diagnoses table has no code_system column"]


def test_a_missing_table_makes_the_extract_unusable(tmp_path):
    write_extract(tmp_path, persons=[person("p1")])
    (tmp_path / "activity.parquet").unlink()
    with pytest.raises(UnusableExtract) as raised:
        load(tmp_path)
    assert "The activity table is missing: give activity.parquet or .csv" in raised.value.report.problems


def test_a_column_of_the_wrong_type_is_reported(tmp_path):
    # CSV: every value is text; dates that are not dates are counted, a column with none at all is unusable.
    (tmp_path / "persons.csv").write_text("person_id,age,sex,practice_code\np1,70,female,A81001\np2,old,male,A81001\n")
    (tmp_path / "diagnoses.csv").write_text(
        "person_id,code,code_system,date\np1,I10,icd10,2025-01-01\np1,I10,icd10,last tuesday\n"
    )
    (tmp_path / "activity.csv").write_text("person_id,setting,date\n")
    _, report = load(tmp_path)
    assert report.tables["persons"].rejected == {"age is not a whole number": 1}
    assert report.tables["diagnoses"].rejected == {"date is not a date (YYYY-MM-DD)": 1}
    (tmp_path / "diagnoses.csv").write_text("person_id,code,code_system,date\np1,I10,icd10,soon\n")
    with pytest.raises(UnusableExtract) as raised:
        load(tmp_path)
    assert raised.value.report.problems == ["No value in diagnoses.date is a date (YYYY-MM-DD)"]


def test_no_usable_person_is_unusable(tmp_path):
    write_extract(tmp_path, persons=[person("p1", deceased_date=date(2020, 1, 1))])
    with pytest.raises(UnusableExtract) as raised:
        load(tmp_path)
    assert raised.value.report.problems == ["No person in the extract can be used"]
    assert json.loads(json.dumps(raised.value.report.as_dict()))["usable"] is False
