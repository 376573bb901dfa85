"""One local Spark session for every Spark test, on one test worker (``xdist_group("spark")``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carehouse.population.engine import SparkEngine, local_spark_session


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    session = local_spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def spark_engine(spark_session) -> Iterator[SparkEngine]:
    engine = SparkEngine(spark_session)
    yield engine
    engine.close()
