"""Questionnaires from the licence to the trend: loaded, sent, answered, scored, acted on and repeated.

The administrator loads the SWEMWBS wording from a file (the test file has placeholder wording:
the licensed wording is never in the repository). The practice nurse sends PHQ-9 and SWEMWBS to
a person, who answers PHQ-9 on one page and SWEMWBS one question at a time. An answer above 0 to
PHQ-9's ninth question shows the person where to get help now and alerts the care team; the
nurse records what she did, sees the scores and their bands, completes a second PHQ-9 with the
person at review, and sees the trend with the change from baseline.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect

from carehouse.core.demo_data import DemoSummary
from carehouse.measures.models import MeasureAlert, MeasureResponse, ResponseStatus
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import person_with_a_sign_in, sign_in

pytestmark = pytest.mark.system

PERSON_EMAIL = "harold@example.org"
SWEMWBS_TEST_TEXT = Path(__file__).resolve().parents[1] / "fixtures" / "swemwbs_test_text.json"
#: The first PHQ-9: 2,2,2,1,1,1,1,0 and "Several days" (1) for question 9, so 11, moderate.
FIRST_PHQ9 = ["More than half the days"] * 3 + ["Several days"] * 4 + ["Not at all", "Several days"]
#: At review: 1,1,1,1,1,1,0,0,0, so 6, mild: 5 points better, the published meaningful change.
SECOND_PHQ9 = ["Several days"] * 6 + ["Not at all"] * 3


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def message(visitor: Visitor) -> Locator:
    return main(visitor).locator(".nhsuk-inset-text[role=status]")


def sign_out(visitor: Visitor) -> None:
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))


def nav(visitor: Visitor, text: str) -> None:
    visitor.click_and_load(visitor.page.get_by_role("navigation").get_by_role("link", name=text, exact=True))


def answer_phq9(visitor: Visitor, answers: list[str]) -> None:
    for number, answer in enumerate(answers, start=1):
        question = visitor.page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_role("radio", name=answer, exact=True).check()


def open_questionnaire(visitor: Visitor, verb: str, title: str) -> None:
    """On "Your questionnaires": the link to one questionnaire (named in full, ending with its short title)."""
    link = main(visitor).get_by_role("link", name=re.compile(rf"^{verb}\s*: .*\({re.escape(title)}\)$"))
    visitor.click_and_load(link)


def open_measures(visitor: Visitor, person: Person) -> None:
    nav(visitor, "People")
    visitor.fill("Search by name or NHS number", person.full_name)
    visitor.submit("Search")
    visitor.click_and_load(
        visitor.page.get_by_role("table").get_by_role("link", name=f"{person.family_name.upper()}, {person.given_name}")
    )
    visitor.follow(f"Questionnaires and scores for {person.full_name}")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Questionnaires and scores")


def test_questionnaires_are_answered_scored_acted_on_and_followed(visitor: Visitor, demo: DemoSummary) -> None:
    page = visitor.page
    person = person_with_a_sign_in(PERSON_EMAIL, "Harold", "Bishop", datetime.date(1950, 6, 12))

    # Given the administrator loads the SWEMWBS wording their licence allows, from a file
    sign_in(visitor, "admin@example.org")
    visitor.visit("/measures/instruments")
    main(visitor).locator("input[type=file]").set_input_files(SWEMWBS_TEST_TEXT)
    visitor.submit("Upload file")
    expect(message(visitor)).to_contain_text("SWEMWBS (version 1) has been loaded")
    sign_out(visitor)

    # When the practice nurse sends Harold PHQ-9 and SWEMWBS to complete online
    sign_in(visitor, "practitioner@example.org")
    open_measures(visitor, person)
    for title in ("PHQ-9", "SWEMWBS"):
        visitor.click_and_load(main(visitor).get_by_role("button", name="Send a questionnaire to complete online"))
        visitor.choose(title)
        visitor.choose("Baseline (start of support)")
        visitor.submit("Send the questionnaire")
        expect(message(visitor)).to_contain_text(f"{title} has been sent to Harold Bishop")
    expect(main(visitor)).to_contain_text("Waiting to be answered")
    sign_out(visitor)

    # And Harold answers PHQ-9 on one page, leaving a question out at first
    sign_in(visitor, PERSON_EMAIL)
    nav(visitor, "My questionnaires")
    open_questionnaire(visitor, "Answer the questions", "PHQ-9")
    expect(main(visitor)).to_contain_text("Little interest or pleasure in doing things")
    answer_phq9(visitor, FIRST_PHQ9[:3])
    visitor.submit("Save and come back later")
    expect(message(visitor)).to_contain_text("saved")
    open_questionnaire(visitor, "Continue answering", "PHQ-9")
    question_1 = page.get_by_role("group", name=re.compile(r"^1\. "))
    expect(question_1.get_by_role("radio", name="More than half the days", exact=True)).to_be_checked()
    answer_phq9(visitor, FIRST_PHQ9[3:8])
    response = visitor.submit("Send my answers")
    assert response is not None and response.status == 400
    expect(main(visitor).locator(".nhsuk-error-summary")).to_contain_text("Select an answer for question 9")
    answer_phq9(visitor, FIRST_PHQ9)
    visitor.submit("Send my answers")

    # Then he is told where to get help now, and sees his score and its band
    expect(main(visitor).get_by_role("heading", name=re.compile("Get help now if you need it"))).to_be_visible()
    expect(main(visitor)).to_contain_text("116 123")
    expect(main(visitor)).to_contain_text("Moderate")

    # When he answers SWEMWBS one question at a time, with the wording the administrator loaded
    nav(visitor, "My questionnaires")
    open_questionnaire(visitor, "Answer the questions", "SWEMWBS")
    visitor.follow("Answer one question at a time")
    for number in range(1, 8):
        expect(main(visitor)).to_contain_text(f"Question {number} of 7")
        expect(main(visitor)).to_contain_text(f"Test statement {number} for wellbeing")
        visitor.choose("Test answer 3")
        visitor.submit("Continue")
    expect(main(visitor).get_by_role("heading", level=1)).to_contain_text("Check your answers")
    visitor.submit("Send my answers")
    expect(main(visitor)).to_contain_text("19.25")
    assert not MeasureResponse.objects.filter(person=person, status=ResponseStatus.IN_PROGRESS).exists()
    sign_out(visitor)

    # Then the nurse sees the alert, and records what she did
    sign_in(visitor, "practitioner@example.org")
    nav(visitor, "Alerts")
    row = main(visitor).get_by_role("row").filter(has_text="Harold Bishop")
    expect(row).to_contain_text("Thoughts of self-harm")
    visitor.click_and_load(row.get_by_role("link", name=re.compile("Record what you did")))
    visitor.fill("What did you do?", "Phoned Harold the same day; he is safe and has the crisis line number")
    visitor.submit("Save what you did")
    expect(message(visitor)).to_contain_text("What you did about the alert for Harold Bishop has been recorded")
    assert MeasureAlert.objects.get(person=person).acknowledged_at is not None

    # And sees his scores with their bands
    open_measures(visitor, person)
    scores = main(visitor).locator(".nhsuk-card")
    expect(scores.filter(has_text="PHQ-9")).to_contain_text("11")
    expect(scores.filter(has_text="PHQ-9")).to_contain_text("Moderate")
    expect(scores.filter(has_text="SWEMWBS")).to_contain_text("19.25")

    # When she completes a second PHQ-9 with Harold at his review
    page.get_by_text("Complete a questionnaire with them").click()
    visitor.follow("Complete PHQ-9 with Harold Bishop")
    answer_phq9(visitor, SECOND_PHQ9)
    visitor.choose("Review")
    visitor.submit("Save the answers")
    expect(message(visitor)).to_contain_text("PHQ-9 has been recorded for Harold Bishop")

    # Then the trend shows both results and a change from baseline that is clinically meaningful
    open_measures(visitor, person)
    phq9 = main(visitor).locator(".nhsuk-card").filter(has_text="PHQ-9")
    expect(phq9).to_contain_text("Mild")
    expect(phq9).to_contain_text("Down 5 points since baseline (better)")
    visitor.follow("See the PHQ-9 trend for Harold Bishop")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("PHQ-9 over time")
    expect(main(visitor).get_by_role("img")).to_have_count(1)
    table = main(visitor).get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Moderate")
    expect(table.locator("tbody tr").last).to_contain_text("Mild")
