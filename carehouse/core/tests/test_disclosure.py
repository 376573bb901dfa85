"""Statistical disclosure control: small numbers suppressed, everything else rounded to the nearest 5."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carehouse.core.disclosure import (
    SUPPRESSED,
    SafeCount,
    breakdown_allowed,
    safe_count,
    safe_percentage,
)


@pytest.mark.parametrize(
    ("count", "published"),
    [
        (0, 0),
        (8, 10),
        (9, 10),
        (10, 10),
        (12, 10),
        (13, 15),  # 12.5 rounds up, not to even
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (1002, 1000),
        (1003, 1005),
    ],
)
def test_counts_are_rounded_to_the_nearest_five(count: int, published: int) -> None:
    result = safe_count(count)
    assert result.value == published
    assert not result.suppressed


@pytest.mark.parametrize("count", range(1, 8))
def test_one_to_seven_are_suppressed(count: int) -> None:
    result = safe_count(count)
    assert result.suppressed
    assert result.value is None
    assert str(result) == SUPPRESSED == "*"


def test_zero_is_published_as_zero() -> None:
    assert str(safe_count(0)) == "0"


def test_large_counts_are_shown_with_thousands_separators() -> None:
    assert str(safe_count(12_343)) == "12,345"
    assert str(SafeCount(10)) == "10"


def test_negative_counts_are_a_mistake() -> None:
    with pytest.raises(ValueError, match="negative"):
        safe_count(-1)


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        (12, 13, "67%"),  # 10 / 15, not 12 / 13 (92%)
        (13, 13, "100%"),
        (8, 22, "50%"),  # 10 / 20
        (0, 40, "0%"),
        (3, 40, SUPPRESSED),  # the numerator is a small number
        (8, 5, SUPPRESSED),  # the denominator is
        (0, 0, SUPPRESSED),  # nothing to divide by
        (50, 100, "50%"),
    ],
)
def test_percentages_are_worked_out_from_the_rounded_figures(numerator: int, denominator: int, shown: str) -> None:
    assert safe_percentage(numerator, denominator) == shown


@pytest.mark.parametrize(("group", "allowed"), [(0, False), (7, False), (8, True), (100, True)])
def test_breakdowns_need_a_group_of_at_least_eight(group: int, allowed: bool) -> None:
    assert breakdown_allowed(group) is allowed


@given(st.integers(min_value=8, max_value=10**9))
def test_published_counts_are_multiples_of_five_within_two_of_the_truth(count: int) -> None:
    value = safe_count(count).value
    assert value is not None
    assert value % 5 == 0
    assert abs(value - count) <= 2
    assert value >= 10


@given(st.integers(min_value=0, max_value=10**9))
def test_every_published_count_is_zero_suppressed_or_a_multiple_of_five(count: int) -> None:
    value = safe_count(count).value
    if count == 0:
        assert value == 0
    elif count < 8:
        assert value is None
    else:
        assert value is not None and value % 5 == 0


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_percentage_never_reveals_a_small_number(numerator: int, denominator: int) -> None:
    shown = safe_percentage(numerator, denominator)
    if 0 < numerator < 8 or denominator < 8:
        assert shown == SUPPRESSED
    else:
        top, bottom = safe_count(numerator).value, safe_count(denominator).value
        assert top is not None and bottom
        assert shown == f"{100 * top / bottom:.0f}%"


@given(st.integers(min_value=0, max_value=10**6))
def test_rounding_never_goes_down_as_counts_go_up(count: int) -> None:
    low, high = safe_count(count).value, safe_count(count + 1).value
    if low is not None and high is not None:
        assert high >= low
