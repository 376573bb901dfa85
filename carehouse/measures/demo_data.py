"""Synthetic outcome and activation measures for the demo, recorded through the measures services.

Called at the end of the core demo seeding, after the care plans. Every result is recorded by
the demo member of staff who holds the person's plan, through ``services.responses``, so each
has its scores, alerts and audit events exactly as if it had been typed in. Results dated in the
past are recorded while travelling back in time (``time_machine``), as the care plans are.

What it builds, with dates relative to today:

- most people with a plan: a baseline questionnaire (PHQ-9, GAD-7, ONS4 or SEMCD-6, in turn)
  completed with them when the plan was started, and a review of the same questionnaire where
  the plan is old enough to have had one; most improve a little, some do not;
- PAM results from the licence holder's report (``PAM_LICENCE_HOLDER``) for most of them, so that
  each caseload has people at activation levels 1, 2, 3 and 4 and some with no PAM yet;
- one open PHQ-9 alert (item 9 answered above 0) for one person on Priya Shah's caseload, whose
  name the summary gives; every other PHQ-9 answers item 9 with 0;
- the demo person (``person@example.org``): a PAM at level 2, an ONS4 they answered online, and
  a PHQ-9 sent to them that is waiting to be answered.

SWEMWBS and the other instruments whose wording is licensed are never used: no licensed wording
exists in the repository. The same seed builds the same results, in about a second for the
default 300 people (around 80 results, each through the services).
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.measures.definitions import InstrumentDefinition
from carehouse.measures.models import Instrument, Timepoint
from carehouse.measures.services import instruments as instrument_services
from carehouse.measures.services import responses
from carehouse.people.models import Person

PURPOSE = "demo data"
PRACTITIONER_EMAIL = "practitioner@example.org"
STAFF_EMAILS = ("practitioner@example.org", "gp@example.org", "linkworker@example.org")
PAM_LICENCE_HOLDER = "Riverside Medical Centre (demo licence)"
#: The questionnaires used in turn (open licences only: their wording ships with Carehouse).
QUESTIONNAIRES = ("phq9", "gad7", "ons4", "semcd6")
#: Higher answers are worse on these; on the others higher is better (ONS4 anxiety is turned round).
WORSE_WHEN_HIGHER = frozenset({"phq9", "gad7"})
#: Made-up PAM scores within each level's usual range, as a licence holder's report would give them.
PAM_SCORES = {1: (38.0, 47.0), 2: (47.1, 55.1), 3: (55.2, 67.0), 4: (67.1, 88.0)}
#: Plans that have ended or were never real get no results.
SKIPPED_STATUSES = (PlanStatus.REVOKED, PlanStatus.ENTERED_IN_ERROR)


@dataclass
class MeasuresSummary:
    responses: int = 0
    pam_results: int = 0
    alert_person: str = ""
    waiting_for: str = ""


@contextmanager
def _on(day: datetime.date, hour: int = 11) -> Iterator[None]:
    """Act on ``day`` at ``hour`` (today stays today)."""
    if day >= timezone.localdate():
        yield
        return
    import time_machine  # a development dependency: imported only when the demo is being built

    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    with time_machine.travel(moment, tick=True):
        yield


def staff_by_organisation() -> dict[int, Actor]:
    """The demo staff who give direct care, by the organisation they act for."""
    found: dict[int, Actor] = {}
    memberships = Membership.objects.select_related("user", "organisation").filter(
        user__email__in=STAFF_EMAILS, role__in=list(CARE_ROLES)
    )
    for membership in sorted(memberships, key=lambda m: STAFF_EMAILS.index(m.user.email)):
        found.setdefault(
            membership.organisation_id, dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)
        )
    return found


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


class _Builder:
    def __init__(self, rng: random.Random, instruments: dict[str, Instrument]) -> None:
        self.rng = rng
        self.instruments = instruments
        self.today = timezone.localdate()
        self.summary = MeasuresSummary()

    def answers(self, definition: InstrumentDefinition, wellbeing: float, *, risk: bool = False) -> dict[str, Any]:
        """Answers to every scored question, around ``wellbeing`` (0 very poorly, 1 very well)."""
        rng = self.rng
        scored = set(definition.scoring.items if definition.scoring and definition.scoring.items else ())
        scored |= {score.item for score in definition.scores if score.item}
        answers: dict[str, Any] = {}
        for item in definition.items:
            if item.id not in scored:
                continue
            values = definition.scale(item.scale).values
            lowest, highest = min(values), max(values)
            worse_when_higher = definition.key in WORSE_WHEN_HIGHER or item.id == "anxiety"
            position = 1 - wellbeing if worse_when_higher else wellbeing
            value = round(lowest + position * (highest - lowest) + rng.uniform(-1.0, 1.0))
            answers[item.id] = max(lowest, min(highest, value))
        if definition.key == "phq9":
            answers["9"] = 1 if risk else 0  # thoughts of self-harm: only the one alert in the demo
        return answers

    def record(
        self,
        actor: Actor,
        person: Person,
        key: str,
        answers: dict[str, Any],
        *,
        day: datetime.date,
        timepoint: Timepoint,
        plan: CarePlan | None,
    ) -> None:
        with _on(day):
            responses.record_response(actor, person, self.instruments[key], answers, timepoint=timepoint, plan=plan)
        self.summary.responses += 1

    def pam(self, actor: Actor, person: Person, level: int, *, day: datetime.date, plan: CarePlan | None) -> None:
        low, high = PAM_SCORES[level]
        report = {
            "score": f"{self.rng.uniform(low, high):.1f}",
            "level": level,
            "assessed_on": day.isoformat(),
            "licence_holder": PAM_LICENCE_HOLDER,
        }
        self.record(actor, person, "pam", report, day=day, timepoint=Timepoint.BASELINE, plan=plan)
        self.summary.pam_results += 1

    def has_review(self, plan: CarePlan) -> bool:
        """Whether the plan is agreed and old enough for the questionnaire to have been repeated."""
        return plan.status != PlanStatus.DRAFT and (self.today - _local_day(plan.created_at)).days >= 35

    def review_day(self, plan: CarePlan, started: datetime.date) -> datetime.date | None:
        """When the questionnaire was repeated: a few months in, for a plan old enough to have had one."""
        if not self.has_review(plan):
            return None
        day = started + datetime.timedelta(days=self.rng.randint(56, 120))
        return min(day, self.today - datetime.timedelta(days=self.rng.randint(2, 9)))

    def outcomes(self, actor: Actor, plan: CarePlan, key: str, *, alert: bool) -> None:
        """A baseline, and a review where the plan has gone on long enough."""
        definition = self.instruments[key].parsed
        started = _local_day(plan.created_at)
        wellbeing = self.rng.uniform(0.2, 0.6)
        review = self.review_day(plan, started)
        if alert and review is None:
            # The alert is on the latest answers: with no review, the baseline raises it.
            self.record(
                actor,
                plan.person,
                key,
                self.answers(definition, wellbeing, risk=True),
                day=started,
                timepoint=Timepoint.BASELINE,
                plan=plan,
            )
            return
        self.record(
            actor,
            plan.person,
            key,
            self.answers(definition, wellbeing),
            day=started,
            timepoint=Timepoint.BASELINE,
            plan=plan,
        )
        if review is not None:
            later = min(1.0, max(0.0, wellbeing + self.rng.uniform(-0.1, 0.3)))
            self.record(
                actor,
                plan.person,
                key,
                self.answers(definition, later, risk=alert),
                day=review,
                timepoint=Timepoint.REVIEW,
                plan=plan,
            )

    def demo_person(self, practitioner: Actor, me: Person, plan: CarePlan | None) -> None:
        """A PAM, an ONS4 they answered online, and a PHQ-9 waiting for them."""
        assert me.user is not None
        person = Actor(user=me.user, role=Role.PERSON, purpose=PURPOSE)
        started = _local_day(plan.created_at) if plan is not None else self.today
        self.pam(practitioner, me, 2, day=started, plan=plan)
        answered_on = max(started, self.today - datetime.timedelta(days=10))
        with _on(answered_on - datetime.timedelta(days=1)):
            sent = responses.send_questionnaire(
                practitioner, me, self.instruments["ons4"], timepoint=Timepoint.BASELINE, plan=plan
            )
        with _on(answered_on, hour=19):
            answers = self.answers(self.instruments["ons4"].parsed, 0.55)
            responses.submit(person, sent, answers, expected_version=sent.version)
        self.summary.responses += 1
        with _on(self.today - datetime.timedelta(days=1)):
            responses.send_questionnaire(
                practitioner, me, self.instruments["phq9"], timepoint=Timepoint.REVIEW, plan=plan
            )
        self.summary.waiting_for = me.full_name


def _first_plans(people: Sequence[Person]) -> list[CarePlan]:
    """Each person's first plan (that was not stopped or entered in error), in the order they were made."""
    plans = (
        CarePlan.objects.filter(person__in=[p.pk for p in people])
        .exclude(status__in=SKIPPED_STATUSES)
        .select_related("person")
        .order_by("pk")
    )
    first: dict[int, CarePlan] = {}
    for plan in plans:
        first.setdefault(plan.person_id, plan)
    return list(first.values())


