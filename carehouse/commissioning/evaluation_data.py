"""The person-level table an evaluation is worked out from: built on the server, never shown.

One row per person registered with a practice in the commissioner's chosen area:

- ``treated`` is 1 for people whose support started in the plan's period (the cohort: their first
  care plan was agreed, or their first social prescribing referral was accepted), and 0 for the
  comparison group: registered people who never had a plan agreed or a referral accepted.
- ``index`` is the month support started. The comparison group has no such month, so every
  comparison person is given one calendar index month: the median start month of the treated
  group. Their 12 months before and after then cover, on average, the same calendar months as the
  treated group's, so seasons and local changes affect both groups alike.
- Covariates: age at the index month, sex (1 if female), deprivation decile and number of
  long-term conditions (from the population extract; a missing decile is set to the middle, 5.5),
  and A&E attendances, emergency admissions, planned admissions and outpatient appointments in the
  12 months before.
- Outcomes: the same hospital activity in the 12 months after. The start month itself is left out
  of both windows, because the crisis that led to support often falls in it. For wellbeing, the
  SWEMWBS score nearest before the start (up to 3 months before, or in the start month) and the
  latest in the 12 months after, for the treated group only (a before-and-after comparison).

This table holds personal data: it is used to work figures out and then thrown away. Only the
aggregate result is kept and shown, through disclosure control.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from django.db.models import Min, Q

from carehouse.careplans.models import CarePlan
from carehouse.commissioning.dimensions import add_months, age_on, month_start
from carehouse.commissioning.models import ActivitySetting, HospitalActivity, PersonProfile
from carehouse.measures.models import MeasureScore
from carehouse.people.models import Person, Sex
from carehouse.referrals.models import Referral

#: Who received support: the cohort's key and its description.
COHORTS: dict[str, str] = {
    "care_plan": "People whose first personalised care and support plan was agreed in the period",
    "social_prescribing": "People whose first social prescribing referral was accepted in the period",
}
#: What an evaluation may measure: the outcome's key and its description.
OUTCOMES: dict[str, str] = {
    ActivitySetting.AE.value: "A&E attendances in the 12 months after",
    ActivitySetting.EMERGENCY_ADMISSION.value: "Emergency admissions in the 12 months after",
    ActivitySetting.ELECTIVE_ADMISSION.value: "Planned (elective) admissions in the 12 months after",
    ActivitySetting.OUTPATIENT.value: "Outpatient appointments in the 12 months after",
    "wellbeing": "Wellbeing score (SWEMWBS, 7 to 35) from before support to up to 12 months after",
}
#: The units an outcome's effect is in.
OUTCOME_UNITS: dict[str, str] = {
    ActivitySetting.AE.value: "A&E attendances per person a year",
    ActivitySetting.EMERGENCY_ADMISSION.value: "emergency admissions per person a year",
    ActivitySetting.ELECTIVE_ADMISSION.value: "planned admissions per person a year",
    ActivitySetting.OUTPATIENT.value: "outpatient appointments per person a year",
    "wellbeing": "points on the SWEMWBS wellbeing score",
}
UTILISATION = tuple(setting.value for setting in ActivitySetting)
#: What the groups may be made alike on: the column and its description.
COVARIATES: dict[str, str] = {
    "age": "Age",
    "female": "Sex (female)",
    "imd_decile": "Deprivation decile",
    "ltc_count": "Number of long-term conditions",
    "prior_ae": "A&E attendances in the 12 months before",
    "prior_emergency_admission": "Emergency admissions in the 12 months before",
    "prior_elective_admission": "Planned admissions in the 12 months before",
    "prior_outpatient": "Outpatient appointments in the 12 months before",
}
WINDOW_MONTHS = 12
WELLBEING_BASELINE_MONTHS = 3
MIDDLE_DECILE = 5.5
#: The most comparison people used; above it, an evenly spread sample keeps the work small.
MAX_COMPARISON = 50_000


@dataclass(frozen=True)
class Frame:
    """The analysis table and what was decided in building it."""

    data: pd.DataFrame
    comparison_index: datetime.date | None
    missing_decile: int
    comparison_sampled: bool


def _end_of(month: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(add_months(month, 1), datetime.time.min, tzinfo=datetime.UTC)


def support_starts(
    cohort: str, person_ids: Q, start: datetime.date, end: datetime.date
) -> tuple[dict[int, datetime.date], set[int]]:
    """(each treated person's start month, everyone who ever had support of either kind)."""
    if cohort not in COHORTS:
        raise ValueError(f"Unknown cohort {cohort!r}")
    plans = (
        CarePlan.objects.filter(person_ids, agreed_at__isnull=False)
        .values("person_id")
        .annotate(first=Min("agreed_at"))
        .values_list("person_id", "first")
    )
    referrals = (
        Referral.objects.filter(person_ids, accepted_at__isnull=False)
        .values("person_id")
        .annotate(first=Min("accepted_at"))
        .values_list("person_id", "first")
    )
    first_plan = dict(plans)
    first_referral = dict(referrals)
    ever = set(first_plan) | set(first_referral)
    chosen = first_plan if cohort == "care_plan" else first_referral
    lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    upper = _end_of(end)
    treated = {pk: month_start(when.date()) for pk, when in chosen.items() if lower <= when < upper}
    return treated, ever


def build_frame(
    practice_ids: Sequence[int], cohort: str, start: datetime.date, end: datetime.date, *, wellbeing: bool = False
) -> Frame:
    """The analysis table for people registered with these practices (see the module's notes)."""
    in_practices = Q(person__registered_practice_id__in=list(practice_ids))
    treated, ever = support_starts(cohort, in_practices, start, end)
    people = list(
        Person.objects.filter(registered_practice_id__in=list(practice_ids))
        .order_by("pk")
        .values_list("pk", "registered_practice_id", "date_of_birth", "sex")
    )
    comparison = [row for row in people if row[0] not in ever]
    sampled = len(comparison) > MAX_COMPARISON
    if sampled:
        step = len(comparison) / MAX_COMPARISON
        comparison = [comparison[int(i * step)] for i in range(MAX_COMPARISON)]
    comparison_index = (
        month_start(datetime.date.fromordinal(int(statistics.median(d.toordinal() for d in treated.values()))))
        if treated
        else None
    )
    rows = [row for row in people if row[0] in treated] + (comparison if comparison_index else [])
    index: dict[int, datetime.date] = {row[0]: treated.get(row[0]) or comparison_index or row[2] for row in rows}
    chosen_ids = [row[0] for row in rows]
    profiles = {
        pk: (decile, ltc)
        for pk, decile, ltc in PersonProfile.objects.filter(person_id__in=chosen_ids).values_list(
            "person_id", "imd_decile", "ltc_count"
        )
    }
    before: dict[tuple[int, str], float] = defaultdict(float)
    after: dict[tuple[int, str], float] = defaultdict(float)
    if index:
        first = add_months(min(d for d in index.values() if d), -WINDOW_MONTHS)
        last = add_months(max(d for d in index.values() if d), WINDOW_MONTHS)
        activity = HospitalActivity.objects.filter(
            person__registered_practice_id__in=list(practice_ids), month__gte=first, month__lte=last
        ).values_list("person_id", "setting", "month", "count")
        for pk, setting, month, count in activity.iterator(chunk_size=10_000):
            start_month = index.get(pk)
            if start_month is None:
                continue
            if add_months(start_month, -WINDOW_MONTHS) <= month < start_month:
                before[(pk, setting)] += count
            elif start_month < month <= add_months(start_month, WINDOW_MONTHS):
                after[(pk, setting)] += count
    missing = 0
    records = []
    for pk, practice_id, born, sex in rows:
        start_month = index[pk]
        decile, ltc = profiles.get(pk, (None, 0))
        if decile is None:
            missing += 1
        record: dict[str, float | int | str | datetime.date | None] = {
            "person": pk,
            "practice": practice_id,
            "index": start_month,
            "treated": 1 if pk in treated else 0,
            "age": float(age_on(born, start_month)),
            "female": 1.0 if sex == Sex.FEMALE else 0.0,
            "imd_decile": float(decile) if decile is not None else MIDDLE_DECILE,
            "ltc_count": float(ltc),
        }
        for setting in UTILISATION:
            record[f"prior_{setting}"] = before[(pk, setting)]
            record[f"after_{setting}"] = after[(pk, setting)]
        records.append(record)
    data = pd.DataFrame.from_records(records)
    if wellbeing and len(data):
        data = _with_wellbeing(data[data["treated"] == 1].copy())
    return Frame(data, comparison_index, missing, sampled)


def _with_wellbeing(data: pd.DataFrame) -> pd.DataFrame:
    """The treated people with a SWEMWBS score before and after, with those two scores."""
    ids = [int(pk) for pk in data["person"]]
    scores: dict[int, list[tuple[datetime.datetime, float]]] = defaultdict(list)
    for pk, when, value in MeasureScore.objects.filter(
        person_id__in=ids, instrument_key="swemwbs", code="metric"
    ).values_list("person_id", "effective_at", "value"):
        scores[pk].append((when, float(value)))
    baseline: list[float | None] = []
    follow_up: list[float | None] = []
    for pk, start_month in zip(data["person"], data["index"], strict=True):
        lower = datetime.datetime.combine(
            add_months(start_month, -WELLBEING_BASELINE_MONTHS), datetime.time.min, tzinfo=datetime.UTC
        )
        split = _end_of(start_month)
        upper = _end_of(add_months(start_month, WINDOW_MONTHS))
        found = sorted(scores.get(int(pk), []))
        before = [value for when, value in found if lower <= when < split]
        later = [value for when, value in found if split <= when < upper]
        baseline.append(before[-1] if before else None)
        follow_up.append(later[-1] if later else None)
    data["before_wellbeing"] = baseline
    data["after_wellbeing"] = follow_up
    return data.dropna(subset=["before_wellbeing", "after_wellbeing"]).reset_index(drop=True)
