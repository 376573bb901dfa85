"""The demo's measures: recorded through the services, activation at every level, one alert, one questionnaire
waiting for the demo person, no licensed wording, and the same every time for the same seed.

Building the demo takes seconds, most of them the care plans, so this module builds it once and
keeps it for every test here (each test runs in a savepoint within it; it is all rolled back at
the end). While it is built, the measures are built twice from the same seed on the same people
and plans: the first time noted and rolled back, the second kept. The two are compared for the
determinism check. (That the same seed builds the same people and plans is checked by
``core/tests/test_demo.py`` and ``careplans/tests/test_demo_data.py``.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from carehouse.careplans.models import CarePlan
from carehouse.core import demo_data
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, User
from carehouse.core.roles import Role
from carehouse.measures import demo_data as measures_demo_data
from carehouse.measures import selectors
from carehouse.measures.demo_data import PAM_LICENCE_HOLDER
from carehouse.measures.guidance import plan_panel
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
)
from carehouse.people.models import Person

#: The demo as the care plan tests build it: enough people for every PAM level on each caseload.
PEOPLE = 30
SEED = 1

pytestmark = pytest.mark.django_db

Built = list[tuple[object, ...]]


def measures_made() -> Built:
    """Every response the measures demo made (not the referrals demo's), in an order that does not depend on keys."""
    rows = MeasureResponse.objects.filter(referral_reference="").values_list(
        "person__nhs_number", "instrument__key", "timepoint", "status", "answers", "completed_at__date"
    )
    return sorted(rows, key=repr)


class _RollBack(Exception):
    pass


def measures_built(people: Sequence[Person], seed_value: int) -> Built:
    """Build the demo's measures for people whose plans are already built, note them, and roll them back."""
    built: Built = []
    try:
        with transaction.atomic():
            measures_demo_data.seed_measures(people, seed_value=seed_value)
            built = measures_made()
            raise _RollBack
    except _RollBack:
        pass
    return built


@dataclass(frozen=True)
class Demo:
    summary: demo_data.DemoSummary
    first_build: Built
    second_build: Built


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo, kept for this module's tests, its measures built twice from the same seed (the first rolled back)."""
    first: Built = []

    def measures_twice(people: Sequence[Person], *, seed_value: int) -> measures_demo_data.MeasuresSummary:
        nonlocal first
        first = measures_built(people, seed_value)
        return measures_demo_data.seed_measures(people, seed_value=seed_value)

    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo_data, "seed_measures", measures_twice)
            summary = demo_data.seed(people=PEOPLE, seed_value=SEED)
        try:
            yield Demo(summary, first, measures_made())
        finally:
            transaction.set_rollback(True)  # leave the test database empty for the modules after this one


@pytest.fixture
def seeded(demo: Demo, db: None) -> demo_data.DemoSummary:
    """The kept demo; each test runs in a savepoint within it."""
    return demo.summary


def practitioner() -> Actor:
    return Actor.for_membership(Membership.objects.get(user__email="practitioner@example.org"))


def test_people_with_plans_have_questionnaires_and_one_alert(seeded: demo_data.DemoSummary) -> None:
    every = MeasureResponse.objects.filter(status=ResponseStatus.COMPLETED).exclude(instrument__key="pam")
    # The referrals demo adds end-of-support measures that community services record for a referral.
    for_referrals = every.exclude(referral_reference="")
    assert set(for_referrals.values_list("timepoint", flat=True)) == {"end_of_support"}
    completed = every.filter(referral_reference="")
    keys = set(completed.values_list("instrument__key", flat=True))
    assert keys == {"phq9", "gad7", "ons4", "semcd6"}
    assert set(completed.values_list("timepoint", flat=True)) == {"baseline", "review"}
    assert all(r.plan_id is not None and r.plan.person_id == r.person_id for r in completed.select_related("plan"))
    with_plans = set(CarePlan.objects.values_list("person_id", flat=True))
    measured = set(completed.values_list("person_id", flat=True))
    assert measured < with_plans  # a subset of the people with plans
    # Every completed questionnaire was scored as the services score it.
    for response in completed.prefetch_related("scores"):
        assert response.scores.all() or response.not_scored_reason
        assert AuditEvent.objects.filter(object_type=MeasureResponse._meta.label, object_id=str(response.pk)).exists()

    # One open PHQ-9 alert, for a person on Priya's caseload; every other PHQ-9 answered item 9 with 0.
    alert = MeasureAlert.objects.select_related("response__instrument", "person").get()
    assert alert.is_open and alert.code == "self_harm_risk"
    assert alert.response.instrument.key == "phq9" and alert.response.answers["9"] > 0
    assert alert.person.registered_practice is not None
    assert alert.person.registered_practice.ods_code == "Y99001"
    assert alert.person.user_id is None  # not the demo person who signs in
    assert [a.pk for a in selectors.open_alerts(practitioner())] == [alert.pk]
    others = MeasureResponse.objects.filter(instrument__key="phq9", status=ResponseStatus.COMPLETED).exclude(
        pk=alert.response_id
    )
    assert others.exists() and all(r.answers["9"] == 0 for r in others)

    # No licensed wording is used: nothing answered that needs it, and none loaded.
    assert not MeasureResponse.objects.filter(instrument__key__in=["swemwbs", "mycaw", "collaborate"]).exists()
    assert not Instrument.objects.exclude(item_text={}).exists()


def test_the_caseload_has_every_activation_level_and_the_demo_person_a_questionnaire_waiting(
    seeded: demo_data.DemoSummary,
) -> None:
    pam = MeasureResponse.objects.filter(instrument__key="pam")
    assert pam.exists()
    assert {r.completed_mode for r in pam} == {CompletedBy.EXTERNAL}
    assert {r.answers["licence_holder"] for r in pam} == {PAM_LICENCE_HOLDER}
    levels = Counter(
        int(score.value)
        for score in MeasureScore.objects.filter(
            instrument_key="pam", code="level", response__organisation__ods_code="Y99001"
        )
    )
    assert set(levels) == {1, 2, 3, 4}
    # Each level is shown with its guidance on the plan page.
    actor = practitioner()
    shown = set()
    for plan in CarePlan.objects.filter(organisation__ods_code="Y99001").select_related("person"):
        panel = plan_panel(actor, plan.person)
        assert panel is not None
        if panel.activation is not None:
            shown.add(panel.activation.guidance.level)
    assert shown == {1, 2, 3, 4}

    # The demo person has a PHQ-9 waiting for them, an ONS4 they answered online, and a PAM.
    user = User.objects.get(email="person@example.org")
    me = Person.objects.get(user=user)
    waiting = selectors.waiting_for_me(Actor(user=user, role=Role.PERSON))
    assert [(r.instrument.key, r.person_id) for r in waiting] == [("phq9", me.pk)]
    answered = MeasureResponse.objects.get(person=me, instrument__key="ons4", referral_reference="")
    assert answered.completed_mode == CompletedBy.PERSON and answered.completed_by == user
    assert selectors.latest_activation(practitioner(), me) is not None


def test_the_same_seed_builds_the_same_measures(demo: Demo, db: None) -> None:
    assert demo.first_build and demo.first_build == demo.second_build
    assert measures_made() == demo.second_build  # and the tests before this one left it as it was
