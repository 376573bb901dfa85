"""Prompts on the staff plan page to measure at the start of support, for the review and at the end.

Only about half of outcomes get recorded in practice (research §(e)); a prompt at the moments that
matter, with a link that already knows the plan and the timepoint, helps.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.careplans.services import plans as plan_services
from carehouse.careplans.tests.conftest import add_action, add_goal, agree, in_days
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.measures import selectors
from carehouse.measures.models import Instrument, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

GetInstrument = Callable[[str], Instrument]

BASELINE = "No baseline measure for this plan yet"
REVIEW = "Measure again for the review"
END = "No end of support measure for this plan yet"


def agreed(staff: Actor, plan: CarePlan, days: int = 90) -> CarePlan:
    """The draft plan with a goal and an action, agreed with the review ``days`` from today."""
    add_action(staff, plan, add_goal(staff, plan))
    return agree(staff, plan, days=days)


def measure(
    staff: Actor, person: Person, instrument: GetInstrument, timepoint: str, plan: CarePlan | None = None
) -> None:
    """A GAD-7 completed with the person, at ``timepoint``, linked to ``plan``."""
    answers = {str(n): 1 for n in range(1, 8)}
    responses.record_response(staff, person, instrument("gad7"), answers, timepoint=timepoint, plan=plan)


def plan_page(client: Client, plan: CarePlan) -> str:
    response = client.get(reverse("careplans:plan", kwargs={"plan_id": plan.pk}))
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


def prompt(page: str, heading: str) -> str:
    """The inset holding a prompt, or "" when it is not shown."""
    for inset in re.findall(r'<div class="nhsuk-inset-text" id="measure-[a-z-]+">.*?</div>', page):
        if heading in inset:
            return str(inset)
    return ""


def links(inset: str) -> dict[str, str]:
    """The inset's links, by their text."""
    return {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', inset)}


def query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- at the start of support (baseline) -----------------------------------------------------------------


def test_a_draft_plan_has_no_prompts(as_priya: Client, plan: CarePlan) -> None:
    page = plan_page(as_priya, plan)
    assert not prompt(page, BASELINE) and not prompt(page, REVIEW) and not prompt(page, END)


def test_an_agreed_plan_without_a_baseline_prompts_for_one_with_links_that_know_the_plan(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan
) -> None:
    plan = agreed(staff, plan)
    inset = prompt(plan_page(as_priya, plan), BASELINE)
    assert inset
    found = links(inset)
    send = found["Send a questionnaire"]
    assert urlsplit(send).path == reverse("measures:send", kwargs={"person_id": mary.pk})
    assert query(send) == {"plan": [str(plan.pk)], "timepoint": ["baseline"]}
    assert found["Complete one with Mary"] == reverse("measures:person", kwargs={"person_id": mary.pk})
    assert not prompt(plan_page(as_priya, plan), REVIEW)  # the review is 90 days away


def test_a_baseline_linked_to_the_plan_answers_the_prompt_and_nothing_else_does(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan)
    measure(staff, mary, instrument, Timepoint.BASELINE)  # not linked to a plan
    measure(staff, mary, instrument, Timepoint.SESSION, plan)  # linked, but during support
    responses.send_questionnaire(staff, mary, instrument("phq9"), timepoint=Timepoint.BASELINE, plan=plan)  # not done
    assert prompt(plan_page(as_priya, plan), BASELINE)

    measure(staff, mary, instrument, Timepoint.BASELINE, plan)
    assert not prompt(plan_page(as_priya, plan), BASELINE)


def test_a_plan_under_review_still_prompts_for_a_missing_baseline(
    as_priya: Client, staff: Actor, plan: CarePlan
) -> None:
    plan = agreed(staff, plan)
    plan_services.start_review(staff, plan, expected_version=plan.version)
    page = plan_page(as_priya, plan)
    assert prompt(page, BASELINE) and prompt(page, REVIEW)


def test_someone_who_does_not_use_carehouse_online_is_not_sent_one(
    as_priya: Client, staff: Actor, practice: Organisation
) -> None:
    offline = PersonFactory(registered_practice=practice, given_name="Arthur", user=None)
    plan = agreed(staff, plan_services.start_plan(staff, offline))
    found = links(prompt(plan_page(as_priya, plan), BASELINE))
    assert "Send a questionnaire" not in found
    assert found["Complete one with Arthur"] == reverse("measures:person", kwargs={"person_id": offline.pk})


# -- for the review -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "shown"), [(-3, True), (0, True), (28, True), (29, False), (90, False)])
def test_a_review_due_within_28_days_prompts_to_measure_again(
    as_priya: Client, staff: Actor, plan: CarePlan, days: int, shown: bool
) -> None:
    plan = agreed(staff, plan)
    CarePlan.objects.filter(pk=plan.pk).update(next_review_due=in_days(days))  # an overdue date cannot be agreed
    inset = prompt(plan_page(as_priya, plan), REVIEW)
    assert bool(inset) is shown
    if shown:
        assert query(links(inset)["Send a questionnaire"]) == {"plan": [str(plan.pk)], "timepoint": ["review"]}


def test_a_review_measure_linked_to_the_plan_answers_the_prompt(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan, days=14)
    measure(staff, mary, instrument, Timepoint.REVIEW)  # not linked to this plan
    measure(staff, mary, instrument, Timepoint.BASELINE, plan)  # linked, but the baseline
    assert prompt(plan_page(as_priya, plan), REVIEW)

    measure(staff, mary, instrument, Timepoint.REVIEW, plan)
    page = plan_page(as_priya, plan)
    assert not prompt(page, REVIEW) and not prompt(page, BASELINE)


def test_an_open_review_prompts_until_measured_and_the_last_reviews_measure_does_not_count_for_the_next(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan, days=90)
    measure(staff, mary, instrument, Timepoint.BASELINE, plan)
    assert not prompt(plan_page(as_priya, plan), REVIEW)

    plan_services.start_review(staff, plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.UNDER_REVIEW
    inset = prompt(plan_page(as_priya, plan), REVIEW)
    assert query(links(inset)["Send a questionnaire"])["timepoint"] == ["review"]

    measure(staff, mary, instrument, Timepoint.REVIEW, plan)
    assert not prompt(plan_page(as_priya, plan), REVIEW)

    # Agreeing the plan again completes the review; the next one, due soon, needs its own measure.
    plan = agree(staff, plan, days=10)
    assert plan.status == PlanStatus.ACTIVE
    assert prompt(plan_page(as_priya, plan), REVIEW)


# -- at the end of support --------------------------------------------------------------------------------


def test_a_completed_plan_prompts_for_an_end_of_support_measure_only(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan, days=5)
    plan = plan_services.end_plan(staff, plan, PlanStatus.COMPLETED, reason="Goals met", expected_version=plan.version)
    page = plan_page(as_priya, plan)
    inset = prompt(page, END)
    assert inset and not prompt(page, BASELINE) and not prompt(page, REVIEW)
    assert query(links(inset)["Send a questionnaire"]) == {"plan": [str(plan.pk)], "timepoint": ["end_of_support"]}

    measure(staff, mary, instrument, Timepoint.END_OF_SUPPORT, plan)
    assert not prompt(plan_page(as_priya, plan), END)


def test_a_stopped_plan_has_no_prompts(as_priya: Client, staff: Actor, plan: CarePlan) -> None:
    plan = agreed(staff, plan, days=5)
    plan = plan_services.end_plan(staff, plan, PlanStatus.REVOKED, reason="Moved away", expected_version=plan.version)
    page = plan_page(as_priya, plan)
    assert not prompt(page, BASELINE) and not prompt(page, REVIEW) and not prompt(page, END)


# -- the send form starts where the prompt pointed -------------------------------------------------------


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radios called ``name``."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [value for tag in inputs if " checked" in tag for value in re.findall(r'value="([^"]*)"', tag)]


def selected(page: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1))


def send_page(client: Client, person: Person, **params: Any) -> str:
    response = client.get(reverse("measures:send", kwargs={"person_id": person.pk}), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_send_form_preselects_the_plan_and_timepoint_from_the_prompt(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan
) -> None:
    plan = agreed(staff, plan, days=10)
    other = plan_services.start_plan(staff, mary)
    href = links(prompt(plan_page(as_priya, plan), REVIEW))["Send a questionnaire"]
    page = as_priya.get(href).content.decode()
    assert checked(page, "timepoint") == ["review"]
    assert selected(page, "plan") == [str(plan.pk)]

    page = send_page(as_priya, mary, plan=other.pk, timepoint="end_of_support")
    assert checked(page, "timepoint") == ["end_of_support"]
    assert selected(page, "plan") == [str(other.pk)]


def test_the_send_form_ignores_a_plan_or_timepoint_it_does_not_know(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, practice: Organisation
) -> None:
    someone_else = PersonFactory(registered_practice=practice)
    not_marys = plan_services.start_plan(staff, someone_else)
    page = send_page(as_priya, mary, plan=not_marys.pk, timepoint="whenever")
    assert checked(page, "timepoint") == ["baseline"]  # the usual: Mary has completed nothing yet
    assert selected(page, "plan") == [""]  # "Not about a plan"
    page = send_page(as_priya, mary, plan="x", timepoint="")
    assert checked(page, "timepoint") == ["baseline"] and selected(page, "plan") == [""]


def test_sending_from_the_prompt_links_the_questionnaire_and_keeps_prompting_until_answered(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan)
    href = links(prompt(plan_page(as_priya, plan), BASELINE))["Send a questionnaire"]
    response = as_priya.post(href, {"instrument": "phq9", "timepoint": "baseline", "plan": str(plan.pk)})
    assert response.status_code == 302
    sent = selectors.responses_for_person(staff, mary)
    assert [(r.plan_id, r.timepoint) for r in sent] == [(plan.pk, "baseline")]
    assert prompt(plan_page(as_priya, plan), BASELINE)  # sent, but not answered yet


# -- the panel stays quick ---------------------------------------------------------------------------------


def test_the_prompts_take_the_same_queries_however_many_measures_the_plan_has(
    as_priya: Client, staff: Actor, mary: Person, plan: CarePlan, instrument: GetInstrument
) -> None:
    plan = agreed(staff, plan, days=90)
    plan_services.start_review(staff, plan, expected_version=plan.version)
    measure(staff, mary, instrument, Timepoint.BASELINE)  # a score to show, not linked to the plan
    with CaptureQueriesContext(connection) as few:
        assert prompt(plan_page(as_priya, plan), BASELINE)
    for _ in range(3):
        measure(staff, mary, instrument, Timepoint.SESSION, plan)
        measure(staff, mary, instrument, Timepoint.BASELINE, plan)
    with CaptureQueriesContext(connection) as many:
        page = plan_page(as_priya, plan)
    assert not prompt(page, BASELINE) and prompt(page, REVIEW)
    assert len(many) == len(few)
