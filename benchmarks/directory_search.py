"""Directory search at scale: 50,000 services at 80,000 locations, timed over HTTP on SQLite and PostgreSQL.

Run it (PostgreSQL must be running on 127.0.0.1:5432 as ``postgres``)::

    uv run python benchmarks/directory_search.py                    # build both databases, then time
    uv run python benchmarks/directory_search.py --reuse            # time again on the data already built
    uv run python benchmarks/directory_search.py --database sqlite  # one database only
    uv run python benchmarks/directory_search.py --services 5000 --locations 8000   # a quick run
    uv run python benchmarks/directory_search.py --reuse --check    # exit 1 if any p95 is 100 ms or more

Each database is its own: a SQLite file (``--sqlite-path``, by default
``/tmp/carehouse_bench_directory.sqlite3``) and the PostgreSQL database
``carehouse_bench_directory`` (``--postgres-url``), dropped and built again unless ``--reuse``
is given and the data is there. The data is ``carehouse.directory.synthetic.generate`` (organisations,
services, locations, addresses, taxonomy attributes, schedules, service areas, costs, capacities),
then the search index is rebuilt.

Timing: a real server on loopback, ``django-admin runserver --noreload --nothreading`` (the server
``carehouse demo`` uses; the project has no gunicorn or other WSGI server), with the test settings
(``DEBUG`` off). One thread, so the database connection is kept between requests
(``CONN_MAX_AGE``) as a pooled production server would; requests are sent one at a time anyway. After ``--warmup`` untimed requests, ``--requests`` timed GETs, one after another,
of a fixed mix of realistic searches (words, a category or sub-category, a postcode, a distance):

- ``/oruk/services?...`` (the Open Referral UK API: ``text``, ``taxonomy_term_id``, ``postcode``,
  ``proximity``);
- ``/directory/?...`` (the practitioner's menu page: ``q``, ``category``, ``postcode``, ``distance``),
  not signed in;
- ``engine.search(SearchQuery(...))`` called in this process (no HTTP), for comparison.

It prints count, p50, p95 and max in milliseconds per database, for the mix and for each kind of
query. ``--check`` makes it exit 1 when a p95 over HTTP is 100 ms or more. ``--explain`` prints, for
the slowest kind, one search's queries (slowest first) with ``EXPLAIN ANALYZE`` (PostgreSQL) or
``EXPLAIN QUERY PLAN`` (SQLite).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TARGET_MS = 100.0
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "carehouse.config.settings.test"
DEFAULT_SQLITE = "/tmp/carehouse_bench_directory.sqlite3"  # noqa: S108  (a benchmark's own scratch file)
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/carehouse_bench_directory"

#: What people type: common words, rarer ones, two-word searches and a misspelling.
TEXTS = (
    "walking",
    "walking group",
    "singing lung",
    "dementia",
    "debt advice",
    "carers",
    "mindfulness",
    "food bank",
    "mens shed",
    "benefits",
    "chair exercise",
    "befriending",
    "diabetes",
    "mindfullness",
    "arthritis swimming",
    "volunteering",
    "anxiety",
    "lonely",
    "parkinsons dance",
    "cooking budget",
)
#: (kind, weight): what each query combines.
KINDS = (
    ("text + postcode", 30),
    ("category + postcode", 20),
    ("text + category + postcode + proximity", 15),
    ("postcode + proximity", 10),
    ("sub-category + postcode", 10),
    ("text only", 10),
    ("category only", 5),
)


# Output ------------------------------------------------------------------------------------


@dataclass
class Timing:
    database: str
    name: str
    ms: list[float] = field(default_factory=list)
    note: str = ""

    def percentile(self, q: float) -> float:
        ordered = sorted(self.ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def row(self) -> str:
        label = f"{self.database:<10} {self.name:<58}"
        if not self.ms:
            return f"{label} {'-':>5}  {self.note}"
        p95 = self.percentile(0.95)
        return (
            f"{label} {len(self.ms):>5} {self.percentile(0.5):>8.1f} {p95:>8.1f} {max(self.ms):>8.1f}"
            f"   {'yes' if p95 < TARGET_MS else 'NO'}"
        )


def print_table(timings: Sequence[Timing]) -> None:
    print()
    print(
        f"{'Database':<10} {'What':<58} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f"   p95 < {TARGET_MS:.0f} ms"
    )
    for timing in timings:
        print(timing.row())


class Progress:
    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"  [{self.label} {time.perf_counter() - self.started:7.1f} s] {message}", flush=True)


# The queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str = ""
    term_id: str = ""
    postcode: str = ""
    proximity: int | None = None

    def oruk(self) -> str:
        params: dict[str, str] = {"per_page": "20"}
        if self.text:
            params["text"] = self.text
        if self.term_id:
            params["taxonomy_term_id"] = self.term_id
        if self.postcode:
            params["postcode"] = self.postcode
        if self.proximity:
            params["proximity"] = str(self.proximity)
        return "/oruk/services?" + urllib.parse.urlencode(params)

    def page(self) -> str:
        params: dict[str, str] = {}
        if self.text:
            params["q"] = self.text
        if self.term_id:  # the page's "Kind of support" offers categories and sub-categories
            params["category"] = self.term_id
        if self.postcode:
            params["postcode"] = self.postcode
        if self.proximity:
            params["distance"] = "5" if self.proximity > 5000 else "1"
        return "/directory/?" + urllib.parse.urlencode(params)


def postcodes(count: int, rng: random.Random) -> list[str]:
    """Full postcodes in English sectors, weighted by how many postcodes each sector has (people live there)."""
    from carehouse.directory.geography import DATA
    from carehouse.directory.synthetic import AREAS

    sectors: list[str] = []
    weights: list[int] = []
    with (DATA / "postcode_sector_centroids.csv").open(newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            area = "".join(c for c in row["outcode"][:2] if c.isalpha())
            if area in AREAS and int(row["postcode_count"] or 0) > 0:
                sectors.append(row["sector"])
                weights.append(int(row["postcode_count"]))
    chosen = rng.choices(sectors, weights=weights, k=count)
    return [f"{sector}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" for sector in chosen]


def queries(count: int, seed: int) -> list[Query]:
    """A fixed mix of searches (the same seed gives the same list)."""
    from carehouse.directory.models import TaxonomyTerm
    from carehouse.directory.services.taxonomy import MORE_THAN_MEDICINE

    rng = random.Random(seed)
    terms = list(TaxonomyTerm.objects.filter(taxonomy_detail_id=MORE_THAN_MEDICINE).values_list("id", "parent_id"))
    categories = sorted(str(i) for i, parent in terms if parent is None)
    children = sorted(str(i) for i, parent in terms if parent is not None)
    places = postcodes(count, rng)
    found: list[Query] = []
    for n in range(count):
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        text = rng.choice(TEXTS)
        category, child, place = rng.choice(categories), rng.choice(children), places[n]
        near = rng.choice((1609, 3000, 5000, 8000))
        found.append(
            {
                "text + postcode": Query(kind, text=text, postcode=place),
                "category + postcode": Query(kind, term_id=category, postcode=place),
                "text + category + postcode + proximity": Query(
                    kind, text=text, term_id=category, postcode=place, proximity=near
                ),
                "postcode + proximity": Query(kind, postcode=place, proximity=near),
                "sub-category + postcode": Query(kind, term_id=child, postcode=place),
                "text only": Query(kind, text=text),
                "category only": Query(kind, term_id=category),
            }[kind]
        )
    return found


# The database ------------------------------------------------------------------------------


def database_url(args: argparse.Namespace, which: str) -> str:
    return f"sqlite:///{args.sqlite_path}" if which == "sqlite" else str(args.postgres_url)


def prepare_database(which: str, url: str, *, fresh: bool) -> None:
    """Drop and create the benchmark's own database (PostgreSQL) or delete its file (SQLite). Before Django."""
    if which == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import dj_database_url
    from _shared import admin_connection
    from psycopg import sql

    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if name in ("postgres", "test") or name.startswith(("test_", "template")) or "bench" not in name:
        sys.exit(f"Refusing to use the database {name!r}: give the benchmark a database with 'bench' in its name")
    with admin_connection(config) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            print(f"Dropping and creating the database {name}")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def data_present(services: int) -> bool:
    from carehouse.directory.models import SearchEntry, Service

    return Service.objects.count() >= services and SearchEntry.objects.count() >= services


