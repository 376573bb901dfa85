"""Outcome measures at scale: 50,000 people with about 300,000 completed questionnaires in PostgreSQL, then time the reads.

Run it (PostgreSQL must be running; the database is created if missing)::

    uv run python benchmarks/measures_at_scale.py                 # build the data, then time
    uv run python benchmarks/measures_at_scale.py --reuse         # time again on the data already built
    uv run python benchmarks/measures_at_scale.py --people 5000   # a quick run on less data

It uses its own database (``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/carehouse_bench_measures``), never the test databases nor
the care plan benchmark's, and builds it from scratch unless ``--reuse`` is given and the data
is already there.

What it builds, with ``bulk_create`` (the services write one response at a time, each with its
audit event: right for people, far too slow for 300,000 responses):

- the organisations, staff and people of ``careplans_at_scale`` (its ``Generator``): an ICB, a
  network, a few GP practices of very different sizes, practice nurses, a link worker, and
  people with a practice nurse on their care team (a link worker on some, consent to share
  with the network for some);
- for each person 1 to 11 completed responses (6 on average) to PHQ-9, GAD-7, ONS4, SEMCD-6
  and PAM (an external result, dated by its report), spread over the last 3 years. The answers
  are checked with ``scoring.clean_answers`` and scored with ``scoring.score``, and the
  ``MeasureScore`` rows are written as ``services.responses`` writes them (one per derived
  score, ``effective_at`` the completion time or the PAM report's date at noon);
- about 0.5% of responses corrected (a later response that supersedes them, with its own scores);
- a PHQ-9 alert (item 9 above 0) still open for 1% of people and acknowledged for 2%;
- an active care and support plan for ``--plans`` people (``Generator.plans``: sections and a
  revision), for timing the plan page and its measures panel.

No audit events are written for the generated rows (the reads timed here write their own).

What is timed, in this process (``--requests`` timed calls of each kind over random people,
after ``--warmup`` untimed ones), signed in as a practice nurse at the person's practice:

- ``selectors.scores_for_person(actor, person, "phq9")`` (the trend) and ``(actor, person)``;
- ``GET /measures/person/{id}`` and ``GET /measures/person/{id}/trend/phq9`` (test ``Client``);
- ``selectors.open_alerts(actor)`` and ``GET /measures/alerts`` for the three biggest practices;
- ``GET /fhir/Observation?patient={id}`` with a staff API token (bearer);
- ``GET /careplans/{id}``, the plan page with its measures panel, for people with a plan.

It prints count, p50, p95 and max in milliseconds, the database queries per call (fewest and
most, over a few calls), and whether p95 is under 150 ms; nothing asserts on the times.
``--explain`` also prints one call's queries, slowest first, with ``EXPLAIN ANALYZE``.
"""

# Django must be set up (with the benchmark's database) before the models are imported.
# ruff: noqa: E402

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carehouse_bench_measures"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehouse.config.settings.test")

import django

django.setup()

import argparse
import datetime
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _shared import Timing
from careplans_at_scale import (
    MARKER_ODS,
    Progress,
    Scale,
    create,
    ensure_database,
    exists,
    explain,
    get_ok,
    measure,
    signed_in,
    timestamps_as_given,
)
from careplans_at_scale import Generator as PeopleGenerator
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.core.roles import Role
from carehouse.core.services.accounts import issue_api_token
from carehouse.measures import selectors
from carehouse.measures.definitions import InstrumentDefinition, Item
from carehouse.measures.models import (
    CompletedBy,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
)
from carehouse.measures.scoring import Answers, clean_answers, score
from carehouse.people.models import Person

TARGET_MS = 150.0
#: How often each instrument is answered (weights): about 1.7 scores per response.
MIX = {"phq9": 3, "gad7": 3, "ons4": 2, "semcd6": 1, "pam": 1}
YEARS = 3
PEOPLE_PER_CHUNK = 5_000
PAM_HOLDER = "Insignia Health (Phreesia)"
LATER = [Timepoint.SESSION, Timepoint.SESSION, Timepoint.REVIEW, Timepoint.END_OF_SUPPORT, Timepoint.FOLLOW_UP]


# Output ------------------------------------------------------------------------------------


@dataclass
class Figures(Timing):
    """A timing with the number of database queries per call (fewest and most seen)."""

    queries: tuple[int, int] | None = None

    def row(self, *, target_ms: float = TARGET_MS, width: int = 52) -> str:
        if not self.ms:
            return f"{self.name:<{width}} {'-':>5}  {self.note}"
        p95 = self.percentile(0.95)
        counted = "" if self.queries is None else f"{self.queries[0]}-{self.queries[1]}"
        return (
            f"{self.name:<{width}} {len(self.ms):>5} {self.percentile(0.5):>8.1f} {p95:>8.1f} {max(self.ms):>8.1f}"
            f" {counted:>8}   {'yes' if p95 < target_ms else 'NO'}"
        )


