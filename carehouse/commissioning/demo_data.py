"""Demo commissioning figures: the demo extract linked, more repeated questionnaires, then a refresh.

Called at the end of the core demo seeding, after case finding has written the demo extract
(``riverside-demo``). It:

1. links the extract to the demo's people (``services.link_extract`` as the system): their
   deprivation decile, long-term conditions and monthly hospital activity;
2. adds a made-up history of past support (``demo_history``): completed plans agreed 13 to 30
   months before the extract's as-at date for about 40% of the people with no support yet, most
   with a referral, and hospital activity that falls after support (made-up demo data);
3. records an ONS4 wellbeing questionnaire at the start of support and again at a review for every
   person with an agreed plan at least three weeks old, through the measures
   services (as the measures demo does), so the What changed page has more than a handful of
   people per score; answers drift a little better on the whole, some get worse;
   and, for the people of the past plans with a long-term condition pathway, a SEMCD-6 pair too;
4. sets up the demo incentive scheme (``demo_incentives``) and one finished evaluation: Alex
   Morgan's matched comparison of A&E attendances after the past plans were agreed;
5. works the figures out (``facts.refresh``).

The demo extract is dated 31 March 2026 while the demo's own plans are dated back from today, so
their 12 months after support have not passed within the extract: the hospital use figures count
them as "not passed yet"; only the past plans have figures before and after.
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
from carehouse.casefinding.demo_data import AS_AT, EXTRACT_NAME
from carehouse.commissioning import demo_history, demo_incentives, facts, services, services_evaluation
from carehouse.commissioning.dimensions import add_months, month_start
from carehouse.commissioning.models import ActivitySetting, AnalysisMethod, AnalysisPlan
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.measures.demo_data import staff_by_organisation
from carehouse.measures.models import Instrument, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person

PURPOSE = "demo data"
QUESTIONNAIRE = "ons4"
#: Confidence to manage a long-term condition, asked too of the past plans on these pathways.
CONDITION_QUESTIONNAIRE = "semcd6"
LONG_TERM_CONDITION_PATHWAYS = frozenset({"diabetes", "copd", "frailty"})
COMMISSIONER_EMAIL = "commissioner@example.org"
ICB_CODE = "QRV"
ANSWERED = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW, PlanStatus.COMPLETED)


@dataclass
class CommissioningSummary:
    linked: int = 0
    history_plans: int = 0
    history_referrals: int = 0
    questionnaires: int = 0
    evaluation: AnalysisPlan | None = None
    cells: int = 0


@contextmanager
def _on(day: datetime.date) -> Iterator[None]:
    if day >= timezone.localdate():
        yield
        return
    import time_machine  # a development dependency, as in the other demo modules

    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))), tick=True):
        yield


def _answers(rng: random.Random, wellbeing: float) -> dict[str, int]:
    """ONS4 answers 0 to 10 around ``wellbeing`` (0 very poorly, 1 very well); anxiety the other way."""
    found = {}
    for item in ("satisfaction", "worthwhile", "happiness", "anxiety"):
        position = 1 - wellbeing if item == "anxiety" else wellbeing
        found[item] = max(0, min(10, round(10 * position + rng.uniform(-1.5, 1.5))))
    return found


def _scaled_answers(rng: random.Random, instrument: Instrument, wellbeing: float) -> dict[str, int]:
    """Answers to every scored question of ``instrument`` around ``wellbeing`` (higher answers better)."""
    definition = instrument.parsed
    scored = set(definition.scoring.items if definition.scoring and definition.scoring.items else ())
    scored |= {score.item for score in definition.scores if score.item}
    found: dict[str, int] = {}
    for item in definition.items:
        if item.id in scored:
            values = definition.scale(item.scale).values
            lowest, highest = int(min(values)), int(max(values))
            value = round(lowest + wellbeing * (highest - lowest) + rng.uniform(-1.0, 1.0))
            found[item.id] = max(lowest, min(highest, value))
    return found


def _latest(key: str) -> Instrument | None:
    return Instrument.objects.filter(key=key).order_by("-created_at", "-pk").first()


def _evaluate(supported: Sequence[int]) -> AnalysisPlan | None:
    """Alex Morgan plans and runs a matched comparison of A&E attendances after the past plans."""
    membership = (
        Membership.objects.select_related("user", "organisation").filter(user__email=COMMISSIONER_EMAIL).first()
    )
    if membership is None or not supported:
        return None
    actor = dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)
    first = add_months(month_start(AS_AT), -demo_history.MONTHS_BEFORE[1])
    last = add_months(month_start(AS_AT), -demo_history.MONTHS_BEFORE[0] + 1) - datetime.timedelta(days=1)
    plan = services_evaluation.plan_evaluation(
        actor,
        services_evaluation.PlanData(
            title="Did agreeing care and support plans change A&E use? (demo)",
            question="Did people whose care and support plan was agreed go to A&E less in the next 12 months "
            "than similar people without a plan?",
            cohort="care_plan",
            method=AnalysisMethod.MATCHED,
            outcome=ActivitySetting.AE.value,
            covariates=["age", "female", "imd_decile", "ltc_count", "prior_ae", "prior_emergency_admission"],
            period_start=first,
            period_end=last,
        ),
    )
    return services_evaluation.run_evaluation(actor, plan)


def seed_commissioning(people: Sequence[Person], *, seed_value: int, history: bool = False) -> CommissioningSummary:
    """Link the demo extract, set up an incentive scheme and work the figures out.

    With ``history`` (the demo a person starts with ``bin/demo``), first add a made-up history of
    past support, repeated questionnaires and a finished evaluation, so the commissioner's pages
    have figures to show. Without it (the demo the other apps' tests build), the other apps' demo
    records are left exactly as their own seeding made them.
    """
    summary = CommissioningSummary()
    folder = Path(settings.POPULATION_EXTRACTS_DIR) / EXTRACT_NAME
    if folder.is_dir():
        summary.linked = services.link_extract(Actor.system(PURPOSE), folder).matched
    icb = Organisation.objects.filter(ods_code=ICB_CODE).first()
    if icb is not None:
        demo_incentives.seed_incentive_scheme(icb)
    if history:
        _add_history(people, seed_value, summary)
    summary.cells = facts.refresh().cells
    return summary


def _add_history(people: Sequence[Person], seed_value: int, summary: CommissioningSummary) -> None:
    """Past support, questionnaires before and after it, and one finished evaluation."""
    history = demo_history.seed_history(people, seed_value=seed_value)
    summary.history_plans, summary.history_referrals = history.plans, history.referrals
    rng = random.Random(f"commissioning {seed_value}")  # noqa: S311 (repeatable made-up data)
    today = timezone.localdate()
    staff = staff_by_organisation()
    instrument = _latest(QUESTIONNAIRE)
    confidence = _latest(CONDITION_QUESTIONNAIRE)
    past = set(history.supported)
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
        both = [(instrument, _answers(rng, before), _answers(rng, after))]
        if confidence is not None and plan.person_id in past and plan.template in LONG_TERM_CONDITION_PATHWAYS:
            both.append((confidence, _scaled_answers(rng, confidence, before), _scaled_answers(rng, confidence, after)))
        for questionnaire, first, second in both:
            for day, answers, timepoint in ((started, first, Timepoint.BASELINE), (review, second, Timepoint.REVIEW)):
                with _on(day):
                    responses.record_response(
                        actor, plan.person, questionnaire, answers, timepoint=timepoint, plan=plan
                    )
                summary.questionnaires += 1
    summary.evaluation = _evaluate(history.supported)
