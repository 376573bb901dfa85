"""The precomputed figures behind every commissioning page (``AggregateCell``), and their rebuild.

Each builder module turns one kind of source record (care plans, referrals, questionnaire scores,
hospital activity, case finding, the directory) into ``Cell`` rows; ``refresh`` sums them by
their keys and swaps the whole table in one transaction, so a page never sees half a rebuild.
Rebuilding is a background job (``commissioning.refresh_figures``), run every night and on demand;
pages say when the figures were last worked out. ADR 19 explains why cells and not live queries.
"""

from __future__ import annotations

import datetime
import importlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import CarePlan
from carehouse.commissioning.dimensions import age_band, age_on, month_start
from carehouse.commissioning.models import AggregateCell, AggregateRefresh, PersonProfile
from carehouse.people.models import Person

#: The builder modules, each with ``build(population) -> Iterable[Cell]``.
BUILDERS: tuple[str, ...] = ("outcomes", "utilisation", "needs", "gaps", "indicators")
BATCH = 5_000


@dataclass(frozen=True)
class Dims:
    """Where a person sits in the population: registered practice, age band, sex, decile, condition."""

    practice_id: int | None
    age_band: str
    sex: str
    imd_decile: int | None
    condition: str


@dataclass(frozen=True)
class Cell:
    """One contribution to a figure: added to the cell with the same measure, month, dims, key and detail."""

    measure: str
    month: datetime.date
    dims: Dims
    key: str = ""
    detail: str = ""
    people: int = 1
    improved: int = 0
    value: float = 0.0
    second: float = 0.0


#: A cell's identity: measure, month, dims, key and detail.
CellKey = tuple[str, datetime.date, Dims, str, str]


class Population:
    """Every person's ``Dims`` on the day of the rebuild, looked up by person id."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        deciles = dict(PersonProfile.objects.values_list("person_id", "imd_decile"))
        conditions: dict[int, str] = {}
        # The pathway of each person's newest plan stands for their main condition.
        for person_id, template in CarePlan.objects.order_by("created_at", "pk").values_list("person_id", "template"):
            conditions[person_id] = template or ""
        interned: dict[Dims, Dims] = {}
        self.dims: dict[int, Dims] = {}
        rows = Person.objects.values_list("pk", "registered_practice_id", "date_of_birth", "sex").iterator(10_000)
        for pk, practice_id, born, sex in rows:
            dims = Dims(practice_id, age_band(age_on(born, today)), sex, deciles.get(pk), conditions.get(pk, ""))
            self.dims[pk] = interned.setdefault(dims, dims)

    def of(self, person_id: int) -> Dims | None:
        return self.dims.get(person_id)


def _builders() -> list[Callable[[Population], Iterable[Cell]]]:
    return [importlib.import_module(f"carehouse.commissioning.facts.{name}").build for name in BUILDERS]


def _sum(cells: Iterable[Cell]) -> dict[CellKey, list[float]]:
    totals: dict[CellKey, list[float]] = {}
    for cell in cells:
        key = (cell.measure, month_start(cell.month), cell.dims, cell.key[:100], cell.detail[:100])
        found = totals.get(key)
        if found is None:
            totals[key] = [cell.people, cell.improved, cell.value, cell.value * cell.value, cell.second]
        else:
            found[0] += cell.people
            found[1] += cell.improved
            found[2] += cell.value
            found[3] += cell.value * cell.value
            found[4] += cell.second
    return totals


def refresh(today: datetime.date | None = None) -> AggregateRefresh:
    """Rebuild every precomputed figure from the records as they are now."""
    started = time.perf_counter()
    record = AggregateRefresh.objects.create(started_at=timezone.now())
    day = today or timezone.localdate()
    population = Population(day)
    totals: dict[CellKey, list[float]] = {}
    for build in _builders():
        for key, values in _sum(build(population)).items():
            found = totals.setdefault(key, [0, 0, 0.0, 0.0, 0.0])
            for index, value in enumerate(values):
                found[index] += value
    rows = (
        AggregateCell(
            measure=measure,
            month=month,
            practice_id=dims.practice_id,
            age_band=dims.age_band,
            sex=dims.sex,
            imd_decile=dims.imd_decile,
            condition=dims.condition,
            key=key,
            detail=detail,
            people=int(values[0]),
            improved=int(values[1]),
            value_sum=values[2],
            value_sum_squares=values[3],
            second_sum=values[4],
        )
        for (measure, month, dims, key, detail), values in totals.items()
    )
    with transaction.atomic():
        AggregateCell.objects.all().delete()
        batch: list[AggregateCell] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                AggregateCell.objects.bulk_create(batch)
                batch = []
        AggregateCell.objects.bulk_create(batch)
        record.cells = len(totals)
        record.finished_at = timezone.now()
        record.seconds = round(time.perf_counter() - started, 3)
        record.save(update_fields=["cells", "finished_at", "seconds"])
    return record
