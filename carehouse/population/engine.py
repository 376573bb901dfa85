"""Engines: where the population SQL runs.

Every query is written once, in DuckDB's SQL dialect. DuckDB runs it as written; on Apache Spark
it is transpiled by SQLGlot to Spark SQL first (ADR 18). Tables are created with ``create``,
read back as Arrow with ``fetch``. Both engines read Parquet and CSV and spill to disk rather than
running out of memory: DuckDB through ``memory_limit`` and ``temp_directory``, Spark through its
own shuffle files.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

EngineName = Literal["duckdb", "spark"]
FileFormat = Literal["parquet", "csv"]


class Engine(Protocol):
    name: EngineName

    def register_file(self, table: str, path: Path, file_format: FileFormat) -> None:
        """Expose a Parquet or CSV file as a view (CSV columns all read as text)."""

    def register_arrow(self, table: str, data: pa.Table) -> None:
        """Expose an in-memory Arrow table (a code list, say) as a table."""

    def create(self, table: str, query: str) -> None:
        """Materialise ``query`` as ``table``, replacing any table of that name."""

    def view(self, name: str, query: str) -> None:
        """Name ``query`` without running it: each use reads its sources again."""

    def fetch(self, query: str) -> pa.Table:
        """Run ``query`` and return every row."""

    def columns(self, table: str) -> dict[str, str]:
        """Column names and the engine's type names for a table or view, in order."""

    def write_parquet(self, query: str, path: Path) -> None:
        """Write the rows of ``query`` to one Parquet file."""

    def close(self) -> None: ...


def scalar(engine: Engine, query: str) -> Any:
    """The single value ``query`` returns."""
    rows = engine.fetch(query).to_pylist()
    return next(iter(rows[0].values())) if rows else None


@dataclass
class DuckDBEngine:
    """DuckDB in this process: the default engine, from one practice to a nation on one machine."""

    memory_limit: str = "3GB"
    threads: int | None = None
    temp_directory: Path | None = None
    name: EngineName = field(default="duckdb", init=False)

    def __post_init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="carehouse-duckdb-") if self.temp_directory is None else None
        spill = self.temp_directory or Path(self._tmp.name if self._tmp else ".")
        config: dict[str, Any] = {"memory_limit": self.memory_limit, "temp_directory": str(spill)}
        if self.threads:
            config["threads"] = self.threads
        # Insertion order is not needed and costs memory on large sorts and joins.
        config["preserve_insertion_order"] = False
        self.connection = duckdb.connect(":memory:", config=config)

    def register_file(self, table: str, path: Path, file_format: FileFormat) -> None:
        source = str(path).replace("'", "''")
        reader = (
            f"read_parquet('{source}')"
            if file_format == "parquet"
            else f"read_csv('{source}', header = true, all_varchar = true)"
        )
        self.connection.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {reader}")

    def register_arrow(self, table: str, data: pa.Table) -> None:
        self.connection.register(f"_{table}_arrow", data)
        self.connection.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _{table}_arrow")
        self.connection.unregister(f"_{table}_arrow")

    def create(self, table: str, query: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE TABLE {table} AS {query}")

    def view(self, name: str, query: str) -> None:
        self.connection.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")

    def fetch(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def columns(self, table: str) -> dict[str, str]:
        rows = self.connection.sql(f"DESCRIBE {table}").fetchall()
        return {str(row[0]): str(row[1]).lower() for row in rows}

    def write_parquet(self, query: str, path: Path) -> None:
        target = str(path).replace("'", "''")
        self.connection.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet)")

    def close(self) -> None:
        self.connection.close()
        if self._tmp is not None:
            self._tmp.cleanup()


def to_spark_sql(query: str) -> str:
    """Our DuckDB SQL as Spark SQL."""
    return sqlglot.transpile(query, read="duckdb", write="spark")[0]


class SparkEngine:
    """Apache Spark through PySpark: local mode here, a cluster's session in production."""

    name: EngineName = "spark"

    def __init__(self, session: SparkSession | None = None, *, master: str = "local[2]") -> None:
        if session is None:
            session = local_spark_session(master)
        self.session = session
        self._created: list[str] = []

    def register_file(self, table: str, path: Path, file_format: FileFormat) -> None:
        reader = self.session.read
        frame = reader.parquet(str(path)) if file_format == "parquet" else reader.option("header", True).csv(str(path))
        frame.createOrReplaceTempView(table)

    def register_arrow(self, table: str, data: pa.Table) -> None:
        self.session.createDataFrame(data).createOrReplaceTempView(table)

    def create(self, table: str, query: str) -> None:
        # Materialised now, its lineage cut (a local checkpoint): left lazy, or cached with its plan,
        # each step's plan would hold every earlier step's and grow until the driver runs out of memory.
        frame = self.session.sql(to_spark_sql(query)).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(table)
        self._created.append(table)

    def view(self, name: str, query: str) -> None:
        self.session.sql(to_spark_sql(query)).createOrReplaceTempView(name)
        self._created.append(name)

    def fetch(self, query: str) -> pa.Table:
        # Rows through Spark's own collect: its Arrow path needs pandas and has hung in local mode.
        frame = self.session.sql(to_spark_sql(query))
        schema = pa.schema(
            [(item.name, _ARROW_TYPES.get(item.dataType.simpleString(), pa.string())) for item in frame.schema.fields]
        )
        return pa.Table.from_pylist([row.asDict() for row in frame.collect()], schema=schema)

    def columns(self, table: str) -> dict[str, str]:
        return {item.name: item.dataType.simpleString() for item in self.session.table(table).schema.fields}

    def write_parquet(self, query: str, path: Path) -> None:
        pq.write_table(self.fetch(query), path)

    def close(self) -> None:
        for table in set(self._created):
            self.session.catalog.dropTempView(table)
        self._created.clear()


_ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "smallint": pa.int16(),
    "tinyint": pa.int8(),
    "double": pa.float64(),
    "float": pa.float32(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def local_spark_session(master: str = "local[2]") -> SparkSession:
    """A local Spark session using this Python for its workers (else they may pick another)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    warehouse = tempfile.mkdtemp(prefix="carehouse-spark-")
    return (
        SparkSession.builder.master(master)
        .appName("carehouse-population")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.maxPlanStringLength", "100000")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def make_engine(name: EngineName, *, memory_limit: str = "3GB", threads: int | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(memory_limit=memory_limit, threads=threads)
    return SparkEngine()
