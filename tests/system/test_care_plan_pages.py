"""A tour of every care and support plan page, for each kind of user, so that axe checks them all.

The visitor checks every page it lands on (axe, WCAG 2.2 AA, and no browser errors), including
each form sent back with its errors: error messages beside radios, checkboxes, selects, dates and
text boxes are where problems hide. Each page is also checked for what makes it that page (its
heading and something only it shows), so a page that loads but says the wrong thing fails too.

The tour uses the demo data (``carehouse/careplans/demo_data.py``): the demo person's agreed
diabetes plan with goals, actions, a contingency plan and a personal health budget; the practice
nurse's caseload; the carer who reads the demo person's plan; the link worker's recovery plan.
One test per kind of user, so they can run side by side.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from carehouse.careplans.models import CarePlan
from carehouse.core.demo_data import DemoSummary
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system

# The demo person's plan, as the demo data writes it.
SUGAR_GOAL = "I want to get my sugar down so I don't need more tablets"
WALK_GOAL = "I want to walk to my allotment and back without my feet hurting"
SWIMMING = "Go swimming at the leisure centre twice a week"
STRENGTH = "Keen gardener with an allotment"
CONTINGENCY = "If my sugar goes too low or too high"
MOST_IMPORTANT = "My grandchildren, and getting back to my allotment."

#: Each kind of item: the query its "add" page needs, its heading, and a message it shows when sent empty.
ITEM_PAGES = (
    ("strength", "", "Add a strength", "Enter a strength"),
    ("need", "", "Add a need", "Enter the need or concern"),
    ("goal", "", "Add a goal for {name}", "Enter what {name} wants to achieve"),
    ("stage_goal", "?goal={goal}", "Add a step towards the goal", "Enter the step towards the goal"),
    ("action", "?goal={goal}", "Add an action", "Enter what will be done"),
    ("contingency", "", "Add a contingency plan", "Enter at least one trigger: what might lead to a crisis"),
    ("additional_plan", "", "Add an additional support plan", "Enter the name of the plan"),
)


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def heading(visitor: Visitor) -> Locator:
    return main(visitor).get_by_role("heading", level=1)


def message(visitor: Visitor) -> Locator:
    """The message that confirms what was just done."""
    return main(visitor).locator(".nhsuk-inset-text[role=status]")


def card(visitor: Visitor, title: str) -> Locator:
    """The card (a goal, an action) whose heading is exactly ``title``."""
    return main(visitor).locator(".nhsuk-card").filter(has=visitor.page.get_by_role("heading", name=title, exact=True))


def send_expecting_errors(visitor: Visitor, button: str, *problems: str) -> None:
    """Send the form as it is, and see it come back (400) with its errors, the summary focused."""
    response = visitor.submit(button)
    assert response is not None
    assert response.status == 400, f"{visitor.path} answered {response.status}, not 400"
    expect(visitor.page).to_have_title(re.compile(r"^Error: "))
    summary = visitor.page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    for problem in problems:
        expect(summary).to_contain_text(problem)


def open_page(visitor: Visitor, path: str, title: str) -> None:
    """Open a page by its address; it answers 200 with ``title`` as its main heading."""
    response = visitor.visit(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    expect(heading(visitor)).to_have_text(title)


def the_demo_plan() -> CarePlan:
    """The demo person's own agreed plan (the demo data gives them exactly one)."""
    return CarePlan.objects.select_related("person").get(person__user__email="person@example.org")


