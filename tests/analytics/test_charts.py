"""The report's SVG charts: bars to scale, gaps for nothing measured, labels escaped."""

from __future__ import annotations

import re

from dispatch.analytics.charts import bar_chart, line_chart, percent


def widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"', svg)]


def test_bars_are_scaled_to_the_top_and_none_is_shown_as_na():
    svg = bar_chart("On time", [("ana", 0.5), ("bruno", None), ("carla", 1.0)],
                    fmt=percent, top=1.0, width=560)
    # 560 wide less 150 for labels and 70 for values: 340 for a full bar.
    assert widths(svg) == [170.0, 340.0]
    assert "n/a" in svg and "50.0%" in svg and "100.0%" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_labels_are_escaped():
    svg = bar_chart("<b>", [("<script>", 1.0)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg


def test_a_line_breaks_where_nothing_was_measured():
    svg = line_chart("Daily", [("d1", 0.9), ("d2", 1.0), ("d3", None), ("d4", 0.8),
                               ("d5", 0.7)], fmt=percent, top=1.0)
    assert svg.count("<polyline") == 2  # d1-d2 and d4-d5
    assert svg.count("<circle") == 4
