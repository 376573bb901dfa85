"""Tiny extracts for tests: lists of dicts written as Parquet, loaded into a DuckDB engine."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from carehouse.population.codelists import build_code_map
from carehouse.population.config import Settings
from carehouse.population.engine import DuckDBEngine, Engine
from carehouse.population.load import load_extract
from carehouse.population.schema import TABLES

AS_AT = date(2026, 3, 31)
ARROW_TYPES = {"string": pa.string(), "integer": pa.int32(), "double": pa.float64(), "date": pa.date32()}


def person(person_id: str, **values: Any) -> dict[str, Any]:
    """A person row with sensible defaults: 70, female, practice A81001, decile 5."""
    row: dict[str, Any] = {"person_id": person_id, "age": 70, "sex": "female", "practice_code": "A81001"}
    row.setdefault("deprivation_decile", 5)
    row.update(values)
    return row


def write_extract(
    path: Path,
    *,
    persons: list[dict[str, Any]],
    diagnoses: list[dict[str, Any]] | None = None,
    activity: list[dict[str, Any]] | None = None,
    measures: list[dict[str, Any]] | None = None,
    as_at: date = AS_AT,
) -> Path:
    """Write each table as Parquet with the schema's types (every schema column, missing values empty)."""
    path.mkdir(parents=True, exist_ok=True)
    given = {"persons": persons, "diagnoses": diagnoses or [], "activity": activity or [], "measures": measures}
    for table in TABLES:
        rows = given[table.name]
        if rows is None:
            continue
        schema = pa.schema([(column.name, ARROW_TYPES[column.type]) for column in table.columns])
        columns = {column.name: [row.get(column.name) for row in rows] for column in table.columns}
        pq.write_table(pa.table(columns, schema=schema), path / f"{table.name}.parquet")
    (path / "extract.json").write_text(json.dumps({"as_at": as_at.isoformat()}))
    return path


def loaded(path: Path, models: list[str], settings: Settings | None = None) -> tuple[Engine, Settings]:
    """A DuckDB engine with ``path`` loaded and the code map built for ``models``."""
    settings = settings or Settings(as_at=AS_AT)
    engine = DuckDBEngine(memory_limit="1GB", threads=1)
    load_extract(engine, path, settings)
    build_code_map(engine, models)
    return engine, settings
