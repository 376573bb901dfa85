"""Board papers: every section is in, small numbers are hidden, the PDF is tagged, and the words are easy to read."""

from __future__ import annotations

import datetime
import re
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory, GoalFactory, NeedFactory
from carehouse.commissioning import board, facts, services_board
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.models import BoardPaper
from carehouse.commissioning.text.readability import reading_age
from carehouse.core.models import AuditEvent, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory
from carehouse.people.tests.factories import PersonFactory

TODAY = datetime.date(2026, 10, 20)
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 10, 1)
SMALL = re.compile(r"^[1-7]$")


def _plans(practice, how_many: int, goal: str) -> None:
    agreed = datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)
    for _ in range(how_many):
        plan = CarePlanFactory(
            person=PersonFactory(registered_practice=practice), status=PlanStatus.ACTIVE, agreed_at=agreed
        )
        NeedFactory(plan=plan, text="Feels lonely since moving house")
        GoalFactory(plan=plan, text=goal)


@pytest.fixture
def figures(board):
    """23 people with agreed plans in the north practice, 3 in the south (too few to show), then the rebuild."""
    _plans(board.north, 23, "Walk to the park with my grandson")
    _plans(board.south, 3, "Get back to swimming")
    facts.refresh(TODAY)
    return board


@pytest.fixture
def content(figures) -> board.BoardPaperContent:
    return board.build_paper(figures.actor, Filters(START, END), today=TODAY)


def test_every_registered_section_is_in_the_paper(content, figures) -> None:
    found, _missing = board.providers()
    assert found, "no board sections are registered"
    html = board.render_html(content)
    titles = [view.section.title for view in content.sections]
    assert len(titles) == len(found)
    for title in [*titles, "Summary", "How to read the figures", "What the figures cannot tell us"]:
        assert f">{title}</h2>" in html
    assert "January 2026 to October 2026" in html
    assert content.footer in html


def test_each_chart_has_its_table_right_after_it(content) -> None:
    html = board.render_html(content)
    charts = [chart for view in content.sections for chart in view.charts]
    assert charts
    for chart in charts:
        assert chart.table.rows is not None
    # Every figure (<figure> holding an SVG) is followed by a table before the next figure.
    pieces = html.split("<figure")[1:]
    assert len(pieces) == len(charts)
    for piece in pieces:
        assert piece.index("</figure>") < piece.index("<table>")


def test_no_count_from_1_to_7_is_shown(content) -> None:
    for view in content.sections:
        tables = [*view.tables, *(chart.table for chart in view.charts)]
        for table in tables:
            for row in table.rows:
                for cell in row[1:]:
                    assert not SMALL.match(cell.replace(",", "")), (view.section.key, table.caption, row)
        for paragraph in [*view.section.paragraphs, *content.summary.paragraphs]:
            assert not re.search(r"(?<![\d.])(?<!to )[1-7] (people|of them)", paragraph), paragraph
    # The 3 people in the south practice are not shown as 3 anywhere in the tables.
    html = board.render_html(content)
    assert not re.search(r"<td class=\"numeric\">[1-7]</td>", html)


def test_the_generated_text_meets_its_reading_age_target(content) -> None:
    text = board.paper_text(content.title, content.summary, content.sections, [*content.how_to_read, *content.caveats])
    measured = reading_age(text)
    assert measured.reading_age == content.reading.reading_age
    assert round(measured.reading_age) <= 11, content.hard_sentences
    assert content.meets_target
    assert "meets the target" in content.footer
    assert f"Reading age about {round(measured.reading_age)}" in content.footer


def _inflated(pdf: bytes) -> bytes:
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_the_button_makes_a_paper_and_the_pdf_is_tagged_and_audited(commissioner_client: Client, figures) -> None:
    page = commissioner_client.get("/commissioning/board-papers")
    assert page.status_code == 200
    assert "Make a board paper" in page.content.decode()
    response = commissioner_client.post(
        "/commissioning/board-papers", {"from": "2026-01", "to": "2026-10", "area": str(figures.network.pk)}
    )
    paper = BoardPaper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/commissioning/board-papers/{paper.pk}"
    assert paper.organisation == figures.icb and paper.area == figures.network
    assert (paper.period_start, paper.period_end) == (START, END)
    assert paper.reading_age["meets_target"] is True
    assert AuditEvent.objects.filter(action="create", object_type="commissioning.BoardPaper").count() == 1
    html = commissioner_client.get(f"/commissioning/board-papers/{paper.pk}").content.decode()
    assert "Riverside North PCN" in html and "Reading age about" in html
    pdf = commissioner_client.get(f"/commissioning/board-papers/{paper.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    searchable = _inflated(pdf.content)
    assert b"/StructTreeRoot" in searchable
    assert b"/MarkInfo" in searchable
    export = AuditEvent.objects.get(action="export")
    assert export.object_id == str(paper.pk)


def test_a_wrong_month_is_an_error_and_no_paper_is_made(commissioner_client: Client, figures) -> None:
    response = commissioner_client.post("/commissioning/board-papers", {"from": "January", "to": "2026-10"})
    assert response.status_code == 400
    assert "Enter the first month as a year and month" in response.content.decode()
    assert not BoardPaper.objects.exists()


def test_another_organisations_paper_is_not_found(commissioner_client: Client, figures) -> None:
    other_icb = OrganisationFactory(type=OrganisationType.INTEGRATED_CARE_BOARD)
    other = MembershipFactory(organisation=other_icb, role=Role.COMMISSIONER)
    from carehouse.core.actor import Actor

    paper = services_board.make_board_paper(Actor.for_membership(other), Filters(START, END))
    assert commissioner_client.get(f"/commissioning/board-papers/{paper.pk}").status_code == 404
    assert commissioner_client.get(f"/commissioning/board-papers/{paper.pk}.pdf").status_code == 404
    assert paper.title not in commissioner_client.get("/commissioning/board-papers").content.decode()


def test_the_command_writes_the_html_and_pdf_and_prints_the_reading_age(figures, tmp_path: Path, capsys) -> None:
    out, pdf = tmp_path / "paper.html", tmp_path / "paper.pdf"
    call_command(
        "board_paper",
        "--organisation",
        "QRV",
        "--from",
        "2026-01",
        "--to",
        "2026-10",
        "--area",
        "Y99001",
        "--out",
        str(out),
        "--pdf",
        str(pdf),
    )
    printed = capsys.readouterr().out
    assert "Reading age about" in printed and "meets the target of 9 to 11" in printed
    assert "North Surgery" in out.read_text()
    assert pdf.read_bytes().startswith(b"%PDF")
    paper = BoardPaper.objects.get()
    assert paper.area == figures.north
    assert AuditEvent.objects.get(action="create", object_type="commissioning.BoardPaper").actor_user_id is None
