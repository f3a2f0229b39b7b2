"""The SVG charts' geometry (bot/web/console/charts.py): bars as tall as their values, a line
that breaks where a week has no data, an axis that starts below the lowest rate."""

from __future__ import annotations

import pytest

from bot.web.console.charts import columns, line, stacked


def test_columns_are_as_tall_as_their_values_on_a_round_axis() -> None:
    chart = columns([("11/9", 0.0, "a"), ("11/16", 0.5, "b"), ("11/23", 3.0, "c")], "天")
    assert [t.label for t in chart.ticks] == ["0天", "1天", "2天", "3天", "4天"]
    top, bottom = chart.ticks[-1].y, chart.baseline
    heights = [m.h for m in chart.marks]
    assert heights[0] == 0
    assert heights[2] == pytest.approx((bottom - top) * 3 / 4)
    assert heights[1] == pytest.approx(heights[2] / 6)
    assert all(m.y + m.h == pytest.approx(bottom) for m in chart.marks)
    assert [m.title for m in chart.marks] == ["a", "b", "c"]


def test_a_line_breaks_where_a_week_has_no_data() -> None:
    chart = line([("a", 0.93, ""), ("b", None, ""), ("c", 0.98, ""), ("d", 0.76, "")])
    assert [t.label for t in chart.ticks] == ["60%", "70%", "80%", "90%", "100%"]
    assert len(chart.segments) == 2
    assert len(chart.segments[0].split()) == 1 and len(chart.segments[1].split()) == 2
    assert [m.shown for m in chart.marks] == [True, False, True, True]
    lowest = chart.ticks[0].y
    assert chart.marks[3].y < lowest  # 76% sits above the 60% line


def test_a_rate_axis_starts_just_below_the_data() -> None:
    assert line([("a", 0.99, "")]).ticks[0].label == "96%"
    assert line([("a", 0.955, "")]).ticks[0].label == "92%"
    assert line([("a", 0.10, "")]).ticks[0].label == "0%"


def test_many_weeks_scroll_rather_than_shrink() -> None:
    few, many = line([("w", 1.0, "")] * 3), line([("w", 1.0, "")] * 20)
    assert few.width >= 480 and many.width > few.width
    assert many.marks[1].x - many.marks[0].x == 40


def test_stacked_bars_share_the_widest_rows_scale() -> None:
    rows = stacked([[("sick", 1.0), ("personal", 1.0)], [("sick", 1.0), ("personal", 0.0)]])
    assert [(s.series, s.x, s.w) for s in rows[0]] == [("sick", 0.0, 50.0),
                                                      ("personal", 50.0, 50.0)]
    assert [(s.series, s.w) for s in rows[1]] == [("sick", 50.0)]
    assert stacked([[("sick", 0.0)]]) == [[]]
