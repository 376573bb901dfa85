"""Monthly cells for the process indicators of the measurement hierarchy (measure ``"indicator"``).

Each cell holds, for one indicator (``key``) in one month and one part of the population,
the denominator (``people``) and the numerator (``improved``); time to first contact also
carries the days (``value``). Cells for referral indicators are also kept by receiving
directory organisation (measure ``"indicator_provider"``, ``detail`` = its id, practice only)
so that a scheme can be paid to providers. Everything is read in a few ordered passes, and
counts are added up here before they become cells, so the rebuild stays lean at national scale.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from carehouse.careplans.models import CarePlan, PlanStatus, Review
from carehouse.casefinding.models import RunStatus, StratificationRun
from carehouse.commissioning.dimensions import add_months, month_start
from carehouse.commissioning.facts import Cell, Dims, Population
from carehouse.commissioning.indicators import REGISTERED_LIST
from carehouse.core.models import Organisation, OrganisationType
from carehouse.measures.models import MeasureResponse, ResponseStatus, Timepoint
from carehouse.referrals.models import Referral
from carehouse.referrals.states import ReferralState

MEASURE = "indicator"
PROVIDER_MEASURE = "indicator_provider"
#: How many months of plan coverage are kept (a count at the end of each month).
COVERAGE_MONTHS = 24
CHUNK = 10_000

CRITERIA = ("involved_person", "shared_with_person", "goals_in_own_words", "actions_agreed", "review_date_set")
ENDED = (PlanStatus.COMPLETED, PlanStatus.REVOKED)

#: (key, month, dims, detail) -> [people, improved]
Counts = dict[tuple[str, datetime.date, Dims, str], list[int]]


def practice_only(practice_id: int | None) -> Dims:
    return Dims.of_practice(practice_id)


def _day(value: datetime.datetime | datetime.date | None) -> datetime.date:
    assert value is not None  # the queries only read rows where it is set
    return value.date() if isinstance(value, datetime.datetime) else value


def _add(counts: Counts, key: str, month: datetime.date, dims: Dims, improved: bool, detail: str = "") -> None:
    found = counts.get((key, month, dims, detail))
    if found is None:
        counts[(key, month, dims, detail)] = [1, int(improved)]
    else:
        found[0] += 1
        found[1] += int(improved)


def eligible_by_practice() -> dict[int, int]:
    """People found by the latest finished case finding run that covers each practice (counts only)."""
    practice_ids = dict(Organisation.objects.filter(type=OrganisationType.GP_PRACTICE).values_list("ods_code", "pk"))
    found: dict[int, int] = {}
    runs = StratificationRun.objects.filter(status=RunStatus.FINISHED).order_by("-finished_at", "-pk")
    for summary in runs.values_list("summary", flat=True):
        by_practice: dict[int, int] = {}
        for cohort in (summary or {}).get("cohorts") or []:
            for row in cohort.get("by_practice") or []:
                practice_id = practice_ids.get(str(row.get("practice_code") or ""))
                if practice_id is not None:
                    # One person can be in several cohorts: the largest cohort is a safe floor.
                    by_practice[practice_id] = max(by_practice.get(practice_id, 0), int(row.get("people") or 0))
        for practice_id, people in by_practice.items():
            found.setdefault(practice_id, people)
    return found


def _reviews_by_plan() -> Iterator[tuple[int, list[tuple[datetime.date, datetime.date | None]]]]:
    """Each plan's completed reviews (done on, next due), in plan order."""
    rows = (
        Review.objects.filter(completed_at__isnull=False)
        .order_by("plan_id", "completed_at", "pk")
        .values_list("plan_id", "completed_at", "next_review_due")
        .iterator(chunk_size=CHUNK)
    )
    current: int | None = None
    reviews: list[tuple[datetime.date, datetime.date | None]] = []
    for plan_id, completed_at, next_due in rows:
        if plan_id != current:
            if current is not None:
                yield current, reviews
            current, reviews = plan_id, []
        reviews.append((_day(completed_at), next_due))
    if current is not None:
        yield current, reviews


def review_dues(
    reviews: list[tuple[datetime.date, datetime.date | None]],
    first_due: datetime.date | None,
    ended_on: datetime.date | None,
    today: datetime.date,
) -> list[tuple[datetime.date, bool]]:
    """The review dates that fell due for one plan, and whether each review was done by then.

    A due date counts once it has passed (or the plan ended after it). It was met when the next
    review was completed on or before it. The first due date is only kept until the first
    review replaces it, so before any review the plan's own date is used.
    """
    dues: list[tuple[datetime.date | None, datetime.date | None]] = []  # (due, done on)
    if not reviews:
        dues.append((first_due, None))
    for index, (_done, next_due) in enumerate(reviews):
        following = reviews[index + 1][0] if index + 1 < len(reviews) else None
        dues.append((next_due, following))
    found: list[tuple[datetime.date, bool]] = []
    for due, done_on in dues:
        if due is None:
            continue
        if done_on is not None:
            found.append((due, done_on <= due))
            continue
        horizon = ended_on if ended_on is not None else today
        if due < horizon:
            found.append((due, False))
    return found


