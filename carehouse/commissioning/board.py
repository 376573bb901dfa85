"""The board paper: one plain-language report of the commissioning figures for a period and area.

Each page family's presenter module offers ``board_section(actor, filters) -> BoardSection``, with
figures that have already been through ``carehouse.core.disclosure``. ``build_paper`` gathers the
sections named in ``SECTION_PROVIDERS``, writes an opening summary, a note on how to read the
figures and the methods' limits, and checks the reading age of all the words it will print
(headings, captions and bullets count as sentences, as the NHS service manual says). The target
reading age is 9 to 11; the paper's footer says whether it was met.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from carehouse.commissioning.charts import BarChart, LineChart
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.models import BoardPaper
from carehouse.commissioning.text.readability import TARGET_HIGH, TARGET_LOW, ReadingAge, reading_age, sentences
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED
from carehouse.core.rules import require_permission


@dataclass(frozen=True)
class BoardTable:
    """A table of figures for a board paper: every figure already rounded or suppressed."""

    caption: str
    head: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class BoardSection:
    """One part of a board paper, from one page family: short plain paragraphs, tables and charts."""

    key: str
    title: str
    paragraphs: list[str]
    tables: list[BoardTable]
    charts: list[object]


#: The page families' board sections, in the order they appear in the paper.
SECTION_PROVIDERS: tuple[str, ...] = (
    "carehouse.commissioning.presenters_needs.board_section",
    "carehouse.commissioning.presenters_gaps.board_section",
    "carehouse.commissioning.presenters_process.board_section",
    "carehouse.commissioning.presenters_outcomes.board_section",
    "carehouse.commissioning.presenters_evaluation.board_section",
    "carehouse.commissioning.presenters_business_case.board_section",
    "carehouse.commissioning.presenters_incentives.board_section",
)

HOW_TO_READ: tuple[str, ...] = (
    "All counts are rounded to the nearest 5.",
    f"A count from 1 to 7 is shown as {SUPPRESSED}. This keeps people from being picked out.",
    "A zero is shown as 0.",
    "Each percentage is worked out from the rounded counts.",
    "We do not split up a group of fewer than 8 people.",
    "So the parts of a table may not add up to its total.",
)

CAVEATS: tuple[str, ...] = (
    "The figures come from care plans, forms people fill in, referrals and hospital records.",
    "No one is named in them.",
    "The figures are worked out each night, so the newest day may be missing.",
    "A change before and after support may not be caused by the support.",
    "People often get help when things are at their worst.",
    "Many then get better anyway. This is called going back to the usual level.",
    "Only a fair test with a group who did not get support can show what the support did.",
    "Small areas have few people, so their figures can jump about by chance.",
)

Provider = Callable[[Actor, Filters], BoardSection]


@dataclass(frozen=True)
class TableView:
    """A chart's table alternative, or a table of its own."""

    caption: str
    head: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class ChartView:
    """A chart as drawn in the paper, with the same figures as a table right after it."""

    kind: str  # "bar" or "line"
    chart: object
    table: TableView


@dataclass(frozen=True)
class SectionView:
    """A section laid out for the paper: each chart with its table, then the tables left over."""

    section: BoardSection
    charts: list[ChartView]
    tables: list[TableView]


@dataclass(frozen=True)
class BoardPaperContent:
    """Everything a board paper says, before it is turned into HTML."""

    title: str
    organisation_name: str
    generated_on: datetime.date
    filters_text: str
    summary: BoardSection
    sections: list[SectionView]
    how_to_read: list[str]
    caveats: list[str]
    reading: ReadingAge
    meets_target: bool
    hard_sentences: list[str] = field(default_factory=list)
    missing_providers: list[str] = field(default_factory=list)

    @property
    def footer(self) -> str:
        verdict = "This meets the target." if self.meets_target else "This is harder to read than the target."
        return f"{self.reading.summary(TARGET_LOW, TARGET_HIGH)} {verdict}"

    def reading_age_record(self) -> dict[str, Any]:
        """What is stored with the paper (``BoardPaper.reading_age``)."""
        reading = self.reading
        return {
            "reading_age": round(reading.reading_age, 1),
            "flesch_kincaid_grade": round(reading.flesch_kincaid_grade, 1),
            "smog": round(reading.smog, 1),
            "flesch_reading_ease": round(reading.flesch_reading_ease, 1),
            "sentences": reading.sentences,
            "words": reading.words,
            "longest_sentence_words": reading.longest_sentence_words,
            "target": [TARGET_LOW, TARGET_HIGH],
            "meets_target": self.meets_target,
            "hard_sentences": self.hard_sentences,
        }


def providers() -> tuple[list[tuple[str, Provider]], list[str]]:
    """The board section functions that exist now, and the names of any not written yet."""
    found: list[tuple[str, Provider]] = []
    missing: list[str] = []
    for dotted in SECTION_PROVIDERS:
        module_name, _, attribute = dotted.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            missing.append(dotted)
            continue
        function = getattr(module, attribute, None)
        if function is None:
            missing.append(dotted)
            continue
        found.append((dotted, function))
    return found, missing