def test_practitioner_plan_pages(visitor: Visitor, demo: DemoSummary) -> None:
    plan = the_demo_plan()
    person = plan.person
    name = person.given_name
    goal = plan.goals.get(text=SUGAR_GOAL)
    strength = plan.strengths.get(text=STRENGTH)
    base = f"/careplans/{plan.pk}"
    other = Person.objects.filter(registered_practice__ods_code="Y99001").exclude(pk=person.pk).order_by("pk").first()
    assert other is not None, "The demo data should have more than one person at Riverside Medical Centre"

    # Given the practice nurse, signed in
    sign_in(visitor, "practitioner@example.org")

    # Her caseload, hers and then everyone's at the practice
    visitor.follow("Caseload")
    expect(heading(visitor)).to_have_text("Caseload")
    expect(main(visitor).get_by_role("heading", name=re.compile(r"^Overdue reviews \(\d+\)$"))).to_be_visible()
    expect(main(visitor).get_by_role("table", name="Reviews due in the next 28 days")).to_be_visible()
    expect(main(visitor).locator("[aria-current=page]")).to_have_text("Mine")
    visitor.follow("Everyone at Riverside Medical Centre")
    expect(main(visitor).locator("[aria-current=page]")).to_have_text("Everyone at Riverside Medical Centre")
    expect(heading(visitor)).to_have_text("Caseload")

    # The person's record, with their plan, and the plan itself
    open_page(visitor, f"/people/{person.pk}", person.full_name)
    plans = main(visitor).locator("#care-plans + ul")
    expect(plans).to_contain_text("Agreed and active")
    visitor.click_and_load(plans.get_by_role("link", name=plan.title))
    assert visitor.path == base
    expect(heading(visitor)).to_have_text(plan.title)
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Agreed and active")
    expect(main(visitor).locator("#preparation")).to_contain_text("My sugar results, and my sore feet")
    expect(card(visitor, SUGAR_GOAL)).to_contain_text(SWIMMING)
    expect(main(visitor).locator("#contingency")).to_contain_text(CONTINGENCY)
    expect(main(visitor).locator("#criteria")).to_contain_text("of the 5 criteria are met")

    # Each kind of item's form, sent empty: it comes back with what to put right
    for kind, query, title, problem in ITEM_PAGES:
        open_page(visitor, f"{base}/{kind}/add{query.format(goal=goal.pk)}", title.format(name=name))
        if query:
            expect(main(visitor)).to_contain_text(f"Towards the goal: {SUGAR_GOAL}")
        send_expecting_errors(visitor, "Save", problem.format(name=name))

    # Changing an item shows what it says now; removing one asks first
    open_page(visitor, f"{base}/strength/{strength.pk}", "Change the strength")
    expect(visitor.field("A strength")).to_have_value(STRENGTH)
    open_page(visitor, f"{base}/goal/{goal.pk}/remove", "Are you sure you want to remove this goal?")
    expect(main(visitor)).to_contain_text("Its steps and actions will be removed too.")
    expect(visitor.page.get_by_role("button", name="Yes, remove it")).to_be_visible()

    # The plan's details and About me, filled in with what is saved
    open_page(visitor, f"{base}/details", "Plan details")
    expect(visitor.field("Name of the plan")).to_have_value(plan.title)
    open_page(visitor, f"{base}/about-me", "About me")
    expect(main(visitor)).to_contain_text(f"Write this with {name}, in their own words")
    expect(main(visitor).locator("textarea").first).to_have_value(MOST_IMPORTANT)

    # Starting a review, and ending the plan without saying why
    open_page(visitor, f"{base}/review", "Start a review")
    expect(visitor.page.get_by_role("button", name="Start the review")).to_be_visible()
    open_page(visitor, f"{base}/end", "End the plan")
    send_expecting_errors(visitor, "End the plan", "Select why the plan is ending")

    # The history, newest first, back to the start
    open_page(visitor, f"{base}/history", "History of the plan")
    expect(main(visitor).get_by_role("heading", name="Version 1: Started the plan")).to_be_visible()
    expect(main(visitor).get_by_role("heading", name=re.compile(r"^Version \d+: Agreed the plan"))).to_be_visible()

    # The personal health budget: the summary, changing it, allocating it and recording spending
    open_page(visitor, f"{base}/budget", "Personal health budget")
    expect(main(visitor).locator("#balance")).to_have_text("£350.01")
    expect(main(visitor).get_by_role("table", name="Spending")).to_contain_text("Riverside Outdoor Shop")
    visitor.follow("Change the budget")
    expect(heading(visitor)).to_have_text("Change the personal health budget")
    expect(visitor.field("Agreed budget (optional)")).to_have_value("500.00")
    open_page(visitor, f"{base}/budget/allocate", "Allocate part of the budget")
    expect(main(visitor)).to_contain_text("Left to allocate: £140.00")
    send_expecting_errors(visitor, "Add the allocation", "Enter what the money is for", "Enter the amount")
    open_page(visitor, f"{base}/budget/spend", "Record spending")
    expect(main(visitor)).to_contain_text("Balance: £350.01")
    send_expecting_errors(visitor, "Record the spending", "Enter the date of the spending", "Enter who was paid")

    # Sending a preparation pack: choosing a template, then sending it with no questions or half a result
    open_page(visitor, f"/careplans/preparation/send/{person.pk}", "Send a preparation pack")
    visitor.select("Template", "Diabetes")
    visitor.submit("Use this template")
    expect(main(visitor)).to_contain_text("Results usually shared for diabetes")
    expect(visitor.field("Questions for them to think about")).not_to_have_value("")
    visitor.fill("Questions for them to think about", "")
    send_expecting_errors(visitor, "Send the preparation pack", "Enter at least one question")
    visitor.fill("Questions for them to think about", "What matters to you?")
    visitor.page.get_by_role("group", name="Result 1").get_by_label("What was measured").fill("HbA1c")
    send_expecting_errors(visitor, "Send the preparation pack", "Enter result 1, or clear the row")
    # And the pack already sent, with the answers
    visitor.click_and_load(main(visitor).get_by_role("link", name=re.compile(r"^Sent ")))
    expect(heading(visitor)).to_have_text("Preparation pack")
    expect(main(visitor).get_by_role("table", name="Results in the pack")).to_contain_text("HbA1c")
    expect(main(visitor)).to_contain_text("I'd like to try swimming again")

    # The plan as the person sees it, and the page to print
    open_page(visitor, f"{base}/view", f"{name}'s care and support plan")
    expect(main(visitor)).to_contain_text(f"This is the plan as {name} sees it.")
    open_page(visitor, f"{base}/print", plan.title)
    expect(visitor.page.get_by_role("heading", name="What matters to me")).to_be_visible()
    expect(visitor.page.get_by_role("main")).to_contain_text(MOST_IMPORTANT)

    # Starting another plan for someone else: sent empty, then from a template
    open_page(visitor, f"/careplans/start/{other.pk}", "Start a care and support plan")
    expect(main(visitor)).to_contain_text(f"{other.given_name} already has a plan that is still open")
    send_expecting_errors(visitor, "Start the plan", "Select a template, or no template")
    visitor.choose("Diabetes")
    visitor.submit("Start the plan")
    expect(message(visitor)).to_contain_text("The draft plan has been started.")
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Draft")

    # And agreeing the draft without saying who with, or when it will be reviewed
    visitor.follow(f"Agree the plan with {other.given_name}")
    expect(heading(visitor)).to_have_text("Agree the plan")
    send_expecting_errors(visitor, "Agree the plan", "Enter the date the plan will be reviewed")


