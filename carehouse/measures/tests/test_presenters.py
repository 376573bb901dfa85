"""The arithmetic of the staff pages: change in words, and the trend chart's scaling (no database)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from carehouse.measures.definitions import InstrumentDefinition, ScoreDefinition, shipped_definitions
from carehouse.measures.presenters import (
    TrendPoint,
    TrendPresenter,
    baseline_change,
    baseline_of,
    change_from_previous,
    change_since_baseline,
    format_number,
    short_source,
    tick_step,
    trend_codes,
)

START = datetime.datetime(2027, 3, 5, 10, 0, tzinfo=datetime.UTC)


def definition(key: str) -> InstrumentDefinition:
    return next(found for found in shipped_definitions() if found.key == key)


def score(key: str, code: str) -> ScoreDefinition:
    found = definition(key).score(code)
    assert found is not None
    return found


def point(days: int, value: str, timepoint: str = "review", band: str = "") -> TrendPoint:
    return TrendPoint(START + datetime.timedelta(days=days), Decimal(value), band=band, timepoint=timepoint)


# -- change in words ------------------------------------------------------------------------------


def test_numbers_are_shown_without_trailing_zeros() -> None:
    assert format_number(Decimal("12.00"), 0) == "12"
    assert format_number(Decimal("19.25"), 2) == "19.25"
    assert format_number(Decimal("5.50"), 2) == "5.5"
    assert format_number(Decimal("6.00"), 2) == "6"


def test_a_source_is_cited_by_first_author_and_year() -> None:
    assert short_source(score("phq9", "total").meaningful_change_source) == "Löwe 2004"
    assert short_source(score("gad7", "total").meaningful_change_source) == "Toussaint 2020"
    assert short_source("") == ""


def test_phq9_fall_beyond_the_meaningful_change_is_better_and_cited() -> None:
    text = change_since_baseline(score("phq9", "total"), Decimal(12), Decimal(6))
    assert text == (
        "Down 6 points since baseline (better): more than the 5-point change that is clinically meaningful (Löwe 2004)"
    )


def test_phq9_small_rise_is_worse_and_less_than_meaningful() -> None:
    text = change_since_baseline(score("phq9", "total"), Decimal(10), Decimal(13))
    assert text == (
        "Up 3 points since baseline (worse): less than the 5-point change that is clinically meaningful (Löwe 2004)"
    )


def test_change_exactly_the_threshold_is_as_much_as_it() -> None:
    text = change_since_baseline(score("gad7", "total"), Decimal(12), Decimal(8))
    assert text == (
        "Down 4 points since baseline (better): "
        "as much as the 4-point change that is clinically meaningful (Toussaint 2020)"
    )


def test_higher_is_better_and_no_published_threshold() -> None:
    assert change_since_baseline(score("ons4", "satisfaction"), Decimal(4), Decimal(7)) == (
        "Up 3 points since baseline (better)"
    )
    assert change_since_baseline(score("ons4", "anxiety"), Decimal(4), Decimal(7)) == (
        "Up 3 points since baseline (worse)"
    )


def test_mycaw_concern_falling_from_5_to_2_is_an_improvement_of_3() -> None:
    assert change_since_baseline(score("mycaw", "concern_1"), Decimal(5), Decimal(2)) == (
        "Down 3 points since baseline (better)"
    )


def test_no_change_and_single_points() -> None:
    phq9 = score("phq9", "total")
    assert change_since_baseline(phq9, Decimal(9), Decimal(9)) == "No change since baseline"
    assert change_from_previous(phq9, Decimal(9), Decimal(8)) == "Down 1 point (better)"
    assert change_from_previous(score("semcd6", "mean"), Decimal("5.00"), Decimal("5.50")) == "Up 0.5 points (better)"


def test_baseline_is_the_first_baseline_timepoint_else_the_earliest() -> None:
    points = [point(0, "14", "session"), point(5, "12", "baseline"), point(9, "10", "baseline"), point(20, "6")]
    assert baseline_of(points) is points[1]
    assert baseline_change(score("phq9", "total"), points).startswith("Down 6 points since baseline (better)")
    no_baseline = [point(0, "14", "session"), point(20, "6")]
    assert baseline_of(no_baseline) is no_baseline[0]
    assert baseline_change(score("phq9", "total"), no_baseline).startswith("Down 8 points")


def test_no_change_from_baseline_with_one_result() -> None:
    assert baseline_change(score("phq9", "total"), [point(0, "12", "baseline")]) == ""
    assert baseline_change(score("phq9", "total"), []) == ""


# -- the chart ------------------------------------------------------------------------------------


def test_values_scale_into_the_plot_box_lowest_at_the_bottom() -> None:
    chart = TrendPresenter(score("phq9", "total"), [])
    assert (chart.plot_left, chart.plot_right, chart.plot_top, chart.plot_bottom) == (48, 528, 16, 272)
    assert chart.y_for(Decimal(0)) == 272
    assert chart.y_for(Decimal(27)) == 16
    assert chart.y_for(Decimal("13.5")) == 144
    assert chart.y_for(Decimal(40)) == 16  # never drawn outside the box


def test_results_are_placed_by_when_they_were_measured() -> None:
    chart = TrendPresenter(score("phq9", "total"), [point(0, "12"), point(10, "9"), point(40, "6")])
    assert [p.x for p in chart.chart_points] == [48, 168, 528]
    assert [p.y for p in chart.chart_points] == [chart.y_for(Decimal(v)) for v in (12, 9, 6)]
    assert (
        chart.polyline
        == f"48,{chart.y_for(Decimal(12)):g} 168,{chart.y_for(Decimal(9)):g} 528,{chart.y_for(Decimal(6)):g}"
    )


def test_one_result_sits_in_the_middle_and_results_at_one_moment_are_spread_evenly() -> None:
    assert TrendPresenter(score("phq9", "total"), [point(0, "12")]).chart_points[0].x == 288
    same_time = TrendPresenter(score("phq9", "total"), [point(0, "12"), point(0, "9"), point(0, "6")])
    assert [p.x for p in same_time.chart_points] == [48, 288, 528]


@pytest.mark.parametrize(
    ("key", "code", "ticks"),
    [
        ("phq9", "total", ["0", "5", "10", "15", "20", "25"]),
        ("ons4", "satisfaction", ["0", "2", "4", "6", "8", "10"]),
        ("pam", "level", ["1", "2", "3", "4"]),
        ("swemwbs", "metric", ["10", "15", "20", "25", "30", "35"]),
        ("pam", "score", ["0", "20", "40", "60", "80", "100"]),
    ],
)
def test_value_axis_ticks_are_round_numbers_within_the_range(key: str, code: str, ticks: list[str]) -> None:
    chart = TrendPresenter(score(key, code), [])
    assert [tick.label for tick in chart.y_ticks] == ticks
    assert all(chart.plot_top <= tick.position <= chart.plot_bottom for tick in chart.y_ticks)


def test_tick_step_keeps_to_six_ticks() -> None:
    assert tick_step(Decimal(27)) == 5
    assert tick_step(Decimal(3)) == 1
    assert tick_step(Decimal(1)) == 1
    assert tick_step(Decimal(1000)) == 200


def test_bands_are_shaded_between_midpoints_of_neighbouring_bands() -> None:
    chart = TrendPresenter(score("phq9", "total"), [])
    bands = chart.bands
    assert [band.label for band in bands] == ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]
    minimal = bands[0]
    assert minimal.y == chart.y_for(Decimal("4.5"))
    assert minimal.height == pytest.approx(chart.y_for(Decimal(0)) - chart.y_for(Decimal("4.5")), abs=0.11)
    assert bands[-1].y == chart.plot_top
    # Stacked without gaps from the bottom of the box to the top.
    assert sum(band.height for band in bands) == pytest.approx(chart.plot_bottom - chart.plot_top, abs=0.5)
    assert [band.shade for band in bands] == [0, 1, 0, 1, 0]
    assert TrendPresenter(score("semcd6", "mean"), []).bands == []


def test_date_labels_do_not_overlap_and_keep_the_latest() -> None:
    points = [point(0, "12"), point(1, "11"), point(2, "10"), point(60, "6")]
    chart = TrendPresenter(score("phq9", "total"), points)
    labels = chart.x_ticks
    assert labels[0].label == "5 Mar 2027"
    assert labels[-1].label == "4 May 2027"
    gaps = [b.position - a.position for a, b in itertools.pairwise(labels)]
    assert all(gap >= chart.LABEL_GAP for gap in gaps)


def test_table_rows_and_summary_say_what_the_chart_shows() -> None:
    points = [point(0, "12", "baseline", "Moderate"), point(30, "14", band="Moderate"), point(60, "6", band="Mild")]
    chart = TrendPresenter(score("phq9", "total"), points, title="PHQ-9 total")
    assert [(row.date, row.value, row.band, row.timepoint, row.change) for row in chart.rows] == [
        ("5 March 2027", "12", "Moderate", "Baseline (start of support)", "First result"),
        ("4 April 2027", "14", "Moderate", "Review", "Up 2 points (worse)"),
        ("4 May 2027", "6", "Mild", "Review", "Down 8 points (better)"),
    ]
    assert chart.summary == (
        "PHQ-9 total: 3 results from 5 March 2027 to 4 May 2027. Scored from 0 to 27, lower is better. "
        "Latest 6 (Mild). Down 6 points since baseline (better): more than the 5-point change that is "
        "clinically meaningful (Löwe 2004)."
    )
    assert TrendPresenter(score("phq9", "total"), []).summary == "PHQ-9 total: no results yet."


def test_which_scores_a_trend_shows() -> None:
    assert [s.code for s in trend_codes(definition("ons4"))] == ["satisfaction", "worthwhile", "happiness", "anxiety"]
    assert [s.code for s in trend_codes(definition("swemwbs"))] == ["metric"]
    assert [s.code for s in trend_codes(definition("mycaw"))] == ["concern_1", "concern_2", "wellbeing"]
    assert trend_codes(definition("poet")) == []
