"""Referrals under load: many API clients refer and answer at once against gunicorn and PostgreSQL.

Run it (PostgreSQL must be running on 127.0.0.1:5432 as ``postgres``)::

    uv run python benchmarks/referrals_load.py                       # 2,000 referrals, 16 clients
    uv run python benchmarks/referrals_load.py --referrals 200       # a quick run
    uv run python benchmarks/referrals_load.py --clients 32 --workers 4

What it does:

1. drops and creates the database ``carehouse_bench_referrals`` (``--database-url``; only a
   database with ``bench`` in its name is ever dropped) and migrates it;
2. seeds, with plain ORM writes: a network with a link worker, ``--people`` people in its care
   (each with consent to share with the services' organisation), a community organisation with two
   provider staff, and ``--services`` directory services that organisation has claimed; and API
   tokens for the three of them (``accounts.issue_api_token``);
3. starts gunicorn on loopback (``python -m gunicorn carehouse.config.wsgi:application -w 2``, the
   same as ``uv run gunicorn ...``) with ``DATABASE_URL`` pointing at that database and the test
   settings (``DEBUG`` off, quiet logging, ``127.0.0.1`` allowed);
4. runs ``--clients`` threads, each taking referrals from a shared queue and, over plain
   ``http.client``:

   - ``POST /api/v1/referrals`` with a new ``Idempotency-Key`` (about 5% are sent again with the same
     key and body, which must answer 200 with the same referral and ``Idempotent-Replayed: true``);
   - as provider staff, ``POST /api/v1/referrals/{id}/transition`` with ``expected_status``: about
     15% are declined (no capacity); the rest accepted, started and completed (with an outcome);
   - about 5% of moves are sent a second time with the same, now stale, ``expected_status``, which
     must answer 409; and about 3% of referrals are accepted and declined by two provider staff at
     the same moment, where exactly one must answer 200 and the other 409;

5. prints throughput and p50/p95/p99 latency per kind of request, the count of 5xx answers (must be
   0) and of 409s, then checks the database: as many referrals as idempotency keys used, each
   referral's events numbered 1..n without gaps, one status event for each change of state (every
   one an allowed move, each following on from the one before, the last one the referral's
   status, the version one more than the changes), and every referral where its client left it.

It exits 1 if anything is wrong: a 5xx, an answer that was not the one expected, or a failed
check. Timings depend on the machine: nothing asserts on them.
"""

# Django is set up (with the benchmark's database) in ``main``, after the arguments are read.

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carehouse_bench_referrals"
SETTINGS = "carehouse.config.settings.test"
HOST = "127.0.0.1"
REASON = "Would like to meet people and get out more"


# -- what the clients saw ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    seconds: float


@dataclass
class Tally:
    """Everything the clients did, shared between threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    #: referral id -> the status its client left it in
    final: dict[int, str] = field(default_factory=dict)
    expected_conflicts: int = 0

    def add(self, kind: str, answer: Answer) -> None:
        with self.lock:
            self.latencies[kind].append(answer.seconds)
            self.statuses[answer.status] += 1

    def problem(self, message: str) -> None:
        with self.lock:
            if len(self.problems) < 1000:
                self.problems.append(message)


class Client:
    """One API caller (a bearer token) over plain HTTP/1.1 on loopback: a connection per request."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
        data = json.dumps(body).encode()
        all_headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        }
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            connection.request("POST", path, body=data, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            status = response.status
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:300].decode(errors="replace")
        return Answer(status, parsed, answer_headers, seconds)


@dataclass(frozen=True)
class Plan:
    """What one client does with one referral, decided up front from the seed."""

    number: int
    person_id: int
    service_id: str
    decline: bool
    retry_create: bool
    race: bool
    stale_after: frozenset[str]


