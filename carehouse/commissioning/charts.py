"""Charts for commissioning pages and board papers: plain SVG drawn on the server, always with a table.

A chart is decoration for sighted readers; the same figures are in a table next to it (the table
is what screen readers and the PDF's text layer use). Suppressed figures are left out of a chart
and shown as * in the table. Bars are drawn from the disclosure-controlled values only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 220
PLOT_WIDTH = 360
LINE_HEIGHT = 200


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None when suppressed
    shown: str  # the value as printed (may be *)
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: its SVG geometry, and the title used for ``aria-labelledby``."""

    title: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + PLOT_WIDTH + 80
    label_width: int = LABEL_WIDTH


def bar_chart(title: str, rows: Sequence[tuple[str, float | None, str]]) -> BarChart:
    """``rows`` are (label, value or None if suppressed, value as shown)."""
    biggest = max((value for _, value, _ in rows if value is not None), default=0) or 1
    bars = [
        Bar(label, value, shown, index * (BAR_HEIGHT + GAP), 0 if value is None else PLOT_WIDTH * value / biggest)
        for index, (label, value, shown) in enumerate(rows)
    ]
    return BarChart(title, bars, max(1, len(bars)) * (BAR_HEIGHT + GAP))


@dataclass(frozen=True)
class LinePoint:
    label: str
    value: float | None
    x: float
    y: float | None


@dataclass(frozen=True)
class LineChart:
    title: str
    points: list[LinePoint]
    path: str
    width: int = LABEL_WIDTH + PLOT_WIDTH
    height: int = LINE_HEIGHT + 40
    top: float = 0


def line_chart(title: str, rows: Sequence[tuple[str, float | None]]) -> LineChart:
    """A trend over time; gaps where a month is suppressed."""
    width = LABEL_WIDTH + PLOT_WIDTH - 40
    top = max((value for _, value in rows if value is not None), default=0) or 1
    step = width / max(1, len(rows) - 1)
    points = [
        LinePoint(label, value, 30 + index * step, None if value is None else LINE_HEIGHT - LINE_HEIGHT * value / top)
        for index, (label, value) in enumerate(rows)
    ]
    segments: list[str] = []
    pen_down = False
    for point in points:
        if point.y is None:
            pen_down = False
            continue
        segments.append(f"{'L' if pen_down else 'M'}{point.x:.1f},{point.y + 10:.1f}")
        pen_down = True
    return LineChart(title, points, " ".join(segments), top=top)
