"""Commissioning at scale: 1,000,000 care plans and 3,000,000 referrals, then time the figures pages.

Run it (PostgreSQL must be running; the database is dropped and built again every time)::

    uv run python benchmarks/commissioning.py --quick     # 20,000 plans: a smoke run of a minute or two
    uv run python benchmarks/commissioning.py             # 1,000,000 plans and 3,000,000 referrals
    uv run python benchmarks/commissioning.py --keep-db   # leave the database there afterwards

It uses its own database (``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/carehouse_bench_commissioning``), never the test databases,
and drops it at the end unless ``--keep-db`` is given.

Why PostgreSQL ``COPY`` and not the services: the services write one record at a time, each with
its audit event in the same transaction, which at this size would take days. This is a benchmark
of reading aggregates, so the synthetic rows are streamed straight into the tables with ``COPY``
(no audit events, no revisions, no referral events: none of them is read by the figures). What it
writes:

- an integrated care board, 5 primary care networks and 60 GP practices of very different sizes;
- ``--people`` people registered with them (ages skewed older, both sexes; no NHS numbers);
- ``--plans`` care and support plans (one per person, the rest older completed plans), mostly
  agreed and active, ``agreed_at`` spread over 24 months, a pathway template from
  ``carehouse.careplans.pathways`` (or none), "what matters to me" from a small pool of phrases;
  about 2.5 needs (SNOMED CT coded or free text) and 2 goals per plan;
- a synthetic directory of a few hundred services (``carehouse.directory.synthetic``) and
  ``--referrals`` referrals to them across every status, with the reasons and outcomes the state
  machine allows, spread over the same 24 months;
- a baseline and a follow-up questionnaire (SWEMWBS, ONS4, PHQ-9 or GAD-7) with their scores for a
  quarter of people, a population extract profile (deprivation decile, long-term conditions,
  segment) for 90%, and hospital activity by month for 30%.

Then it runs ``carehouse.commissioning.facts.refresh()`` in a child process (its wall time, the
number of cells and its peak memory), and times the commissioning pages (needs, outcomes, gaps,
process) through Django's test ``Client`` as a signed-in commissioner of the ICB, in this process:
with the default filters, with an area (a primary care network) and with an age band. Each prints
count, p50, p95 and max in milliseconds and whether p95 is under the 2 second target. A page that
is not there yet (no URL, or 404) is reported and skipped. Missing a target does not fail the run;
only errors do.
"""

# Django must be set up (with the benchmark's database) before the models are imported.
# ruff: noqa: E402

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carehouse_bench_commissioning"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehouse.config.settings.test")

import django

django.setup()

import argparse
import datetime
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dj_database_url
import psycopg
from _shared import Timing, admin_connection, print_table
from careplans_at_scale import Progress, ensure_database, exists, signed_in
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.test import Client
from django.utils import timezone
from psycopg import sql

from carehouse.careplans.models import CarePlan, Goal, Need
from carehouse.careplans.pathways import TEMPLATES
from carehouse.commissioning.models import ActivitySetting, HospitalActivity, PersonProfile
from carehouse.core.models import Membership, Organisation, OrganisationType, User
from carehouse.core.roles import Role
from carehouse.directory import synthetic
from carehouse.directory.models import Service
from carehouse.measures.models import Instrument, MeasureResponse, MeasureScore
from carehouse.people.models import Person
from carehouse.referrals.models import Referral
from carehouse.referrals.states import REASONS, Outcome, ReferralState

TARGET_MS = 2000.0
MARKER_ODS = "QCB"  # the benchmark's integrated care board
MONTHS = 24
PAGES = ("/commissioning/needs", "/commissioning/outcomes", "/commissioning/gaps", "/commissioning/process")

