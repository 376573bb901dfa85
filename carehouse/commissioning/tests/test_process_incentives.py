"""Process measures, the measurement hierarchy and incentive schemes: real records in, controlled figures out."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory
from carehouse.commissioning import facts, incentives, services_measures
from carehouse.commissioning.demo_incentives import seed_incentive_scheme
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.facts.indicators import review_dues
from carehouse.commissioning.incentives import indicator_payment, payment_fraction, wilson_interval
from carehouse.commissioning.indicator_figures import figure
from carehouse.commissioning.indicators import BY_KEY
from carehouse.commissioning.models import HierarchyEntry, IncentiveScheme
from carehouse.commissioning.presenters_incentives import results
from carehouse.commissioning.tests.conftest import Board
from carehouse.core.models import AuditEvent, Organisation
from carehouse.directory.tests.factories import make_service
from carehouse.people.tests.factories import PersonFactory
from carehouse.referrals.models import Referral
from carehouse.referrals.states import ReferralState

TODAY = datetime.date(2026, 3, 15)
FEB = datetime.date(2026, 2, 1)
SENT = timezone.make_aware(datetime.datetime(2026, 2, 2, 9, 0))


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [(0.5, 0.0), (0.6, 0.0), (0.7, 0.5), (0.8, 1.0), (0.95, 1.0), (None, 0.0), (0.012, 0.0)],
)
def test_payment_fraction_below_at_between_and_above(achievement: float | None, expected: float) -> None:
    assert payment_fraction(achievement, 0.6, 0.8) == pytest.approx(expected)


def test_iif_style_thresholds_and_weighted_payment() -> None:
    assert payment_fraction(0.014, 0.012, 0.016) == pytest.approx(0.5)
    assert indicator_payment(0.5, Decimal("0.6"), Decimal("5000")) == Decimal("1500.00")
    assert indicator_payment(1.0, Decimal("0.4"), Decimal("5000")) == Decimal("2000.00")
    assert indicator_payment(0.0, Decimal("0.4"), Decimal("5000")) == Decimal("0.00")
    with pytest.raises(ValueError, match="upper threshold"):
        payment_fraction(0.5, 0.8, 0.8)


def test_wilson_interval_matches_the_textbook_value() -> None:
    low, high = wilson_interval(7, 10) or (0, 0)
    assert low == pytest.approx(0.3968, abs=1e-4)
    assert high == pytest.approx(0.8922, abs=1e-4)
    assert wilson_interval(0, 0) is None


def test_review_due_dates_met_late_and_not_yet_due() -> None:
    d = datetime.date
    # No review yet: due in the past is late; due in the future is not counted.
    assert review_dues([], d(2026, 1, 1), None, TODAY) == [(d(2026, 1, 1), False)]
    assert review_dues([], d(2026, 6, 1), None, TODAY) == []
    # A review set the next date for 1 March; the following review was on 20 February: on time.
    reviews = [(d(2025, 12, 1), d(2026, 3, 1)), (d(2026, 2, 20), d(2026, 9, 1))]
    assert review_dues(reviews, d(2026, 9, 1), None, TODAY) == [(d(2026, 3, 1), True)]


def _plan(practice: Organisation, **kwargs: object) -> object:
    values: dict[str, object] = {
        "status": PlanStatus.ACTIVE,
        "agreed_at": SENT,
        "next_review_due": datetime.date(2026, 2, 20),
        "involved_person": True,
        "shared_with_person": True,
        "goals_in_own_words": True,
        "actions_agreed": True,
        "review_date_set": True,
    }
    values.update(kwargs)
    plan = CarePlanFactory(person=PersonFactory(registered_practice=practice), **values)
    type(plan).objects.filter(pk=plan.pk).update(created_at=SENT)
    return plan


@pytest.fixture
def records(board: Board) -> Board:
    for _ in range(10):
        _plan(board.north)
    for _ in range(10):
        _plan(board.north, actions_agreed=False)
    for _ in range(12):
        _plan(board.other_icb_practice)
    service = make_service("Riverside Walks", terms=["mtm:walking-groups"], at=[(53.43, -1.36)], index=False)
    for number in range(20):
        Referral.objects.create(
            person=PersonFactory(registered_practice=board.north),
            service=service,
            receiving_organization=service.organization,
            status=ReferralState.COMPLETED if number < 10 else ReferralState.SENT,
            sent_at=SENT,
            accepted_at=SENT if number < 10 else None,
            first_contact_at=SENT + datetime.timedelta(days=4) if number < 10 else None,
            closed_at=SENT + datetime.timedelta(days=20) if number < 10 else None,
        )
    facts.refresh(TODAY)
    return board


def _filters() -> Filters:
    return Filters(start=FEB, end=FEB)


@pytest.mark.django_db
def test_process_indicators_come_from_real_plans_and_referrals(records: Board) -> None:
    actor = records.actor
    five = figure(actor, BY_KEY["five_criteria"], _filters())
    assert (five.numerator, five.denominator) == (10, 20)
    reviews = figure(actor, BY_KEY["reviews_on_time"], _filters())
    assert (reviews.numerator, reviews.denominator) == (0, 20)  # due 20 February, nobody reviewed
    accepted = figure(actor, BY_KEY["referral_accepted"], _filters())
    assert (accepted.numerator, accepted.denominator) == (10, 20)
    contacted = figure(actor, BY_KEY["referral_contacted"], _filters())
    assert (contacted.numerator, contacted.denominator) == (10, 10)
    days = figure(actor, BY_KEY["time_to_first_contact"], _filters())
    assert days.denominator == 10 and days.mean == pytest.approx(4.0)
    recorded = figure(actor, BY_KEY["outcome_recording"], _filters())
    assert (recorded.numerator, recorded.denominator) == (0, 10)
    referred = figure(actor, BY_KEY["social_prescribing_referrals"], _filters())
    assert referred.numerator == 20
    # The other ICB's 12 plans never count.
    assert figure(actor, BY_KEY["five_criteria"], Filters(start=FEB, end=FEB, area=records.north)).denominator == 20


@pytest.mark.django_db
def test_process_page_shows_controlled_figures(records: Board, commissioner_client: Client) -> None:
    page = commissioner_client.get("/commissioning/process?from=2026-02&to=2026-02&indicator=five_criteria")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Plans meeting all five criteria" in body
    assert "50%" in body  # 10 of 20, from the rounded parts
    assert "Elsewhere Surgery" not in body


@pytest.mark.django_db
def test_hierarchy_edit_is_audited_and_a_stale_version_is_reported(board: Board, commissioner_client: Client) -> None:
    data = {"measure_key": "five_criteria", "owner": "Quality lead", "purpose": "judgement", "version": "0"}
    assert commissioner_client.post("/commissioning/hierarchy", data).status_code == 302
    entry = HierarchyEntry.objects.get(organisation=board.icb, measure_key="five_criteria")
    assert (entry.owner, entry.purpose, entry.version) == ("Quality lead", "judgement", 1)
    assert AuditEvent.objects.filter(summary__contains="Plans meeting all five criteria").exists()
    stale = commissioner_client.post("/commissioning/hierarchy", {**data, "owner": "Someone else"})
    assert stale.status_code == 400
    assert "Someone else changed this indicator" in stale.content.decode()
    assert HierarchyEntry.objects.get(pk=entry.pk).owner == "Quality lead"
    page = commissioner_client.get("/commissioning/hierarchy").content.decode()
    assert "Quality lead" in page and "Person-reported outcomes" in page


def _scheme_post(**changes: str) -> dict[str, str]:
    data = {
        "name": "Care planning 2026",
        "paid_to": "practice",
        "period_start_day": "1",
        "period_start_month": "2",
        "period_start_year": "2026",
        "period_end_day": "28",
        "period_end_month": "2",
        "period_end_year": "2026",
        "value_gbp": "1000",
        "indicator_1": "five_criteria",
        "lower_1": "40",
        "upper_1": "60",
        "weight_1": "60",
        "indicator_2": "referral_accepted",
        "lower_2": "60",
        "upper_2": "80",
        "weight_2": "40",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_scheme_form_reports_clear_errors(board: Board, commissioner_client: Client) -> None:
    response = commissioner_client.post("/commissioning/incentives", _scheme_post(weight_2="30", upper_1="30"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "The upper threshold must be higher than the lower threshold" in body
    assert "The weights must add up to 100%. They add up to 90%" in body
    assert "There is a problem" in body
    assert not IncentiveScheme.objects.exists()
    with pytest.raises(ValidationError):
        services_measures.create_scheme(
            board.actor,
            name="x",
            paid_to="provider",
            period_start=FEB,
            period_end=FEB,
            value_gbp=Decimal(1),
            chosen=[services_measures.IndicatorChoice("five_criteria", Decimal("0.1"), Decimal("0.2"), Decimal(1))],
        )


@pytest.mark.django_db
def test_scheme_pays_each_practice_from_raw_figures(records: Board, commissioner_client: Client) -> None:
    response = commissioner_client.post("/commissioning/incentives", _scheme_post())
    assert response.status_code == 302
    scheme = IncentiveScheme.objects.get()
    assert AuditEvent.objects.filter(summary__contains="Care planning 2026").exists()
    found = results(records.actor, scheme)
    north = {rule.measure_key: outcome for rule, outcome in found["North Surgery"]}
    # 50% of plans meet all five: halfway between 40% and 60% earns half of 60% of £1,000.
    assert north["five_criteria"].payment == Decimal("300.00")
    # 50% of referrals accepted is below 60%: nothing.
    assert north["referral_accepted"].payment == Decimal("0.00")
    assert "Elsewhere Surgery" not in found
    page = commissioner_client.get(f"/commissioning/incentives/{scheme.pk}").content.decode()
    assert "£300.00" in page and "Elsewhere Surgery" not in page


@pytest.mark.django_db
def test_another_icbs_scheme_is_not_found(board: Board, commissioner_client: Client) -> None:
    other = seed_incentive_scheme(board.other_icb_practice.parent)
    assert commissioner_client.get(f"/commissioning/incentives/{other.pk}").status_code == 404
    mine = seed_incentive_scheme(board.icb)
    assert seed_incentive_scheme(board.icb).pk == mine.pk
    assert [i.measure_key for i in mine.indicators.all()] == ["social_prescribing_referrals", "plan_coverage"]
    assert commissioner_client.get(f"/commissioning/incentives/{mine.pk}").status_code == 200


def test_wilson_interval_is_none_when_the_numerator_is_larger_than_the_denominator() -> None:
    # Plans can outnumber the people case finding found: a ratio, not a proportion.
    assert incentives.wilson_interval(12, 10) is None
    assert (
        incentives.result(
            "plan_coverage", 12, 10, lower=0.4, upper=0.7, weight=Decimal("1"), value=Decimal("100")
        ).fraction
        == 1.0
    )
