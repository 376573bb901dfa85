"""Care plans at scale: 100,000 plans in PostgreSQL, then time the caseload and FHIR ``$everything``.

Run it (PostgreSQL must be running; the database is created if missing)::

    uv run python benchmarks/careplans_at_scale.py            # build the data, then time
    uv run python benchmarks/careplans_at_scale.py --reuse    # time again on the data already built

It uses its own database (``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/carehouse_bench``), never the test databases, and builds it
from scratch unless ``--reuse`` is given and the data is already there.

Why ``bulk_create`` and not the services: the services write one plan change at a time, each in
its own transaction with a full snapshot, a diff and a chained audit event, which is right for
people typing but far too slow here: the demo's 25 plans, about 250 changes, take two seconds
that way, so 100,000 plans would take a few hours. The benchmark measures reading at scale, so it writes the same rows directly, in
batches: organisations, staff and memberships, people with care teams and consents, plans in
every status with realistic review dates, their sections, one revision each, and preparation
packs. The plans that are timed through ``$everything`` get every section (goals with steps,
actions, needs, strengths, contingency and additional plans, a budget with spending, notes, a
review) and a revision whose snapshot comes from ``carehouse.careplans.revisions.snapshot``, as
the services would have written. No audit events are written for the generated rows (the pages
timed here write their own, as they would in use).

What is timed, in this process, through Django's test ``Client`` (the whole middleware stack, a
signed-in session as in ``carehouse/conftest.py``, and the bearer token for FHIR):

- ``selectors.caseload`` itself, for the practitioners with the biggest caseloads, "mine" and
  "organisation";
- ``GET /careplans/caseload`` and ``GET /careplans/caseload?scope=organisation`` for them;
- ``GET /fhir/CarePlan/{id}/$everything`` for random plans of the fully filled sample.

Each prints count, p50, p95 and max in milliseconds and whether p95 is under the 150 ms target.
A page that is not there yet (404 from the URL resolver) is reported and skipped. ``--explain``
also prints one request's queries, slowest first, with ``EXPLAIN ANALYZE`` for the slowest.
"""

# Django must be set up (with the benchmark's database) before the models are imported.
# ruff: noqa: E402

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carehouse_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehouse.config.settings.test")

import django

django.setup()

import argparse
import datetime
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import dj_database_url
from _shared import Timing, admin_connection, print_table
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone
from psycopg import sql

from carehouse.careplans import revisions, selectors
from carehouse.careplans.models import (
    OPEN_STATUSES,
    Achievement,
    Action,
    ActionStatus,
    AdditionalSupportPlan,
    AgreedWith,
    BudgetAllocation,
    BudgetManagement,
    BudgetSpend,
    CarePlan,
    ContingencyPlan,
    Goal,
    Need,
    NeedCategory,
    PersonalHealthBudget,
    PlanNote,
    PlanRevision,
    PlanStatus,
    PreparationPack,
    Review,
    StageGoal,
    Strength,
    WhoActs,
)
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, OrganisationType, User
from carehouse.core.roles import Role
from carehouse.core.services.accounts import issue_api_token
from carehouse.core.services.roles import SESSION_MEMBERSHIP, SESSION_ROLE
from carehouse.people.identifiers import nhs_number_check_digit
from carehouse.people.models import (
    CareTeamMember,
    Consent,
    ConsentPurpose,
    ConsentScope,
    EthnicCategory,
    Person,
    Sex,
)

TARGET_MS = 150.0
MARKER_ODS = "QBX"  # the benchmark's integrated care board: its presence means the data is built
BATCH = 5000

