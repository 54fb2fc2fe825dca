"""Inline SVG charts: accessible names, escaping, whiskers and threshold line; drawn from the chart
input the view-model builds, with no template calling back into view-model code."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from jinja2 import nodes

from registry.pages.svg_charts import (
    Bar,
    group_rates_chart,
    narrow_rates_chart,
    render_rates_chart,
)
from registry.pages.templating import create_environment


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


@pytest.mark.db
def test_audit_page_draws_each_chart_from_the_input_in_its_json_twin(client, world):
    """The view-model computes the chart (bars, words, threshold); the page only draws it."""
    data = client.get(f"/audits/{world.audit_id}.json").json()
    soup = BeautifulSoup(client.get(f"/audits/{world.audit_id}").text, "html.parser")
    tables = [t for section in data["attributes"] for t in section["tables"]]
    assert tables
    for table in tables:
        chart = table["chart"]
        assert chart["id"] == table["chart_id"] and chart["title"] == table["title"]
        assert chart["threshold"] == table["threshold_rate"]
        assert [b["label"] for b in chart["bars"]] == [r["group"] for r in table["rows"]]
        assert [b["value"] for b in chart["bars"]] == [r["rate"] for r in table["rows"]]
        svg = soup.select_one(f'svg[aria-labelledby="{chart["id"]}-title {chart["id"]}-desc"]')
        assert svg is not None
        assert svg.select_one("title").get_text() == chart["title"]
        assert svg.select_one("desc").get_text() == chart["desc"]
        assert len(svg.select("rect")) == sum(b["value"] is not None for b in chart["bars"])
    small = next(b for t in tables for b in t["chart"]["bars"] if b["label"] == "nonbinary")
    assert small["value"] is None and small["note"] == "fewer than 10 cases"
    assert "nonbinary" not in tables[0]["chart"]["desc"]  # no withheld rate in the words either


def test_render_rates_chart_draws_exactly_its_input():
    chart = {
        "id": "c9",
        "title": "Selection rate · sex",
        "desc": "female 20.0%",
        "threshold": 0.2,
        "threshold_label": "threshold",
        "bars": [{"label": "female", "value": 0.2, "low": 0.18, "high": 0.22, "note": ""}],
    }
    words = {"title": "Selection rate · sex", "desc": "female 20.0%", "chart_id": "c9"}
    bars = [Bar("female", 0.2, 0.18, 0.22)]
    wide = group_rates_chart(bars, **words, threshold=0.2, threshold_label="threshold")
    narrow = narrow_rates_chart(bars, **words, threshold=0.2, threshold_label="threshold")
    assert render_rates_chart(chart) == wide + narrow  # type: ignore[arg-type]


def test_the_narrow_layout_puts_each_name_above_its_bar_with_unique_ids():
    bars = [Bar("female", 0.2, 0.18, 0.22), Bar("nonbinary", None, note="fewer than 10 cases")]
    svg = narrow_rates_chart(bars, title="T <B>", desc="D", chart_id="c1", threshold=0.16)
    root = BeautifulSoup(str(svg), "html.parser").select_one("svg")
    assert root is not None
    assert root["class"] == ["chart-narrow"] and root["viewbox"].startswith("0 0 300 ")
    assert root["aria-labelledby"] == "c1-n-title c1-n-desc"
    assert root.select_one("title")["id"] == "c1-n-title"
    assert "&lt;B&gt;" in str(svg) and "style=" not in str(svg)
    texts = {t.get_text(): t for t in root.select("text")}
    name, rate = texts["female"], texts["20.0%"]
    assert float(name["y"]) < float(root.select_one("rect")["y"])  # the name stands above its bar
    assert rate["text-anchor"] == "end"
    assert "fewer than 10 cases" in texts  # a withheld group says why, in words
    assert len(root.select("rect")) == 1


# Called by name in templates: translation, URLs, the pre-rendered card sections fragment, and
# Jinja's own super() (a page adding to its layout's block, e.g. a stylesheet in "head") and
# caller() (the body a {% call %} block gives a macro such as ui.stack_table).
TEMPLATE_HELPERS = {"_", "gettext", "ngettext", "url", "card_sections_html", "super", "caller"}


def test_templates_only_render_and_call_no_view_model_code():
    """No template computes data by calling back into a view-model or chart code: a call is to a
    macro, a translation or URL helper, or the card sections fragment; no global or filter comes
    from a view-model module."""
    env = create_environment()
    calls: dict[str, set[str]] = {}
    macros: set[str] = set()
    for name in env.list_templates():
        tree = env.parse(env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
        macros.update(m.name for m in tree.find_all(nodes.Macro))
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name):
                calls.setdefault(call.node.name, set()).add(name)
    unexpected = {f: sorted(t) for f, t in calls.items() if f not in macros | TEMPLATE_HELPERS}
    assert unexpected == {}
    helpers = [*env.globals.values(), *env.filters.values()]
    modules = {getattr(h, "__module__", "") or "" for h in helpers if callable(h)}
    assert not [m for m in modules if m.startswith("registry.pages.vm_")]
