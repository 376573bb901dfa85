"""A care and support plan from start to review, as the person and their practice nurse live it.

The person answers their preparation pack; the nurse starts a diabetes plan from it, writes it
with them (what matters, goals in their words, actions, what to do if things get worse) and
agrees it; the person marks an action done and adds a note; at the review the nurse records
what was said and agrees the plan again. The history shows who changed what, in words.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from carehouse.careplans.models import Action, ActionStatus, CarePlan, PlanNote, PlanRevision, PlanStatus
from carehouse.careplans.services.preparation import send_preparation_pack
from carehouse.core.actor import Actor
from carehouse.core.demo_data import DemoSummary
from carehouse.core.models import Membership
from carehouse.core.roles import Role
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import person_with_a_sign_in, sign_in

pytestmark = pytest.mark.system

PERSON_EMAIL = "winifred@example.org"
TALK_ABOUT = "What would you like to talk about at your appointment?"
GOING_WELL = "What is going well for you at the moment?"

FIRST_GOAL = "I want to walk to my allotment again without my feet hurting"
FIRST_ACTION = "Walk to the end of the road and back every morning"
SECOND_GOAL = "Understand my blood sugar numbers so they don't frighten me"
SECOND_ACTION = "Go to the DESMOND course at the community centre"
TRIGGER = "A foot ulcer or a cut on my foot that does not heal"
NOTE = "Walked to the allotment on Saturday with my grandson. My feet were fine."


def long_date(day: datetime.date) -> str:
    """A date as the pages show it: 7 March 2027."""
    return f"{day.day} {day:%B %Y}"


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def message(visitor: Visitor) -> Locator:
    """The message that confirms what was just done (not the status line of a form's autosave)."""
    return main(visitor).locator(".nhsuk-inset-text[role=status]")


def sign_out(visitor: Visitor) -> None:
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))
    expect(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out")).to_have_count(0)


def the_practice_nurse() -> Actor:
    membership = Membership.objects.select_related("user", "organisation").get(
        user__email="practitioner@example.org", role=Role.PRACTITIONER
    )
    return Actor.for_membership(membership)


def open_the_record(visitor: Visitor, person: Person) -> None:
    """As staff: find the person by name in People and open their record."""
    visitor.follow("People")
    visitor.fill("Search by name or NHS number", person.full_name)
    visitor.submit("Search")
    visitor.click_and_load(
        visitor.page.get_by_role("table").get_by_role("link", name=f"{person.family_name.upper()}, {person.given_name}")
    )
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text(person.full_name)


def card(visitor: Visitor, heading: str | re.Pattern[str]) -> Locator:
    """The card (a goal, an action) whose heading is exactly ``heading``."""
    return (
        main(visitor).locator(".nhsuk-card").filter(has=visitor.page.get_by_role("heading", name=heading, exact=True))
    )


def test_a_plan_is_prepared_agreed_followed_and_reviewed(visitor: Visitor, demo: DemoSummary) -> None:
    page = visitor.page
    today = timezone.localdate()
    conversation_on = today + datetime.timedelta(days=14)
    first_review = today + datetime.timedelta(days=180)
    next_review = today + datetime.timedelta(days=365)

    # Given Winifred, who uses Carehouse, and a diabetes preparation pack her practice nurse sent her
    person = person_with_a_sign_in(PERSON_EMAIL, "Winifred", "Fairweather", datetime.date(1948, 4, 2))
    send_preparation_pack(the_practice_nurse(), person, template="diabetes", conversation_on=conversation_on)

    # When Winifred signs in and opens the pack from her start page
    sign_in(visitor, PERSON_EMAIL)
    preparation = main(visitor).locator("#preparation")
    expect(preparation.get_by_role("heading", name="Before your appointment")).to_be_visible()
    visitor.click_and_load(
        preparation.get_by_role("link", name=f"Get ready for your appointment on {long_date(conversation_on)}")
    )

    # And types her answers and sends them
    expect(main(visitor)).to_contain_text("Priya Shah")
    visitor.fill(TALK_ABOUT, "My feet hurt when I walk to the allotment")
    visitor.fill(GOING_WELL, "I have stopped having sugary drinks")
    visitor.submit("Send my answers")

    # Then she is thanked, and the pack is no longer waiting for her on the start page
    expect(message(visitor)).to_contain_text("Your answers have been sent to your care team")
    expect(visitor.field(TALK_ABOUT)).to_have_value("My feet hurt when I walk to the allotment")
    visitor.visit("/start")
    expect(main(visitor).locator("#preparation")).to_have_count(0)
    sign_out(visitor)

    # When the practice nurse finds Winifred and starts a plan from the diabetes template
    sign_in(visitor, "practitioner@example.org")
    open_the_record(visitor, person)
    expect(main(visitor)).to_contain_text("No care and support plans yet.")
    visitor.click_and_load(page.get_by_role("link", name=f"Start a care and support plan for {person.full_name}"))
    expect(main(visitor)).to_contain_text(f"Winifred answered a preparation pack on {long_date(today)}")
    visitor.choose("Diabetes")
    visitor.submit("Start the plan")

    # Then the draft plan opens with what Winifred would like to talk about
    expect(message(visitor)).to_contain_text("The draft plan has been started.")
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Draft")
    answers = main(visitor).locator("#preparation")
    expect(answers.get_by_role("heading", name="What Winifred would like to talk about")).to_be_visible()
    expect(answers.locator(".nhsuk-summary-list__row").filter(has_text=TALK_ABOUT)).to_contain_text(
        "My feet hurt when I walk to the allotment"
    )
    expect(answers.locator(".nhsuk-summary-list__row").filter(has_text=GOING_WELL)).to_contain_text(
        "I have stopped having sugary drinks"
    )
    expect(main(visitor).get_by_role("heading", name="Prompts for the conversation")).to_be_visible()

    # When they write About me together
    visitor.follow("Change About me")
    visitor.fill("What is most important to me (optional)", "Growing vegetables and seeing my grandchildren")
    visitor.fill("Please do and please don't (optional)", "Please speak to me, not about me")
    visitor.submit("Save")
    expect(message(visitor)).to_contain_text("About me has been saved.")
    expect(main(visitor).locator("#about-me")).to_contain_text("Growing vegetables and seeing my grandchildren")

    # And add two goals in Winifred's words, each with how much it matters and an action
    for goal, importance, action, when in (
        (FIRST_GOAL, "9", FIRST_ACTION, "Every morning after breakfast"),
        (SECOND_GOAL, "7", SECOND_ACTION, "Thursdays in May"),
    ):
        visitor.follow("Add a goal")
        expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Add a goal for Winifred")
        visitor.fill("What Winifred wants to achieve, in their own words", goal)
        expect(visitor.field("These are Winifred's own words")).to_be_checked()
        visitor.fill("How important this is to Winifred, from 1 to 10 (optional)", importance)
        visitor.submit("Save")
        expect(message(visitor)).to_contain_text("The goal has been added.")
        expect(card(visitor, goal)).to_contain_text(f"{importance} out of 10")

        visitor.follow(f"Add an action for the goal: {goal}")
        expect(main(visitor)).to_contain_text(f"Towards the goal: {goal}")
        visitor.fill("What will be done", action)
        visitor.fill("When (optional)", when)
        visitor.submit("Save")
        expect(message(visitor)).to_contain_text("The action has been added.")
        expect(card(visitor, goal).locator(".carehouse-action")).to_contain_text(action)

    # And a contingency plan for if things get worse
    visitor.follow("Add a contingency plan")
    expect(visitor.field("Name of this contingency plan")).to_have_value("If things get worse")
    visitor.fill("What might trigger a crisis", TRIGGER)
    visitor.fill("What should happen (optional)", "Keep weight off the foot and call the practice the same day")
    visitor.submit("Save")
    expect(message(visitor)).to_contain_text("The contingency plan has been added.")
    expect(main(visitor).locator("#contingency")).to_contain_text(TRIGGER)

    # When the nurse agrees the plan with Winifred but forgets the review date
    visitor.follow("Agree the plan with Winifred")
    visitor.choose("The person themselves")
    response = visitor.submit("Agree the plan")

    # Then the page says what to fix, in the summary and beside the date
    assert response is not None
    assert response.status == 400
    expect(page).to_have_title(re.compile(r"^Error: Agree the plan"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter the date the plan will be reviewed before you make it active"]
    )
    expect(summary).to_be_focused()
    expect(page.locator("#id_next_review_due-error")).to_contain_text("Enter the date the plan will be reviewed")
    expect(page.get_by_role("radio", name="The person themselves", exact=True)).to_be_checked()
    with visitor.requests_held():
        assert CarePlan.objects.get(person=person).status == PlanStatus.DRAFT

    # When they set the review date and agree the plan
    visitor.fill_date(
        "When will the plan be reviewed?", str(first_review.day), str(first_review.month), str(first_review.year)
    )
    visitor.submit("Agree the plan")

    # Then the plan is active, with its review date
    expect(message(visitor)).to_contain_text("The plan has been agreed.")
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Agreed and active")
    expect(main(visitor).locator("#details")).to_contain_text(long_date(first_review))
    with visitor.requests_held():
        plan = CarePlan.objects.get(person=person)
        assert plan.status == PlanStatus.ACTIVE
        assert plan.next_review_due == first_review
        assert plan.shared_with_person_at is not None
    sign_out(visitor)

    # When Winifred signs in and opens her plan
    sign_in(visitor, PERSON_EMAIL)
    visitor.follow("My care and support plan")

    # Then she reads it in plain words, spoken to as "you"
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("My care and support plan")
    expect(main(visitor)).to_contain_text(f"You agreed this plan with Priya Shah on {long_date(today)}.")
    expect(main(visitor).get_by_role("heading", name="What matters to me")).to_be_visible()
    expect(main(visitor)).to_contain_text("Growing vegetables and seeing my grandchildren")
    expect(main(visitor).get_by_role("heading", name=f"Goal 1: {FIRST_GOAL}", exact=True)).to_be_visible()
    expect(main(visitor).get_by_role("heading", name=f"Goal 2: {SECOND_GOAL}", exact=True)).to_be_visible()
    expect(card(visitor, f"Goal 1: {FIRST_GOAL}")).to_contain_text("How important it is to me")
    expect(card(visitor, FIRST_ACTION)).to_contain_text("Every morning after breakfast")
    expect(main(visitor).get_by_role("heading", name="If things get worse", exact=True)).to_be_visible()
    expect(main(visitor).get_by_role("listitem").filter(has_text=TRIGGER)).to_be_visible()
    expect(main(visitor)).to_contain_text(long_date(first_review))
    expect(main(visitor).get_by_role("link", name="Change the goal")).to_have_count(0)

    # When she marks her first action done
    first_action = card(visitor, FIRST_ACTION)
    first_action.get_by_label("Where are you with this?").select_option(label="Done")
    visitor.click_and_load(first_action.get_by_role("button", name=f"Save where you are with: {FIRST_ACTION}"))

    # Then it shows as done
    expect(message(visitor)).to_contain_text("Saved: done.")
    expect(card(visitor, FIRST_ACTION)).to_contain_text("Status: Done")

    # When she adds a note about that action
    visitor.fill("Your note", NOTE)
    visitor.select("What is it about?", f"Goal 1, action: {FIRST_ACTION}")
    visitor.submit("Add note")

    # Then her note is on the plan
    expect(message(visitor)).to_contain_text("Your note has been added.")
    expect(main(visitor).locator(".nhsuk-card").filter(has_text=NOTE)).to_be_visible()
    with visitor.requests_held():
        done = Action.objects.get(goal__plan=plan, what=FIRST_ACTION)
        assert done.status == ActionStatus.COMPLETED
        assert Action.objects.get(goal__plan=plan, what=SECOND_ACTION).status == ActionStatus.NOT_STARTED
        note = PlanNote.objects.get(plan=plan)
        assert note.text == NOTE
        assert note.action == done
        assert note.written_by == person.user
        assert note.written_by_role == Role.PERSON
    sign_out(visitor)

    # When the nurse opens the plan again for its review
    sign_in(visitor, "practitioner@example.org")
    open_the_record(visitor, person)
    visitor.follow(plan.title)
    expect(main(visitor)).to_contain_text(NOTE)
    visitor.follow("Start a review")
    visitor.fill("Who is taking part in the review? (optional)", "Winifred and her daughter")
    visitor.submit("Start the review")

    # And records what was said
    expect(message(visitor)).to_contain_text("The review has started.")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Record the review")
    visitor.fill("What was talked about, and what changed", "Walking every day now; feet fine. Keep going.")
    visitor.submit("Save and continue")

    # And completes the review with a new review date
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Complete the review")
    expect(main(visitor)).to_contain_text("What was said at the review: Walking every day now; feet fine.")
    visitor.fill_date(
        "When will the plan be reviewed?", str(next_review.day), str(next_review.month), str(next_review.year)
    )
    visitor.submit("Complete the review")

    # Then the plan is active again, due for review in a year
    expect(message(visitor)).to_contain_text("The review is complete.")
    expect(main(visitor).locator(".nhsuk-tag").first).to_have_text("Agreed and active")
    expect(main(visitor).locator("#details")).to_contain_text(long_date(next_review))

    # And the history shows Winifred's progress and the nurse's review, with the changes in words
    visitor.follow("History of the plan")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("History of the plan")
    progress = card(visitor, re.compile(r"^Version \d+: Progress on an action: Done$"))
    expect(progress).to_contain_text("by Winifred Fairweather, Person")
    expect(progress).to_contain_text(f"Action '{FIRST_ACTION}'")
    expect(progress).to_contain_text("Not started to Done")
    review = card(visitor, re.compile(r"^Version \d+: Completed the review$"))
    expect(review).to_contain_text("by Priya Shah, Practitioner at Riverside Medical Centre")
    expect(review).to_contain_text(f"from {long_date(first_review)} to {long_date(next_review)}")
    with visitor.requests_held():
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ACTIVE
        assert plan.next_review_due == next_review
        by_role = list(
            PlanRevision.objects.filter(plan=plan).order_by("number").values_list("saved_by_role", "summary")
        )
    assert [summary for role, summary in by_role if role == Role.PERSON] == ["Progress on an action: Done"]
    practitioner_saves = [summary for role, summary in by_role if role == Role.PRACTITIONER]
    assert practitioner_saves[0] == "Started the plan"
    assert practitioner_saves[-3:] == [
        "Started a review",
        "Recorded what was said at the review",
        "Completed the review",
    ]