class Load:
    def __init__(self, port: int, tokens: dict[str, str], tally: Tally) -> None:
        self.referrer = Client(port, tokens["referrer"])
        self.providers = [Client(port, tokens["provider"]), Client(port, tokens["provider2"])]
        self.tally = tally

    def expect(self, kind: str, answer: Answer, *wanted: int) -> bool:
        self.tally.add(kind, answer)
        if answer.status in wanted:
            return True
        self.tally.problem(f"{kind}: {answer.status} (wanted {wanted}): {str(answer.body)[:300]}")
        return False

    def move(self, referral_id: int, to: str, expected: str, provider: int = 0, **extra: str) -> Answer:
        body = {"to": to, "expected_status": expected, **extra}
        return self.providers[provider].post(f"/api/v1/referrals/{referral_id}/transition", body)

    def step(self, plan: Plan, referral_id: int, kind: str, to: str, expected: str, **extra: str) -> bool:
        """One move that must work; then, if planned, the same move again, which must be a 409."""
        provider = plan.number % 2
        if not self.expect(kind, self.move(referral_id, to, expected, provider, **extra), 200):
            return False
        if kind in plan.stale_after:
            with self.tally.lock:
                self.tally.expected_conflicts += 1
            again = self.move(referral_id, to, expected, 1 - provider, **extra)
            if self.expect("stale duplicate (409)", again, 409) and again.body.get("current_status") != to:
                self.tally.problem(f"409 for {referral_id} says {again.body}, not {to}")
        return True

    def run(self, plan: Plan) -> None:
        key = f"bench-{plan.number}-{uuid.uuid4()}"
        body = {"person_id": plan.person_id, "service_id": plan.service_id, "reason_for_referral": REASON}
        created = self.referrer.post("/api/v1/referrals", body, {"Idempotency-Key": key})
        if not self.expect("create", created, 201):
            return
        referral_id = int(created.body["id"])
        with self.tally.lock:
            self.tally.keys.add(key)
        if plan.retry_create:
            again = self.referrer.post("/api/v1/referrals", body, {"Idempotency-Key": key})
            replayed = again.body.get("id") == referral_id and again.headers.get("idempotent-replayed") == "true"
            if self.expect("create again, same key", again, 200) and not replayed:
                self.tally.problem(f"retry of {key} answered {again.body.get('id')}, not {referral_id}")
        status = self.answer(plan, referral_id)
        if status == "accepted":
            status = "in_progress" if self.step(plan, referral_id, "start", "in_progress", "accepted") else ""
        if status == "in_progress":
            done = self.step(
                plan, referral_id, "complete", "completed", "in_progress", outcome="got_help", note="Goes weekly"
            )
            status = "completed" if done else ""
        if status:
            with self.tally.lock:
                self.tally.final[referral_id] = status

    def answer(self, plan: Plan, referral_id: int) -> str:
        """Accept or decline; the status the referral is in afterwards ('' if something went wrong)."""
        if plan.race:
            return self.race(referral_id)
        if plan.decline:
            ok = self.step(plan, referral_id, "decline", "rejected", "sent", reason="no-capacity")
            return "rejected" if ok else ""
        return "accepted" if self.step(plan, referral_id, "accept", "accepted", "sent") else ""

    def race(self, referral_id: int) -> str:
        """Two provider staff answer at the same moment: one accepts, the other declines."""
        barrier = threading.Barrier(2)
        answers: list[Answer | None] = [None, None]
        moves = [("accepted", {}), ("rejected", {"reason": "no-capacity"})]

        def go(index: int) -> None:
            to, extra = moves[index]
            barrier.wait(timeout=30)
            answers[index] = self.move(referral_id, to, "sent", index, **extra)

        other = threading.Thread(target=go, args=(1,))
        other.start()
        go(0)
        other.join()
        got = [answer for answer in answers if answer is not None]
        for answer in got:
            self.tally.add("race: accept or decline at once", answer)
        codes = sorted(answer.status for answer in got)
        if codes != [200, 409]:
            self.tally.problem(f"race on {referral_id}: answers {codes}, wanted one 200 and one 409")
            return ""
        with self.tally.lock:
            self.tally.expected_conflicts += 1
        winner = next(answer for answer in got if answer.status == 200)
        return str(winner.body["status"])


