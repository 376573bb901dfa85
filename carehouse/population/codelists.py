"""Code lists as data: ``codelists/<model>.csv`` with columns category, code_system, prefix.

Loading numbers each distinct code in the extract (the ``codes`` table, with its normalised form),
and diagnoses carry that number (``code_id``) and the person's number (``pid``), so the big joins
are on integers.

ICD-10 entries match any code that starts with the prefix; SNOMED CT entries match the whole
identifier. ``build_code_map`` maps each distinct code in the extract to the categories it
belongs to, once: the only non-equi join, and over distinct codes only (thousands, not millions
of rows). Everything after it joins on equality.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pyarrow as pa

from carehouse.population.engine import Engine

CODELIST_DIR = Path(__file__).parent / "codelists"


@cache
def read_codelist(model: str) -> tuple[tuple[str, str, str], ...]:
    """(category, code_system, prefix) rows of one model's code list.

    The eFI's list is the deploying organisation's when ``CAREHOUSE_EFI_CODELIST`` names one.
    """
    if model == "efi":
        from carehouse.population.models.efi import efi_codelist_rows

        return efi_codelist_rows()
    with (CODELIST_DIR / f"{model}.csv").open(newline="") as handle:
        return tuple((row["category"], row["code_system"], row["prefix"]) for row in csv.DictReader(handle))


def codelist_table(models: list[str]) -> pa.Table:
    rows = [(model, *row) for model in models for row in read_codelist(model)]
    return pa.table(
        {
            "model": [row[0] for row in rows],
            "category": [row[1] for row in rows],
            "code_system": [row[2] for row in rows],
            "prefix": [row[3] for row in rows],
        }
    )


def build_code_map(engine: Engine, models: list[str]) -> None:
    """``code_map(code_id, code_system, code, model, category)`` for every distinct code in the extract."""
    engine.register_arrow("codelists", codelist_table(models))
    engine.create(
        "code_map",
        """
        SELECT DISTINCT u.code_id, u.code_system, u.normalised AS code, c.model, c.category
        FROM codes AS u
        JOIN codelists AS c ON u.code_system = c.code_system
        WHERE (c.code_system = 'icd10' AND starts_with(u.normalised, c.prefix))
           OR (c.code_system <> 'icd10' AND u.normalised = c.prefix)
        """,
    )