def seed_measures(people: Sequence[Person], *, seed_value: int) -> MeasuresSummary:
    """Record the demo measures for ``people`` (the first is the demo person). Called after the care plans."""
    rng = random.Random(f"measures {seed_value}")  # noqa: S311 (repeatable made-up data, not secrets)
    if not Instrument.objects.filter(key__in=QUESTIONNAIRES).exists():
        instrument_services.sync_shipped()
    newest = {
        i.key: i for i in Instrument.objects.filter(key__in=(*QUESTIONNAIRES, "pam")).order_by("created_at", "pk")
    }
    builder = _Builder(rng, newest)
    staff = staff_by_organisation()
    practitioner = next((a for a in staff.values() if a.user and a.user.email == PRACTITIONER_EMAIL), None)
    if practitioner is None or not people:
        return builder.summary
    me = people[0] if people[0].user_id is not None else None
    plans = _first_plans(people)

    by_organisation: dict[int, list[CarePlan]] = defaultdict(list)
    for plan in plans:
        if plan.organisation_id in staff and (me is None or plan.person_id != me.pk):
            by_organisation[plan.organisation_id].append(plan)
    caseload = by_organisation.get(practitioner.organisation.pk if practitioner.organisation else 0, [])
    # The alert is on someone whose questionnaire has been repeated, if anyone's has.
    alert_plan = next((p for p in caseload if builder.has_review(p)), caseload[0] if caseload else None)

    for organisation_id, held in sorted(by_organisation.items()):
        actor = staff[organisation_id]
        for index, plan in enumerate(held):
            is_alert = plan == alert_plan
            if index % 5 != 2 or is_alert:  # a few people have no questionnaires yet
                key = "phq9" if is_alert else QUESTIONNAIRES[index % len(QUESTIONNAIRES)]
                builder.outcomes(actor, plan, key, alert=is_alert)
            if index % 5 != 4:  # and a few have no PAM yet
                level = index % 4 + 1
                builder.pam(actor, plan.person, level, day=_local_day(plan.created_at), plan=plan)
    if alert_plan is not None:
        builder.summary.alert_person = alert_plan.person.full_name
    if me is not None:
        my_plan = next((p for p in plans if p.person_id == me.pk), None)
        builder.demo_person(practitioner, me, my_plan)
    return builder.summary