# -- the database ---------------------------------------------------------------------------------


def ensure_fresh_database(url: str) -> None:
    import dj_database_url
    from _shared import admin_connection
    from psycopg import sql

    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The benchmark runs on PostgreSQL: give --database-url postgres://...")
    if "bench" not in name or name.startswith(("test", "template")) or name == "postgres":
        sys.exit(f"Refusing to drop {name!r}: only a database with 'bench' in its name is dropped and rebuilt")
    with admin_connection(config) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Seeded:
    tokens: dict[str, str]
    people: list[int]
    services: list[str]


def seed(people: int, services: int) -> Seeded:
    """The cast, with plain ORM writes (no factories: this is not a test)."""
    from django.db import transaction

    from carehouse.core.actor import Actor
    from carehouse.core.models import Membership, Organisation, OrganisationType, User
    from carehouse.core.roles import Role
    from carehouse.core.services.accounts import issue_api_token
    from carehouse.directory.models import DirectoryOrganization, Service
    from carehouse.people.models import CareTeamMember, Consent, ConsentPurpose, ConsentScope, Person

    with transaction.atomic():
        pcn = Organisation.objects.create(
            ods_code="U99001", name="Bench Network", type=OrganisationType.PRIMARY_CARE_NETWORK
        )
        practice = Organisation.objects.create(
            ods_code="Y99001", name="Bench Medical Centre", type=OrganisationType.GP_PRACTICE, parent=pcn
        )
        voluntary = Organisation.objects.create(
            ods_code="V99001", name="Bench Community Trust", type=OrganisationType.VOLUNTARY_OR_COMMUNITY
        )
        members: dict[str, Membership] = {}
        for key, email, name, organisation, role in (
            ("referrer", "lena@bench.example.org", "Lena Linkworker", pcn, Role.LINK_WORKER),
            ("provider", "vic@bench.example.org", "Vic Provider", voluntary, Role.PROVIDER_STAFF),
            ("provider2", "wren@bench.example.org", "Wren Provider", voluntary, Role.PROVIDER_STAFF),
        ):
            user = User.objects.create(email=email, full_name=name)
            members[key] = Membership.objects.create(user=user, organisation=organisation, role=role)
        trust = DirectoryOrganization.objects.create(
            name="Bench Community Trust", description="Groups and activities", claimed_by=voluntary
        )
        now = datetime.datetime.now(datetime.UTC)
        service_rows = Service.objects.bulk_create(
            Service(
                organization=trust,
                name=f"Bench activity {number}",
                description="A weekly group.",
                referral_routes=["link_workers", "professionals"],
                response_time_days=5,
                last_reviewed_at=now,
                last_modified=now,
            )
            for number in range(1, services + 1)
        )
        person_rows = Person.objects.bulk_create(
            Person(
                given_name=f"Person{number}",
                family_name="Bench",
                date_of_birth=datetime.date(1940 + number % 60, 1 + number % 12, 1 + number % 28),
                registered_practice=practice,
                phone="07700 900000",
            )
            for number in range(1, people + 1)
        )
        lena = members["referrer"].user
        CareTeamMember.objects.bulk_create(
            CareTeamMember(person=person, organisation=pcn, name=lena.full_name, role_title="Link worker", user=lena)
            for person in person_rows
        )
        consents = Consent.objects.bulk_create(
            Consent(
                person=person,
                purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
                scope=ConsentScope.REFERRAL_MINIMUM,
                recorded_by=lena,
            )
            for person in person_rows
        )
        through = Consent.recipient_directory_organisations.through
        through.objects.bulk_create(
            through(consent_id=consent.pk, directoryorganization_id=trust.pk) for consent in consents
        )
        tokens = {key: issue_api_token(Actor.for_membership(m), "load benchmark")[1] for key, m in members.items()}
    return Seeded(tokens=tokens, people=[p.pk for p in person_rows], services=[str(s.pk) for s in service_rows])