def print_sizes() -> None:
    from carehouse.directory.models import (
        Attribute,
        DirectoryOrganization,
        Location,
        SearchArea,
        SearchPoint,
        SearchTerm,
        SearchWord,
        Service,
        ServiceAtLocation,
    )

    models = (
        DirectoryOrganization,
        Service,
        Location,
        ServiceAtLocation,
        Attribute,
        SearchTerm,
        SearchArea,
        SearchPoint,
        SearchWord,
    )
    print("  " + ", ".join(f"{m.objects.count():,} {m._meta.verbose_name_plural}" for m in models))


# The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``django-admin runserver --noreload`` on a free loopback port, with the benchmark's database."""

    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="directory-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "django",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--nothreading",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"The server stopped: see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("The server did not start within a minute")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as response:  # noqa: S310  (loopback)
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# Timing ------------------------------------------------------------------------------------


def measure(
    database: str, name: str, call: Callable[[Query], None], mix: Sequence[Query], warmup: int
) -> dict[str, Timing]:
    """Untimed calls first, then one timed call per query; the mix and each kind of query are reported."""
    timings = {"all": Timing(database, name)}
    try:
        for query in mix[:warmup]:
            call(query)
        for query in mix[warmup:]:
            started = time.perf_counter()
            call(query)
            elapsed = (time.perf_counter() - started) * 1000
            timings["all"].ms.append(elapsed)
            timings.setdefault(query.kind, Timing(database, f"  {query.kind}")).ms.append(elapsed)
    except RuntimeError as failure:
        return {"all": Timing(database, name, note=f"not measured: {failure}")}
    return timings