def print_table(figures: Sequence[Figures]) -> None:
    print()
    print(f"{'What':<52} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}   p95 < 150 ms")
    for figure in figures:
        print(figure.row())


# Generation ----------------------------------------------------------------------------------


@dataclass
class Planned:
    """One completed response to write, with what its scores and alerts need."""

    response: MeasureResponse
    definition: InstrumentDefinition
    effective_at: datetime.datetime
    alert: str = ""  # "open" or "acknowledged" when its answers raise an alert


class MeasuresGenerator:
    """Completed responses, their scores, corrections and alerts, for people already built."""

    def __init__(self, people: PeopleGenerator, progress: Progress, seed: int) -> None:
        self.people = people
        self.progress = progress
        self.rng = random.Random(seed + 7)
        self.now = timezone.now()
        self.instruments = {key: selectors.get_instrument(key) for key in MIX}
        self.definitions = {key: instrument.parsed for key, instrument in self.instruments.items()}
        self.practice_name = {practice.pk: practice.name for practice in people.practices}
        self.responses = self.scores = self.corrections = self.alerts = 0

    def run(self) -> None:
        everyone = self.people.people
        for first in range(0, len(everyone), PEOPLE_PER_CHUNK):
            self.chunk(everyone[first : first + PEOPLE_PER_CHUNK])
            self.progress(
                f"people {first + 1:,} to {min(first + PEOPLE_PER_CHUNK, len(everyone)):,}: "
                f"{self.responses:,} responses, {self.scores:,} scores, {self.corrections:,} corrections, "
                f"{self.alerts:,} alerts so far"
            )

    # Answers -------------------------------------------------------------------------------

    def choice(self, definition: InstrumentDefinition, item: Item, level: float, flagged: bool | None) -> int:
        values = sorted(definition.scale(item.scale).values)
        flag = next((f for f in definition.flags if f.item == item.id), None)
        if flag is not None and flagged is not None:
            values = [v for v in values if (v > flag.above) == flagged]
        index = round(level * (len(values) - 1) + self.rng.gauss(0, 0.7))
        return values[min(len(values) - 1, max(0, index))]

    def answers(self, key: str, level: float, when: datetime.datetime, *, flagged: bool) -> Answers:
        """Answers a person might give, cleaned as the forms and API clean them."""
        rng, definition = self.rng, self.definitions[key]
        sent: dict[str, object] = {}
        if key == "pam":
            activation = round(35 + 55 * level + rng.gauss(0, 4), 1)
            activation = min(100.0, max(0.0, activation))
            sent = {
                "score": f"{activation:.1f}",
                "level": 1 if activation <= 47 else 2 if activation <= 55.1 else 3 if activation <= 67 else 4,
                "assessed_on": timezone.localtime(when).date().isoformat(),
                "licence_holder": PAM_HOLDER,
            }
            return clean_answers(definition, sent, complete=True)
        for item in definition.items:
            if not item.required and rng.random() < (0.3 if item.id == "difficulty" else 0.07):
                continue  # optional questions are sometimes left out (SEMCD-6 then may not be scored)
            sent[item.id] = self.choice(definition, item, level, flagged)
        return clean_answers(definition, sent, complete=True)

    # One chunk of people ---------------------------------------------------------------------

    def chunk(self, people: Sequence[Person]) -> None:
        rng, now = self.rng, self.now
        planned: list[Planned] = []
        span = datetime.timedelta(days=365 * YEARS).total_seconds()
        for person in people:
            practice = person.registered_practice_id or 0
            nurses = self.people.staff_at[practice]
            count = rng.randint(1, 11)
            keys = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
            roll = rng.random()
            alert = "open" if roll < 0.01 else "acknowledged" if roll < 0.03 else ""
            if alert and "phq9" not in keys:
                keys[-1] = "phq9"
            times = sorted(now - datetime.timedelta(seconds=rng.uniform(3600, span)) for _ in keys)
            phq9s = [n for n, key in enumerate(keys) if key == "phq9"]
            flagged_at = (phq9s[-1] if alert == "open" else phq9s[0]) if alert else -1
            base = rng.uniform(0.15, 0.85)
            seen: set[str] = set()
            for n, (key, when) in enumerate(zip(keys, times, strict=True)):
                level = min(1.0, max(0.0, base - 0.25 * n / count + rng.gauss(0, 0.1)))
                answers = self.answers(key, level, when, flagged=n == flagged_at)
                nurse = rng.choice(nurses)
                external = self.definitions[key].is_external
                completed = when + datetime.timedelta(days=rng.randint(0, 7)) if external else when
                completed = min(completed, now)
                effective = when
                if external:
                    day = datetime.date.fromisoformat(str(answers["assessed_on"]))
                    effective = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
                response = MeasureResponse(
                    person_id=person.pk,
                    organisation_id=practice,
                    instrument=self.instruments[key],
                    status=ResponseStatus.COMPLETED,
                    answers=answers,
                    timepoint=Timepoint.BASELINE if key not in seen else rng.choice(LATER),
                    completed_by=nurse,
                    completed_by_label=f"{nurse.full_name}, {Role.PRACTITIONER.label} at {self.practice_name[practice]}",
                    completed_mode=CompletedBy.EXTERNAL if external else CompletedBy.STAFF,
                    completed_at=completed,
                    version=2,
                    created_at=completed,
                )
                seen.add(key)
                planned.append(Planned(response, self.definitions[key], effective, alert if n == flagged_at else ""))
        with timestamps_as_given(MeasureResponse):
            create(MeasureResponse, [p.response for p in planned])
            planned += self.corrections_of(planned)
        self.responses += len(planned)
        self.write_scores_and_alerts(planned)

    def corrections_of(self, planned: Sequence[Planned]) -> list[Planned]:
        """About 0.5% of questionnaires corrected a day or two later (the first answer is kept)."""
        rng, now = self.rng, self.now
        corrections: list[Planned] = []
        for original in planned:
            old = original.response
            if original.definition.is_external or original.alert or rng.random() >= 0.005:
                continue
            answers = dict(old.answers)
            first = original.definition.items[0]
            answers[first.id] = self.choice(original.definition, first, rng.random(), None)
            assert old.completed_at is not None
            completed = min(now, old.completed_at + datetime.timedelta(days=rng.randint(1, 3)))
            correction = MeasureResponse(
                person_id=old.person_id,
                organisation_id=old.organisation_id,
                instrument=old.instrument,
                status=ResponseStatus.COMPLETED,
                answers=clean_answers(original.definition, answers, complete=True),
                timepoint=old.timepoint,
                supersedes=old,
                correction_reason="Typed the wrong answer to question 1",
                completed_by=old.completed_by,
                completed_by_label=old.completed_by_label,
                completed_mode=old.completed_mode,
                completed_at=completed,
                version=2,
                created_at=completed,
            )
            corrections.append(Planned(correction, original.definition, original.effective_at))
        create(MeasureResponse, [p.response for p in corrections])
        self.corrections += len(corrections)
        return corrections

    def write_scores_and_alerts(self, planned: Sequence[Planned]) -> None:
        """As ``services.responses`` writes them: one score per derived score, an alert per flag."""
        scores: list[MeasureScore] = []
        alerts: list[MeasureAlert] = []
        not_scored: list[MeasureResponse] = []
        for item in planned:
            response = item.response
            outcome = score(item.definition, response.answers)
            if outcome.not_scored:
                response.not_scored_reason = outcome.not_scored
                not_scored.append(response)
            scores.extend(
                MeasureScore(
                    response=response,
                    person_id=response.person_id,
                    instrument_key=item.definition.key,
                    code=derived.code,
                    label=derived.label,
                    value=derived.value,
                    band=derived.band,
                    effective_at=item.effective_at,
                )
                for derived in outcome.scores
            )
            if not item.alert:
                continue
            assert response.completed_at is not None and response.completed_by is not None
            acknowledged = item.alert == "acknowledged"
            for flag in outcome.flags:
                alerts.append(
                    MeasureAlert(
                        response=response,
                        person_id=response.person_id,
                        organisation_id=response.organisation_id,
                        code=flag.code,
                        title=flag.title,
                        message=flag.for_staff,
                        raised_at=response.completed_at,
                        acknowledged_at=response.completed_at + datetime.timedelta(hours=3) if acknowledged else None,
                        acknowledged_by=response.completed_by if acknowledged else None,
                        acknowledged_by_label=response.completed_by_label if acknowledged else "",
                        action_taken="Rang them the same day and agreed a safety plan" if acknowledged else "",
                    )
                )
        # Responses are written before their scores (they need the keys): the few not scored
        # (too many SEMCD-6 questions left out) get their reason now.
        MeasureResponse.objects.bulk_update(not_scored, ["not_scored_reason"], batch_size=1000)
        create(MeasureScore, scores)
        create(MeasureAlert, alerts)
        self.scores += len(scores)
        self.alerts += len(alerts)