def check_database(tally: Tally) -> list[str]:
    """What must hold however the requests interleaved."""
    from django.db.models import Count

    from carehouse.referrals.models import EventKind, IdempotencyKey, Referral, ReferralEvent
    from carehouse.referrals.states import TRANSITIONS, ReferralState

    problems: list[str] = []
    referrals = {r.pk: r for r in Referral.objects.all()}
    keys = IdempotencyKey.objects.count()
    print(f"\nIn the database: {len(referrals):,} referrals, {keys:,} idempotency keys")
    if len(referrals) != len(tally.keys):
        problems.append(f"{len(referrals)} referrals for {len(tally.keys)} distinct idempotency keys used")
    if keys != len(referrals):
        problems.append(f"{keys} idempotency keys stored for {len(referrals)} referrals")
    doubled = IdempotencyKey.objects.values("referral").annotate(n=Count("pk")).filter(n__gt=1).count()
    if doubled:
        problems.append(f"{doubled} referrals have more than one idempotency key")
    events: dict[int, list[Any]] = defaultdict(list)
    for event in ReferralEvent.objects.order_by("referral_id", "sequence").iterator(chunk_size=5000):
        events[event.referral_id].append(event)
    allowed = {(str(f.value), str(t.value), str(p.value)) for f, t, p in TRANSITIONS}
    changes = 0
    for pk, referral in referrals.items():
        history = events.get(pk, [])
        sequences = [event.sequence for event in history]
        if sequences != list(range(1, len(history) + 1)):
            problems.append(f"referral {pk}: event numbers {sequences}")
        if not history or history[0].kind != EventKind.CREATED or history[0].to_status != ReferralState.DRAFT:
            problems.append(f"referral {pk}: does not start with 'created, draft'")
            continue
        moves = [event for event in history if event.kind == EventKind.STATUS]
        changes += len(moves)
        state = str(ReferralState.DRAFT)
        for event in moves:
            if event.from_status != state:
                problems.append(f"referral {pk}: #{event.sequence} moves from {event.from_status}, it was {state}")
            if (event.from_status, event.to_status, event.party) not in allowed:
                problems.append(f"referral {pk}: #{event.sequence} {event.from_status}->{event.to_status} not allowed")
            state = event.to_status
        if len({(e.from_status, e.to_status) for e in moves}) != len(moves):
            problems.append(f"referral {pk}: the same change recorded twice")
        if state != referral.status:
            problems.append(f"referral {pk}: is {referral.status} but its events end at {state}")
        if referral.version != 1 + len(moves):
            problems.append(f"referral {pk}: version {referral.version} after {len(moves)} changes")
        wanted = tally.final.get(pk)
        if wanted is not None and wanted != referral.status:
            problems.append(f"referral {pk}: is {referral.status}, its client left it {wanted}")
    print(f"Checked {sum(len(h) for h in events.values()):,} events, {changes:,} changes of state")
    return problems


