"""Case finding from both sides: a commissioner reads and runs stratifications, a practice reads its list.

The demo's commissioner opens case finding, reads the demo's finished stratification (counts only,
rounded or hidden so that nobody can be identified, and no person on the page), runs a new one of
the demo extract for one group of people, watches it wait for a worker, and reads its results once
a worker has run it (here, in the test's own process). A practice nurse at Riverside Medical Centre
opens her practice's invitation list, ranked with reasons, switches to another group of people, and
goes from a person on it to sending them a preparation pack. Nobody from another practice is listed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from carehouse.casefinding import extracts
from carehouse.casefinding.demo_data import EXTRACT_NAME
from carehouse.casefinding.models import Invitation, RunStatus, StratificationRun
from carehouse.core.demo_data import DemoSummary
from carehouse.core.models import Organisation
from carehouse.core.tests.test_jobs import run_queued_tasks
from carehouse.people.identifiers import format_nhs_number
from carehouse.people.models import Person
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system

COMMISSIONER = "commissioner@example.org"
PRACTITIONER = "practitioner@example.org"
PRACTICE = "Y99001"  # Riverside Medical Centre, Priya Shah's practice
FRAILTY = "frail-65-and-over"
MLTC = "mltc-and-emergency-admission"


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def nav(visitor: Visitor, text: str) -> None:
    visitor.click_and_load(visitor.page.get_by_role("navigation").get_by_role("link", name=text, exact=True))


def back(visitor: Visitor, text: str) -> None:
    visitor.click_and_load(visitor.page.locator("a.nhsuk-back-link", has_text=text))


def shown(people: int) -> str:
    """How a count of people must read on a commissioner's page: 0, * for 1 to 7, else to the nearest 5."""
    if people == 0:
        return "0"
    if people < 8:
        return "*"
    return f"{(people + 2) // 5 * 5:,}"


def row(table: Locator, label: str) -> Locator:
    return table.locator("tbody tr").filter(has=table.page.get_by_role("rowheader", name=label, exact=True))


def cohort_name(key: str) -> str:
    return extracts.cohorts_by_key()[key].name


def identifying_words() -> list[str]:
    """Everything that would identify one of the demo's people: names and NHS numbers, both ways written."""
    words: set[str] = set()
    for person in Person.objects.all():
        words.update({person.full_name, person.nhs_number, format_nhs_number(person.nhs_number)})
    for number in Invitation.objects.values_list("nhs_number", flat=True):
        words.update({number, format_nhs_number(number)})
    return sorted(w for w in words if w)


def assert_nobody_identifiable(visitor: Visitor, words: list[str]) -> None:
    text = visitor.page.locator("body").inner_text()
    found = [word for word in words if word in text]
    assert not found, f"A commissioner's page names or numbers people: {found[:5]}"


def assert_segment_counts(visitor: Visitor, summary: dict[str, Any]) -> None:
    """The segments table shows every segment's count through disclosure control."""
    table = main(visitor).get_by_role("table", name="People in each segment")
    for segment in summary["segments"]:
        expect(row(table, segment["label"]).locator("td").first).to_have_text(shown(segment["people"]))


def test_a_commissioner_reads_the_demo_stratification_and_runs_another(visitor: Visitor, demo: DemoSummary) -> None:
    page = visitor.page
    demo_run = StratificationRun.objects.get()
    assert demo_run.status == RunStatus.FINISHED, demo_run.error
    segments = demo_run.summary["segments"]
    # The demo gives both a hidden figure (1 to 7 people) and one that is rounded (not already a multiple of 5).
    hidden = next(s for s in segments if 1 <= s["people"] <= 7)
    rounded = next(s for s in segments if s["people"] >= 8 and s["people"] % 5)
    words = identifying_words()
    practices = dict(Organisation.objects.values_list("ods_code", "name"))

    # The commissioner opens case finding from the header and sees the demo's finished run
    sign_in(visitor, COMMISSIONER)
    nav(visitor, "Case finding")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Case finding")
    runs = main(visitor).get_by_role("table", name=re.compile(r"^Stratifications run for"))
    expect(runs.locator("tbody tr")).to_have_count(1)
    expect(runs).to_contain_text("Finished")
    visitor.click_and_load(runs.get_by_role("link", name=EXTRACT_NAME))

    # Its results are counts only: a small group shows as *, the others rounded to the nearest 5
    expect(page).to_have_url(re.compile(rf"/case-finding/{demo_run.pk}$"))
    expect(main(visitor).get_by_role("heading", name="Results")).to_be_visible()
    expect(main(visitor).locator(".nhsuk-tag")).to_have_text("Finished")
    assert_segment_counts(visitor, demo_run.summary)
    segment_table = main(visitor).get_by_role("table", name="People in each segment")
    expect(row(segment_table, hidden["label"]).locator("td")).to_have_text(["*", "*"])
    expect(row(segment_table, rounded["label"]).locator("td").first).to_have_text(shown(rounded["people"]))
    assert shown(rounded["people"]) != str(rounded["people"])
    expect(main(visitor)).to_contain_text("Riverside Medical Centre (Y99001)")
    assert_nobody_identifiable(visitor, words)

    # They run a new stratification of the demo extract, for frail older people only
    back(visitor, "Case finding")
    expect(visitor.page.get_by_role("radio", name="An extract already set up on the server")).to_be_checked()
    visitor.select("Extract set up on the server", EXTRACT_NAME)
    for cohort in extracts.available_cohorts():
        box = main(visitor).get_by_role("checkbox", name=cohort.name, exact=True)
        expect(box).to_be_checked()  # every group is chosen to start with
        if cohort.key != FRAILTY:
            box.uncheck()
    visitor.submit("Run the stratification")

    # The run's page waits for a worker, and refreshes itself
    run = StratificationRun.objects.exclude(pk=demo_run.pk).get()
    expect(page).to_have_url(re.compile(rf"/case-finding/{run.pk}$"))
    assert run.cohorts == [FRAILTY] and run.extract_name == EXTRACT_NAME
    expect(main(visitor).get_by_role("status")).to_have_text("Waiting for a worker to start this stratification")
    expect(main(visitor).get_by_role("progressbar", name="Progress")).to_have_attribute("value", "0")
    expect(main(visitor)).to_contain_text("This page refreshes itself every 3 seconds")
    expect(main(visitor).get_by_role("heading", name="Results")).to_have_count(0)

    # A worker runs it: here, in the test's own process, while the page's refreshes wait
    with visitor.requests_held(timeout=10):
        assert run_queued_tasks() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.error

    # The page, refreshed by itself, shows the finished results with the group's counts
    expect(main(visitor).get_by_role("heading", name="Results")).to_be_visible(timeout=15_000)
    visitor.check()
    expect(main(visitor).locator(".nhsuk-tag")).to_have_text("Finished")
    expect(main(visitor)).not_to_contain_text("This page refreshes itself")
    assert_segment_counts(visitor, run.summary)
    (frail,) = run.summary["cohorts"]
    assert frail["key"] == FRAILTY and frail["people"] >= 8
    expect(main(visitor).get_by_role("heading", level=4)).to_have_text(
        f"{cohort_name(FRAILTY)}: {shown(frail['people'])} people"
    )
    by_practice = main(visitor).get_by_role("table", name=f"{cohort_name(FRAILTY)}: by practice")
    for entry in frail["by_practice"]:
        label = f"{practices[entry['practice_code']]} ({entry['practice_code']})"
        expect(row(by_practice, label).locator("td").first).to_have_text(shown(entry["people"]))
    assert_nobody_identifiable(visitor, words)

    # It is listed with the demo's run, both finished
    back(visitor, "Case finding")
    expect(runs.locator("tbody tr")).to_have_count(2)
    expect(runs.locator(".nhsuk-tag")).to_have_text(["Finished", "Finished"])

    visitor.finish()


