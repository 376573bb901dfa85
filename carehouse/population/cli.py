"""``carehouse population generate | stratify | cohort | report``.

Also runs without Django as ``python -m carehouse.population``. Exit codes: 0 done (bad rows
are reported, not fatal); 1 the extract or a cohort definition cannot be used; 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from carehouse.core.disclosure import safe_count, safe_percentage
from carehouse.population import api
from carehouse.population.cohort import CohortError
from carehouse.population.config import PriorityWeights, Settings, read_as_at
from carehouse.population.load import UnusableExtract
from carehouse.population.load import report_lines as input_report_lines

EXIT_UNUSABLE = 1


def _weights(text: str) -> PriorityWeights:
    """``unplanned_admission=0.4,frailty=0.3`` over the defaults."""
    values: dict[str, float] = PriorityWeights().as_dict()
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        if key.strip() not in values:
            raise argparse.ArgumentTypeError(f"{key.strip()} is not a priority part: use one of {', '.join(values)}")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"The weight for {key.strip()} must be a number, like 0.25") from None
        if values[key.strip()] < 0:
            raise argparse.ArgumentTypeError(f"The weight for {key.strip()} cannot be negative")
    if not any(values.values()):
        raise argparse.ArgumentTypeError("At least one weight must be more than 0")
    return PriorityWeights(**values)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="carehouse population", description="Case finding and risk stratification.")
    commands = main.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="Write a synthetic population extract (Parquet)")
    generate.add_argument("out", type=Path, help="Folder to write the extract to")
    generate.add_argument("--people", type=int, default=100_000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--as-at", type=date.fromisoformat, default=date(2026, 3, 31))
    generate.add_argument("--chunk-size", type=int, default=250_000)

    for name, text in (
        ("stratify", "Score, segment and rank everyone in an extract"),
        ("cohort", "Stratify, then find a cohort and write each practice's invitation list"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("extract", type=Path, help="Folder holding persons, diagnoses, activity[, measures]")
        command.add_argument("--out", type=Path, required=True, help="Folder for the results")
        command.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
        command.add_argument("--as-at", type=date.fromisoformat, help="Default: the extract's extract.json, or today")
        command.add_argument("--segments", type=Path, help="A segmentation YAML (default: Bridges to Health)")
        command.add_argument("--weights", type=_weights, default=PriorityWeights(), help="like frailty=0.3,...")
        command.add_argument("--memory-limit", default="3GB", help="DuckDB's memory limit; it spills beyond it")
        command.add_argument("--threads", type=int)
        command.add_argument("--cohort", type=Path, action="append", default=[], required=name == "cohort")

    report = commands.add_parser("report", help="Print a disclosure-controlled report of a stratification")
    report.add_argument("results", type=Path, help="The --out folder of stratify or cohort")
    report.add_argument("--format", choices=("text", "json"), default="text")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "generate":
        return _generate(args)
    if args.command == "report":
        return _report(args)
    return _stratify(args)


def _generate(args: argparse.Namespace) -> int:
    from carehouse.population.generate import generate

    with tqdm(total=args.people, unit=" people", desc="Generating") as bar:
        written = 0

        def progress(done: int) -> None:
            nonlocal written
            bar.update(done - written)
            written = done

        summary = generate(
            args.out, args.people, seed=args.seed, as_at=args.as_at, chunk_size=args.chunk_size, progress=progress
        )
    print(f"Wrote {args.out}: {summary}")
    return 0


def _stratify(args: argparse.Namespace) -> int:
    as_at = args.as_at or read_as_at(args.extract) or date.today()  # noqa: DTZ011 - a date, not a time
    settings = Settings(as_at=as_at, priority=args.weights)
    with tqdm(total=1, unit=" steps", desc="Starting", bar_format="{desc}: {n}/{total} {bar} {elapsed}") as bar:

        def progress(step: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_description(step)
            bar.update(done - bar.n)

        try:
            summary = api.run(
                args.extract,
                args.out,
                engine=args.engine,
                settings=settings,
                cohorts=args.cohort,
                segments=args.segments,
                progress=progress,
                memory_limit=args.memory_limit,
                threads=args.threads,
            )
        except UnusableExtract as unusable:
            bar.close()
            print("The extract cannot be used:", file=sys.stderr)
            print("\n".join(unusable.report.lines()), file=sys.stderr)
            return EXIT_UNUSABLE
        except CohortError as error:
            bar.close()
            print(f"The cohort definition cannot be used: {error}", file=sys.stderr)
            return EXIT_UNUSABLE
    print("\n".join(report_lines(summary.as_dict())))
    print(f"Results: {args.out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    summary = json.loads((args.results / "summary.json").read_text())
    if args.format == "json":
        print(json.dumps(safe_summary(summary), indent=2))
    else:
        print("\n".join(report_lines(summary)))
    return 0


def _safe(count: int) -> str:
    return str(safe_count(count))


def safe_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with every count disclosure-controlled (as text: "*" for 1 to 7)."""
    safe: dict[str, Any] = {key: summary[key] for key in ("as_at", "engine", "input_report", "models", "settings")}
    safe["people"] = _safe(summary["people"])
    for key in ("segments", "by_practice", "by_age_band", "by_deprivation"):
        safe[key] = [{**row, "people": _safe(row["people"])} for row in summary[key]]
    safe["cohorts"] = [
        {
            **{key: value for key, value in found.items() if not isinstance(value, list | int)},
            "people": _safe(found["people"]),
            **{
                key: [{**row, "people": _safe(row["people"])} for row in rows]
                for key, rows in found.items()
                if isinstance(rows, list)
            },
        }
        for found in summary.get("cohorts", [])
    ]
    return safe


def report_lines(summary: dict[str, Any]) -> list[str]:
    """A plain-text report; counts of 1 to 7 show as *, the rest are rounded to 5."""
    total = summary["people"]
    lines = [f"Stratification as at {summary['as_at']} on {summary['engine']}: {_safe(total)} people", ""]
    lines += [f"  {line}" for line in input_report_lines(summary["input_report"])]
    lines += ["", "Segments:"]
    lines += [
        f"  {row['label']}: {_safe(row['people'])} ({safe_percentage(row['people'], total)})"
        for row in summary["segments"]
    ]
    for found in summary.get("cohorts", []):
        lines += ["", f"Cohort: {found['name']}: {_safe(found['people'])} people"]
        lines += [f"  practice {row['practice_code']}: {_safe(row['people'])}" for row in found["by_practice"]]
    return lines


if __name__ == "__main__":
    sys.exit(main())
