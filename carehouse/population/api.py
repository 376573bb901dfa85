"""The public API: run a stratification on an extract and write its results to a folder.

```python
from carehouse.population.api import run
summary = run(Path("extract"), Path("out"), cohorts=[Path("cohorts/mltc.yaml")])
```

Writes ``out/strata.parquet`` (one row per person: every score, the segment, the priority
score and rank), ``out/summary.json`` (counts only; the input report; timings; settings) and
``out/invitations/<cohort>.parquet`` (each practice's invitation list for that cohort).
Counts in ``summary.json`` are exact: publish them only through ``carehouse.core.disclosure``
(``report`` does).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from carehouse.population import cohort as cohorts_module
from carehouse.population.config import Settings, read_as_at
from carehouse.population.engine import Engine, EngineName, make_engine
from carehouse.population.pipeline import MODELS, StratificationResult, stratify

Progress = Callable[[str, int, int], None]


@dataclass
class RunSummary:
    as_at: str
    engine: str
    people: int
    input_report: dict[str, Any]
    timings: dict[str, float]
    settings: dict[str, Any]
    models: list[dict[str, str]]
    segments: list[dict[str, Any]]
    by_practice: list[dict[str, Any]]
    by_age_band: list[dict[str, Any]]
    by_deprivation: list[dict[str, Any]]
    cohorts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_settings(extract: Path) -> Settings:
    """The extract's own as-at date (``extract.json``), or today."""
    return Settings(as_at=read_as_at(extract) or date.today())  # noqa: DTZ011 - a date, not a time


def _rows(engine: Engine, query: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = engine.fetch(query).to_pylist()
    return rows


def summarise(engine: Engine, settings: Settings, result: StratificationResult) -> RunSummary:
    """Counts by segment (every segment configured, 0 included), practice, age band and decile."""
    people = int(_rows(engine, "SELECT count(*) AS n FROM strata")[0]["n"])
    counts = {
        row["segment"]: row["people"]
        for row in _rows(engine, "SELECT segment, count(*) AS people FROM strata GROUP BY segment")
    }
    assert result.segmentation is not None
    return RunSummary(
        as_at=settings.as_at.isoformat(),
        engine=engine.name,
        people=people,
        input_report=result.report.as_dict(),
        timings=result.timings,
        settings=_settings_dict(settings),
        models=[
            {"key": m.key, "name": m.name, "source": m.source, "version": m.version, "lookback": m.lookback}
            for m in MODELS
        ],
        segments=[
            {"segment": segment.key, "label": segment.label, "people": int(counts.get(segment.key, 0))}
            for segment in result.segmentation.segments
        ],
        by_practice=_by_segment(engine, "practice_code", "practice_code"),
        by_age_band=_by_segment(engine, "age_band", "age_band"),
        # 0: no deprivation decile given
        by_deprivation=_by_segment(engine, "coalesce(deprivation_decile, 0)", "deprivation_decile"),
    )


def _by_segment(engine: Engine, key: str, name: str) -> list[dict[str, Any]]:
    return _rows(
        engine,
        f"SELECT {key} AS {name}, segment, count(*) AS people FROM strata "
        f"GROUP BY {key}, segment ORDER BY {name}, segment",
    )


def _settings_dict(settings: Settings) -> dict[str, Any]:
    values = asdict(settings)
    values["as_at"] = settings.as_at.isoformat()
    return values


def run(
    extract: Path,
    out_dir: Path,
    *,
    engine: EngineName = "duckdb",
    settings: Settings | None = None,
    cohorts: Sequence[Path] = (),
    segments: Path | None = None,
    progress: Progress | None = None,
    memory_limit: str = "3GB",
    threads: int | None = None,
) -> RunSummary:
    """Stratify ``extract``, find each cohort, and write the results to ``out_dir``.

    Raises ``carehouse.population.load.UnusableExtract`` when the extract cannot be used, and
    ``carehouse.population.cohort.CohortError`` when a cohort definition is wrong (checked first).
    """
    settings = settings or default_settings(extract)
    definitions = [cohorts_module.load_cohort(path) for path in cohorts]
    out_dir.mkdir(parents=True, exist_ok=True)
    runner = make_engine(engine, memory_limit=memory_limit, threads=threads)
    try:
        result = stratify(runner, extract, settings, segments=segments, progress=progress)
        summary = summarise(runner, settings, result)
        runner.write_parquet("SELECT * FROM strata ORDER BY practice_code, priority_rank", out_dir / "strata.parquet")
        if definitions:
            (out_dir / "invitations").mkdir(exist_ok=True)
        for definition in definitions:
            found = cohorts_module.run(runner, settings, definition)
            summary.cohorts.append(found.as_dict())
            invitations = cohorts_module.invitations(runner, definition)
            pq.write_table(invitations, out_dir / "invitations" / f"{definition.key}.parquet")
    finally:
        runner.close()
    (out_dir / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2, default=str))
    return summary
