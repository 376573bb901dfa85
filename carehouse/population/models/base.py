"""What every model declares, and the SQL helpers models share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from carehouse.population.config import Settings
from carehouse.population.engine import Engine


@dataclass(frozen=True)
class Category:
    """One condition or deficit a model counts. ``weight`` is an integer in ``scale`` units."""

    key: str
    label: str
    weight: int = 1
    superseded_by: str | None = None  # scored 0 when this (more severe) category is present


@dataclass(frozen=True)
class ModelInfo:
    key: str
    name: str
    source: str
    version: str
    lookback: str
    inputs: str
    output_columns: tuple[str, ...]
    build: Callable[[Engine, Settings], None]
    uses_codelist: bool = True


def category_bits(categories: tuple[Category, ...]) -> dict[str, int]:
    """Each category's bit in a person's category mask (a BIGINT, so at most 63 categories)."""
    if len(categories) > 63:
        raise ValueError("A category mask holds at most 63 categories")
    return {category.key: 1 << index for index, category in enumerate(categories)}


def mask_table_sql(model: str, categories: tuple[Category, ...]) -> str:
    """Each code's mask of this model's categories, from ``code_map``."""
    bits = category_bits(categories)
    cases = " ".join(f"WHEN '{key}' THEN CAST({bit} AS BIGINT)" for key, bit in bits.items())
    return f"""
        SELECT code_id, bit_or(CASE category {cases} END) AS mask
        FROM code_map WHERE model = '{model}'
        GROUP BY code_id
    """


def person_mask_sql(mask_table: str, since: str, until: str, extra_where: str = "") -> str:
    """(pid, mask): each person's mask over their diagnoses in [since, until] (only people with any).

    Join it to ``persons`` on ``pid`` (an integer: cheaper than the extract's person_id).
    """
    return f"""
        SELECT d.pid, bit_or(m.mask) AS mask
        FROM diagnoses AS d
        JOIN {mask_table} AS m ON d.code_id = m.code_id
        WHERE d.date >= {since} AND d.date <= {until} {extra_where}
        GROUP BY d.pid
    """


def create_person_masks(
    engine: Engine, model: str, categories: tuple[Category, ...], since: str, until: str, table: str
) -> None:
    """``<model>_codes`` (each code's mask) and ``table`` (pid, mask: each person's, in [since, until])."""
    engine.create(f"{model}_codes", mask_table_sql(model, categories))
    engine.create(table, person_mask_sql(f"{model}_codes", since, until))


def diagnosis_categories_sql(model: str, since: str, until: str, extra_where: str = "") -> str:
    """(person_id, category, date, source) for each diagnosis of ``model``'s categories in [since, until].

    Models read diagnoses only through this or ``person_mask_sql``: both match codes through
    ``code_map``, which holds the normalised form of each distinct code.
    """
    return f"""
        SELECT p.person_id, m.category, d.date, d.source
        FROM diagnoses AS d
        JOIN code_map AS m ON d.code_id = m.code_id
        JOIN persons AS p ON d.pid = p.pid
        WHERE m.model = '{model}' AND d.date >= {since} AND d.date <= {until} {extra_where}
    """


def has(mask: str, bit: int) -> str:
    return f"(({mask} & CAST({bit} AS BIGINT)) <> 0)"


def weighted_sum_sql(mask: str, categories: tuple[Category, ...]) -> str:
    """The sum of the weights of the categories present, a category scoring 0 under a more severe one."""
    bits = category_bits(categories)
    terms = []
    for category in categories:
        if category.weight == 0:
            continue
        condition = has(mask, bits[category.key])
        if category.superseded_by:
            condition += f" AND NOT {has(mask, bits[category.superseded_by])}"
        terms.append(f"CASE WHEN {condition} THEN {category.weight} ELSE 0 END")
    return " + ".join(terms) if terms else "0"


def count_sql(mask: str, categories: tuple[Category, ...]) -> str:
    bits = category_bits(categories)
    return " + ".join(f"CASE WHEN {has(mask, bits[c.key])} THEN 1 ELSE 0 END" for c in categories)
