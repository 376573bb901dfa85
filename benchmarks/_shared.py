"""What the benchmarks share: page timings with their percentiles, and PostgreSQL's admin connection."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg


@dataclass
class Timing:
    """The times of one page or query, in milliseconds, or a note saying why there are none."""

    name: str
    ms: list[float] = field(default_factory=list)
    note: str = ""
    failed: bool = False

    def percentile(self, q: float) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def row(self, *, target_ms: float, width: int) -> str:
        if not self.ms:
            return f"{self.name:<{width}} {'-':>5}  {self.note}"
        p95 = self.percentile(0.95)
        verdict = "yes" if p95 < target_ms else "NO"
        return (
            f"{self.name:<{width}} {len(self.ms):>5} {self.percentile(0.5):>8.1f} {p95:>8.1f} {max(self.ms):>8.1f}"
            f"   {verdict}"
        )


def print_table(timings: Sequence[Timing], *, target_ms: float, heading: str = "What", width: int = 58) -> None:
    print()
    print(f"{heading:<{width}} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   p95 < {target_ms:.0f} ms")
    for timing in timings:
        print(timing.row(target_ms=target_ms, width=width))


def admin_connection(config: Mapping[str, Any]) -> psycopg.Connection[Any]:
    """An autocommit connection to the server's ``postgres`` database, for creating and dropping others."""
    params: dict[str, Any] = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "autocommit": True,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})