def test_a_practice_nurse_reads_her_list_and_sends_a_preparation_pack(visitor: Visitor, demo: DemoSummary) -> None:
    ours = Invitation.objects.filter(practice__ods_code=PRACTICE).select_related("person")
    first_cohort = StratificationRun.objects.get().cohorts[0]
    assert first_cohort == FRAILTY
    assert ours.filter(cohort_key=FRAILTY).exists()
    invited = ours.filter(cohort_key=MLTC, person__isnull=False).order_by("rank").first()
    assert invited is not None and invited.person is not None, "The demo puts one of its people on the list"
    person = invited.person
    others = list(
        Person.objects.exclude(registered_practice__ods_code=PRACTICE).filter(
            nhs_number__in=Invitation.objects.exclude(practice__ods_code=PRACTICE).values("nhs_number")
        )
    )
    assert others, "The demo lists people at other practices too"

    # The practice nurse opens her practice's invitation list from the header
    sign_in(visitor, PRACTITIONER)
    nav(visitor, "Invitations")
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text(
        "People to invite for a care and support planning conversation"
    )
    expect(main(visitor)).to_contain_text("Riverside Medical Centre")
    groups = main(visitor).get_by_role("navigation", name="Groups of people")
    expect(groups.locator("[aria-current=page]")).to_have_text(cohort_name(FRAILTY))

    # Ranked 1, 2, 3 …, each with its reasons
    table = main(visitor).get_by_role("table", name="Invitation list, in order")
    frail = ours.filter(cohort_key=FRAILTY).order_by("rank")
    expect(main(visitor).get_by_role("heading", level=2)).to_have_text(f"{cohort_name(FRAILTY)} ({frail.count()})")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(frail.count())
    for line, invitation in zip(rows.all(), frail, strict=True):
        cells = line.locator("td")
        expect(cells.nth(0)).to_have_text(f"Rank {invitation.rank}")
        expect(cells.nth(1)).to_contain_text(format_nhs_number(invitation.nhs_number))
        expect(cells.nth(5)).to_have_text(f"Why {'; '.join(invitation.reasons)}")
    assert frail.first().reasons
    for other in others:
        expect(main(visitor)).not_to_contain_text(other.full_name)
        expect(main(visitor)).not_to_contain_text(format_nhs_number(other.nhs_number))

    # She chooses another group of people
    visitor.click_and_load(groups.get_by_role("link", name=cohort_name(MLTC), exact=True))
    expect(groups.locator("[aria-current=page]")).to_have_text(cohort_name(MLTC))
    mltc_count = ours.filter(cohort_key=MLTC).count()
    expect(main(visitor).get_by_role("heading", level=2)).to_have_text(f"{cohort_name(MLTC)} ({mltc_count})")
    expect(rows).to_have_count(mltc_count)
    line = rows.filter(has=visitor.page.get_by_role("link", name=person.full_name, exact=True))
    expect(line.locator("td").nth(0)).to_have_text(f"Rank {invited.rank}")
    expect(line.locator("td").nth(5)).to_have_text(f"Why {'; '.join(invited.reasons)}")
    for other in others:
        expect(main(visitor)).not_to_contain_text(other.full_name)

    # … and goes from a person on it to sending them a preparation pack
    visitor.click_and_load(line.get_by_role("link", name=f"Send a preparation pack to {person.full_name}"))
    expect(visitor.page).to_have_url(re.compile(rf"/careplans/preparation/send/{person.pk}$"))
    expect(main(visitor).get_by_role("heading", level=1)).to_have_text("Send a preparation pack")
    expect(main(visitor)).to_contain_text(person.full_name)

    visitor.finish()
