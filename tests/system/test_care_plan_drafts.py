"""Typing in a care plan form is kept as a draft by the browser, and comes back after a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carehouse.careplans.models import CarePlan, FormDraft, Goal
from carehouse.core.demo_data import DemoSummary
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system


def test_typing_in_a_goal_is_kept_as_a_draft_and_restored(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the practice nurse, adding a goal to the demo person's plan
    plan = CarePlan.objects.get(person__user__email="person@example.org")
    sign_in(visitor, "practitioner@example.org")
    visitor.visit(f"/careplans/{plan.pk}/goal/add")
    page = visitor.page
    goal_text = page.get_by_role("textbox", name=re.compile("wants to achieve, in their own words"))

    # When they type, and stop typing for a moment
    goal_text.fill("Go to my granddaughter's wedding in June and dance")
    status = page.locator("[data-autosave-status]")

    # Then the page says the typing was kept, and the server holds it for them alone
    expect(status).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d$"), timeout=10_000)
    with visitor.requests_held():
        draft = FormDraft.objects.get(user__email="practitioner@example.org", plan=plan)
        assert draft.data["text"] == "Go to my granddaughter's wedding in June and dance"

    # When the page is loaded again (a closed tab, a lost connection)
    visitor.reload()

    # Then the typing is back, with a notice saying so
    expect(page.locator("#draft-restored")).to_contain_text("We restored what you typed")
    expect(goal_text).to_have_value("Go to my granddaughter's wedding in June and dance")

    # When they save it
    visitor.submit("Save")

    # Then the goal is in the plan and the draft is gone
    expect(page.get_by_role("main")).to_contain_text("Go to my granddaughter's wedding in June and dance")
    with visitor.requests_held():
        assert Goal.objects.filter(plan=plan, text="Go to my granddaughter's wedding in June and dance").exists()
        assert not FormDraft.objects.filter(user__email="practitioner@example.org", plan=plan).exists()
