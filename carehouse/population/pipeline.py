"""The stratification pipeline: load, map codes, run the models, segment, prioritise.

Each step creates named tables in the engine. ``features`` joins every model's output to the
person; ``strata`` adds the segment and the priority score: one row per person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from carehouse.population import priority, segmentation, utilisation
from carehouse.population.codelists import build_code_map
from carehouse.population.config import AGE_BAND_LIMITS, LAST_AGE_BAND, Settings
from carehouse.population.engine import Engine
from carehouse.population.load import InputReport, load_extract
from carehouse.population.models import activation, charlson, cms, efi, elixhauser, hfrs, lace
from carehouse.population.models.base import ModelInfo
from carehouse.population.segmentation import SegmentationConfig

#: In the order they are built (LACE needs Charlson).
MODELS: tuple[ModelInfo, ...] = (
    charlson.MODEL,
    elixhauser.MODEL,
    hfrs.MODEL,
    cms.MODEL,
    efi.MODEL,
    lace.MODEL,
    activation.MODEL,
)


Progress = Callable[[str, int, int], None]  # (step, done, total)


def age_band_sql(age: str = "age") -> str:
    cases = " ".join(f"WHEN {age} < {below} THEN '{band}'" for band, below in AGE_BAND_LIMITS)
    return f"CASE {cases} ELSE '{LAST_AGE_BAND}' END"


@dataclass
class StratificationResult:
    report: InputReport
    segmentation: SegmentationConfig | None = None
    timings: dict[str, float] = field(default_factory=dict)


def build_features(engine: Engine) -> None:
    """``features``: each person with every model's output and their hospital and GP use."""
    joins = [(model.key, f"model_{model.key}", model.output_columns) for model in MODELS]
    joins.append(("u", "utilisation", utilisation.COLUMNS))
    select = [
        "p.person_id",
        "p.nhs_number",
        "p.age",
        f"{age_band_sql('p.age')} AS age_band",
        "p.sex",
        "p.lsoa",
        "p.deprivation_decile",
        "p.practice_code",
    ]
    sources = ["persons AS p"]
    for alias, table, columns in joins:
        select.extend(f"{alias}.{column}" for column in columns)
        sources.append(f"JOIN {table} AS {alias} ON p.pid = {alias}.pid")
    engine.view("features", f"SELECT {', '.join(select)} FROM {' '.join(sources)}")


def stratify(
    engine: Engine,
    extract: Path,
    settings: Settings,
    *,
    segments: Path | None = None,
    progress: Progress | None = None,
) -> StratificationResult:
    """Run every step; leaves ``strata`` (one row per person) in ``engine``."""
    result = StratificationResult(report=InputReport())

    def load() -> None:
        result.report = load_extract(engine, extract, settings)

    def segment() -> None:
        result.segmentation = segmentation.build(engine, segments)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("Reading the extract", load),
        ("Mapping codes", lambda: build_code_map(engine, [m.key for m in MODELS if m.uses_codelist])),
    ]
    for model in MODELS:
        steps.append((f"Scoring: {model.name}", _builder(model, engine, settings)))
    steps += [
        ("Counting hospital and GP use", lambda: utilisation.build(engine, settings)),
        ("Joining the scores", lambda: build_features(engine)),
        ("Segmenting", segment),
        ("Ranking by priority", lambda: priority.build(engine, settings)),
    ]
    for done, (name, step) in enumerate(steps):
        if progress:
            progress(name, done, len(steps))
        started = time.perf_counter()
        step()
        result.timings[name] = round(time.perf_counter() - started, 3)
    if progress:
        progress("Done", len(steps), len(steps))
    return result


def _builder(model: ModelInfo, engine: Engine, settings: Settings) -> Callable[[], None]:
    return lambda: model.build(engine, settings)