def _plans(population: Population, counts: Counts) -> dict[tuple[int | None, datetime.date], int]:
    """Five criteria and reviews on time into ``counts``; returns plan starts and ends by practice and month."""
    today = population.today
    changes: dict[tuple[int | None, datetime.date], int] = defaultdict(int)
    reviews = _reviews_by_plan()
    pending = next(reviews, None)
    rows = (
        CarePlan.objects.exclude(status__in=(PlanStatus.DRAFT, PlanStatus.ENTERED_IN_ERROR))
        .filter(agreed_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "person_id", "status", "created_at", "updated_at", "agreed_at", "next_review_due", *CRITERIA)
        .iterator(chunk_size=CHUNK)
    )
    for pk, person_id, status, created_at, updated_at, agreed_at, next_due, *flags in rows:
        while pending is not None and pending[0] < pk:
            pending = next(reviews, None)
        plan_reviews = pending[1] if pending is not None and pending[0] == pk else []
        dims = population.of(person_id)
        if dims is None:
            continue
        ended_on = _day(updated_at) if status in ENDED else None
        if status not in ENDED:
            counts_month = month_start(_day(agreed_at))
            _add(counts, "five_criteria", counts_month, dims, all(flags))
        for due, met in review_dues(plan_reviews, next_due, ended_on, today):
            _add(counts, "reviews_on_time", month_start(due), dims, met)
        changes[(dims.practice_id, month_start(_day(created_at)))] += 1
        if ended_on is not None:
            changes[(dims.practice_id, add_months(month_start(ended_on), 1))] -= 1
    return changes


def _coverage(population: Population, changes: dict[tuple[int | None, datetime.date], int]) -> Iterator[Cell]:
    """Agreed plans held at the end of each month against the people eligible, by practice."""
    eligible = eligible_by_practice()
    last = month_start(population.today)
    first = add_months(last, -(COVERAGE_MONTHS - 1))
    by_practice: dict[int | None, list[tuple[datetime.date, int]]] = defaultdict(list)
    for (practice_id, month), change in changes.items():
        by_practice[practice_id].append((month, change))
    for practice_id in set(by_practice) | set(eligible):
        if practice_id is None:
            continue
        steps = sorted(by_practice.get(practice_id, []))
        held, index, month = 0, 0, first
        while index < len(steps) and steps[index][0] <= first:
            held += steps[index][1]
            index += 1
        while month <= last:
            while index < len(steps) and steps[index][0] <= month:
                held += steps[index][1]
                index += 1
            people = eligible.get(practice_id, 0)
            if people or held:
                yield Cell(
                    MEASURE, month, practice_only(practice_id), "plan_coverage", people=people, improved=max(0, held)
                )
            month = add_months(month, 1)


def _outcome_questionnaires() -> dict[int, datetime.date]:
    """Each person's latest completed end-of-support or follow-up questionnaire."""
    latest: dict[int, datetime.date] = {}
    rows = (
        MeasureResponse.objects.filter(
            status=ResponseStatus.COMPLETED,
            timepoint__in=(Timepoint.END_OF_SUPPORT, Timepoint.FOLLOW_UP),
            completed_at__isnull=False,
        )
        .values_list("person_id", "completed_at")
        .iterator(chunk_size=CHUNK)
    )
    for person_id, completed_at in rows:
        day = _day(completed_at)
        if person_id not in latest or latest[person_id] < day:
            latest[person_id] = day
    return latest


def _referrals(population: Population, counts: Counts) -> Iterator[Cell]:
    """Referral conversion, time to first contact, outcome recording and people referred."""
    outcomes = _outcome_questionnaires()
    rows = (
        Referral.objects.filter(sent_at__isnull=False)
        .exclude(status=ReferralState.ENTERED_IN_ERROR)
        .order_by("person_id", "sent_at", "pk")
        .values_list(
            "person_id",
            "receiving_organization_id",
            "status",
            "sent_at",
            "accepted_at",
            "first_contact_at",
            "closed_at",
        )
        .iterator(chunk_size=CHUNK)
    )
    last_referred: tuple[int, datetime.date] | None = None
    for person_id, provider_id, status, sent_at, accepted_at, first_contact_at, closed_at in rows:
        dims = population.of(person_id)
        if dims is None:
            continue
        sent = _day(sent_at)
        month = month_start(sent)
        place = practice_only(dims.practice_id)
        provider = str(provider_id)
        steps: list[tuple[str, datetime.date, bool]] = [("referral_accepted", month, accepted_at is not None)]
        if accepted_at is not None:
            steps.append(("referral_contacted", month, first_contact_at is not None))
        if first_contact_at is not None:
            steps.append(("referral_completed", month, status == ReferralState.COMPLETED))
            days = max(0.0, (first_contact_at - sent_at).total_seconds() / 86_400) if sent_at else 0.0
            yield Cell(MEASURE, month, dims, "time_to_first_contact", value=days)
            yield Cell(PROVIDER_MEASURE, month, place, "time_to_first_contact", provider, value=days)
        if status == ReferralState.COMPLETED and closed_at is not None:
            recorded = outcomes.get(person_id)
            steps.append(("outcome_recording", month_start(_day(closed_at)), recorded is not None and recorded >= sent))
        for key, step_month, met in steps:
            _add(counts, key, step_month, dims, met)
            _add(counts, f"{PROVIDER_MEASURE}:{key}", step_month, place, met, provider)
        if last_referred != (person_id, month):
            last_referred = (person_id, month)
            yield Cell(MEASURE, month, dims, "social_prescribing_referrals", people=0, improved=1)


def build(population: Population) -> Iterable[Cell]:
    counts: Counts = {}
    changes = _plans(population, counts)
    yield from _coverage(population, changes)
    yield from _referrals(population, counts)
    now = month_start(population.today)
    for dims in population.dims.values():
        yield Cell(MEASURE, now, dims, REGISTERED_LIST)
    for (key, month, dims, detail), (people, improved) in counts.items():
        if key.startswith(f"{PROVIDER_MEASURE}:"):
            yield Cell(PROVIDER_MEASURE, month, dims, key.split(":", 1)[1], detail, people=people, improved=improved)
        else:
            yield Cell(MEASURE, month, dims, key, detail, people=people, improved=improved)
