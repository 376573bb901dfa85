"""The demo's made-up history of past support gives the commissioner's pages figures that are shown."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.casefinding.demo_data import AS_AT
from carehouse.commissioning import demo_history
from carehouse.commissioning.dimensions import Filters, add_months, month_start
from carehouse.commissioning.models import AnalysisPlan, AnalysisStatus, HospitalActivity, IncentiveScheme
from carehouse.commissioning.presenters_evaluation import effect_sentence, held_back
from carehouse.commissioning.presenters_needs import needs_page
from carehouse.commissioning.presenters_outcomes import outcomes_page
from carehouse.core import demo_data
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED
from carehouse.core.models import Membership
from carehouse.people.models import Person
from carehouse.referrals.models import Referral

PEOPLE = 120


def _history_filters() -> Filters:
    """Every month from the earliest past plan's 12 months before to today."""
    start = add_months(month_start(AS_AT), -demo_history.MONTHS_BEFORE[1])
    return Filters(start, month_start(timezone.localdate()), None, "", "", None, {})


@pytest.fixture
def seeded(db) -> Actor:
    demo_data.seed(people=PEOPLE, commissioning_history=True)
    return Actor.for_membership(
        Membership.objects.select_related("user", "organisation").get(user__email="commissioner@example.org")
    )


def test_the_past_plans_and_evaluation_make_the_pages_show_figures(seeded):
    actor = seeded
    me = Person.objects.get(user__email="person@example.org")
    past = CarePlan.objects.filter(
        status=PlanStatus.COMPLETED, agreed_at__lt=timezone.make_aware(datetime.datetime(2025, 3, 1))
    )
    assert past.count() >= 8
    assert not past.filter(person=me).exists()
    # Nobody given a past plan had a plan or referral from the other demos.
    for person_id in past.values_list("person_id", flat=True):
        assert CarePlan.objects.filter(person_id=person_id).count() == 1
    assert Referral.objects.filter(
        person__in=past.values("person"), reason_for_referral__contains="care and support plan"
    ).exists()
    assert HospitalActivity.objects.filter(person__in=past.values("person")).exists()
    assert IncentiveScheme.objects.filter(organisation=actor.organisation).count() == 1

    filters = _history_filters()
    needs = needs_page(actor, filters)
    top_theme = needs.themes[0].rows[0]
    assert SUPPRESSED not in top_theme, top_theme

    outcomes = outcomes_page(actor, filters)
    ons4 = [row for row in outcomes.change_rows if "ONS4" in row[0] or "atisf" in row[0]]
    assert ons4 and SUPPRESSED not in ons4[0], outcomes.change_rows
    ae = next(row for row in outcomes.utilisation_rows if "A&E" in row[0])
    assert SUPPRESSED not in ae[:4], ae
    assert int(ae[2].replace(",", "")) > int(ae[3].replace(",", ""))  # fewer A&E visits after support

    evaluation = AnalysisPlan.objects.get(organisation=actor.organisation)
    assert evaluation.status == AnalysisStatus.FINISHED, evaluation.error
    assert not held_back(evaluation)
    assert effect_sentence(evaluation)
