"""Hospital use in the 12 months before and the 12 months after a person's support started.

**Index date**: the day support started, the earlier of the person's first care and support plan
being agreed (``CarePlan.agreed_at``) and their first referral being accepted by a service
(``Referral.accepted_at``). The **index month** is its month. It is left out of both windows:
the activity cannot be placed before or after the start within a month, and the crisis that
led to the referral often falls in it.

- **Before**: the 12 whole months before the index month.
- **After**: the 12 whole months after it.

Only people linked to a population extract (with a ``PersonProfile``) are counted, and only
when the extract's as-at date is on or after the end of the 12th month after: their follow-up
is complete. People still inside their 12 months are counted separately (``utilisation_partial``)
so a page can say how many more will be added. A person with no activity in a window counts as 0.

Cells: ``utilisation`` per setting (``key``: ae, emergency_admission, elective_admission,
outpatient, and ``bed_days``), one per person, in the index month: ``value`` = before, ``second``
= after, ``people`` = 1.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.utils import timezone

from carehouse.careplans.models import CarePlan
from carehouse.commissioning.dimensions import add_months, month_start
from carehouse.commissioning.facts import Cell, Population
from carehouse.commissioning.models import ActivitySetting, HospitalActivity, PersonProfile
from carehouse.referrals.models import Referral

MEASURE = "utilisation"
PARTIAL = "utilisation_partial"
BED_DAYS = "bed_days"
KEYS: tuple[str, ...] = (*ActivitySetting.values, BED_DAYS)
WINDOW = 12


def index_dates() -> dict[int, datetime.date]:
    """Each person's index date: the earlier of their first plan agreed and first referral accepted."""
    found: dict[int, datetime.date] = {}
    sources = (
        CarePlan.objects.filter(agreed_at__isnull=False).values_list("person_id", "agreed_at"),
        Referral.objects.filter(accepted_at__isnull=False).values_list("person_id", "accepted_at"),
    )
    for rows in sources:
        for person_id, moment in rows.iterator(chunk_size=10_000):
            day = timezone.localtime(moment).date()
            if person_id not in found or day < found[person_id]:
                found[person_id] = day
    return found


def follow_up_complete(index_month: datetime.date, as_at: datetime.date) -> bool:
    """Whether the extract covers the whole 12th month after the index month."""
    return add_months(index_month, WINDOW + 1) - datetime.timedelta(days=1) <= as_at


def build(population: Population) -> Iterator[Cell]:
    starts = index_dates()
    complete: dict[int, datetime.date] = {}
    for person_id, as_at in PersonProfile.objects.values_list("person_id", "as_at").iterator(chunk_size=10_000):
        if person_id not in starts:
            continue
        dims = population.of(person_id)
        if dims is None:
            continue
        index_month = month_start(starts[person_id])
        if follow_up_complete(index_month, as_at):
            complete[person_id] = index_month
        else:
            yield Cell(PARTIAL, index_month, dims)
    # counts[person][key] = [before, after]
    counts: dict[int, dict[str, list[int]]] = defaultdict(lambda: {key: [0, 0] for key in KEYS})
    earliest = add_months(min(complete.values()), -WINDOW) if complete else None
    if earliest is not None:
        rows = HospitalActivity.objects.filter(month__gte=earliest).values_list(
            "person_id", "setting", "month", "count", "bed_days"
        )
        for person_id, setting, month, count, bed_days in rows.iterator(chunk_size=10_000):
            start = complete.get(person_id)
            if start is None:
                continue
            if add_months(start, -WINDOW) <= month < start:
                side = 0
            elif start < month <= add_months(start, WINDOW):
                side = 1
            else:
                continue
            person = counts[person_id]
            person[setting][side] += count
            person[BED_DAYS][side] += bed_days
    for person_id, index_month in complete.items():
        dims = population.of(person_id)
        if dims is None:
            continue
        person = counts.get(person_id) or {key: [0, 0] for key in KEYS}
        for key in KEYS:
            before, after = person[key]
            yield Cell(MEASURE, index_month, dims, key=key, value=before, second=after)