# -- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int, workers: int, log: Path, token: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "carehouse.config.wsgi:application",
        "-w",
        str(workers),
        "-b",
        f"{HOST}:{port}",
        "--timeout",
        "60",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    client = Client(port, token)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {server.returncode}); see {log}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {client.token}"})
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    sys.exit(f"gunicorn did not answer within a minute; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# -- figures --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def print_figures(tally: Tally, seconds: float) -> None:
    total = sum(len(v) for v in tally.latencies.values())
    print(f"\n{total:,} requests in {seconds:.1f} s: {total / seconds:.1f} requests/s")
    print(f"\n{'request':<36} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    every: list[float] = []
    for kind, values in sorted(tally.latencies.items()):
        every.extend(values)
        ms = [v * 1000 for v in values]
        print(
            f"{kind:<36} {len(ms):>7,} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f}"
            f" {percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
        )
    ms = [v * 1000 for v in every]
    print(
        f"{'all':<36} {len(ms):>7,} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f}"
        f" {percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
    )
    codes = ", ".join(f"{code}: {count:,}" for code, count in sorted(tally.statuses.items()))
    errors = sum(count for code, count in tally.statuses.items() if code >= 500)
    print(f"\nAnswers: {codes}")
    print(f"5xx: {errors}; 409: {tally.statuses[409]} (expected {tally.expected_conflicts})")


# -- running it -----------------------------------------------------------------------------------


def plans(args: argparse.Namespace, seeded: Seeded) -> list[Plan]:
    capacity = len(seeded.people) * len(seeded.services)
    if args.referrals > capacity:
        sys.exit(f"--referrals {args.referrals} is more than people x services ({capacity}): one open referral each")
    rng = random.Random(args.seed)
    pairs = rng.sample(range(capacity), args.referrals)
    result = []
    for number, pair in enumerate(pairs):
        person, service = divmod(pair, len(seeded.services))
        race = rng.random() < args.race_rate
        result.append(
            Plan(
                number=number,
                person_id=seeded.people[person],
                service_id=seeded.services[service],
                decline=rng.random() < args.decline_rate,
                retry_create=rng.random() < args.retry_rate,
                race=race,
                stale_after=frozenset(
                    kind
                    for kind in ("accept", "decline", "start", "complete")
                    if not (race and kind in ("accept", "decline")) and rng.random() < args.stale_rate
                ),
            )
        )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refer and answer referrals through the API under concurrent load.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="a PostgreSQL database with 'bench'")
    parser.add_argument("--referrals", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16, help="concurrent API clients (threads)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--decline-rate", type=float, default=0.15)
    parser.add_argument("--retry-rate", type=float, default=0.05, help="creates sent again with the same key")
    parser.add_argument("--stale-rate", type=float, default=0.05, help="moves sent again, stale: must be 409")
    parser.add_argument("--race-rate", type=float, default=0.03, help="referrals accepted and declined at once")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    ensure_fresh_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    seeded = seed(args.people, args.services)
    connections.close_all()
    print(
        f"Database {args.database_url.rsplit('/', 1)[-1]}: migrated and seeded {len(seeded.people):,} people and "
        f"{len(seeded.services)} services in {time.perf_counter() - started:.1f} s"
    )
    work = plans(args, seeded)
    log = Path(tempfile.gettempdir()) / "carehouse_bench_referrals_gunicorn.log"
    port = free_port()
    server = start_server(args.database_url, port, args.workers, log, seeded.tokens["referrer"])
    print(f"gunicorn: {args.workers} workers on {HOST}:{port} (log {log})")
    tally = Tally()
    load = Load(port, seeded.tokens, tally)

    def run(plan: Plan) -> None:
        try:
            load.run(plan)
        except Exception as error:  # noqa: BLE001 (a client failure is a finding, not a crash)
            tally.problem(f"referral {plan.number}: {type(error).__name__}: {error}")

    print(f"Sending {len(work):,} referrals from {args.clients} clients ...")
    began = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(run, work))
        seconds = time.perf_counter() - began
    finally:
        stop_server(server)
    print_figures(tally, seconds)

    problems = list(tally.problems)
    errors = sum(count for code, count in tally.statuses.items() if code >= 500)
    if errors:
        problems.append(f"{errors} answers were 5xx (see {log})")
    if tally.statuses[409] != tally.expected_conflicts:
        problems.append(f"{tally.statuses[409]} answers were 409, {tally.expected_conflicts} expected")
    problems += check_database(tally)
    connections.close_all()
    if problems:
        print(f"\nFAILED: {len(problems)} problems")
        for problem in problems[:50]:
            print(f"  - {problem}")
        return 1
    print("\nAll checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
