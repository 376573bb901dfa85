"""A commissioner reads needs and outcomes, runs an evaluation and downloads a board paper.

On top of the demo, 24 people at Riverside Medical Centre had a care plan agreed in March 2025
(each with a need and a goal about loneliness), and 40 people at Bridge Street Surgery had none.
Each went to A&E one to five times in the year before; afterwards each supported person went once
less and the others as often. The commissioner opens "What people need", narrows it to one practice
and a longer period, opens "What changed", plans and runs a matched evaluation of A&E visits, and
downloads a board paper as a PDF. Every page is checked with axe, and no page names anyone.
"""

from __future__ import annotations

import datetime
import random
import re

import pytest
from playwright.sync_api import Locator, expect

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory, GoalFactory, NeedFactory
from carehouse.commissioning import facts
from carehouse.commissioning.models import AnalysisPlan, AnalysisStatus, BoardPaper, HospitalActivity, PersonProfile
from carehouse.core.demo_data import DemoSummary
from carehouse.core.models import AuditEvent, Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system

COMMISSIONER = "commissioner@example.org"
SUPPORTED, COMPARISON = 24, 40
AGREED = datetime.datetime(2025, 3, 12, 10, tzinfo=datetime.UTC)


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def contents(visitor: Visitor, text: str) -> None:
    pages = visitor.page.get_by_role("navigation", name="Commissioning pages")
    visitor.click_and_load(pages.get_by_role("link", name=text, exact=True))


def add_history() -> None:
    """Supported people at one practice, unsupported people at another, and their A&E visits."""
    rng = random.Random(8)
    supported_at = Organisation.objects.get(ods_code="Y99001")
    comparison_at = Organisation.objects.get(ods_code="Y99002")
    for index in range(SUPPORTED + COMPARISON):
        supported = index < SUPPORTED
        person: Person = PersonFactory(  # type: ignore[assignment]
            registered_practice=supported_at if supported else comparison_at,
            date_of_birth=datetime.date(rng.randint(1935, 1985), rng.randint(1, 12), 1),
            sex=rng.choice(["female", "male"]),
        )
        PersonProfile.objects.create(
            person=person,
            imd_decile=rng.randint(1, 10),
            ltc_count=rng.randint(0, 4),
            as_at=AGREED.date(),
            extract_name="x",
        )
        before = rng.randint(1, 5)
        after = before - 1 if supported else before  # one visit fewer after support
        HospitalActivity.objects.create(person=person, setting="ae", month=datetime.date(2024, 10, 1), count=before)
        if after:
            HospitalActivity.objects.create(person=person, setting="ae", month=datetime.date(2025, 9, 1), count=after)
        if supported:
            plan = CarePlanFactory(person=person, organisation=supported_at, status=PlanStatus.ACTIVE, agreed_at=AGREED)
            NeedFactory(plan=plan, text="Feels lonely and isolated at home")
            GoalFactory(plan=plan, text="Meet new people and feel less lonely")
    facts.refresh()


def identifying_words() -> list[str]:
    return sorted({word for person in Person.objects.all() for word in (person.full_name, person.nhs_number) if word})


def assert_nobody_identifiable(visitor: Visitor, words: list[str]) -> None:
    text = visitor.page.locator("body").inner_text()
    found = [word for word in words if word in text]
    assert not found, f"A commissioner's page names or numbers people: {found[:5]}"


def test_a_commissioner_reads_needs_and_outcomes_evaluates_and_downloads_a_board_paper(
    visitor: Visitor, demo: DemoSummary
) -> None:
    add_history()
    words = identifying_words()
    page = visitor.page

    # The commissioner opens Commissioning from the header, then "What people need"
    sign_in(visitor, COMMISSIONER)
    visitor.click_and_load(page.get_by_role("navigation").get_by_role("link", name="Commissioning", exact=True))
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Commissioning")
    contents(visitor, "What people need")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("What people need")
    assert_nobody_identifiable(visitor, words)

    # They look at one practice over a longer period: the 24 supported people show, rounded to 25
    visitor.fill("First month", "2025-01")
    visitor.select("Area", "Riverside Medical Centre (GP practice)")
    visitor.submit("Show figures")
    expect(page).to_have_url(re.compile(r"/commissioning/needs\?.*area=\d+"))
    expect(main(visitor)).to_contain_text("Showing January 2025 to")
    expect(main(visitor)).to_contain_text("Riverside Medical Centre")
    expect(main(visitor).locator("#people-with-a-plan")).to_have_text("25")
    themes = main(visitor).get_by_role("table", name=re.compile(r"goal", re.IGNORECASE)).first
    expect(themes).to_contain_text("Loneliness")
    assert_nobody_identifiable(visitor, words)

    # A month that is not a month is an NHS.UK-style error, and the page still works
    visitor.fill("First month", "last spring")
    visitor.submit("Show figures")
    expect(page.get_by_role("alert")).to_contain_text("Enter the first month as a year and month, like 2026-01")
    expect(page).to_have_title(re.compile(r"^Error: "))

    # What changed: questionnaire scores, hospital use, and why some change would have happened anyway
    contents(visitor, "What changed")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("What changed")
    expect(main(visitor)).to_contain_text("Why some of this change would have happened anyway")
    assert_nobody_identifiable(visitor, words)

    # They plan an evaluation: the plan is saved first, then its results are worked out
    contents(visitor, "Evaluations")
    visitor.fill("Name of the evaluation", "Riverside care plans and A&E visits")
    visitor.fill("What do you want to find out?", "Did agreeing a care plan reduce A&E visits?")
    visitor.choose("People whose first personalised care and support plan was agreed in the period")
    visitor.fill("First month support started", "2025-03")
    visitor.fill("Last month support started", "2025-03")
    visitor.choose("Matched comparison (propensity score matching)")
    visitor.choose("A&E attendances in the 12 months after")
    for other_use in ("Emergency admissions", "Planned admissions", "Outpatient appointments"):
        page.get_by_role("checkbox", name=f"{other_use} in the 12 months before", exact=True).uncheck()
    visitor.submit("Save the plan and work out the results")
    plan = AnalysisPlan.objects.get(title="Riverside care plans and A&E visits")
    assert plan.status == AnalysisStatus.FINISHED, plan.error
    expect(page).to_have_url(re.compile(rf"/commissioning/evaluations/{plan.pk}$"))
    expect(main(visitor).get_by_role("heading", name="The plan, as saved")).to_be_visible()
    expect(main(visitor).get_by_role("heading", name="Results")).to_be_visible()
    # The supported people went to A&E once less each: the matched estimate is a fall (matched on
    # age, sex, deprivation, conditions and A&E before; the demo's own people add noise)
    estimate = plan.result["effect"]["estimate"]
    assert -1.5 < estimate < 0, plan.result
    expect(main(visitor)).to_contain_text("fewer")
    assert_nobody_identifiable(visitor, words)

    # They make a board paper for the same practice and download it as a PDF
    contents(visitor, "Board papers")
    visitor.fill("First month", "2025-01")
    visitor.submit("Make a board paper")
    paper = BoardPaper.objects.latest("pk")
    expect(page.locator("footer")).to_contain_text("Reading age about")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this board paper as a PDF").click()
    path = download.value.path()
    assert path is not None and path.read_bytes()[:5] == b"%PDF-"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, summary__icontains="board paper").exists()
    assert paper.reading_age and paper.reading_age.get("meets_target") is True, paper.reading_age

    visitor.finish()