GIVEN = ["Ada", "Ben", "Cara", "Dev", "Ella", "Femi", "Grace", "Hari", "Iris", "Jon", "Kemi", "Leo", "Maya", "Nia"]
GIVEN += ["Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Una", "Vik", "Wren", "Xander", "Yusuf", "Zara"]
FAMILY = ["Adams", "Begum", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Khan"]
FAMILY += ["Lewis", "Morgan", "Nowak", "Okafor", "Patel", "Quinn", "Roberts", "Shah", "Taylor", "Walker", "Young"]
TEMPLATES = ["general", "diabetes", "copd", "frailty", "mental_health_recovery", ""]
STRENGTHS = ["Walks the dog every day", "Close to my daughter", "Keen gardener", "Good with computers", "Cooks"]
NEEDS = [
    ("Blood sugar higher than I would like", "44054006"),
    ("Out of breath on the stairs", "13645005"),
    ("Had two falls this year", ""),
    ("Feeling lonely", ""),
    ("Worried about money", ""),
]
GOALS = [
    "I want to walk to the shops without stopping",
    "I want to get my sugar down without more tablets",
    "I want to feel steady on my feet",
    "I want to meet people who like the same things I do",
    "I want to sleep better",
]
ACTIONS = [
    ("Go to the Tuesday walking group", WhoActs.SERVICE, "Walking group"),
    ("Practise the breathing exercises every morning", WhoActs.PERSON, ""),
    ("Strength and balance classes", WhoActs.SERVICE, "Falls prevention service"),
    ("Book a foot check", WhoActs.PROFESSIONAL, "Practice podiatry"),
    ("Ask the library about the book club", WhoActs.PERSON, ""),
]


# Output ------------------------------------------------------------------------------------


class Progress:
    """Prints what is being built and how long each step (and the whole) took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.step_started = self.started

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        print(f"  [{now - self.started:7.1f} s] {message} ({now - self.step_started:.1f} s)", flush=True)
        self.step_started = now


# The database --------------------------------------------------------------------------------


def ensure_database(*, fresh: bool) -> None:
    """Create the benchmark database if it is missing (or drop and create it, when ``fresh``)."""
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = str(config["NAME"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    if name in ("postgres", "test") or name.startswith(("test_", "template")):
        sys.exit(f"Refusing to use the database {name!r}: give the benchmark a database of its own")
    if fresh and "bench" not in name:
        sys.exit(f"Refusing to rebuild {name!r}: only a database with 'bench' in its name is dropped and rebuilt")
    connection.close()  # a database being dropped must have no connections from us
    with admin_connection(config) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            print(f"Dropping and creating the database {name}")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", interactive=False, verbosity=0)


def data_present(plans: int) -> bool:
    return (
        Organisation.objects.filter(ods_code=MARKER_ODS).exists()
        and CarePlan.objects.count() >= plans
        and PlanRevision.objects.exists()
    )


# Generation ----------------------------------------------------------------------------------


def create[M: models.Model](model: type[M], rows: Sequence[M]) -> list[M]:
    """Insert in batches; on PostgreSQL the objects come back with their primary keys."""
    return model._default_manager.bulk_create(rows, batch_size=BATCH)


def nhs_numbers(count: int) -> Iterator[str]:
    """Valid NHS numbers from the range never issued (starting 999), in order."""
    made = 0
    stem = 999_000_000
    while made < count:
        digits = str(stem)
        check = nhs_number_check_digit(digits)
        stem += 1
        if check is not None:
            made += 1
            yield digits + str(check)


@dataclass
class PlanParts:
    """What was built for one plan, kept in memory to write its revision without reading it back."""

    strengths: list[Strength] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    actions: dict[int, list[Action]] = field(default_factory=lambda: defaultdict(list))
    contingency: list[ContingencyPlan] = field(default_factory=list)


def light_snapshot(plan: CarePlan, parts: PlanParts) -> dict[str, Any]:
    """The same shape as ``revisions.snapshot``, built from the objects in memory (no queries)."""
    data: dict[str, Any] = {"plan": revisions.field_values(plan, revisions.PLAN_FIELDS)}
    data["plan"]["key_worker"] = str(plan.key_worker or "")  # the care team member built with the plan
    data["plan"]["review_owner"] = ""
    data["strengths"] = [{"id": s.pk, **revisions.field_values(s, revisions.STRENGTH_FIELDS)} for s in parts.strengths]
    data["needs"] = [{"id": n.pk, **revisions.field_values(n, revisions.NEED_FIELDS)} for n in parts.needs]
    data["goals"] = [
        {
            "id": g.pk,
            **revisions.field_values(g, revisions.GOAL_FIELDS),
            "needs": [],
            "stage_goals": [],
            "actions": [
                {"id": a.pk, **revisions.field_values(a, revisions.ACTION_FIELDS)} for a in parts.actions[g.pk]
            ],
        }
        for g in parts.goals
    ]
    data["contingency_plans"] = [
        {"id": c.pk, **revisions.field_values(c, revisions.CONTINGENCY_FIELDS)} for c in parts.contingency
    ]
    data["additional_plans"] = []
    data["budget"] = None
    return data


@dataclass(frozen=True)
class Scale:
    plans: int
    practices: int
    full: int
    seed: int


@contextmanager
def timestamps_as_given(model: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` keep the created and updated times we set, instead of stamping "now".

    Months of use are spread over time; writing them afterwards would mean updating every row.
    """
    stamped = [f for f in model._meta.concrete_fields if isinstance(f, models.DateField)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for f in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Generator:
    """Builds the benchmark's data in steps, each printing what it made and how long it took."""

    def __init__(self, scale: Scale, progress: Progress) -> None:
        self.scale = scale
        self.progress = progress
        self.rng = random.Random(scale.seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.icb: Organisation
        self.practices: list[Organisation] = []
        self.weights: list[float] = []
        self.staff_at: dict[int, list[User]] = defaultdict(list)
        self.people: list[Person] = []
        self.key_worker_of: dict[int, CareTeamMember] = {}
        self.full_plans: list[CarePlan] = []

    def days(self, n: int) -> datetime.timedelta:
        return datetime.timedelta(days=n)

    def run(self) -> None:
        self.organisations()
        self.staff()
        self.persons()
        jobs, invited = self.who_gets_plans()
        reviewable = [n for n, (_, status) in enumerate(jobs) if status in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW)]
        rich = set(self.rng.sample(reviewable, min(self.scale.full, len(reviewable))))
        chunk = 10_000
        for first in range(0, len(jobs), chunk):
            part = jobs[first : first + chunk]
            self.plans(part, first, {n for n in range(len(part)) if first + n in rich})
        self.invitations(invited)

    # Organisations, staff and people -------------------------------------------------------

    def organisations(self) -> None:
        """An ICB, its networks, and practices of very different sizes (the first three big)."""
        rng = self.rng
        self.icb = Organisation.objects.create(
            ods_code=MARKER_ODS, name="NHS Benchmark ICB", type=OrganisationType.INTEGRATED_CARE_BOARD
        )
        count = max(1, self.scale.practices // 7)
        networks = create(
            Organisation,
            [
                Organisation(
                    ods_code=f"UB{n:04d}",
                    name=f"Benchmark Network {n}",
                    type=OrganisationType.PRIMARY_CARE_NETWORK,
                    parent=self.icb,
                )
                for n in range(count)
            ],
        )
        self.practices = create(
            Organisation,
            [
                Organisation(
                    ods_code=f"YB{n:04d}",
                    name=f"Benchmark Practice {n}",
                    type=OrganisationType.GP_PRACTICE,
                    parent=networks[n % count],
                    postcode="RV1 1AA",
                )
                for n in range(self.scale.practices)
            ],
        )
        self.weights = sorted((rng.lognormvariate(0, 0.6) for _ in self.practices), reverse=True)
        for n in range(min(3, len(self.weights))):
            self.weights[n] *= 6
        self.progress(f"{1 + len(networks) + len(self.practices)} organisations")

    def staff(self) -> None:
        """Practitioners at every practice (more at bigger ones) and a link worker per network."""
        total = sum(self.weights)
        unusable = make_password(None)
        users: list[User] = []
        roles: list[tuple[Organisation, Role, str]] = []
        for n, practice in enumerate(self.practices):
            expected = self.weights[n] / total * self.scale.plans
            for k in range(max(2, min(8, int(expected // 500) + 1))):
                users.append(
                    User(email=f"nurse{n}.{k}@bench.example.org", full_name=f"Nurse {n}.{k}", password=unusable)
                )
                roles.append((practice, Role.PRACTITIONER, "Practice nurse"))
        networks = {p.parent_id: p.parent for p in self.practices if p.parent is not None}
        for network in networks.values():
            assert network is not None
            users.append(
                User(email=f"link.{network.ods_code}@bench.example.org", full_name="Link worker", password=unusable)
            )
            roles.append((network, Role.LINK_WORKER, "Social prescribing link worker"))
        users = create(User, users)
        memberships = create(
            Membership,
            [
                Membership(user=user, organisation=org, role=role, job_title=title)
                for user, (org, role, title) in zip(users, roles, strict=True)
            ],
        )
        for membership in memberships:
            if membership.role == Role.PRACTITIONER:
                self.staff_at[membership.organisation_id].append(membership.user)
        self.progress(f"{len(users)} staff with memberships")

    def persons(self) -> None:
        """People registered with a practice, a practice nurse on each care team (a link worker on
        some), and for some, consent to share their plan with the network."""
        rng, today = self.rng, self.today
        registered = rng.choices(self.practices, weights=self.weights, k=self.scale.plans)
        numbers = nhs_numbers(self.scale.plans)
        self.people = create(
            Person,
            [
                Person(
                    nhs_number=next(numbers),
                    given_name=rng.choice(GIVEN),
                    family_name=rng.choice(FAMILY),
                    date_of_birth=today - self.days(rng.randint(18 * 365, 98 * 365)),
                    sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                    ethnicity=rng.choice(list(EthnicCategory.values)),
                    postcode=f"RV{rng.randint(1, 6)} {rng.randint(1, 9)}AB",
                    registered_practice=practice,
                )
                for practice in registered
            ],
        )
        self.progress(f"{len(self.people):,} people")
        team: list[CareTeamMember] = []
        consents: list[Consent] = []
        shared_with: list[int] = []
        for person, practice in zip(self.people, registered, strict=True):
            network = practice.parent or self.icb
            team.append(
                CareTeamMember(
                    person=person,
                    organisation=practice,
                    name="Practice nurse",
                    role_title="Practice nurse",
                    is_key_worker=rng.random() < 0.5,
                )
            )
            if rng.random() < 0.1:
                team.append(
                    CareTeamMember(person=person, organisation=network, name="Link worker", role_title="Link worker")
                )
            if rng.random() < 0.3:
                consents.append(
                    Consent(
                        person=person,
                        purpose=ConsentPurpose.CARE_PLANNING,
                        scope=ConsentScope.CARE_PLAN,
                        given_at=self.now - self.days(rng.randint(1, 700)),
                    )
                )
                shared_with.append(network.pk)
        for member in create(CareTeamMember, team):
            if member.is_key_worker:
                self.key_worker_of[member.person_id] = member
        consents = create(Consent, consents)
        through = Consent.recipient_organisations.through
        create(
            through,
            [through(consent_id=c.pk, organisation_id=org) for c, org in zip(consents, shared_with, strict=True)],
        )
        self.progress(f"{len(team):,} care team members, {len(consents):,} consents")

    # Plans ---------------------------------------------------------------------------------

    def who_gets_plans(self) -> tuple[list[tuple[Person, PlanStatus]], list[Person]]:
        """Most people one plan, some an older ended plan as well, a tenth none yet (half of
        those invited with a preparation pack)."""
        rng = self.rng
        order = list(self.people)
        rng.shuffle(order)
        without = len(order) // 10
        with_plan = order[without:]
        older = max(0, self.scale.plans - len(with_plan))
        jobs: list[tuple[Person, PlanStatus]] = []
        for position, person in enumerate(with_plan):
            if position < older:
                jobs.append((person, rng.choice([PlanStatus.COMPLETED, PlanStatus.COMPLETED, PlanStatus.REVOKED])))
            roll = rng.random()
            if roll < 0.12:
                jobs.append((person, PlanStatus.DRAFT))
            elif roll < 0.17:
                jobs.append((person, PlanStatus.UNDER_REVIEW))
            elif roll < 0.19:
                jobs.append((person, PlanStatus.ENTERED_IN_ERROR))
            else:
                jobs.append((person, PlanStatus.ACTIVE))
        return jobs[: self.scale.plans], order[: without // 2]

    def lead_for(self, person: Person) -> User:
        """Half the plans at a practice are led by its first nurse: the big caseloads."""
        staff = self.staff_at[person.registered_practice_id or 0]
        return staff[0] if self.rng.random() < 0.5 else self.rng.choice(staff)

    def review_due(self, status: PlanStatus) -> datetime.date | None:
        rng, today = self.rng, self.today
        if status == PlanStatus.DRAFT:
            return None
        if status not in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW):
            return today - self.days(rng.randint(30, 700))
        roll = rng.random()
        if roll < 0.12:
            return today - self.days(rng.randint(1, 120))  # overdue
        if roll < 0.22:
            return today + self.days(rng.randint(0, 28))  # due within 28 days
        return today + self.days(rng.randint(29, 365))

    def plans(self, jobs: Sequence[tuple[Person, PlanStatus]], first: int, rich_offsets: set[int]) -> None:
        """One batch of plans with their sections and one revision each; ``rich_offsets`` get everything."""
        rng, now = self.rng, self.now
        plans: list[CarePlan] = []
        for person, status in jobs:
            lead = self.lead_for(person)
            due = self.review_due(status)
            agreed = None
            if due is not None:
                # Reviewed six months or a year after agreeing, and always agreed in the past.
                agreed_on = due - self.days(rng.choice([182, 365]))
                if agreed_on > self.today:
                    agreed_on = due - self.days(365)
                agreed = datetime.datetime.combine(agreed_on, datetime.time(10), tzinfo=datetime.UTC)
            created = (agreed or now) - self.days(rng.randint(0, 40))
            plans.append(
                CarePlan(
                    person=person,
                    organisation=person.registered_practice,
                    template=rng.choice(TEMPLATES),
                    status=status,
                    about_most_important="Seeing my grandchildren and staying in my own home",
                    about_wellness="Better in the mornings",
                    key_worker=self.key_worker_of.get(person.pk),
                    lead=lead,
                    created_by=lead,
                    agreed_with=AgreedWith.PERSON if agreed else "",
                    agreed_at=agreed,
                    next_review_due=due,
                    shared_with_person_at=agreed if agreed and rng.random() < 0.7 else None,
                    involved_person=agreed is not None,
                    shared_with_person=agreed is not None,
                    goals_in_own_words=True,
                    actions_agreed=agreed is not None,
                    review_date_set=due is not None,
                    created_at=created,
                    updated_at=agreed or min(now, created + self.days(rng.randint(0, 10))),
                )
            )
        with timestamps_as_given(CarePlan):
            plans = create(CarePlan, plans)
        rich = [plan for n, plan in enumerate(plans) if n in rich_offsets]
        rich_ids = {plan.pk for plan in rich}
        parts = self.sections(plans, rich_ids)
        self.everything_else(rich, parts)
        self.full_plans.extend(rich)
        create(
            PlanRevision,
            [
                PlanRevision(
                    plan=plan,
                    number=1,
                    saved_at=plan.agreed_at or plan.created_at,
                    saved_by=plan.lead,
                    saved_by_label=f"{plan.lead.full_name}, Practitioner" if plan.lead else "System",
                    saved_by_role=Role.PRACTITIONER.value,
                    summary="Agreed the plan with the person" if plan.agreed_at else "Started the plan",
                    status=plan.status,
                    snapshot=revisions.snapshot(plan) if plan.pk in rich_ids else light_snapshot(plan, parts[plan.pk]),
                    changes=[],
                )
                for plan in plans
            ],
        )
        self.packs_for(plans)
        items = sum(len(p.strengths) + len(p.needs) + len(p.goals) + len(p.contingency) for p in parts.values())
        items += sum(len(a) for p in parts.values() for a in p.actions.values())
        self.progress(
            f"plans {first + 1:,} to {first + len(plans):,}: {items:,} sections and actions, "
            f"{len(rich)} filled with everything"
        )

    def sections(self, plans: Sequence[CarePlan], rich: set[int]) -> dict[int, PlanParts]:
        """Strengths, needs, goals with actions, and (mostly) a contingency plan, for every plan."""
        rng = self.rng
        strengths: list[Strength] = []
        needs: list[Need] = []
        goals: list[Goal] = []
        contingencies: list[ContingencyPlan] = []
        for plan in plans:
            full = plan.pk in rich
            for n in range(3 if full else rng.randint(1, 3)):
                strengths.append(Strength(plan=plan, text=rng.choice(STRENGTHS), position=n))
            for n in range(2 if full else rng.randint(1, 2)):
                text, code = rng.choice(NEEDS)
                category = NeedCategory.PROBLEM if code else NeedCategory.HEALTH_CONCERN
                needs.append(Need(plan=plan, text=text, snomed_code=code, category=category, position=n))
            for n in range(3 if full else rng.randint(1, 3)):
                goals.append(
                    Goal(
                        plan=plan,
                        text=rng.choice(GOALS),
                        why_it_matters="It matters to me",
                        importance=rng.randint(5, 10),
                        target_date=self.today + self.days(rng.randint(30, 300)),
                        achievement=rng.choice([Achievement.IN_PROGRESS, Achievement.IMPROVING]),
                        position=n,
                    )
                )
            if full or rng.random() < 0.6:
                contingencies.append(
                    ContingencyPlan(
                        plan=plan,
                        triggers=["A chest infection", "A fall at home"],
                        early_warning_signs="More tired than usual",
                        what_to_do="Start the rescue pack and ring the practice",
                        who_to_contact="The practice; out of hours, NHS 111",
                    )
                )
        parts: dict[int, PlanParts] = defaultdict(PlanParts)
        for strength in create(Strength, strengths):
            parts[strength.plan_id].strengths.append(strength)
        for need in create(Need, needs):
            parts[need.plan_id].needs.append(need)
        for goal in create(Goal, goals):
            parts[goal.plan_id].goals.append(goal)
        for contingency in create(ContingencyPlan, contingencies):
            parts[contingency.plan_id].contingency.append(contingency)
        actions: list[Action] = []
        for plan in plans:
            for goal in parts[plan.pk].goals:
                for n in range(2 if plan.pk in rich else rng.randint(1, 2)):
                    what, who, who_name = rng.choice(ACTIONS)
                    actions.append(
                        Action(
                            goal=goal,
                            what=what,
                            who=who,
                            who_name=who_name,
                            confidence=rng.randint(4, 9),
                            status=rng.choice([ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS]),
                            position=n,
                        )
                    )
        for action in create(Action, actions):
            parts[action.goal.plan_id].actions[action.goal_id].append(action)
        return parts

    def everything_else(self, plans: Sequence[CarePlan], parts: dict[int, PlanParts]) -> None:
        """The rest of what a plan can hold, for the plans timed through ``$everything``."""
        if not plans:
            return
        today, now = self.today, self.now
        stage_goals: list[StageGoal] = []
        goal_needs: list[models.Model] = []
        through = Goal.needs.through
        for plan in plans:
            first = parts[plan.pk].goals[0]
            for n, stage in enumerate(("Emotional support", "Aspirations", "Barriers")):
                stage_goals.append(StageGoal(goal=first, stage=stage, text=f"Step {n + 1}", position=n))
            for goal, need in zip(parts[plan.pk].goals, parts[plan.pk].needs, strict=False):
                goal_needs.append(through(goal_id=goal.pk, need_id=need.pk))
        create(StageGoal, stage_goals)
        create(through, goal_needs)
        create(
            AdditionalSupportPlan,
            [AdditionalSupportPlan(plan=plan, name="Advance care plan", content="Kept at home") for plan in plans],
        )
        budgets = create(
            PersonalHealthBudget,
            [
                PersonalHealthBudget(
                    plan=plan,
                    managed_as=BudgetManagement.DIRECT_PAYMENT,
                    indicative_amount=Decimal("600.00"),
                    agreed_amount=Decimal("500.00"),
                    agreed_on=today - self.days(30),
                    period_start=today - self.days(30),
                    period_end=today + self.days(335),
                )
                for plan in plans
            ],
        )
        allocations = create(
            BudgetAllocation,
            [
                BudgetAllocation(
                    budget=budget,
                    action=parts[budget.plan_id].actions[parts[budget.plan_id].goals[0].pk][0],
                    description="Swimming sessions",
                    amount=Decimal("240.00"),
                )
                for budget in budgets
            ],
        )
        create(
            BudgetSpend,
            [
                BudgetSpend(
                    budget_id=allocation.budget_id,
                    allocation=allocation,
                    spent_on=today - self.days(self.rng.randint(1, 20)),
                    payee="Leisure centre",
                    description="Ten swims",
                    amount=Decimal("45.00"),
                    recorded_at=now,
                )
                for allocation in allocations
            ],
        )
        create(
            PlanNote,
            [
                PlanNote(
                    plan=plan,
                    text="Went swimming twice this week",
                    written_by_label="The person",
                    written_by_role=Role.PERSON.value,
                    written_at=now - self.days(n),
                )
                for plan in plans
                for n in range(2)
            ],
        )
        create(
            Review,
            [
                Review(plan=plan, started_at=now - self.days(2), started_by=plan.lead, revision_at_start=1)
                for plan in plans
                if plan.status == PlanStatus.UNDER_REVIEW
            ],
        )

    # Preparation packs ---------------------------------------------------------------------

    def pack(self, person: Person, *, sent_days_ago: int, plan: CarePlan | None = None) -> PreparationPack:
        answered = plan is not None
        return PreparationPack(
            person=person,
            organisation=person.registered_practice,
            template="diabetes",
            conversation_on=None if answered else self.today + self.days(self.rng.randint(1, 30)),
            results=[{"name": "HbA1c", "value": "58", "unit": "mmol/mol", "taken_on": "", "note": ""}],
            prompts=["What would you like to talk about at your appointment?", "What is going well for you?"],
            answers=["My sugar results", "My walking"] if answered else ["", ""],
            created_by=plan.lead if plan is not None else self.lead_for(person),
            sent_at=self.now - self.days(sent_days_ago),
            completed_at=self.now - self.days(sent_days_ago - 7) if answered else None,
            plan=plan,
        )

    def packs_for(self, plans: Sequence[CarePlan]) -> None:
        """Answered packs behind a fifth of the plans (and every draft)."""
        create(
            PreparationPack,
            [
                self.pack(plan.person, sent_days_ago=self.rng.randint(14, 400), plan=plan)
                for plan in plans
                if plan.status == PlanStatus.DRAFT or self.rng.random() < 0.2
            ],
        )

    def invitations(self, people: Sequence[Person]) -> None:
        """People sent a pack who have no plan yet: the caseload's "invited" list."""
        create(PreparationPack, [self.pack(person, sent_days_ago=self.rng.randint(0, 60)) for person in people])
        self.progress(f"{len(people):,} people invited with a preparation pack, without a plan yet")


def generate(scale: Scale, progress: Progress) -> None:
    with transaction.atomic():
        Generator(scale, progress).run()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # planner statistics, as a database in use would have
    progress("tables vacuumed and analysed")


# Timing --------------------------------------------------------------------------------------


def signed_in(membership: Membership) -> Client:
    """A client signed in, in the membership's role, as ``carehouse/conftest.py`` ``sign_in`` does."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_ROLE] = membership.role
    session[SESSION_MEMBERSHIP] = membership.pk
    session.save()
    return client


def exists(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


class PageFailed(Exception):
    pass


def get_ok(client: Client, path: str, **extra: Any) -> None:
    response = client.get(path, **extra)
    if response.status_code != 200:
        raise PageFailed(f"{path} answered {response.status_code}")


def measure(name: str, call: Callable[[int], object], *, requests: int, warmup: int) -> Timing:
    """``warmup`` untimed calls, then ``requests`` timed ones; a page that fails is noted, not timed."""
    timing = Timing(name)
    try:
        for n in range(warmup):
            call(n)
        for n in range(requests):
            started = time.perf_counter()
            call(warmup + n)
            timing.ms.append((time.perf_counter() - started) * 1000)
    except PageFailed as failure:
        timing.ms.clear()
        timing.note = f"not ready: {failure}"
    return timing


def big_caseloads(count: int) -> list[Membership]:
    """The practitioners leading the most open plans."""
    leads = (
        CarePlan.objects.filter(status__in=OPEN_STATUSES)
        .values("lead")
        .annotate(plans=Count("pk"))
        .order_by("-plans")[:count]
    )
    ids = [row["lead"] for row in leads]
    found = {
        m.user_id: m
        for m in Membership.objects.filter(user_id__in=ids, role=Role.PRACTITIONER).select_related(
            "user", "organisation"
        )
    }
    return [found[i] for i in ids if i in found]


def short_sql(text: str) -> str:
    """The query with its long column lists shortened, for reading."""
    return re.sub(r"SELECT (?!1 AS)(?!COUNT).*? FROM", "SELECT … FROM", text)


def explain(label: str, run: Callable[[], object], *, slowest: int = 3) -> None:
    """One run's queries, slowest first, and EXPLAIN ANALYZE of the slowest SELECTs."""
    with CaptureQueriesContext(connection) as captured:
        run()
    queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    total = sum(float(q["time"]) for q in queries) * 1000
    print(f"\n--- {label}: {len(queries)} queries, {total:.1f} ms in the database ---")
    for query in queries[:12]:
        print(f"{float(query['time']) * 1000:8.1f} ms  {short_sql(query['sql'])[:300]}")
    selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")][:slowest]
    for query in selects:
        text = short_sql(query["sql"])
        text = text if len(text) <= 1500 else text[:1500] + " …"
        print(f"\nEXPLAIN ANALYZE ({float(query['time']) * 1000:.1f} ms when run):\n{text}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                print("   ", line)


def fhir_caller(plan_ids: Sequence[int]) -> Callable[[int], None]:
    """GET ``$everything`` for the n-th plan, as a practitioner at the plan's practice (bearer token)."""
    org_of = dict(CarePlan.objects.filter(pk__in=set(plan_ids)).values_list("pk", "organisation_id"))
    tokens: dict[int, str] = {}
    for org_id in set(org_of.values()):
        membership = (
            Membership.objects.select_related("user", "organisation")
            .filter(organisation_id=org_id, role=Role.PRACTITIONER)
            .order_by("pk")
            .first()
        )
        assert membership is not None
        tokens[org_id] = issue_api_token(Actor.for_membership(membership), "benchmark")[1]
    client = Client()

    def call(n: int) -> None:
        plan_id = plan_ids[n % len(plan_ids)]
        token = tokens[org_of[plan_id]]
        get_ok(client, f"/fhir/CarePlan/{plan_id}/$everything", headers={"Authorization": f"Bearer {token}"})

    return call


def run_timings(args: argparse.Namespace) -> list[Timing]:
    rng = random.Random(args.seed + 1)
    n, warm = args.requests, args.warmup
    practitioners = big_caseloads(3)
    if not practitioners:
        sys.exit("No plans with a lead: build the data first")
    for m in practitioners:
        mine = CarePlan.objects.filter(lead=m.user, status__in=OPEN_STATUSES).count()
        everyone = CarePlan.objects.filter(organisation=m.organisation, status__in=OPEN_STATUSES).count()
        print(f"  {m.user.email}: leads {mine:,} open plans; {everyone:,} at {m.organisation.ods_code}")
    actors = [Actor.for_membership(m) for m in practitioners]
    clients = [signed_in(m) for m in practitioners]
    timings: list[Timing] = []

    for scope in ("mine", "organisation"):

        def caseload(i: int, scope: str = scope) -> object:
            return selectors.caseload(actors[i % len(actors)], scope=scope)

        timings.append(measure(f"selectors.caseload(scope={scope!r})", caseload, requests=n, warmup=warm))

    for path in ("/careplans/caseload", "/careplans/caseload?scope=organisation"):
        if not exists(path):
            timings.append(Timing(f"GET {path}", note="not there yet (no URL)"))
            continue

        def page(i: int, path: str = path) -> None:
            get_ok(clients[i % len(clients)], path)

        timings.append(measure(f"GET {path}", page, requests=n, warmup=warm))

    name = "GET /fhir/CarePlan/{id}/$everything (full plans)"
    full = list(PersonalHealthBudget.objects.values_list("plan_id", flat=True))  # only full plans have budgets
    if not full:
        timings.append(Timing(name, note="no fully filled plans"))
    elif not exists(f"/fhir/CarePlan/{full[0]}/$everything"):
        timings.append(Timing(name, note="not there yet (no URL)"))
    else:
        everything = fhir_caller([rng.choice(full) for _ in range(n + warm)])
        timings.append(measure(name, everything, requests=n, warmup=warm))
        if args.explain:
            explain("GET $everything", lambda: everything(0))

    if args.explain:
        explain("selectors.caseload(scope='mine')", lambda: selectors.caseload(actors[0]))
        explain("selectors.caseload(scope='organisation')", lambda: selectors.caseload(actors[0], scope="organisation"))
        if exists("/careplans/caseload"):
            explain("GET /careplans/caseload", lambda: get_ok(clients[0], "/careplans/caseload"))
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build 100,000 care plans in PostgreSQL and time the pages.")
    parser.add_argument("--plans", type=int, default=100_000, help="how many care plans (and about as many people)")
    parser.add_argument("--practices", type=int, default=300, help="how many GP practices")
    parser.add_argument("--full", type=int, default=2_000, help="how many plans get every section (timed via FHIR)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests of each kind first")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="skip building the data if it is already there")
    parser.add_argument("--explain", action="store_true", help="print the queries and EXPLAIN ANALYZE")
    args = parser.parse_args(argv)

    database = settings.DATABASES["default"]
    print(f"Database {database['NAME']} on {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}")
    reuse = False
    if args.reuse:
        ensure_database(fresh=False)
        reuse = data_present(args.plans)
    if reuse:
        print(f"Using the data already built: {CarePlan.objects.count():,} plans")
    else:
        ensure_database(fresh=True)
        print(f"Building {args.plans:,} care plans")
        progress = Progress()
        generate(Scale(plans=args.plans, practices=args.practices, full=args.full, seed=args.seed), progress)
        print(f"Built in {time.perf_counter() - progress.started:.1f} s")
    print("\nTiming, for the practitioners with the biggest caseloads:")
    print_table(run_timings(args), target_ms=TARGET_MS, heading="What", width=58)
    return 0


if __name__ == "__main__":
    sys.exit(main())