GIVEN = ["Ada", "Ben", "Cara", "Dev", "Ella", "Femi", "Grace", "Hari", "Iris", "Jon", "Kemi", "Leo", "Maya", "Nia"]
FAMILY = ["Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Khan"]
MOST_IMPORTANT = [
    "Staying in my own home",
    "Seeing my grandchildren",
    "Getting out to the shops on my own",
    "Not feeling so lonely",
    "Being able to walk the dog",
    "Keeping my allotment going",
    "Getting back to work",
    "Sleeping through the night",
    "Feeling less anxious about money",
    "Going to church on Sundays",
    "",
]
NEEDS = [
    ("Feeling lonely and isolated", "422650009"),
    ("Worried about money and debts", "160932005"),
    ("Had two falls this year", "161898004"),
    ("Out of breath on the stairs", "267036007"),
    ("Blood sugar higher than I would like", "444780001"),
    ("Low mood most days", "366979004"),
    ("Struggling to look after myself at home", "284773001"),
    ("Housing is damp and cold", "105531004"),
    ("Caring for my husband and finding it hard", "276040000"),
    ("Pain in my knees when I walk", "30989003"),
    ("Would like to be more active", ""),
    ("Not sure what help there is", ""),
]
GOALS = [
    "I want to walk to the shops without stopping",
    "I want to get my sugar down without more tablets",
    "I want to feel steady on my feet",
    "I want to meet people who like the same things I do",
    "I want to sleep better",
    "I want to sort out my debts",
    "I want to feel less low",
    "I want to get back into gardening",
]
ACHIEVEMENTS = ["in-progress"] * 5 + ["improving"] * 2 + ["achieved"] * 2 + ["no-change", "not-achieved"]
REFERRAL_REASONS = [
    "Would like to meet people nearby",
    "Help with benefits and debts",
    "Wants to get more active",
    "Support with low mood",
    "Help with a damp home",
    "Support as a carer",
]
STATUS_MIX: list[tuple[str, int]] = [
    (ReferralState.COMPLETED, 35),
    (ReferralState.IN_PROGRESS, 10),
    (ReferralState.ACCEPTED, 5),
    (ReferralState.SENT, 8),
    (ReferralState.ON_HOLD, 3),
    (ReferralState.REJECTED, 10),
    (ReferralState.FAILED, 12),
    (ReferralState.CANCELLED, 15),
    (ReferralState.DRAFT, 2),
]
#: Questionnaires answered at baseline and follow-up: (key, [(code, label, low, high, better when higher)]).
QUESTIONNAIRES: list[tuple[str, list[tuple[str, str, int, int]]]] = [
    ("swemwbs", [("raw", "SWEMWBS raw total", 7, 35), ("metric", "SWEMWBS metric score", 7, 35)]),
    (
        "ons4",
        [
            ("satisfaction", "Life satisfaction", 0, 10),
            ("worthwhile", "Things you do are worthwhile", 0, 10),
            ("happiness", "Happy yesterday", 0, 10),
            ("anxiety", "Anxious yesterday", 0, 10),
        ],
    ),
    ("phq9", [("total", "PHQ-9 total", 0, 27)]),
    ("gad7", [("total", "GAD-7 total", 0, 21)]),
]
SEGMENTS = ["Healthy", "Long-term conditions", "Complex needs", "Frailty", "End of life"]


# Output ------------------------------------------------------------------------------------


# Writing with COPY ---------------------------------------------------------------------------


def text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(
    model: type[models.Model], columns: Sequence[str], lines: Iterable[str], *, now: datetime.datetime
) -> int:
    """Stream rows into ``model``'s table with COPY.

    ``lines`` give the ``columns`` (attnames) already in COPY text format, tab-separated, without
    the newline. Every other column gets its default (``auto_now`` fields ``now``), written once
    as a constant tail; the primary key is left to its sequence unless it is among ``columns``.
    """
    column_of = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    tail_columns: list[str] = []
    tail_values: list[str] = []
    for f in model._meta.concrete_fields:
        if f.attname in columns or (f.primary_key and isinstance(f, models.AutoField)):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: object = now if isinstance(f, models.DateTimeField) else now.date()
        else:
            value = f.get_default()
        tail_columns.append(column_of[f.attname])
        tail_values.append(text(value))
    names = [column_of[name] for name in columns] + tail_columns
    tail = ("\t" + "\t".join(tail_values) if tail_values else "") + "\n"
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(str(model._meta.db_table)), sql.SQL(", ").join([sql.Identifier(n) for n in names])
    )
    count = 0
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line + tail)
            count += 1
            if len(buffer) >= 20_000:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))
    return count