def test_person_plan_pages(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the demo person, signed in: their start page
    sign_in(visitor, "person@example.org")
    expect(heading(visitor)).to_have_text(re.compile(r"^Hello "))
    expect(main(visitor).get_by_role("link", name="My care and support plan")).to_be_visible()

    # "My care plan" opens their one plan, in their own voice
    visitor.follow("My care plan")
    expect(heading(visitor)).to_have_text("My care and support plan")
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Agreed and active")
    expect(main(visitor).get_by_role("heading", name="What matters to me")).to_be_visible()
    expect(card(visitor, f"Goal 1: {SUGAR_GOAL}")).to_be_visible()
    expect(main(visitor).get_by_role("heading", name="My personal health budget")).to_be_visible()

    # They say how a goal is going
    goal = card(visitor, f"Goal 2: {WALK_GOAL}")
    goal.get_by_label("How is this going?").select_option(label="Getting better")
    response = visitor.click_and_load(goal.get_by_role("button", name="Save how goal 2 is going"))
    assert response is not None and response.ok
    expect(message(visitor)).to_contain_text("Saved: getting better.")
    expect(card(visitor, f"Goal 2: {WALK_GOAL}")).to_contain_text("Getting better")

    # A note sent empty comes back with what to put right
    send_expecting_errors(visitor, "Add note", "Enter your note")
    expect(heading(visitor)).to_have_text("My care and support plan")

    # About me, in their own words
    visitor.follow("Change what you have written about yourself")
    expect(heading(visitor)).to_have_text("About me")
    expect(main(visitor)).to_contain_text("Tell the people who support you what matters to you")
    expect(main(visitor).locator("textarea").first).to_have_value(MOST_IMPORTANT)

    # Their preparation for appointments, and the pack they answered
    visitor.visit("/careplans/preparation/mine")
    expect(heading(visitor)).to_have_text("Preparing for your appointments")
    visitor.click_and_load(main(visitor).get_by_role("link", name=re.compile(r"^Get ready for your appointment")))
    expect(heading(visitor)).to_have_text(re.compile(r"^Get ready for your appointment"))
    expect(main(visitor).get_by_role("table", name="Your recent results")).to_contain_text("HbA1c")
    expect(main(visitor)).to_contain_text("I'd like to try swimming again")


def test_carer_reads_the_plan(visitor: Visitor, demo: DemoSummary) -> None:
    plan = the_demo_plan()
    name = plan.person.given_name
    # Given the demo carer, signed in
    sign_in(visitor, "carer@example.org")

    # The plans of the people they care for, and the demo person's plan
    visitor.follow("Read their care and support plans")
    expect(heading(visitor)).to_have_text("Care plans of the people you care for")
    visitor.click_and_load(main(visitor).get_by_role("link", name=plan.title))
    expect(heading(visitor)).to_have_text(f"{name}'s care and support plan")
    expect(main(visitor)).to_contain_text(f"You can read {name}'s plan because they agreed that you may.")
    expect(card(visitor, f"Goal 1: {SUGAR_GOAL}")).to_be_visible()

    # Which they can read, but not change
    expect(main(visitor).locator("form[method=post]")).to_have_count(0)
    expect(main(visitor).get_by_role("link", name=re.compile("Change|Write about"))).to_have_count(0)


def test_commissioner_sees_the_five_criteria(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the demo commissioner, signed in: their start page
    sign_in(visitor, "commissioner@example.org")

    # Shows the agreed plans against NHS England's five criteria
    expect(heading(visitor)).to_have_text(re.compile(r"^Hello "))
    criteria = main(visitor).get_by_role("table", name=re.compile(r"^Agreed plans: "))
    expect(criteria.get_by_role("rowheader")).to_have_text(
        [
            "The person was involved in making the plan",
            "The person has a copy of their plan",
            "Goals are in the person's own words",
            "Actions are agreed",
            "A review date is set",
            "Meets all five criteria",
        ]
    )


def test_link_worker_recovery_plan(visitor: Visitor, demo: DemoSummary) -> None:
    plan = CarePlan.objects.select_related("person").get(template="mental_health_recovery")
    goal = plan.goals.get()
    # Given the link worker, signed in
    sign_in(visitor, "linkworker@example.org")

    # Their caseload, and the recovery plan with its three stages
    visitor.follow("Caseload")
    expect(heading(visitor)).to_have_text("Caseload")
    open_page(visitor, f"/careplans/{plan.pk}", plan.title)
    steps = card(visitor, goal.text)
    for stage in ("Emotional support", "Aspirations", "Barriers"):
        expect(steps).to_contain_text(f"{stage}:")

    # A step towards the goal, sent without its stage
    open_page(visitor, f"/careplans/{plan.pk}/stage_goal/add?goal={goal.pk}", "Add a step towards the goal")
    send_expecting_errors(visitor, "Save", "Select the stage this step is in", "Enter the step towards the goal")
