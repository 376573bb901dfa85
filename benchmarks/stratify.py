"""Case finding at scale: our Charlson against comorbidipy 0.8.0's, and the whole stratification.

    uv run python benchmarks/stratify.py                      # 1,000,000 people
    uv run python benchmarks/stratify.py --people 10000000 --skip-comorbidipy --memory-limit 16GB

1. Generates a synthetic extract (once; kept in --workdir) of --people people.
2. Times, best of --repeat, comorbidipy's Quan Charlson and ours on the same ICD-10 rows, and
   checks they agree person for person except for AIDS/HIV (Quan 2011: 4; comorbidipy: 2). Ours
   is the code map plus the Charlson step on the loaded extract. Twice:
   a. the "stress" extract of the research's peer benchmark (risk.md §2.3, appendix A.1):
      1,000,000 people with about 10 ICD-10 codes each (10 million rows), drawn from a pool
      rich in Charlson codes, all inside the look-back; this is the throughput comparison;
   b. the generated extract's own ICD-10 rows in the 60-month look-back (far fewer: most of a
      realistic extract is primary care SNOMED CT), as a realistic figure.
3. Runs the whole stratification (load, every model, segmentation, priority and one cohort) as
   ``python -m carehouse.population cohort`` in a child process and reports its wall time and
   peak memory (maximum resident set size).

Targets (2 cores): Charlson at least 3 times comorbidipy's throughput; 1,000,000 people
stratified in under 20 s; peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from carehouse.population.codelists import build_code_map
from carehouse.population.config import Settings, read_as_at
from carehouse.population.engine import DuckDBEngine
from carehouse.population.generate import generate
from carehouse.population.load import load_extract
from carehouse.population.models import charlson

COHORT = Path(__file__).resolve().parent.parent / "carehouse/population/cohorts/mltc-and-emergency-admission.yaml"


def best_of(repeat: int, work: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def write_stress_extract(folder: Path, people: int, seed: int = 42) -> None:
    """The research's peer-benchmark data: ~10 ICD-10 codes a person from a Charlson-rich pool."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from comorbidipy.codemaps.mapping import hfrs_mapping, mapping

    rng = np.random.default_rng(seed)
    prefixes: set[str] = set(hfrs_mapping)
    for key in ("charlson_icd10_quan", "elixhauser_icd10_quan"):
        for codes in mapping[key].values():
            prefixes.update(codes)
    pool_set: set[str] = set()
    for prefix in prefixes:
        pool_set.update(prefix + str(digit) for digit in range(10)) if len(prefix) == 3 else pool_set.add(prefix)
    letters = list("ABCDEFGHIJKLMNOPQRSTVWXYZ")
    while len(pool_set) < 12_000:
        pool_set.add(f"{rng.choice(letters)}{rng.integers(0, 100):02d}{rng.integers(0, 10)}")
    pool = np.array(sorted(pool_set))
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
    rng.shuffle(weights)
    weights /= weights.sum()
    per_person = rng.poisson(10, people).clip(1, 40)
    owner = np.repeat(np.arange(people), per_person)
    ids = np.char.add("S", np.char.zfill(np.arange(people).astype(str), 7))
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "person_id": ids,
                "age": rng.integers(18, 100, people).astype(np.int32),
                "sex": np.where(rng.random(people) < 0.5, "female", "male"),
                "practice_code": np.full(people, "A81001"),
            }
        ),
        folder / "persons.parquet",
    )
    days = rng.integers(0, 1_500, owner.size).astype("timedelta64[D]")
    pq.write_table(
        pa.table(
            {
                "person_id": ids[owner],
                "code": pool[rng.choice(len(pool), size=owner.size, p=weights)],
                "code_system": np.full(owner.size, "icd10"),
                "date": (np.datetime64("2026-03-31") - days).astype("datetime64[D]"),
                "source": np.full(owner.size, "secondary"),
            }
        ),
        folder / "diagnoses.parquet",
        row_group_size=122_880,
    )
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([], pa.string()),
                "setting": pa.array([], pa.string()),
                "date": pa.array([], pa.date32()),
            }
        ),
        folder / "activity.parquet",
    )
    (folder / "extract.json").write_text(json.dumps({"as_at": "2026-03-31"}))


