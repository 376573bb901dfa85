"""The same stratification on DuckDB and on Spark gives identical results, row for row."""

from __future__ import annotations

from pathlib import Path

import pytest

from carehouse.population import cohort
from carehouse.population.config import Settings
from carehouse.population.engine import DuckDBEngine, Engine
from carehouse.population.generate import generate
from carehouse.population.pipeline import stratify
from carehouse.population.tests.helpers import AS_AT

COHORTS = sorted((Path(cohort.__file__).parent / "cohorts").glob("*.yaml"))

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    path = tmp_path_factory.mktemp("extract")
    generate(path, 3_000, seed=11, as_at=AS_AT)
    return path


def results(engine: Engine, extract: Path) -> dict[str, object]:
    settings = Settings(as_at=AS_AT)
    run = stratify(engine, extract, settings)
    found: dict[str, object] = {
        "report": run.report.as_dict(),
        "strata": engine.fetch("SELECT * FROM strata ORDER BY person_id").to_pylist(),
    }
    for path in COHORTS:
        definition = cohort.load_cohort(path)
        found[definition.key] = cohort.run(engine, settings, definition).as_dict()
        found[f"{definition.key} invitations"] = cohort.invitations(engine, definition).to_pylist()
    return found


def test_spark_and_duckdb_agree(extract, spark_engine):
    duck = results(DuckDBEngine(memory_limit="1GB"), extract)
    spark = results(spark_engine, extract)
    assert len(duck["strata"]) > 2_500
    assert duck["report"] == spark["report"]
    assert duck.keys() == spark.keys()
    for key in duck:
        assert duck[key] == spark[key], key
    # Not a comparison of empty results: the scores and cohorts have people in them.
    assert any(row["charlson"] > 0 for row in duck["strata"])
    assert any(row["hfrs_band"] == "high" for row in duck["strata"])
    assert any(len(duck[f"{cohort.load_cohort(p).key} invitations"]) > 0 for p in COHORTS)
