"""Evaluations and the business case: the plan is saved first, effects are recovered, small groups held back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory
from carehouse.commissioning import business_case
from carehouse.commissioning.models import AnalysisPlan, AnalysisStatus, HospitalActivity, PersonProfile
from carehouse.commissioning.presenters_business_case import parse_inputs
from carehouse.commissioning.presenters_evaluation import result_view
from carehouse.commissioning.services_evaluation import PlanData, plan_evaluation, run_evaluation
from carehouse.commissioning.tests.conftest import Board
from carehouse.commissioning.unit_costs import Cost, defaults, uprate
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

START = datetime.date(2025, 3, 1)
TODAY = datetime.date(2026, 6, 1)


def _people(board: Board, treated: int, comparison: int, *, practice=None) -> None:
    """Treated people have 3 A&E visits before and 2 after; the comparison group 3 and 3."""
    for i in range(treated + comparison):
        person: Person = PersonFactory(  # type: ignore[assignment]
            registered_practice=practice or (board.north if i % 2 else board.south),
            date_of_birth=datetime.date(1940 + (i * 7) % 40, 1 + i % 12, 1),
            sex="female" if i % 3 else "male",
        )
        PersonProfile.objects.create(
            person=person, imd_decile=1 + (i * 3) % 10, ltc_count=i % 4, as_at=START, extract_name="test"
        )
        is_treated = i < treated
        index = START
        if is_treated:
            CarePlanFactory(
                person=person,
                status=PlanStatus.ACTIVE,
                agreed_at=datetime.datetime(2025, 3, 10, tzinfo=datetime.UTC),
            )
        HospitalActivity.objects.create(person=person, setting="ae", month=datetime.date(2024, 12, 1), count=3)
        HospitalActivity.objects.create(
            person=person, setting="ae", month=datetime.date(2025, 7, 1), count=2 if is_treated else 3
        )
        assert index == START


def _plan(board: Board, method: str, **overrides) -> AnalysisPlan:
    data = {
        "title": "Care plans and A&E",
        "question": "Did agreeing a care plan reduce A&E visits?",
        "cohort": "care_plan",
        "method": method,
        "outcome": "ae",
        "covariates": ["age", "female", "imd_decile", "ltc_count", "prior_ae"],
        "period_start": START,
        "period_end": datetime.date(2025, 3, 1),
    }
    data.update(overrides)
    return plan_evaluation(board.actor, PlanData(**data))


@pytest.mark.django_db
def test_plan_is_saved_before_results_and_never_changes(board: Board) -> None:
    _people(board, 20, 40)
    plan = _plan(board, "pre_post")
    saved = AnalysisPlan.objects.get(pk=plan.pk)
    assert saved.status == AnalysisStatus.PLANNED and saved.result == {}
    fields = (
        "title",
        "question",
        "cohort",
        "method",
        "outcome",
        "covariates",
        "period_start",
        "period_end",
        "created_at",
    )
    before = {name: getattr(saved, name) for name in fields}
    run_evaluation(board.actor, saved, today=TODAY)
    after = AnalysisPlan.objects.get(pk=plan.pk)
    assert after.status == AnalysisStatus.FINISHED
    assert {name: getattr(after, name) for name in fields} == before
    assert after.result["effect"]["estimate"] == pytest.approx(-1.0)
    shown = result_view(after)
    assert shown is not None
    assert "Regression to the mean" in " ".join(shown["caveats"])


@pytest.mark.django_db
def test_matching_recovers_the_known_effect(board: Board) -> None:
    _people(board, 24, 60)
    plan = run_evaluation(board.actor, _plan(board, "matched"), today=TODAY)
    assert plan.status == AnalysisStatus.FINISHED, plan.error
    effect = plan.result["effect"]
    assert effect["estimate"] == pytest.approx(-1.0, abs=0.05)
    assert effect["ci_low"] <= -0.95 and effect["balance"]
    shown = result_view(plan)
    assert shown is not None
    assert shown["n_treated"] in {"20", "25"} and shown["balance"]


@pytest.mark.django_db
def test_too_few_people_fails_with_a_clear_reason(board: Board) -> None:
    _people(board, 5, 40)
    plan = run_evaluation(board.actor, _plan(board, "matched"), today=TODAY)
    assert plan.status == AnalysisStatus.FAILED
    assert plan.error.startswith("Too few people to compare: at least 8")
    assert plan.result == {}


@pytest.mark.django_db
def test_another_icb_is_left_out(board: Board) -> None:
    _people(board, 6, 30)
    _people(board, 20, 20, practice=board.other_icb_practice)
    plan = run_evaluation(board.actor, _plan(board, "pre_post"), today=TODAY)
    assert plan.status == AnalysisStatus.FAILED  # only 6 of ours were supported


def test_unit_cost_defaults_have_source_and_year() -> None:
    costs = defaults()
    for activity in ("ae", "emergency_admission", "elective_admission", "outpatient"):
        cost = costs[activity]
        assert cost.source and cost.price_year == "2023/24" and cost.currency
    assert uprate(Decimal("1590"), "2016/17") == costs["emergency_admission"].unit_cost_gbp
    assert uprate(Decimal("282"), "2022/23") == Decimal("294.15")


def test_roi_worked_by_hand() -> None:
    cost = Cost("ae", "attendance", Decimal("300"), "2023/24", "test")
    change = business_case.Change("ae", central=-1.0, low=-1.5, high=-0.5, source="evaluation")
    saving = business_case.value_change(change, cost)
    assert (saving.low, saving.central, saving.high) == (150.0, 300.0, 450.0)
    case = business_case.Case("Riverside", 40, [saving], Decimal("200"))
    # (300 - 200) / 200 = 0.5; (150 - 200) / 200 = -0.25; (450 - 200) / 200 = 1.25
    assert case.roi == (-0.25, 0.5, 1.25)
    assert not case.uses_before_after


def test_cost_input_errors() -> None:
    assert parse_inputs({"cost": "abc"})[2]["cost"] == "Enter the cost per person in pounds, like 250"
    assert parse_inputs({"cost": "0"})[2]["cost"] == "The cost per person must be more than £0"
    assert parse_inputs({"cost": "£250"})[1] == Decimal("250")


@pytest.mark.django_db
def test_plan_form_errors(board: Board, commissioner_client: Client) -> None:
    response = commissioner_client.post(
        reverse("commissioning:evaluations"), {"start": "2025-13", "outcome": "wellbeing", "method": "matched"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a name for the evaluation" in text
    assert "Enter the first month as a year and month, like 2025-01" in text
    assert AnalysisPlan.objects.count() == 0


@pytest.mark.django_db
def test_pages_show_plan_then_result(board: Board, commissioner_client: Client) -> None:
    _people(board, 20, 40)
    response = commissioner_client.post(
        reverse("commissioning:evaluations"),
        {
            "title": "Care plans and A&E",
            "question": "Did care plans reduce A&E visits?",
            "cohort": "care_plan",
            "start": "2025-03",
            "end": "2025-03",
            "method": "pre_post",
            "outcome": "ae",
            "covariates": ["age"],
        },
    )
    assert response.status_code == 302
    page = commissioner_client.get(response["Location"]).content.decode()
    assert page.index("The plan, as saved") < page.index("Strength of evidence")
    assert "1.00 fewer A&amp;E attendances per person a year than before" in page
    case = commissioner_client.get(reverse("commissioning:business_case") + "?from=2025-03&to=2025-03&cost=100")
    assert case.status_code == 200
    assert "notional" in case.content.decode()
