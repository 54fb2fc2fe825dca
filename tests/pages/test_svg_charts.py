"""Inline SVG charts: accessible names, escaping, whiskers and threshold line."""

from __future__ import annotations

from bs4 import BeautifulSoup

from registry.pages.svg_charts import Bar, group_rates_chart


def test_chart_has_title_desc_bars_whiskers_and_threshold():
    svg = group_rates_chart(
        [
            Bar("A", 0.2, 0.15, 0.25),
            Bar("<B>", 0.3, 0.28, 0.33),
            Bar("C", None, note="fewer than 10 cases"),
        ],
        title="Selection rate by sex",
        desc="A 20%, B 30%",
        chart_id="c1",
        threshold=0.24,
        threshold_label="threshold",
    )
    soup = BeautifulSoup(str(svg), "html.parser")
    root = soup.select_one("svg")
    assert root["role"] == "img" and root["aria-labelledby"] == "c1-title c1-desc"
    assert soup.select_one("title#c1-title").get_text() == "Selection rate by sex"
    assert soup.select_one("desc#c1-desc").get_text() == "A 20%, B 30%"
    assert len(soup.select("rect.chart-bar")) == 2
    assert len(soup.select("line.chart-whisker")) == 6
    assert len(soup.select("line.chart-threshold")) == 1
    assert "&lt;B&gt;" in str(svg) and "<B>" not in str(svg)
    assert "fewer than 10 cases" in soup.get_text()
    assert "style=" not in str(svg)  # the CSP forbids inline style


def test_wider_values_rescale_the_axis():
    soup = BeautifulSoup(
        str(group_rates_chart([Bar("A", 0.9, 0.85, 0.95)], title="t", desc="d", chart_id="c")),
        "html.parser",
    )
    labels = [t.get_text() for t in soup.select("text") if t.get_text().endswith("%")]
    assert "100%" in labels
