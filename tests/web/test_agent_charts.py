"""The dashboard's inline SVG charts (bot.entrypoints.web.charts): escaped labels and
bars in proportion to their values. Pure Python, no database."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markupsafe import Markup

from bot.entrypoints.web.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_labels_and_titles_are_escaped():
    chart = bar_chart(
        [("<script>alert(1)</script>", 3)], title='"><img src=x onerror=1>'
    )
    assert isinstance(chart, Markup)
    assert "<script>" not in chart and "<img" not in chart
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart
    ET.fromstring(str(chart))  # well-formed XML


def test_bars_are_in_proportion():
    chart = bar_chart([("a", 10), ("b", 5), ("c", 0)], title="t", width=640)
    root = ET.fromstring(str(chart))
    bars = [
        float(rect.get("width"))
        for rect in root.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    ]
    assert bars[0] == 2 * bars[1] and bars[2] == 0


def test_a_share_chart_uses_its_maximum():
    chart = bar_chart(
        [("share", 25.0)], title="t", maximum=100, value_text=lambda v: f"{v:.1f}%"
    )
    assert ">25.0%<" in chart
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', chart)]
    track, bar = widths[0], widths[1]
    assert bar == track / 4


def test_column_chart_labels_every_nth_day():
    points = [(f"11-{day:02d}", day) for day in range(1, 31)]
    chart = column_chart(points, title="per day", label_every=3)
    root = ET.fromstring(str(chart))
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "11-01" in labels and "11-04" in labels and "11-02" not in labels
    assert len(list(root.iter(f"{SVG}rect"))) == 30


def test_empty_charts_render():
    assert "<svg" in bar_chart([], title="nothing")
    assert "<svg" in column_chart([], title="nothing")
