"""LACE (van Walraven 2010) against hand-worked examples, and the same answers on Spark."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from carehouse.population.codelists import build_code_map
from carehouse.population.config import Settings, months_before
from carehouse.population.engine import DuckDBEngine, Engine
from carehouse.population.load import load_extract
from carehouse.population.models import charlson, lace
from carehouse.population.tests.helpers import AS_AT, person, write_extract


def dx(person_id, code, when="2025-06-01"):
    return {"person_id": person_id, "code": code, "code_system": "icd10", "date": date.fromisoformat(when)}


def act(person_id, setting, when, days=None):
    return {"person_id": person_id, "setting": setting, "date": date.fromisoformat(when), "length_of_stay": days}


def ae(person_id, *days):
    return [act(person_id, "ae", when) for when in days]


def emergency(person_id, when, days):
    return act(person_id, "emergency_admission", when, days)


PEOPLE = [person(f"p{index:02d}") for index in range(1, 13)]
DIAGNOSES = [
    dx("p01", "I50.0"),  # Charlson: heart failure 2
    dx("p01", "J44.9"),  # + COPD 1 = 3
    dx("p02", "C78.0"),  # metastatic solid tumour 6
    dx("p09", "F03"),  # dementia 2
    dx("p10", "F03"),  # dementia 2
    dx("p10", "J44.9"),  # + COPD 1 = 3
]
ACTIVITY = [
    # p01, the full example. Index: 10 Feb 2026, 5 days (the November stay is older).
    emergency("p01", "2026-02-10", 5),
    emergency("p01", "2025-11-01", 20),
    # A&E: the admission day itself (not counted), 5 Jan, 20 Dec, exactly 6 months before (10 Aug 2025,
    # counted) and 7 months before (10 Jul 2025, not counted).
    *ae("p01", "2026-02-10", "2026-01-05", "2025-12-20", "2025-08-10", "2025-07-10"),
    # p02, the caps: 20 days, Charlson 6, 6 A&E attendances in the 6 months before.
    emergency("p02", "2026-01-15", 20),
    *ae("p02", "2025-08-01", "2025-09-01", "2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01"),
    # p03, two emergency admissions on one day: the longer stay (9 days) is the index.
    emergency("p03", "2026-03-01", 2),
    emergency("p03", "2026-03-01", 9),
    emergency("p03", "2025-12-01", 14),
    # p04: no emergency admission, only an elective one and A&E.
    act("p04", "elective_admission", "2026-01-01", 3),
    *ae("p04", "2026-01-02"),
    # p05: the only emergency admission is 13 months old.
    emergency("p05", "2025-02-28", 4),
    # p06: a same-day stay; p07 with its length of stay unknown.
    emergency("p06", "2026-03-30", 0),
    emergency("p07", "2026-03-30", None),
    # p08: 1 day and one A&E attendance; p12: 1 day and nothing else.
    emergency("p08", "2026-01-20", 1),
    *ae("p08", "2026-01-19"),
    emergency("p12", "2026-01-20", 1),
    # p09 and p10: 4 days with Charlson 2 and 3.
    emergency("p09", "2025-06-01", 4),
    emergency("p10", "2025-06-01", 4),
    # p11: admitted 31 Aug 2025, so the A&E window starts 28 Feb 2025 (clamped): 28 Feb counts, 27 Feb does not.
    emergency("p11", "2025-08-31", 3),
    *ae("p11", "2025-02-28", "2025-02-27"),
]
EXPECTED = {
    "p01": (4 + 3 + 3 + 3, "high"),  # L 5 days = 4, A 3, C Charlson 3 = 3, E 3 attendances = 3: 13
    "p02": (7 + 3 + 5 + 4, "high"),  # L 20 days = 7, A 3, C Charlson 6 = 5, E 6 attendances = 4: 19
    "p03": (5 + 3 + 0 + 0, "moderate"),  # L 9 days = 5, A 3: 8
    "p04": (None, None),
    "p05": (None, None),
    "p06": (0 + 3, "low"),  # L under a day = 0, A 3: 3
    "p07": (0 + 3, "low"),  # unknown length of stay counts as 0 days
    "p08": (1 + 3 + 0 + 1, "moderate"),  # 5
    "p09": (4 + 3 + 2, "moderate"),  # 9
    "p10": (4 + 3 + 3, "high"),  # 10
    "p11": (3 + 3 + 0 + 1, "moderate"),  # L 3 days = 3, A 3, E 1: 7
    "p12": (1 + 3, "low"),  # 4
}


def run(engine: Engine, path: Path) -> dict[str, Any]:
    extract = write_extract(path, persons=PEOPLE, diagnoses=DIAGNOSES, activity=ACTIVITY)
    settings = Settings(as_at=AS_AT)
    load_extract(engine, extract, settings)
    build_code_map(engine, ["charlson"])
    charlson.build(engine, settings)
    lace.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_lace ORDER BY person_id").to_pylist()
    return {row["person_id"]: (row["lace"], row["lace_band"]) for row in rows}


def test_hand_worked_examples(tmp_path):
    assert run(DuckDBEngine(memory_limit="1GB", threads=1), tmp_path) == EXPECTED


def test_without_model_charlson_it_fails_loudly(tmp_path):
    engine = DuckDBEngine(memory_limit="1GB", threads=1)
    load_extract(engine, write_extract(tmp_path, persons=PEOPLE, activity=ACTIVITY), Settings(as_at=AS_AT))
    with pytest.raises(Exception, match="model_charlson"):
        lace.build(engine, Settings(as_at=AS_AT))


def test_metadata():
    assert lace.MODEL.output_columns == ("lace", "lace_band")
    assert lace.MODEL.uses_codelist is False


TRICKY_DAYS = [
    date(2025, 8, 31),
    date(2025, 8, 29),
    date(2024, 8, 29),  # leap year: 29 Feb 2024
    date(2024, 8, 31),
    date(2026, 3, 31),
    date(2025, 12, 31),
    date(2026, 1, 15),
    date(2025, 5, 31),
    date(2025, 10, 30),
]


@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_window_dates(spark_engine):
    dates = " UNION ALL ".join(f"SELECT DATE '{day.isoformat()}' AS day" for day in TRICKY_DAYS)
    query = f"SELECT day, {lace.months_earlier_sql('day', 6)} AS since FROM ({dates}) AS d ORDER BY day"
    expected = [{"day": day, "since": months_before(day, 6)} for day in sorted(TRICKY_DAYS)]
    assert DuckDBEngine(memory_limit="1GB", threads=1).fetch(query).to_pylist() == expected
    assert spark_engine.fetch(query).to_pylist() == expected
    # LACE itself on Spark is compared with DuckDB in test_parity.py, with every other step.