def engine_query(query: Query) -> Any:
    import uuid

    from carehouse.directory.search.engine import SearchQuery

    return SearchQuery(
        text=query.text,
        term_ids=(uuid.UUID(query.term_id),) if query.term_id else (),
        postcode=query.postcode,
        proximity=float(query.proximity) if query.proximity else None,
        per_page=20,
    )


def explain(query: Query) -> None:
    """One search's queries, slowest first, with the database's plan for the three slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carehouse.directory.search.engine import search

    with CaptureQueriesContext(connection) as captured:
        search(engine_query(query))
    ordered = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    total = sum(float(q["time"]) for q in ordered) * 1000
    print(f"\n--- {query.kind}: {query} -- {len(ordered)} queries, {total:.1f} ms in the database ---")
    for item in ordered[:10]:
        print(f"{float(item['time']) * 1000:8.1f} ms  {item['sql'][:400]}")
    for item in ordered[:3]:
        if not item["sql"].lstrip().upper().startswith("SELECT"):
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        print(f"\n{prefix.strip()} ({float(item['time']) * 1000:.1f} ms when run):\n{item['sql'][:2000]}\n")
        with connection.cursor() as cursor:
            cursor.execute(prefix + item["sql"])
            for row in cursor.fetchall():
                print("   ", " | ".join(str(c) for c in row))


def run_one(args: argparse.Namespace, which: str) -> list[Timing]:
    """In a worker process: build (or reuse) one database, start a server on it, and time the searches."""
    url = database_url(args, which)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    prepare_database(which, url, fresh=not args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from carehouse.directory import synthetic
    from carehouse.directory.search.engine import search

    call_command("migrate", interactive=False, verbosity=0)
    label = f"{which}"
    if args.reuse and data_present(args.services):
        print(f"{which}: using the data already built")
    else:
        if args.reuse:
            connection.close()
            prepare_database(which, url, fresh=True)
            call_command("migrate", interactive=False, verbosity=0)
        print(f"{which}: building {args.services:,} services at {args.locations:,} locations")
        progress = Progress(label)
        counts = synthetic.generate(services=args.services, locations=args.locations, seed=args.seed, progress=progress)
        print(f"  {counts}")
        print(f"  built and indexed in {time.perf_counter() - progress.started:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    print_sizes()
    total = args.warmup + args.requests
    mix = queries(total, args.seed)
    timings: list[Timing] = []
    server = Server(url)
    try:
        status, body = server.get("/oruk/services?per_page=1")

        def oruk(query: Query) -> None:
            code, _ = server.get(query.oruk())
            if code != 200:
                raise RuntimeError(f"{query.oruk()} answered {code}")

        def page(query: Query) -> None:
            path = query.page()
            code, _ = server.get(path)
            if code != 200:
                raise RuntimeError(f"{path} answered {code}")

        if status == 200:
            found = json.loads(body).get("total_items")
            print(f"  /oruk/services answers: {found:,} services in all" if isinstance(found, int) else "")
        timings += measure(which, "GET /oruk/services?… (HTTP, runserver)", oruk, mix, args.warmup).values()
        timings += measure(which, "GET /directory/?… (HTTP, runserver, not signed in)", page, mix, args.warmup).values()
    finally:
        server.stop()

    def direct(query: Query) -> None:
        search(engine_query(query))

    timings += measure(which, "engine.search(…) in process (no HTTP)", direct, mix, args.warmup).values()
    if args.explain:
        slowest = max(
            (t for t in timings if t.name.startswith("  ") and t.ms and "engine" not in t.name),
            key=lambda t: t.percentile(0.95),
            default=None,
        )
        if slowest is not None:
            kind = slowest.name.strip()
            for query in [q for q in mix if q.kind == kind][:2]:
                explain(query)
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time directory search over HTTP on SQLite and PostgreSQL.")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--locations", type=int, default=80_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests first")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="skip building the data if it is already there")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if a p95 over HTTP is {TARGET_MS:.0f} ms or more")
    parser.add_argument("--explain", action="store_true", help="print the slowest kind's queries and plans")
    parser.add_argument("--sqlite-path", default=DEFAULT_SQLITE)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--results", help=argparse.SUPPRESS)  # a worker writes its timings here
    args = parser.parse_args(argv)

    if args.results:  # a worker: one database, in a process of its own (Django is set up once per process)
        mine = run_one(args, args.database)
        Path(args.results).write_text(json.dumps([asdict(t) for t in mine]), encoding="utf-8")
        return 0

    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    timings: list[Timing] = []
    for which in databases:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            results = handle.name
        command = [sys.executable, __file__, "--database", which, "--results", results]
        for option in ("services", "locations", "requests", "warmup", "seed", "sqlite_path", "postgres_url"):
            command += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
        command += [f"--{flag}" for flag in ("reuse", "explain") if getattr(args, flag)]
        finished = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603  (ourselves)
        if finished.returncode != 0:
            print(f"{which}: the run failed (exit {finished.returncode})")
            return finished.returncode
        timings += [Timing(**row) for row in json.loads(Path(results).read_text(encoding="utf-8"))]
        Path(results).unlink(missing_ok=True)
    print_table(timings)
    over = [t for t in timings if t.ms and "HTTP" in t.name and t.percentile(0.95) >= TARGET_MS]
    if args.check and over:
        print(f"\np95 is {TARGET_MS:.0f} ms or more for: " + "; ".join(f"{t.database} {t.name}" for t in over))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
