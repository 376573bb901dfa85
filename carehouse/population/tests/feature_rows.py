"""Hand-made ``features`` rows (one per person) for the segmentation, priority and cohort tests."""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

import pyarrow as pa

from carehouse.population.cohort import condition_bits
from carehouse.population.engine import DuckDBEngine, Engine

FEATURES_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("nhs_number", pa.string()),
        ("age", pa.int32()),
        ("age_band", pa.string()),
        ("sex", pa.string()),
        ("lsoa", pa.string()),
        ("deprivation_decile", pa.int32()),
        ("practice_code", pa.string()),
        ("charlson", pa.int32()),
        ("charlson_age_adjusted", pa.int32()),
        ("charlson_mask", pa.int64()),
        ("elixhauser", pa.int32()),
        ("elixhauser_mask", pa.int64()),
        ("hfrs", pa.float64()),
        ("hfrs_band", pa.string()),
        ("lace", pa.int32()),
        ("lace_band", pa.string()),
        ("cms_general", pa.float64()),
        ("cms_mortality", pa.float64()),
        ("ltc_count", pa.int32()),
        ("cms_mask", pa.int64()),
        ("efi", pa.float64()),
        ("efi_deficits", pa.int32()),
        ("efi_category", pa.string()),
        ("activation_level", pa.int32()),
        ("activation_date", pa.date32()),
        ("low_activation", pa.bool_()),
        ("ae_attendances", pa.int32()),
        ("emergency_admissions", pa.int32()),
        ("elective_admissions", pa.int32()),
        ("outpatient_attendances", pa.int32()),
        ("gp_appointments", pa.int32()),
        ("bed_days", pa.int32()),
    ]
)

ACTIVITY_SCHEMA = pa.schema(
    [("person_id", pa.string()), ("setting", pa.string()), ("date", pa.date32()), ("length_of_stay", pa.int32())]
)


def age_band(age: int) -> str:
    for upper, band in ((17, "0-17"), (44, "18-44"), (64, "45-64"), (74, "65-74"), (84, "75-84")):
        if age <= upper:
            return band
    return "85+"


def feature_row(person_id: str, conditions: tuple[str, ...] = (), **values: Any) -> dict[str, Any]:
    """A person aged 50 at practice A81001, decile 5, with nothing recorded unless given.

    ``conditions`` sets bits of charlson_mask and cms_mask (``cms.dia``, ``charlson.metacanc``);
    ltc_count defaults to the number of cms conditions given.
    """
    bits = condition_bits()
    masks = {"charlson_mask": 0, "cms_mask": 0}
    for key in conditions:
        column, bit = bits[key]
        masks[column] |= bit
    age = values.get("age", 50)
    row: dict[str, Any] = {
        "person_id": person_id,
        "nhs_number": "999" + str(zlib.crc32(person_id.encode()) % 10**7).zfill(7),
        "age": age,
        "age_band": age_band(age),
        "sex": "female",
        "lsoa": "E01000001",
        "deprivation_decile": 5,
        "practice_code": "A81001",
        "charlson": 0,
        "charlson_age_adjusted": 0,
        "elixhauser": 0,
        "elixhauser_mask": 0,
        "hfrs": 0.0,
        "hfrs_band": "low",
        "lace": None,
        "lace_band": None,
        "cms_general": 0.0,
        "cms_mortality": 0.0,
        "ltc_count": sum(1 for key in conditions if key.startswith("cms.")),
        "efi": 0.0,
        "efi_deficits": 0,
        "efi_category": "fit",
        "activation_level": None,
        "activation_date": None,
        "ae_attendances": 0,
        "emergency_admissions": 0,
        "elective_admissions": 0,
        "outpatient_attendances": 0,
        "gp_appointments": 0,
        "bed_days": 0,
        **masks,
    }
    row.update(values)
    if row["activation_level"] is not None and row["activation_date"] is None:
        row["activation_date"] = date(2025, 6, 1)
    row["low_activation"] = row["activation_level"] in (1, 2)
    return row


def features_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({name: [row[name] for row in rows] for name in FEATURES_SCHEMA.names}, schema=FEATURES_SCHEMA)


def activity_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns = {name: [row.get(name) for row in rows] for name in ACTIVITY_SCHEMA.names}
    return pa.table(columns, schema=ACTIVITY_SCHEMA)


def activity(person_id: str, setting: str, when: str) -> dict[str, Any]:
    return {"person_id": person_id, "setting": setting, "date": date.fromisoformat(when)}


def with_features(
    engine: Engine, rows: list[dict[str, Any]], activity_rows: list[dict[str, Any]] | None = None
) -> Engine:
    """``engine`` holding ``features``, ``persons`` (numbered, as loading leaves them) and ``activity``."""
    engine.register_arrow("features", features_table(rows))
    ids = [row["person_id"] for row in rows]
    engine.register_arrow("persons", pa.table({"person_id": ids, "pid": pa.array(range(1, len(ids) + 1), pa.int32())}))
    engine.register_arrow("activity_rows", activity_table(activity_rows or []))
    engine.create(
        "activity",
        "SELECT p.pid, a.setting, a.date, a.length_of_stay FROM activity_rows AS a JOIN persons AS p USING (person_id)",
    )
    return engine


def duckdb_with(rows: list[dict[str, Any]], activity_rows: list[dict[str, Any]] | None = None) -> Engine:
    """A DuckDB engine holding ``features`` (and ``activity``) made from the rows given."""
    return with_features(DuckDBEngine(memory_limit="1GB", threads=1), rows, activity_rows)
