"""CQUIN-style incentive payments: pure arithmetic, no database.

An indicator has a lower and an upper threshold. Nothing is paid below the lower one, all of the
indicator's share is paid at or above the upper one, and in between the payment rises in a
straight line (the 2019/20 staff flu CQUIN paid 0 below 60% uptake and in full from 80%). The
indicator's share of the scheme is its weight; a scheme's weights add up to 100%. Achievement
is worked out from the raw numerator and denominator, shown with a Wilson 95% confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Z_95 = 1.959963984540054
PENNY = Decimal("0.01")


def payment_fraction(achievement: float | None, lower: float, upper: float) -> float:
    """The share of an indicator's money earned: 0 below ``lower``, 1 at or above ``upper``, linear between."""
    if upper <= lower:
        raise ValueError("The upper threshold must be above the lower threshold")
    if achievement is None:
        return 0.0
    return min(1.0, max(0.0, (achievement - lower) / (upper - lower)))


def indicator_payment(fraction: float, weight: Decimal | float, scheme_value: Decimal | float) -> Decimal:
    """The money earned on one indicator: fraction times weight times the scheme's value, to the penny."""
    amount = Decimal(str(fraction)) * Decimal(str(weight)) * Decimal(str(scheme_value))
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def achievement(numerator: int, denominator: int) -> float | None:
    """Numerator over denominator from the raw figures; None when nobody is in the denominator."""
    return numerator / denominator if denominator else None


def wilson_interval(numerator: int, denominator: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95% by default).

    None when the denominator is 0, or when the numerator is larger than it: then the figure is a
    ratio of two counts from different sources (plans against people found by case finding), not a
    proportion, and has no such interval.
    """
    if denominator <= 0 or not 0 <= numerator <= denominator:
        return None
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator * denominator))
    bottom = 1 + z * z / denominator
    return max(0.0, (centre - spread) / bottom), min(1.0, (centre + spread) / bottom)


def weights_add_up(weights: list[Decimal]) -> bool:
    """Whether a scheme's weights (fractions) add up to 100%."""
    return sum(weights, Decimal(0)) == Decimal(1)


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's result for one practice or provider (raw; presenters apply disclosure control)."""

    key: str
    numerator: int
    denominator: int
    achievement: float | None
    interval: tuple[float, float] | None
    fraction: float
    payment: Decimal


def result(
    key: str, numerator: int, denominator: int, *, lower: float, upper: float, weight: Decimal, value: Decimal
) -> IndicatorResult:
    achieved = achievement(numerator, denominator)
    fraction = payment_fraction(achieved, lower, upper)
    return IndicatorResult(
        key,
        numerator,
        denominator,
        achieved,
        wilson_interval(numerator, denominator),
        fraction,
        indicator_payment(fraction, weight, value),
    )