def reset_sequences(*tables: type[models.Model]) -> None:
    """After writing our own ids, move each table's id sequence past them."""
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )


def next_id(model: type[models.Model]) -> int:
    found = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return int(found or 0) + 1


# Generation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    people: int
    plans: int
    referrals: int
    services: int
    seed: int


class Generator:
    """Builds the benchmark's data in steps, each printing what it made and how long it took."""

    def __init__(self, scale: Scale, progress: Progress) -> None:
        self.scale = scale
        self.progress = progress
        self.rng = random.Random(scale.seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        # Day strings (as timestamps at 10:00 UTC) for each of the last 24 months, oldest first.
        self.span = MONTHS * 30
        first = self.today - datetime.timedelta(days=self.span)
        self.days = [first + datetime.timedelta(days=n) for n in range(self.span + 1)]
        self.stamps = [f"{day.isoformat()} 10:00:00+00" for day in self.days]
        self.icb: Organisation
        self.networks: list[Organisation] = []
        self.practices: list[Organisation] = []
        self.practice_of: list[int] = []  # by person number (0-based)
        self.first_person = 0
        self.plan_day: list[int] = []  # by person number: the day their first plan was agreed

    def run(self) -> None:
        self.organisations()
        self.persons()
        self.plans()
        self.directory_and_referrals()
        self.measures()
        self.profiles_and_activity()
        reset_sequences(Person, CarePlan, MeasureResponse)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.progress("tables vacuumed and analysed")

    def organisations(self) -> None:
        """An ICB, 5 networks and 60 practices of different sizes, and a commissioner at the ICB."""
        self.icb = Organisation.objects.create(
            ods_code=MARKER_ODS, name="NHS Commissioning Benchmark ICB", type=OrganisationType.INTEGRATED_CARE_BOARD
        )
        self.networks = [
            Organisation.objects.create(
                ods_code=f"UC{n:04d}",
                name=f"Benchmark Network {n + 1}",
                type=OrganisationType.PRIMARY_CARE_NETWORK,
                parent=self.icb,
            )
            for n in range(5)
        ]
        self.practices = Organisation.objects.bulk_create(
            [
                Organisation(
                    ods_code=f"YC{n:04d}",
                    name=f"Benchmark Practice {n + 1}",
                    type=OrganisationType.GP_PRACTICE,
                    parent=self.networks[n % 5],
                    postcode="RV1 1AA",
                )
                for n in range(60)
            ]
        )
        user = User.objects.create(
            email="commissioner@bench.example.org", full_name="Benchmark Commissioner", password=make_password(None)
        )
        Membership.objects.create(user=user, organisation=self.icb, role=Role.COMMISSIONER, job_title="Commissioner")
        self.progress("66 organisations and a commissioner")

    def persons(self) -> None:
        rng, n = self.rng, self.scale.people
        weights = [rng.lognormvariate(0, 0.6) for _ in self.practices]
        practice_ids = [p.pk for p in self.practices]
        self.practice_of = rng.choices(practice_ids, weights=weights, k=n)
        self.first_person = next_id(Person)
        # Ages skewed older, as people with care plans are: 18 to 98, more of them over 60.
        ages = [a for a in range(18, 99) for _ in range(1 + (a >= 50) + 2 * (a >= 65) + (a >= 75))]
        today = self.today

        def lines() -> Iterator[str]:
            for k in range(n):
                born = today - datetime.timedelta(days=rng.choice(ages) * 365 + rng.randrange(365))
                yield (
                    f"{self.first_person + k}\t{rng.choice(GIVEN)}\t{rng.choice(FAMILY)}\t{born.isoformat()}\t"
                    f"{'female' if rng.random() < 0.54 else 'male'}\t{self.practice_of[k]}"
                )

        columns = ["id", "given_name", "family_name", "date_of_birth", "sex", "registered_practice_id"]
        made = copy_rows(Person, columns, lines(), now=self.now)
        self.progress(f"{made:,} people")

    def plans(self) -> None:
        """One plan per person (while plans last); more plans than people are older, completed ones."""
        rng, people, count = self.rng, self.scale.people, self.scale.plans
        templates = [*TEMPLATES, ""]
        template_weights = [3 if key else 1 for key in templates]
        statuses = ["active"] * 86 + ["under_review"] * 5 + ["draft"] * 4 + ["completed"] * 5
        first_plan = next_id(CarePlan)
        self.plan_day = [0] * people
        span = self.span

        def lines() -> Iterator[str]:
            for k in range(count):
                person = k if k < people else rng.randrange(people)
                status = rng.choice(statuses) if k < people else "completed"
                day = rng.randrange(span - 14) if k < people else rng.randrange(span // 3)
                if k < people:
                    self.plan_day[person] = day
                template = rng.choices(templates, weights=template_weights)[0]
                agreed = "\\N" if status == "draft" else self.stamps[day + 7]
                review = (self.days[min(day + 7 + 180, span)]).isoformat()
                flag = "f" if status == "draft" else "t"
                yield (
                    f"{first_plan + k}\t{self.first_person + person}\t{self.practice_of[person]}\t{template}\t{status}\t"
                    f"{rng.choice(MOST_IMPORTANT)}\t{agreed}\t{'person' if flag == 't' else ''}\t{review}\t"
                    f"{flag}\t{flag}\t{flag}\t{flag}\t{flag}\t{self.stamps[day]}\t{self.stamps[day + 7]}"
                )

        columns = [
            "id",
            "person_id",
            "organisation_id",
            "template",
            "status",
            "about_most_important",
            "agreed_at",
            "agreed_with",
            "next_review_due",
            "involved_person",
            "shared_with_person",
            "goals_in_own_words",
            "actions_agreed",
            "review_date_set",
            "created_at",
            "updated_at",
        ]
        made = copy_rows(CarePlan, columns, lines(), now=self.now)
        self.progress(f"{made:,} care plans")

        def needs() -> Iterator[str]:
            for k in range(count):
                for position in range(rng.choice((2, 2, 3, 3)) if k % 2 else rng.choice((1, 2, 3, 4))):
                    need, code = rng.choice(NEEDS)
                    yield f"{first_plan + k}\t{need}\t{code}\t{position}"

        made = copy_rows(Need, ["plan_id", "text", "snomed_code", "position"], needs(), now=self.now)
        self.progress(f"{made:,} needs")

        def goals() -> Iterator[str]:
            for k in range(count):
                for position in range(rng.choice((1, 2, 2, 3))):
                    own = rng.random() < 0.8
                    yield (
                        f"{first_plan + k}\t{rng.choice(GOALS)}\t{'t' if own else 'f'}\t"
                        f"{'person' if own and rng.random() < 0.3 else 'professional'}\t{rng.randint(4, 10)}\t"
                        f"{rng.choice(ACHIEVEMENTS)}\t{position}"
                    )

        columns = ["plan_id", "text", "in_own_words", "written_by", "importance", "achievement", "position"]
        made = copy_rows(Goal, columns, goals(), now=self.now)
        self.progress(f"{made:,} goals")

    def directory_and_referrals(self) -> None:
        """A synthetic directory, then referrals to its services across every status."""
        synthetic.generate(
            services=self.scale.services, locations=self.scale.services, seed=self.scale.seed, reindex=False
        )
        services = [
            (str(pk), str(org))
            for pk, org in Service.objects.filter(organization__isnull=False)
            .order_by("pk")
            .values_list("pk", "organization_id")
        ]
        self.progress(f"a directory of {len(services):,} services")
        rng, people, span = self.rng, self.scale.people, self.span
        count = len(services)
        step = next(s for s in (101, 103, 107, 109, 113, 1) if math.gcd(s, count) == 1)
        state_names = [s for s, _ in STATUS_MIX]
        state_weights = [w for _, w in STATUS_MIX]
        outcomes = [Outcome.GOT_HELP] * 6 + [Outcome.PARTLY] * 3 + [Outcome.NOT_HELPED]

        def lines() -> Iterator[str]:
            for k in range(self.scale.referrals):
                person, round_ = k % people, k // people
                service, organisation = services[(person * 7919 + round_ * step) % count]
                status = rng.choices(state_names, weights=state_weights)[0]
                created = min(span - 1, self.plan_day[person] + rng.randrange(0, 200))
                self_referral = rng.random() < 0.1
                referrer = "\\N" if self_referral else str(self.practice_of[person])
                source = "self_referral" if self_referral else rng.choice(("plan_action", "directory", "shortlist"))
                reasons = REASONS.get(status)
                reason = rng.choice(reasons).value if reasons else ""
                outcome = rng.choice(outcomes).value if status == ReferralState.COMPLETED else ""
                sent = "\\N" if status == ReferralState.DRAFT else self.stamps[created]
                accepted_day = min(span, created + rng.randrange(1, 15))
                accepted = (
                    self.stamps[accepted_day]
                    if status
                    in (
                        ReferralState.ACCEPTED,
                        ReferralState.IN_PROGRESS,
                        ReferralState.COMPLETED,
                        ReferralState.FAILED,
                    )
                    else "\\N"
                )
                closed_day = min(span, accepted_day + rng.randrange(7, 90))
                closed = (
                    self.stamps[closed_day]
                    if status
                    in (
                        ReferralState.COMPLETED,
                        ReferralState.FAILED,
                        ReferralState.REJECTED,
                        ReferralState.CANCELLED,
                    )
                    else "\\N"
                )
                sessions = rng.randint(1, 8) if status in (ReferralState.COMPLETED, ReferralState.IN_PROGRESS) else 0
                yield (
                    f"{self.first_person + person}\t{service}\t{organisation}\t{referrer}\t{source}\t"
                    f"{rng.choice(REFERRAL_REASONS)}\t{status}\t{reason}\t{outcome}\t{sessions}\t"
                    f"{self.stamps[created]}\t{sent}\t{accepted}\t{closed}\t{self.stamps[closed_day]}"
                )

        columns = [
            "person_id",
            "service_id",
            "receiving_organization_id",
            "referring_organisation_id",
            "source",
            "reason_for_referral",
            "status",
            "status_reason",
            "outcome",
            "sessions_attended",
            "created_at",
            "sent_at",
            "accepted_at",
            "closed_at",
            "updated_at",
        ]
        made = copy_rows(Referral, columns, lines(), now=self.now)
        self.progress(f"{made:,} referrals")

    def measures(self) -> None:
        """Baseline and follow-up questionnaires, with their scores, for a quarter of people."""
        rng, span = self.rng, self.span
        instruments = {i.key: i.pk for i in Instrument.objects.filter(key__in=[k for k, _ in QUESTIONNAIRES])}
        missing = [k for k, _ in QUESTIONNAIRES if k not in instruments]
        if missing:
            raise RuntimeError(f"Instruments missing after migrate: {', '.join(missing)}")
        first_response = next_id(MeasureResponse)
        responses: list[str] = []
        scores: list[str] = []
        number = first_response
        for person in range(self.scale.people):
            if rng.random() >= 0.25:
                continue
            key, codes = QUESTIONNAIRES[rng.randrange(len(QUESTIONNAIRES))]
            baseline_day = min(span - 1, self.plan_day[person] + rng.randrange(0, 14))
            follow_day = baseline_day + rng.randrange(90, 270)
            change = rng.gauss(0.12, 0.25)  # a share of the range: most people a little better
            for timepoint, day in (("baseline", baseline_day), ("follow_up", follow_day)):
                if day > span:
                    continue
                when = self.stamps[day]
                responses.append(
                    f"{number}\t{self.first_person + person}\t{self.practice_of[person]}\t{instruments[key]}\t"
                    f"completed\t{timepoint}\t{when}\tstaff\t{when}"
                )
                for code, label, low, high in codes:
                    width = high - low
                    start = low + rng.random() * width * 0.6
                    worse_when_higher = key in ("phq9", "gad7") or code == "anxiety"
                    shift = -change if worse_when_higher else change
                    value = start if timepoint == "baseline" else min(high, max(low, start + shift * width))
                    scores.append(
                        f"{number}\t{self.first_person + person}\t{key}\t{code}\t{label}\t{round(value, 2)}\t{when}"
                    )
                number += 1
        columns = ["id", "person_id", "organisation_id", "instrument_id", "status", "timepoint", "completed_at"]
        columns += ["completed_mode", "created_at"]
        made = copy_rows(MeasureResponse, columns, responses, now=self.now)
        scored = copy_rows(
            MeasureScore,
            ["response_id", "person_id", "instrument_key", "code", "label", "value", "effective_at"],
            scores,
            now=self.now,
        )
        self.progress(f"{made:,} questionnaire responses, {scored:,} scores")

    def profiles_and_activity(self) -> None:
        """A population extract profile for 90% of people; hospital activity by month for 30%."""
        rng, people = self.rng, self.scale.people
        as_at = self.today.replace(day=1).isoformat()

        def profiles() -> Iterator[str]:
            for person in range(people):
                if rng.random() < 0.9:
                    yield (
                        f"{self.first_person + person}\t{rng.randint(1, 10)}\t{min(8, int(rng.expovariate(0.6)))}\t"
                        f"{rng.choice(SEGMENTS)}\t{as_at}\tbenchmark extract"
                    )

        columns = ["person_id", "imd_decile", "ltc_count", "segment", "as_at", "extract_name"]
        made = copy_rows(PersonProfile, columns, profiles(), now=self.now)
        month_starts = sorted({day.replace(day=1) for day in self.days})
        settings_ = [s.value for s in ActivitySetting]

        def activity() -> Iterator[str]:
            for person in range(people):
                if rng.random() >= 0.3:
                    continue
                chosen = {(rng.choice(settings_), rng.randrange(len(month_starts))) for _ in range(rng.randint(1, 6))}
                for setting, month in sorted(chosen):
                    beds = rng.randint(1, 9) if setting.endswith("admission") else 0
                    yield (
                        f"{self.first_person + person}\t{setting}\t{month_starts[month].isoformat()}\t"
                        f"{rng.randint(1, 2)}\t{beds}"
                    )

        rows = copy_rows(
            HospitalActivity, ["person_id", "setting", "month", "count", "bed_days"], activity(), now=self.now
        )
        self.progress(f"{made:,} population profiles, {rows:,} rows of hospital activity")


def drop_database() -> None:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = str(config["NAME"])
    if "bench" not in name:
        return
    connection.close()
    with admin_connection(config) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    print(f"Dropped the database {name}")


# Refresh and timing --------------------------------------------------------------------------


def refresh_here() -> int:
    """Run the rebuild in this (child) process and print what it did, as one line of JSON."""
    from carehouse.commissioning import facts

    started = time.perf_counter()
    record = facts.refresh()
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    builders = list(facts.BUILDERS)
    print(json.dumps({"seconds": seconds, "cells": record.cells, "peak_mb": peak_kb / 1024, "builders": builders}))
    return 0


def refresh_in_child() -> dict[str, Any]:
    """The rebuild in a fresh process, so that its peak memory is its own."""
    connection.close()
    done = subprocess.run(  # noqa: S603 (this script, run again with our own arguments)
        [sys.executable, __file__, "--refresh-only"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError("facts.refresh() failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class PageMissing(Exception):
    pass


def timed_page(client: Client, name: str, path: str, *, repeat: int, warmup: int) -> Timing:
    timing = Timing(name)

    def get() -> None:
        response = client.get(path)
        if response.status_code == 404:
            raise PageMissing("answered 404")
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    try:
        for _ in range(warmup):
            get()
        for _ in range(repeat):
            started = time.perf_counter()
            get()
            timing.ms.append((time.perf_counter() - started) * 1000)
    except PageMissing as missing:
        timing.ms.clear()
        timing.note = f"skipped: {missing}"
    except Exception as error:  # noqa: BLE001 (a page that breaks is reported; the run fails at the end)
        timing.ms.clear()
        timing.note = f"ERROR: {type(error).__name__}: {str(error)[:120]}"
        timing.failed = True
    return timing


def run_timings(repeat: int, warmup: int) -> list[Timing]:
    membership = Membership.objects.select_related("user", "organisation").get(
        organisation__ods_code=MARKER_ODS, role=Role.COMMISSIONER
    )
    client = signed_in(membership)
    network = Organisation.objects.filter(parent=membership.organisation).order_by("ods_code").first()
    assert network is not None
    practices = Organisation.objects.filter(parent=network).count()
    people = Person.objects.filter(registered_practice__parent=network).count()
    print(f"  area filter: {network.name} ({practices} practices, {people:,} people); age filter: 65-74")
    variants = [("", "default filters"), (f"?area={network.pk}", "an area"), ("?age=65-74", "age 65-74")]
    timings: list[Timing] = []
    for page in PAGES:
        for query, label in variants:
            name = f"GET {page}{query} ({label})"
            if not exists(page):
                timings.append(Timing(name, note="skipped: not there yet (no URL)"))
                continue
            timings.append(timed_page(client, name, page + query, repeat=repeat, warmup=warmup))
    return timings


def print_sizes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone() or ("?",)
    counts = {
        "people": Person.objects.count(),
        "care plans": CarePlan.objects.count(),
        "needs": Need.objects.count(),
        "goals": Goal.objects.count(),
        "directory services": Service.objects.count(),
        "referrals": Referral.objects.count(),
        "questionnaire scores": MeasureScore.objects.count(),
        "population profiles": PersonProfile.objects.count(),
        "hospital activity rows": HospitalActivity.objects.count(),
    }
    print("  " + ", ".join(f"{n:,} {what}" for what, n in counts.items()) + f"; database {size}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build 1,000,000 plans and 3,000,000 referrals; time the pages.")
    parser.add_argument("--people", type=int, default=None, help="how many people (default: as many as plans)")
    parser.add_argument("--plans", type=int, default=1_000_000, help="how many care plans")
    parser.add_argument("--referrals", type=int, default=3_000_000, help="how many referrals")
    parser.add_argument("--services", type=int, default=300, help="how many directory services")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests of each page and filter")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests of each first")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20,000 plans and 60,000 referrals")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--refresh-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_only:
        return refresh_here()
    if args.quick:
        args.plans, args.referrals = 20_000, 60_000
    people = args.people or args.plans
    database = settings.DATABASES["default"]
    print(f"Database {database['NAME']} on {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}")
    ensure_database(fresh=True)
    try:
        print(f"Building {people:,} people, {args.plans:,} care plans and {args.referrals:,} referrals")
        progress = Progress()
        scale = Scale(people=people, plans=args.plans, referrals=args.referrals, services=args.services, seed=args.seed)
        Generator(scale, progress).run()
        print(f"Built in {time.perf_counter() - progress.started:.1f} s")
        print_sizes()

        print("\nRebuilding the figures: carehouse.commissioning.facts.refresh() in a child process")
        figures = refresh_in_child()
        builders = ", ".join(figures["builders"]) or "none yet"
        print(
            f"  {figures['seconds']:.1f} s, {figures['cells']:,} cells, peak memory {figures['peak_mb']:,.0f} MB "
            f"(builders: {builders})"
        )

        print(f"\nTiming the pages as the ICB's commissioner ({args.repeat} timed after {args.warmup} untimed):")
        timings = run_timings(args.repeat, args.warmup)
        print_table(timings, target_ms=TARGET_MS, heading="Page", width=64)
    finally:
        if not args.keep_db:
            drop_database()
    return 1 if any(t.failed for t in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