def generate(*, people: int, practices: int, plans: int, seed: int, progress: Progress) -> None:
    with transaction.atomic():
        base = PeopleGenerator(Scale(plans=people, practices=practices, full=0, seed=seed), progress)
        base.organisations()
        base.staff()
        base.persons()
        with_plans = base.rng.sample(base.people, min(plans, len(base.people)))
        base.plans([(person, PlanStatus.ACTIVE) for person in with_plans], 0, set())
        MeasuresGenerator(base, progress, seed).run()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # planner statistics, as a database in use would have
    progress("tables vacuumed and analysed")


def data_present(people: int) -> bool:
    return (
        Organisation.objects.filter(ods_code=MARKER_ODS).exists()
        and Person.objects.count() >= people
        and MeasureScore.objects.exists()
    )


def print_sizes() -> None:
    """What is in the database: rows, and the measures tables' size on disk."""
    responses = Counter(
        dict(MeasureResponse.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    )
    corrections = MeasureResponse.objects.filter(supersedes__isnull=False).count()
    open_alerts = MeasureAlert.objects.filter(acknowledged_at=None).count()
    print(
        f"  {Person.objects.count():,} people at "
        f"{Organisation.objects.filter(ods_code__startswith='YB').count()} practices; "
        f"{responses[ResponseStatus.COMPLETED]:,} completed responses ({corrections:,} of them corrections); "
        f"{MeasureScore.objects.count():,} scores; {MeasureAlert.objects.count():,} alerts ({open_alerts:,} open); "
        f"{CarePlan.objects.count():,} care plans"
    )
    with connection.cursor() as cursor:
        for table in (MeasureResponse, MeasureScore, MeasureAlert):
            name = table._meta.db_table
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [name])
            row = cursor.fetchone()
            print(f"  {name}: {row[0] if row else '?'} with its indexes")


