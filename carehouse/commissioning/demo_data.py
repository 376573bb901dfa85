"""Demo commissioning figures: the demo extract linked, more repeated questionnaires, then a refresh.

Called at the end of the core demo seeding, after case finding has written the demo extract
(``riverside-demo``). It:

1. links the extract to the demo's people (``services.link_extract`` as the system): their
   deprivation decile, long-term conditions and monthly hospital activity;
2. records an ONS4 wellbeing questionnaire at the start of support and again at a review for every
   person with an agreed plan at least three weeks old, through the measures
   services (as the measures demo does), so the What changed page has more than a handful of
   people per score; answers drift a little better on the whole, some get worse;
3. works the figures out (``facts.refresh``).

The demo extract is dated 31 March 2026 while the demo's plans are dated back from today, so
most people's 12 months after support have not passed within the extract: the hospital use
figures count them as "not passed yet" until an extract with a later as-at date is linked.
The same seed gives the same records.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.casefinding.demo_data import EXTRACT_NAME
from carehouse.commissioning import facts, services
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.roles import CARE_ROLES
from carehouse.measures.models import Instrument, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person

PURPOSE = "demo data"
STAFF_EMAILS = ("practitioner@example.org", "gp@example.org", "linkworker@example.org")
QUESTIONNAIRE = "ons4"
ANSWERED = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW, PlanStatus.COMPLETED)


@dataclass
class CommissioningSummary:
    linked: int = 0
    questionnaires: int = 0
    cells: int = 0


@contextmanager
def _on(day: datetime.date) -> Iterator[None]:
    if day >= timezone.localdate():
        yield
        return
    import time_machine  # a development dependency, as in the other demo modules

    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))), tick=True):
        yield


def _staff() -> dict[int, Actor]:
    found: dict[int, Actor] = {}
    memberships = Membership.objects.select_related("user", "organisation").filter(
        user__email__in=STAFF_EMAILS, role__in=list(CARE_ROLES)
    )
    for membership in sorted(memberships, key=lambda m: STAFF_EMAILS.index(m.user.email)):
        found.setdefault(
            membership.organisation_id, dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)
        )
    return found


def _answers(rng: random.Random, wellbeing: float) -> dict[str, int]:
    """ONS4 answers 0 to 10 around ``wellbeing`` (0 very poorly, 1 very well); anxiety the other way."""
    found = {}
    for item in ("satisfaction", "worthwhile", "happiness", "anxiety"):
        position = 1 - wellbeing if item == "anxiety" else wellbeing
        found[item] = max(0, min(10, round(10 * position + rng.uniform(-1.5, 1.5))))
    return found


def seed_commissioning(people: Sequence[Person], *, seed_value: int) -> CommissioningSummary:
    """Link the demo extract, add repeated questionnaires, and work the figures out."""
    summary = CommissioningSummary()
    folder = Path(settings.POPULATION_EXTRACTS_DIR) / EXTRACT_NAME
    if folder.is_dir():
        summary.linked = services.link_extract(Actor.system(PURPOSE), folder).matched
    rng = random.Random(f"commissioning {seed_value}")  # noqa: S311 (repeatable made-up data)
    today = timezone.localdate()
    staff = _staff()
    instrument = Instrument.objects.filter(key=QUESTIONNAIRE).order_by("-created_at", "-pk").first()
    plans = (
        CarePlan.objects.filter(person__in=[p.pk for p in people], status__in=ANSWERED)
        .select_related("person")
        .order_by("pk")
    )
    seen: set[int] = set()
    for plan in plans:
        if plan.person_id in seen or plan.organisation_id not in staff or instrument is None:
            continue
        seen.add(plan.person_id)
        started = timezone.localtime(plan.created_at).date()
        if (today - started).days < 21:
            continue
        review = min(started + datetime.timedelta(days=rng.randint(42, 120)), today - datetime.timedelta(days=2))
        review = max(review, started + datetime.timedelta(days=14))
        before = rng.uniform(0.15, 0.6)
        after = min(1.0, max(0.0, before + rng.uniform(-0.15, 0.35)))
        actor = staff[plan.organisation_id]
        for day, wellbeing, timepoint in ((started, before, Timepoint.BASELINE), (review, after, Timepoint.REVIEW)):
            with _on(day):
                responses.record_response(
                    actor, plan.person, instrument, _answers(rng, wellbeing), timepoint=timepoint, plan=plan
                )
            summary.questionnaires += 1
    summary.cells = facts.refresh().cells
    return summary