def _shown(value: float | None) -> str:
    if value is None:
        return SUPPRESSED
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _layout(section: BoardSection) -> SectionView:
    """Pair each chart with its table (the section's table of the same caption, else one made from the chart)."""
    tables = {table.caption: table for table in section.tables}
    used: set[str] = set()
    charts: list[ChartView] = []
    for chart in section.charts:
        if isinstance(chart, BarChart):
            kind = "bar"
            fallback = TableView(chart.title, ["Group", "Figure"], [[bar.label, bar.shown] for bar in chart.bars])
        elif isinstance(chart, LineChart):
            kind = "line"
            fallback = TableView(
                chart.title, ["Month", "Figure"], [[point.label, _shown(point.value)] for point in chart.points]
            )
        else:
            continue
        matching = tables.get(chart.title)
        if matching is not None and chart.title not in used:
            used.add(chart.title)
            charts.append(ChartView(kind, chart, TableView(matching.caption, matching.head, matching.rows)))
        else:
            charts.append(ChartView(kind, chart, fallback))
    rest = [TableView(t.caption, t.head, t.rows) for t in section.tables if t.caption not in used]
    return SectionView(section, charts, rest)


def _summary(sections: Sequence[BoardSection], filters: Filters, organisation_name: str) -> BoardSection:
    """The opening summary: what the paper covers, then each section's first (headline) point."""
    where = filters.area.name if filters.area else f"all areas of {organisation_name}"
    paragraphs = [
        f"This paper is about {where}.",
        f"It covers {filters.start:%B %Y} to {filters.end:%B %Y}.",
        "It shows what people need, what help they got, and what changed.",
    ]
    for section in sections:
        if section.paragraphs:
            paragraphs.append(f"{section.title}: {section.paragraphs[0]}")
    if not sections:
        paragraphs.append("There are no figures to show yet.")
    paragraphs.append("The board is asked to note these figures.")
    return BoardSection("summary", "Summary", paragraphs, [], [])


def paper_text(content_title: str, summary: BoardSection, sections: Sequence[SectionView], notes: Sequence[str]) -> str:
    """Every generated line a reader sees (not the figures in tables), one heading or sentence a line."""
    lines = [content_title, summary.title, *summary.paragraphs]
    for view in sections:
        lines.append(view.section.title)
        lines.extend(view.section.paragraphs)
        lines.extend(chart.table.caption for chart in view.charts)
        lines.extend(table.caption for table in view.tables)
    lines.extend(["How to read the figures", "What the figures cannot tell us", *notes])
    return "\n".join(line.strip() for line in lines if line.strip())


def _hard_sentences(text: str) -> list[str]:
    """Sentences that on their own read above the target, or run over 20 words: the ones to rewrite."""
    hard = []
    for sentence in sentences(text):
        score = reading_age(sentence)
        if score.words > 20 or (score.words >= 6 and round(score.reading_age) > TARGET_HIGH + 3):
            hard.append(sentence)
    return hard


def build_paper(actor: Actor, filters: Filters, *, today: datetime.date | None = None) -> BoardPaperContent:
    """Gather the sections for the filters and write the paper around them, then check its reading age."""
    require_permission(actor, "commissioning.make_board_paper")
    organisation_name = actor.organisation.name if actor.organisation else ""
    found, missing = providers()
    sections = [function(actor, filters) for _dotted, function in found]
    summary = _summary(sections, filters, organisation_name)
    views = [_layout(section) for section in sections]
    where = filters.area.name if filters.area else organisation_name
    title = f"Personalised care in {where}: board paper"
    notes = [*HOW_TO_READ, *CAVEATS]
    text = paper_text(title, summary, views, notes)
    reading = reading_age(text)
    return BoardPaperContent(
        title=title,
        organisation_name=organisation_name,
        generated_on=today or timezone.localdate(),
        filters_text=filters.describe(),
        summary=summary,
        sections=views,
        how_to_read=list(HOW_TO_READ),
        caveats=list(CAVEATS),
        reading=reading,
        meets_target=reading.meets_target(),
        hard_sentences=_hard_sentences(text),
        missing_providers=missing,
    )


STYLESHEET = "commissioning/board-paper.css"


def stylesheet_path() -> Path:
    """The board paper's print stylesheet on disk (the app's static folder, or the collected files)."""
    found = finders.find(STYLESHEET)
    if isinstance(found, list):
        found = found[0] if found else None
    if found:
        return Path(found)
    return Path(settings.STATIC_ROOT or "") / STYLESHEET


def render_html(content: BoardPaperContent, *, pdf_href: str = "", back_href: str = "") -> str:
    """The paper as one standalone HTML page, its styles written into it."""
    return render_to_string(
        "commissioning/board_paper.jinja",
        {
            "paper": content,
            "stylesheet": stylesheet_path().read_text(encoding="utf-8"),
            "pdf_href": pdf_href,
            "back_href": back_href,
        },
    )


def render_pdf(html: str) -> bytes:
    """The paper's HTML as a tagged PDF/UA-1 (WeasyPrint); nothing is fetched over the network."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    fetcher = URLFetcher(allowed_protocols={"file"})
    document = HTML(string=html, base_url=str(stylesheet_path().parent), url_fetcher=fetcher)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    assert isinstance(pdf, bytes)
    return pdf


def papers_of(actor: Actor) -> QuerySet[BoardPaper]:
    """The board papers of the commissioner's organisation, newest first."""
    require_permission(actor, "commissioning.view_intelligence")
    if actor.organisation is None:
        return BoardPaper.objects.none()
    return (
        BoardPaper.objects.filter(organisation=actor.organisation).select_related("area").order_by("-created_at", "-pk")
    )


def get_paper(actor: Actor, paper_id: int) -> BoardPaper:
    """One of the organisation's board papers (``Http404`` for anyone else's)."""
    paper = papers_of(actor).filter(pk=paper_id).first()
    if paper is None:
        raise Http404("No such board paper")
    return paper
