"""Demo case finding: a synthetic extract of the demo's practices, stratified once by the demo commissioner.

Called at the end of the core demo seeding. It writes a synthetic extract (``population.generate``:
ten people for each demo person, at least 1,000) into ``POPULATION_EXTRACTS_DIR/riverside-demo``,
renames its four practices to the demo's (Y99001 to Y99004), and gives the demo's own people
(their NHS numbers, practices, ages and sex) the rows of the extract with the most diagnoses,
so that they appear on the practices' lists with conditions. Then Alex Morgan
(``commissioner@example.org``) runs a stratification of it with every shipped cohort, through the
services and synchronously, so the commissioner sees results and Priya Shah
(``practitioner@example.org``) an invitation list. The extract stays, for more runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from carehouse.casefinding import extracts, services
from carehouse.casefinding.models import RunSource, StratificationRun
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.people.models import Person, Sex
from carehouse.population.generate import generate

PURPOSE = "demo data"
COMMISSIONER_EMAIL = "commissioner@example.org"
EXTRACT_NAME = "riverside-demo"
PRACTICES = ("Y99001", "Y99002", "Y99003", "Y99004")
AS_AT = datetime.date(2026, 3, 31)
SEXES = {Sex.FEMALE: "female", Sex.MALE: "male"}


@dataclass
class CaseFindingSummary:
    extract_people: int = 0
    demo_people_placed: int = 0
    run: StratificationRun | None = None


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _column(table: pa.Table, name: str, values: list[object]) -> pa.Table:
    index = table.schema.get_field_index(name)
    field = table.schema.field(index)
    return table.set_column(index, field, pa.array(values, type=field.type))


def write_demo_extract(folder: Path, people: list[Person], *, size: int, seed: int) -> int:
    """Generate the extract and place the demo's people in it; how many were placed."""
    if folder.exists():
        shutil.rmtree(folder)
    generate(folder, size, seed=seed, as_at=AS_AT, practices=len(PRACTICES))
    persons = pq.read_table(folder / "persons.parquet")
    codes = sorted(set(persons.column("practice_code").to_pylist()))
    renamed = dict(zip(codes, PRACTICES, strict=False))
    practice = [renamed.get(code, PRACTICES[0]) for code in persons.column("practice_code").to_pylist()]

    # The rows with the most diagnoses (of adults) become the demo's people.
    diagnoses = pq.read_table(folder / "diagnoses.parquet", columns=["person_id"])
    counted = diagnoses.group_by("person_id").aggregate([("person_id", "count")])
    per_person = dict(zip(counted.column(0).to_pylist(), counted.column(1).to_pylist(), strict=True))
    ids = persons.column("person_id").to_pylist()
    ages = persons.column("age").to_pylist()
    order = sorted(
        (i for i, age in enumerate(ages) if age is None or age >= 18),
        key=lambda i: (-per_person.get(ids[i], 0), ids[i]),
    )
    numbers = persons.column("nhs_number").to_pylist()
    years = persons.column("year_of_birth").to_pylist()
    sexes = persons.column("sex").to_pylist()
    left = persons.column("registered_to").to_pylist()
    died = persons.column("deceased_date").to_pylist()
    placed = 0
    for row, person in zip(order, people, strict=False):
        if not person.nhs_number or person.registered_practice is None:
            continue
        numbers[row] = person.nhs_number
        practice[row] = person.registered_practice.ods_code
        ages[row] = _age_on(person.date_of_birth, AS_AT)
        years[row] = person.date_of_birth.year
        sexes[row] = SEXES.get(Sex(person.sex), "unknown")
        left[row] = None
        died[row] = None
        placed += 1
    for name, values in (
        ("practice_code", practice),
        ("nhs_number", numbers),
        ("age", ages),
        ("year_of_birth", years),
        ("sex", sexes),
        ("registered_to", left),
        ("deceased_date", died),
    ):
        persons = _column(persons, name, values)
    assert pc.all(pc.is_in(persons.column("practice_code"), pa.array(PRACTICES))).as_py()
    pq.write_table(persons, folder / "persons.parquet")
    return placed


def seed_case_finding(people: list[Person], *, seed_value: int) -> CaseFindingSummary:
    """Write the demo extract and run one stratification of it as the demo commissioner."""
    summary = CaseFindingSummary()
    membership = Membership.objects.select_related("user", "organisation").get(user__email=COMMISSIONER_EMAIL)
    actor = dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)
    placed_people = [
        p for p in people if p.registered_practice is not None and p.registered_practice.ods_code in PRACTICES
    ]
    summary.extract_people = max(1_000, 10 * len(people))
    folder = Path(settings.POPULATION_EXTRACTS_DIR) / EXTRACT_NAME
    summary.demo_people_placed = write_demo_extract(folder, placed_people, size=summary.extract_people, seed=seed_value)
    run = services.start_run(
        actor,
        source=RunSource.CONFIGURED,
        extract_name=EXTRACT_NAME,
        cohorts=[cohort.key for cohort in extracts.available_cohorts()],
        queue=False,
    )
    services.execute_run(run.pk)
    run.refresh_from_db()
    summary.run = run
    return summary