def compare_charlson(extract: Path, repeat: int, memory_limit: str) -> None:
    from comorbidipy import ICDVersion, MappingVariant, ScoreType, WeightingVariant, comorbidity

    as_at = read_as_at(extract)
    assert as_at is not None
    settings = Settings(as_at=as_at)
    engine = DuckDBEngine(memory_limit=memory_limit)
    started = time.perf_counter()
    load_extract(engine, extract, settings)
    print(f"Loaded the extract into DuckDB in {time.perf_counter() - started:.2f} s")

    def ours() -> None:
        build_code_map(engine, ["charlson"])
        charlson.build(engine, settings)

    rows = pl.from_arrow(
        engine.fetch(
            f"""
            SELECT p.person_id AS id, c.normalised AS code FROM diagnoses AS d JOIN persons AS p ON d.pid = p.pid JOIN codes AS c ON d.code_id = c.code_id
            WHERE c.code_system = 'icd10' AND d.date >= {settings.since_sql(settings.charlson_lookback_months)}
              AND d.date <= {settings.as_at_sql}
            """
        )
    )
    assert isinstance(rows, pl.DataFrame)
    theirs_result: list[pl.DataFrame] = []

    def theirs() -> None:
        theirs_result[:] = [
            comorbidity(
                rows,
                id_col="id",
                code_col="code",
                score=ScoreType.CHARLSON,
                icd=ICDVersion.ICD10,
                variant=MappingVariant.QUAN,
                weighting=WeightingVariant.QUAN,
            )
        ]

    ours_seconds = best_of(repeat, ours)
    theirs_seconds = best_of(repeat, theirs)
    n = rows.height
    print(f"Charlson over {n:,} ICD-10 diagnosis rows (best of {repeat}):")
    print(f"  comorbidipy 0.8.0: {theirs_seconds:.3f} s  ({n / theirs_seconds / 1e6:.2f} M rows/s)")
    print(f"  carehouse:         {ours_seconds:.3f} s  ({n / ours_seconds / 1e6:.2f} M rows/s)")
    print(f"  ratio: {theirs_seconds / ours_seconds:.2f}x comorbidipy's throughput (target at least 3x)")

    aids_bit = 1 << [c.key for c in charlson.CATEGORIES].index("aids")
    ours_scores = pl.from_arrow(engine.fetch("SELECT person_id AS id, charlson, charlson_mask FROM model_charlson"))
    assert isinstance(ours_scores, pl.DataFrame)
    joined = ours_scores.join(theirs_result[0], on="id", how="left").with_columns(
        theirs=pl.col("comorbidity_score").fill_null(0), aids=(pl.col("charlson_mask") & aids_bit) != 0
    )
    differ = joined.filter(pl.col("charlson") != pl.col("theirs"))
    explained = differ.filter(pl.col("aids") & (pl.col("charlson") - pl.col("theirs") == 2))
    print(
        f"  {joined.height:,} people compared: {differ.height:,} differ, all but "
        f"{differ.height - explained.height:,} by AIDS/HIV weighing 4 (Quan 2011) not 2 (comorbidipy)"
    )
    engine.close()


def full_stratification(extract: Path, out: Path, memory_limit: str) -> None:
    command = [
        sys.executable, "-m", "carehouse.population", "cohort", str(extract), "--out", str(out),
        "--cohort", str(COHORT), "--memory-limit", memory_limit,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own command
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    summary = json.loads((out / "summary.json").read_text())
    print(f"Full stratification of {summary['people']:,} people (all models, segments, priority, one cohort):")
    print(
        f"  wall time {seconds:.1f} s (target under 20 s at 1,000,000), peak memory {peak_gb:.2f} GB (target under 4)"
    )
    for step, step_seconds in summary["timings"].items():
        print(f"    {step}: {step_seconds:.2f} s")
    print(f"  cohort '{summary['cohorts'][0]['name']}': {summary['cohorts'][0]['people']:,} people")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/carehouse-stratify-bench"))  # noqa: S108
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--skip-comorbidipy", action="store_true")
    args = parser.parse_args()

    extract = args.workdir / f"extract-{args.people}"
    if not (extract / "extract.json").exists():
        started = time.perf_counter()
        summary = generate(extract, args.people)
        print(f"Generated {summary} in {time.perf_counter() - started:.1f} s")
    print(f"Extract: {extract}")
    if not args.skip_comorbidipy:
        stress = args.workdir / f"stress-{args.people}"
        if not (stress / "extract.json").exists():
            write_stress_extract(stress, args.people)
        print(f"\na. The peer benchmark's stress extract ({stress}):")
        compare_charlson(stress, args.repeat, args.memory_limit)
        print(f"\nb. The generated extract's own ICD-10 rows ({extract}):")
        compare_charlson(extract, args.repeat, args.memory_limit)
        print()
    full_stratification(extract, args.workdir / f"out-{args.people}", args.memory_limit)


if __name__ == "__main__":
    main()
