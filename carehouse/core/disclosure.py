"""Statistical disclosure control for everything a commissioner sees.

NHS Digital's rule for small numbers: 0 stays 0, 1 to 7 are suppressed, everything else
is rounded to the nearest 5. Percentages are worked out from the rounded figures, and a
breakdown is only shown when its whole group has at least 8 people. Every aggregate page,
export and API response for commissioners goes through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPRESSION_THRESHOLD = 8
ROUND_TO = 5
SUPPRESSED = "*"


@dataclass(frozen=True)
class SafeCount:
    """A count fit to publish: its rounded value, or suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return SUPPRESSED if self.value is None else f"{self.value:,}"


def safe_count(count: int) -> SafeCount:
    if count < 0:
        raise ValueError("A count cannot be negative")
    if count == 0:
        return SafeCount(0)
    if count < SUPPRESSION_THRESHOLD:
        return SafeCount(None)
    # Round half up (Python's round() rounds half to even).
    return SafeCount(((count + ROUND_TO // 2) // ROUND_TO) * ROUND_TO)


def safe_percentage(numerator: int, denominator: int) -> str:
    """A percentage from the rounded figures, or suppressed when either part is."""
    top, bottom = safe_count(numerator), safe_count(denominator)
    if top.value is None or bottom.value is None or bottom.value == 0:
        return SUPPRESSED
    return f"{100 * top.value / bottom.value:.0f}%"


def breakdown_allowed(group_size: int) -> bool:
    return group_size >= SUPPRESSION_THRESHOLD


def safe_mean(total: float, count: int, *, places: int = 1) -> str:
    """A mean (or median, or any simple figure) of ``count`` people: suppressed when 1 to 7 contribute.

    Complex figures (regression estimates, confidence intervals) need no control, but a simple
    average over a handful of people could reveal one person's answer.
    """
    if count < 0:
        raise ValueError("A count cannot be negative")
    if count == 0:
        return "No data"
    if count < SUPPRESSION_THRESHOLD:
        return SUPPRESSED
    return f"{total / count:,.{places}f}"


def safe_rate(numerator: int, denominator: int) -> float | None:
    """The fraction from the rounded figures, for charts and thresholds; None when suppressed."""
    top, bottom = safe_count(numerator), safe_count(denominator)
    if top.value is None or bottom.value is None or bottom.value == 0:
        return None
    return top.value / bottom.value
