"""Activation-tailored guidance, and the measures panel on the staff plan page (never on the person's view)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carehouse.careplans.models import CarePlan
from carehouse.careplans.tests.conftest import add_action, add_goal, agree
from carehouse.core.actor import Actor
from carehouse.measures.guidance import LEVELS, guidance_for
from carehouse.measures.models import Instrument, MeasureAlert, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person

LICENCE_HOLDER = "Test Medical Centre (PAM licence)"


def record_pam(staff: Actor, mary: Person, instrument: Callable[[str], Instrument], level: int, score: str) -> None:
    report = {"score": score, "level": level, "assessed_on": "2025-03-05", "licence_holder": LICENCE_HOLDER}
    responses.record_response(staff, mary, instrument("pam"), report, timepoint=Timepoint.BASELINE)


def record(
    staff: Actor, mary: Person, instrument: Callable[[str], Instrument], key: str, answers: dict[str, int]
) -> None:
    responses.record_response(staff, mary, instrument(key), answers, timepoint=Timepoint.BASELINE)


def plan_page(client: Client, plan: CarePlan) -> str:
    response = client.get(reverse("careplans:plan", kwargs={"plan_id": plan.pk}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


# The guidance itself ------------------------------------------------------------------------------


def test_each_level_has_its_own_guidance() -> None:
    guidance = [guidance_for(level) for level in LEVELS]
    assert [g.level for g in guidance] == [1, 2, 3, 4]
    assert len({g.heading for g in guidance}) == 4
    assert len({g.helps for g in guidance}) == 4
    assert len({g.goal_size for g in guidance}) == 4
    for g in guidance:
        assert g.heading.startswith(f"Level {g.level}:")
        assert g.describes and g.goal_size and g.avoid
        assert 3 <= len(g.helps) <= 5


def test_level_1_starts_small_with_confidence_and_teach_back() -> None:
    level_1 = guidance_for(1)
    text = " ".join(level_1.helps).lower()
    assert "one small step" in text and "teach-back" in text and "peer support" in text
    assert "relapse" not in text and "slipping back" not in " ".join(guidance_for(1).helps)
    assert "slipping back" in " ".join(guidance_for(4).helps)


@pytest.mark.parametrize("level", [0, 5, -1, True])
def test_other_levels_are_refused(level: int) -> None:
    with pytest.raises(ValueError, match="1, 2, 3 or 4"):
        guidance_for(level)


# The panel on the staff plan page ------------------------------------------------------------------


def test_staff_see_the_activation_level_and_its_guidance(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]
) -> None:
    record_pam(staff, mary, instrument, 3, "60.5")
    page = plan_page(as_priya, plan)
    assert f"Activation: level 3 (PAM score 60.5, recorded on 5 March 2025 by {LICENCE_HOLDER})" in page
    level_3 = guidance_for(3)
    assert level_3.heading in page
    assert all(item in page for item in level_3.helps)
    assert level_3.goal_size in page
    assert guidance_for(1).heading not in page


def test_the_latest_pam_decides_the_guidance(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]
) -> None:
    record_pam(staff, mary, instrument, 1, "42.0")
    report = {
        "score": "70.1",
        "level": 4,
        "assessed_on": timezone.localdate().isoformat(),
        "licence_holder": LICENCE_HOLDER,
    }
    responses.record_response(staff, mary, instrument("pam"), report, timepoint=Timepoint.REVIEW)
    page = plan_page(as_priya, plan)
    assert "Activation: level 4 (PAM score 70.1" in page
    assert guidance_for(4).heading in page and guidance_for(1).heading not in page


def test_without_a_pam_the_panel_offers_to_record_one(as_priya: Client, mary: Person, plan: CarePlan) -> None:
    page = plan_page(as_priya, plan)
    assert "No PAM (Patient Activation Measure) result has been recorded for Mary" in page
    record_link = reverse("measures:record", kwargs={"person_id": mary.pk, "key": "pam"})
    assert f'href="{record_link}"' in page
    assert "No questionnaire scores recorded yet" in page
    assert not any(guidance_for(level).heading in page for level in LEVELS)


def test_the_latest_headline_score_of_each_other_measure_is_shown(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]
) -> None:
    record(staff, mary, instrument, "phq9", {str(n): 2 for n in range(1, 9)} | {"9": 0})  # 16, moderately severe
    record(staff, mary, instrument, "phq9", {str(n): 1 for n in range(1, 9)} | {"9": 0})  # 8, mild: the latest
    record(staff, mary, instrument, "semcd6", {"fatigue": 5, "discomfort": 6, "distress": 7, "symptoms": 8})
    page = plan_page(as_priya, plan)
    assert 'PHQ-9</td> <td class="nhsuk-table__cell">8</td> <td class="nhsuk-table__cell">Mild</td>' in page
    assert "Moderately severe" not in page
    assert ">6.50</td>" in page  # SEMCD-6: the mean, to 2 places
    assert f'href="{reverse("measures:person", kwargs={"person_id": mary.pk})}"' in page


def test_an_open_alert_is_a_warning_until_acted_on(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]
) -> None:
    record(staff, mary, instrument, "phq9", {str(n): 0 for n in range(1, 9)} | {"9": 1})
    alert = MeasureAlert.objects.get(person=mary)
    page = plan_page(as_priya, plan)
    assert "Alerts to act on" in page
    assert f'href="{reverse("measures:alert", kwargs={"alert_id": alert.pk})}">Thoughts of self-harm</a>' in page

    responses.acknowledge_alert(staff, alert, action_taken="Rang Mary the same day; safety plan agreed")
    assert "Alerts to act on" not in plan_page(as_priya, plan)


def test_the_person_and_their_carer_never_see_the_panel(
    as_mary: Client,
    staff: Actor,
    mary: Person,
    plan: CarePlan,
    instrument: Callable[[str], Instrument],
) -> None:
    add_action(staff, plan, add_goal(staff, plan))
    agreed_plan = agree(staff, plan)
    record_pam(staff, mary, instrument, 2, "50.0")
    record(staff, mary, instrument, "phq9", {str(n): 0 for n in range(1, 9)} | {"9": 1})
    # The staff page sends the person to their own view, which has no measures panel.
    redirected = as_mary.get(reverse("careplans:plan", kwargs={"plan_id": agreed_plan.pk}))
    assert redirected.status_code == 302
    response = as_mary.get(reverse("careplans:view", kwargs={"plan_id": agreed_plan.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Activation" not in page and "PAM" not in page
    assert guidance_for(2).heading not in page and "Alerts to act on" not in page


def test_the_panel_takes_the_same_queries_however_many_measures(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: Callable[[str], Instrument]
) -> None:
    add_action(staff, plan, add_goal(staff, plan))
    plan = agree(staff, plan, days=14)  # agreed, with the review soon: the panel prompts to measure
    record_pam(staff, mary, instrument, 2, "50.0")
    record(staff, mary, instrument, "phq9", {str(n): 1 for n in range(1, 10)})
    url = reverse("careplans:plan", kwargs={"plan_id": plan.pk})
    with CaptureQueriesContext(connection) as few:
        page = as_priya.get(url).content.decode()
    assert "No baseline measure for this plan yet" in page and "Measure again for the review" in page
    for _ in range(3):
        record(staff, mary, instrument, "gad7", {str(n): 1 for n in range(1, 8)})
        record(staff, mary, instrument, "ons4", {"satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3})
        record(staff, mary, instrument, "phq9", {str(n): 1 for n in range(1, 10)})
        for timepoint in (Timepoint.BASELINE, Timepoint.REVIEW):
            answers = {str(n): 1 for n in range(1, 10)}
            responses.record_response(staff, mary, instrument("phq9"), answers, timepoint=timepoint, plan=plan)
    with CaptureQueriesContext(connection) as many:
        page = as_priya.get(url).content.decode()
    assert "GAD-7" in page and "ONS4: life satisfaction" in page
    assert "No baseline measure for this plan yet" not in page and "Measure again for the review" not in page
    assert len(many) == len(few)