# Timing --------------------------------------------------------------------------------------


class Practices:
    """A practice nurse at each practice: their membership, actor, signed-in client and API token."""

    def __init__(self) -> None:
        self.membership: dict[int, Membership] = {}
        for membership in (
            Membership.objects.filter(role=Role.PRACTITIONER, organisation__ods_code__startswith="YB")
            .select_related("user", "organisation")
            .order_by("-pk")
        ):
            self.membership[membership.organisation_id] = membership  # the first nurse wins
        self.actor = {org: Actor.for_membership(m) for org, m in self.membership.items()}
        self.client = {org: signed_in(m) for org, m in self.membership.items()}
        self.tokens: dict[int, str] = {}

    def token(self, organisation_id: int) -> str:
        if organisation_id not in self.tokens:
            self.tokens[organisation_id] = issue_api_token(self.actor[organisation_id], "benchmark")[1]
        return self.tokens[organisation_id]

    def biggest(self, count: int) -> list[int]:
        sizes = (
            Person.objects.filter(registered_practice_id__in=list(self.membership))
            .values("registered_practice_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
        return [row["registered_practice_id"] for row in sizes[:count]]


def queries_per_call(call: Callable[[int], object], calls: int = 10) -> tuple[int, int]:
    counts = []
    for n in range(calls):
        with CaptureQueriesContext(connection) as captured:
            call(n)
        counts.append(len(captured.captured_queries))
    return min(counts), max(counts)


def timed(name: str, call: Callable[[int], object], args: argparse.Namespace) -> Figures:
    timing = measure(name, call, requests=args.requests, warmup=args.warmup)
    figures = Figures(timing.name, timing.ms, timing.note)
    if figures.ms:  # a call that failed was not timed
        figures.queries = queries_per_call(call)
    if args.explain and figures.ms:
        explain(name, lambda: call(0))
    return figures


def run_timings(args: argparse.Namespace) -> list[Figures]:
    rng = random.Random(args.seed + 1)
    n = args.requests + args.warmup
    practices = Practices()
    people_ids = list(Person.objects.values_list("pk", flat=True))
    with_phq9 = list(MeasureScore.objects.filter(instrument_key="phq9").values_list("person_id", flat=True).distinct())
    if not people_ids or not with_phq9:
        sys.exit("No people with measures: build the data first")
    chosen = rng.sample(people_ids, min(n, len(people_ids)))
    chosen_phq9 = rng.sample(with_phq9, min(n, len(with_phq9)))
    found = Person.objects.select_related("registered_practice").in_bulk(chosen + chosen_phq9)
    sample = [found[i] for i in chosen]
    sample_phq9 = [found[i] for i in chosen_phq9]
    per_person = Counter(MeasureScore.objects.filter(person_id__in=chosen).values_list("person_id", flat=True))
    print(
        f"  {len(sample)} random people: {sum(per_person.values()) / len(sample):.1f} scores each on average, "
        f"at most {max(per_person.values(), default=0)}"
    )

    def practice(person: Person) -> int:
        return person.registered_practice_id or 0

    figures: list[Figures] = []

    def trend_read(i: int) -> object:
        person = sample_phq9[i % len(sample_phq9)]
        return selectors.scores_for_person(practices.actor[practice(person)], person, "phq9")

    def all_scores(i: int) -> object:
        person = sample[i % len(sample)]
        return selectors.scores_for_person(practices.actor[practice(person)], person)

    figures.append(timed('selectors.scores_for_person(…, "phq9")', trend_read, args))
    figures.append(timed("selectors.scores_for_person(…) (all scores)", all_scores, args))

    def person_page(i: int) -> None:
        person = sample[i % len(sample)]
        get_ok(practices.client[practice(person)], f"/measures/person/{person.pk}")

    def trend_page(i: int) -> None:
        person = sample_phq9[i % len(sample_phq9)]
        get_ok(practices.client[practice(person)], f"/measures/person/{person.pk}/trend/phq9")

    figures.append(timed("GET /measures/person/{id}", person_page, args))
    figures.append(timed("GET /measures/person/{id}/trend/phq9", trend_page, args))

    biggest = practices.biggest(3)
    for org in biggest:
        alerts = len(selectors.open_alerts(practices.actor[org]))
        people = Person.objects.filter(registered_practice_id=org).count()
        print(f"  {practices.membership[org].organisation.ods_code}: {people:,} people, {alerts} open alerts")

    def alert_read(i: int) -> object:
        return list(selectors.open_alerts(practices.actor[biggest[i % len(biggest)]]))

    def alert_page(i: int) -> None:
        get_ok(practices.client[biggest[i % len(biggest)]], "/measures/alerts")

    figures.append(timed("selectors.open_alerts (3 biggest practices)", alert_read, args))
    figures.append(timed("GET /measures/alerts (3 biggest practices)", alert_page, args))

    fhir_client = Client()

    def observations(i: int) -> None:
        person = sample[i % len(sample)]
        token = practices.token(practice(person))
        get_ok(fhir_client, f"/fhir/Observation?patient={person.pk}", headers={"Authorization": f"Bearer {token}"})

    name = "GET /fhir/Observation?patient={id}"
    if exists("/fhir/Observation"):
        figures.append(timed(name, observations, args))
    else:
        figures.append(Figures(name, note="not there yet (no URL)"))

    plans = list(CarePlan.objects.filter(status=PlanStatus.ACTIVE).values_list("pk", "organisation_id"))
    name = "GET /careplans/{id} (plan page, measures panel)"
    if not plans:
        figures.append(Figures(name, note="no care plans built (--plans 0)"))
    else:
        plan_sample = [rng.choice(plans) for _ in range(n)]

        def plan_page(i: int) -> None:
            plan_id, org = plan_sample[i % len(plan_sample)]
            get_ok(practices.client[org], f"/careplans/{plan_id}")

        figures.append(timed(name, plan_page, args))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build 50,000 people's outcome measures in PostgreSQL and time them.")
    parser.add_argument("--people", type=int, default=50_000, help="how many people (6 responses each on average)")
    parser.add_argument("--practices", type=int, default=10, help="how many GP practices")
    parser.add_argument("--plans", type=int, default=2_000, help="how many people get an active care plan")
    parser.add_argument("--requests", type=int, default=200, help="timed calls of each kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls of each kind first")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="skip building the data if it is already there")
    parser.add_argument("--explain", action="store_true", help="print the queries and EXPLAIN ANALYZE")
    args = parser.parse_args(argv)

    database = settings.DATABASES["default"]
    print(f"Database {database['NAME']} on {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}")
    reuse = False
    if args.reuse:
        ensure_database(fresh=False)
        reuse = data_present(args.people)
    if reuse:
        print("Using the data already built")
    else:
        ensure_database(fresh=True)
        print(f"Building {args.people:,} people's measures")
        progress = Progress()
        generate(people=args.people, practices=args.practices, plans=args.plans, seed=args.seed, progress=progress)
        print(f"Built in {time.perf_counter() - progress.started:.1f} s")
    print_sizes()
    print("\nTiming, signed in as a practice nurse at the person's practice:")
    print_table(run_timings(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
