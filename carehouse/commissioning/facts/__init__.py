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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from carehouse.careplans.models import CarePlan
from carehouse.commissioning.dimensions import age_band, age_on, deprivation_group, month_start
from carehouse.commissioning.models import AggregateCell, AggregateRefresh, Grouping, PersonProfile
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

    @classmethod
    def of_practice(cls, practice_id: int | None) -> Dims:
        """A figure known only by practice (the directory, case finding counts): never split further."""
        return cls(practice_id, "", "", None, "")

    @property
    def practice_only(self) -> bool:
        return self == Dims.of_practice(self.practice_id)


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


#: Where one cell is added: everyone, then split by age band, by deprivation, by condition.
Slot = tuple[str, str, str, str]  # grouping, age band, deprivation fifth, condition
SlotKey = tuple[str, datetime.date, int | None, Slot, str, str]


def _slots(dims: Dims) -> tuple[Slot, ...]:
    """The four rolled-up places a contribution from someone with these dims is counted in."""
    return (
        (Grouping.NONE, "", "", ""),
        (Grouping.AGE, dims.age_band, "", ""),
        (Grouping.DEPRIVATION, "", deprivation_group(dims.imd_decile), ""),
        (Grouping.CONDITION, "", "", dims.condition),
    )


def _add(totals: dict[SlotKey, list[float]], slots: dict[Dims, tuple[Slot, ...]], cell: Cell) -> None:
    found_slots = slots.get(cell.dims)
    if found_slots is None:
        found_slots = slots[cell.dims] = _slots(cell.dims)[:1] if cell.dims.practice_only else _slots(cell.dims)
    month = month_start(cell.month)
    squared = cell.value * cell.value
    for slot in found_slots:
        key = (cell.measure, month, cell.dims.practice_id, slot, cell.key[:100], cell.detail[:100])
        found = totals.get(key)
        if found is None:
            totals[key] = [cell.people, cell.improved, cell.value, squared, cell.second]
        else:
            found[0] += cell.people
            found[1] += cell.improved
            found[2] += cell.value
            found[3] += squared
            found[4] += cell.second


COLUMNS = (
    "measure",
    "month",
    "practice_id",
    "grouping",
    "age_band",
    "deprivation",
    "condition",
    "key",
    "detail",
    "people",
    "improved",
    "value_sum",
    "value_sum_squares",
    "second_sum",
)


def _rows(totals: dict[SlotKey, list[float]]) -> Iterator[tuple[object, ...]]:
    for (measure, month, practice_id, (grouping, age, deprivation, condition), key, detail), values in totals.items():
        yield (
            measure,
            month,
            practice_id,
            grouping,
            age,
            deprivation,
            condition,
            key,
            detail,
            int(values[0]),
            int(values[1]),
            float(values[2]),
            float(values[3]),
            float(values[4]),
        )


def _write(totals: dict[SlotKey, list[float]]) -> None:
    """Insert the cells: PostgreSQL's COPY where we have it (millions of rows), else in batches."""
    if connection.vendor == "postgresql":
        table = AggregateCell._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in _rows(totals):
                    copy.write_row(row)
        return
    batch: list[AggregateCell] = []
    for row in _rows(totals):
        batch.append(AggregateCell(**dict(zip(COLUMNS, row, strict=True))))
        if len(batch) >= BATCH:
            AggregateCell.objects.bulk_create(batch)
            batch = []
    AggregateCell.objects.bulk_create(batch)


def refresh(today: datetime.date | None = None) -> AggregateRefresh:
    """Rebuild every precomputed figure from the records as they are now."""
    started = time.perf_counter()
    record = AggregateRefresh.objects.create(started_at=timezone.now())
    day = today or timezone.localdate()
    population = Population(day)
    totals: dict[SlotKey, list[float]] = {}
    slots: dict[Dims, tuple[Slot, ...]] = {}
    for build in _builders():
        for cell in build(population):
            _add(totals, slots, cell)
    with transaction.atomic():
        AggregateCell.objects.all().delete()
        _write(totals)
        record.cells = len(totals)
        record.finished_at = timezone.now()
        record.seconds = round(time.perf_counter() - started, 3)
        record.save(update_fields=["cells", "finished_at", "seconds"])
    return record
