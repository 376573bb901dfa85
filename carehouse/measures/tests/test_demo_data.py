"""The demo's measures: recorded through the services, activation at every level, one alert, one questionnaire
waiting for the demo person, no licensed wording, and the same every time for the same seed."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from carehouse.careplans.models import CarePlan
from carehouse.core import demo_data
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, User
from carehouse.core.roles import Role
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


@pytest.fixture
def seeded(db: None) -> demo_data.DemoSummary:
    """The demo (30 people, as in the care plan tests): building it takes seconds, so each test checks several things."""
    return demo_data.seed(people=30, seed_value=1)


def practitioner() -> Actor:
    return Actor.for_membership(Membership.objects.get(user__email="practitioner@example.org"))


def test_people_with_plans_have_questionnaires_and_one_alert(seeded: demo_data.DemoSummary) -> None:
    completed = MeasureResponse.objects.filter(status=ResponseStatus.COMPLETED).exclude(instrument__key="pam")
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
    answered = MeasureResponse.objects.get(person=me, instrument__key="ons4")
    assert answered.completed_mode == CompletedBy.PERSON and answered.completed_by == user
    assert selectors.latest_activation(practitioner(), me) is not None


class _RollBack(Exception):
    pass


def measures_built(seed_value: int) -> list[tuple[object, ...]]:
    built: list[tuple[object, ...]] = []
    try:
        with transaction.atomic():
            demo_data.seed(people=30, seed_value=seed_value)
            built = list(
                MeasureResponse.objects.order_by("person__nhs_number", "instrument__key", "timepoint").values_list(
                    "person__nhs_number", "instrument__key", "timepoint", "status", "answers", "completed_at__date"
                )
            )
            raise _RollBack
    except _RollBack:
        pass
    return built


def test_the_same_seed_builds_the_same_measures(db: None) -> None:
    first = measures_built(1)
    assert first and first == measures_built(1)
