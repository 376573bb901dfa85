"""What changed: linking an extract, questionnaire changes, hospital use before and after, and the page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from carehouse.careplans.tests.factories import CarePlanFactory
from carehouse.commissioning import facts
from carehouse.commissioning.dimensions import Filters, parse_filters
from carehouse.commissioning.facts.outcomes import ANY_IMPROVED, MEASURE
from carehouse.commissioning.facts.utilisation import PARTIAL
from carehouse.commissioning.linkage import LinkError
from carehouse.commissioning.models import AggregateCell, Grouping, HospitalActivity, PersonProfile
from carehouse.commissioning.presenters_outcomes import board_section, outcomes_page
from carehouse.commissioning.services import link_extract
from carehouse.commissioning.tests.conftest import Board
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Organisation
from carehouse.measures.models import Instrument, MeasureResponse, MeasureScore, ResponseStatus, Timepoint
from carehouse.measures.services.instruments import sync_shipped
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory
from carehouse.population.tests.helpers import person, write_extract

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
TODAY = datetime.date(2026, 3, 31)


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _score(who: Person, key: str, code: str, value: str, day: datetime.date) -> None:
    instrument = Instrument.objects.filter(key=key).first()
    if instrument is None:
        sync_shipped()
        instrument = Instrument.objects.get(key=key)
    response = MeasureResponse.objects.create(
        person=who,
        organisation=who.registered_practice,
        instrument=instrument,
        status=ResponseStatus.COMPLETED,
        timepoint=Timepoint.BASELINE,
        completed_at=_moment(day),
    )
    MeasureScore.objects.create(
        response=response,
        person=who,
        instrument_key=key,
        code=code,
        label=code,
        value=Decimal(value),
        effective_at=_moment(day),
    )


def _cells(measure: str) -> list[AggregateCell]:
    return list(AggregateCell.objects.filter(grouping=Grouping.NONE, measure=measure).order_by("key", "month"))


# Linkage ---------------------------------------------------------------------------------------


def test_an_extract_is_linked_by_nhs_number_with_monthly_activity_and_bed_days(tmp_path: Path, board: Board) -> None:
    mary = PersonFactory.create(nhs_number="9990000018", registered_practice=board.north)
    PersonFactory(nhs_number="9990000026", registered_practice=board.south)  # not in the extract
    folder = write_extract(
        tmp_path / "tiny",
        persons=[
            person("a", nhs_number="999 000 0018", deprivation_decile=2),
            person("b", nhs_number="9990000034"),  # nobody in Carehouse
        ],
        diagnoses=[
            {"person_id": "a", "code": "E11", "code_system": "icd10", "date": datetime.date(2020, 1, 1)},
            {"person_id": "a", "code": "I10", "code_system": "icd10", "date": datetime.date(2021, 1, 1)},
        ],
        activity=[
            {"person_id": "a", "setting": "ae", "date": datetime.date(2025, 5, 3)},
            {"person_id": "a", "setting": "ae", "date": datetime.date(2025, 5, 20)},
            {
                "person_id": "a",
                "setting": "emergency_admission",
                "date": datetime.date(2025, 5, 21),
                "length_of_stay": 4,
            },
            {
                "person_id": "a",
                "setting": "emergency_admission",
                "date": datetime.date(2025, 5, 28),
                "length_of_stay": 2,
            },
            {"person_id": "a", "setting": "outpatient", "date": datetime.date(2025, 7, 1)},
            {"person_id": "a", "setting": "gp", "date": datetime.date(2025, 7, 1)},  # not hospital activity
            {"person_id": "b", "setting": "ae", "date": datetime.date(2025, 7, 1)},
        ],
    )
    # What was linked before for Mary is replaced, not added to.
    PersonProfile.objects.create(person=mary, imd_decile=9, as_at=datetime.date(2024, 1, 1), extract_name="old")
    HospitalActivity.objects.create(person=mary, setting="ae", month=datetime.date(2023, 1, 1), count=9)

    summary = link_extract(SYSTEM, folder)

    assert (summary.matched, summary.persons_in_extract) == (1, 2)
    profile = PersonProfile.objects.get()
    assert (profile.person_id, profile.imd_decile, profile.ltc_count) == (mary.pk, 2, 2)  # diabetes, hypertension
    assert profile.extract_name == "tiny"
    assert profile.as_at == datetime.date(2026, 3, 31)
    rows = set(HospitalActivity.objects.values_list("setting", "month", "count", "bed_days"))
    assert rows == {
        ("ae", datetime.date(2025, 5, 1), 2, 0),
        ("emergency_admission", datetime.date(2025, 5, 1), 2, 6),
        ("outpatient", datetime.date(2025, 7, 1), 1, 0),
    }
    event = AuditEvent.objects.get(summary__startswith="Linked population extract tiny")
    assert event.changes["matched"] == 1
    assert "9990000018" not in str(event.changes)  # counts only


def test_the_command_links_a_configured_extract_and_reports_unknown_names(board: Board) -> None:
    PersonFactory(nhs_number="9990000018", registered_practice=board.north)
    write_extract(Path(settings.POPULATION_EXTRACTS_DIR) / "small", persons=[person("a", nhs_number="9990000018")])
    out = StringIO()
    call_command("commissioning_link", "small", stdout=out)
    assert "Linked 1 of 1 people in small" in out.getvalue()
    with pytest.raises(CommandError, match="There is no extract called 'missing'"):
        call_command("commissioning_link", "missing")


def test_an_extract_with_no_persons_table_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(LinkError, match="has no persons table"):
        link_extract(SYSTEM, tmp_path / "empty")
    broken = write_extract(tmp_path / "broken", persons=[person("a")])
    (broken / "activity.parquet").unlink()
    with pytest.raises(LinkError, match="The activity table is missing"):
        link_extract(SYSTEM, broken)


# Questionnaire change --------------------------------------------------------------------------


def test_a_fall_in_anxiety_is_an_improvement_and_a_fall_in_satisfaction_is_not(board: Board) -> None:
    mary = PersonFactory.create(registered_practice=board.north)
    _score(mary, "ons4", "anxiety", "8", datetime.date(2026, 1, 5))
    _score(mary, "ons4", "anxiety", "7", datetime.date(2026, 2, 5))  # a middle answer is not the latest
    _score(mary, "ons4", "anxiety", "5", datetime.date(2026, 3, 9))
    _score(mary, "ons4", "satisfaction", "6", datetime.date(2026, 1, 5))
    _score(mary, "ons4", "satisfaction", "4", datetime.date(2026, 3, 9))
    _score(mary, "swemwbs", "metric", "20.0", datetime.date(2026, 1, 5))
    _score(mary, "swemwbs", "metric", "21.5", datetime.date(2026, 3, 9))  # better, but under 3 points
    _score(mary, "semcd6", "mean", "5.0", datetime.date(2026, 1, 5))  # only once: no pair
    facts.refresh(TODAY)

    changes = {cell.key: cell for cell in _cells(MEASURE)}
    assert set(changes) == {"ons4.anxiety", "ons4.satisfaction", "swemwbs.metric"}
    anxiety = changes["ons4.anxiety"]
    assert (anxiety.value_sum, anxiety.improved, anxiety.second_sum, anxiety.month) == (
        -3.0,
        1,
        1.0,
        datetime.date(2026, 3, 1),
    )
    assert (changes["ons4.satisfaction"].value_sum, changes["ons4.satisfaction"].improved) == (-2.0, 0)
    swemwbs = changes["swemwbs.metric"]
    assert (swemwbs.improved, swemwbs.second_sum) == (0, 1.0)  # moved the better way, not meaningfully
    [anyone] = _cells(ANY_IMPROVED)
    assert (anyone.people, anyone.improved) == (1, 1)


# Hospital use before and after -----------------------------------------------------------------


def _linked(who: Person, as_at: datetime.date = TODAY) -> None:
    PersonProfile.objects.create(person=who, imd_decile=3, as_at=as_at, extract_name="test")


def test_hospital_use_is_counted_in_the_12_months_either_side_of_the_index_month(board: Board) -> None:
    mary = PersonFactory.create(registered_practice=board.north)
    _linked(mary)
    CarePlanFactory.create(person=mary, agreed_at=_moment(datetime.date(2025, 3, 10)))
    CarePlanFactory.create(person=mary, agreed_at=_moment(datetime.date(2025, 6, 1)))  # a later plan: not the start
    for month, setting, count, bed_days in (
        (datetime.date(2024, 2, 1), "ae", 5, 0),  # 13 months before: outside
        (datetime.date(2024, 3, 1), "ae", 2, 0),  # 12 months before: inside
        (datetime.date(2025, 2, 1), "emergency_admission", 1, 7),
        (datetime.date(2025, 3, 1), "ae", 4, 0),  # the index month: left out
        (datetime.date(2025, 4, 1), "ae", 1, 0),
        (datetime.date(2026, 3, 1), "emergency_admission", 1, 2),  # 12 months after: inside
    ):
        HospitalActivity.objects.create(person=mary, setting=setting, month=month, count=count, bed_days=bed_days)
    # Not linked to an extract: not counted as no activity.
    CarePlanFactory.create(
        person=PersonFactory.create(registered_practice=board.north), agreed_at=_moment(datetime.date(2025, 3, 1))
    )
    # Support started too recently for 12 months after.
    recent = PersonFactory.create(registered_practice=board.south)
    _linked(recent)
    CarePlanFactory.create(person=recent, agreed_at=_moment(datetime.date(2025, 9, 1)))
    facts.refresh(TODAY)

    cells = {cell.key: (cell.people, cell.value_sum, cell.second_sum, cell.month) for cell in _cells("utilisation")}
    march = datetime.date(2025, 3, 1)
    assert cells == {
        "ae": (1, 2.0, 1.0, march),
        "emergency_admission": (1, 1.0, 1.0, march),
        "elective_admission": (1, 0.0, 0.0, march),
        "outpatient": (1, 0.0, 0.0, march),
        "bed_days": (1, 7.0, 2.0, march),
    }
    [partial] = _cells(PARTIAL)
    assert (partial.people, partial.month) == (1, datetime.date(2025, 9, 1))


# The page --------------------------------------------------------------------------------------


def _people_with_anxiety_falls(practice: Organisation, how_many: int) -> None:
    for _ in range(how_many):
        who = PersonFactory.create(registered_practice=practice)
        _score(who, "ons4", "anxiety", "8", datetime.date(2026, 1, 5))
        _score(who, "ons4", "anxiety", "4", datetime.date(2026, 2, 5))


def test_the_page_suppresses_seven_people_and_states_the_caveat(commissioner_client: Client, board: Board) -> None:
    _people_with_anxiety_falls(board.north, 7)
    _people_with_anxiety_falls(board.other_icb_practice, 20)  # another ICB's people are not counted
    facts.refresh(TODAY)
    page = commissioner_client.get("/commissioning/outcomes?from=2025-04&to=2026-03")
    assert page.status_code == 200
    html = page.content.decode()
    assert "regression to the mean" in html
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">*</td>' in html
    assert "-4.0" not in html
    figures = outcomes_page(board.actor, _filters(board))
    [row] = figures.change_rows
    assert row[2:] == ["*", "*", "*"]


def test_eight_people_are_shown_rounded_with_their_mean_change(board: Board) -> None:
    _people_with_anxiety_falls(board.north, 8)
    _people_with_anxiety_falls(board.other_icb_practice, 20)
    facts.refresh(TODAY)
    figures = outcomes_page(board.actor, _filters(board))
    [row] = figures.change_rows
    assert row[1:] == ["Lower", "10", "-4.0", "100%"]
    assert (figures.any_people, figures.any_share) == ("10", "100%")
    section = board_section(board.actor, _filters(board))
    assert any("100% of them did better" in paragraph for paragraph in section.paragraphs)


def test_utilisation_is_shown_with_change_per_100_people(board: Board) -> None:
    for _ in range(10):
        who = PersonFactory.create(registered_practice=board.south)
        _linked(who)
        CarePlanFactory.create(person=who, agreed_at=_moment(datetime.date(2025, 3, 10)))
        HospitalActivity.objects.create(person=who, setting="ae", month=datetime.date(2024, 6, 1), count=2)
        HospitalActivity.objects.create(person=who, setting="ae", month=datetime.date(2025, 6, 1), count=1)
    facts.refresh(TODAY)
    figures = outcomes_page(board.actor, _filters(board, start="2025-01", end="2025-12"))
    ae = next(row for row in figures.utilisation_rows if row[0] == "A&E attendances")
    assert ae == ["A&E attendances", "10", "20", "10", "-50%", "-100"]
    section = board_section(board.actor, _filters(board, start="2025-01", end="2025-12"))
    assert "So we cannot be sure this was caused by the support." in section.paragraphs


def _filters(board: Board, start: str = "2025-04", end: str = "2026-03") -> Filters:
    return parse_filters(board.actor, {"from": start, "to": end}, today=TODAY)
