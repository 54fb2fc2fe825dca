"""The audit page names what each comparison table shows, for every check kind, in both languages:
ratio tables show the group's rate over the reference's (reference row 1.00), difference tables
the gap in percentage points (reference row 0.0); the findings open the page and quote the tables'
cells; the twin and the CSV carry the same measures under their own names."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import fairness
from registry.models.audit import Audit
from registry.pages import numbers
from tests.pages.conftest import parse

pytestmark = pytest.mark.db

COUNTS = (
    "age,tp,fp,tn,fn\n"
    "young,200,300,1500,100\n"
    "middle,200,100,1700,100\n"
    "old,190,110,1690,110\n"
    "tiny,3,2,2,1\n"
)
CHECK_KINDS = ("ratio", "difference")
HEADINGS = {
    ("ratio", "en"): "Ratio to reference (95% interval)",
    ("difference", "en"): "Difference from reference, percentage points (95% interval)",
    ("ratio", "zh-CN"): "与参照群体之比（95% 区间）",
    ("difference", "zh-CN"): "与参照群体之差，百分点（95% 区间）",
}
REFERENCE_CELL = {"ratio": "1.00", "difference": "0.0"}


def _spec(favourable: str) -> dict[str, Any]:
    return {
        "columns": {"sensitive_features": ["age"]},
        "favourable_outcome": favourable,
        "reference": "most_favoured",
        "metrics": ["selection_rate", "false_positive_rate"],
        "checks": [
            {"name": "sel", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8},
            {
                "name": "fpr_gap",
                "metric": "false_positive_rate",
                "kind": "difference",
                "threshold": 0.05,
            },
        ],
        "min_denominator": 30,
        "seed": 1,
        "bootstrap_replicates": 50,
    }


@pytest.fixture(params=["adverse", "beneficial"])
def audit_of_both_kinds(request, world, session, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """The world's published audit, rewritten with a ratio and a difference check that fail."""
    data = tmp_path / "counts.csv"
    data.write_text(COUNTS)
    spec = _spec(request.param)
    report = fairness.audit_count_file(data, spec).to_dict()
    audit = session.exec(select(Audit).where(Audit.public_id == world.audit_id)).one()
    audit.spec, audit.report, audit.verdict = report["spec"], report, report["verdict"]
    audit.spec_sha256 = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    session.add(audit)
    session.commit()
    return world.audit_id, report


def _tables(soup) -> dict[str, Any]:
    """Each results table by its check's measure kind (one attribute, one table per check; the
    table of other measures, which compares nothing, left out)."""
    tables = soup.select("#results-heading ~ div.table-wrap table:not(.measures)")
    assert len(tables) == 2
    return dict(zip(CHECK_KINDS, tables, strict=True))


def _comparisons(report: dict[str, Any], metric: str) -> dict[str, dict[str, Any]]:
    return {c["group"]: c for c in report["comparisons"] if c["metric"] == metric}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_each_table_heads_its_column_with_the_measure_it_shows(
    client, audit_of_both_kinds, lang
) -> None:
    audit_id, report = audit_of_both_kinds
    soup = parse(client.get(f"/audits/{audit_id}?lang={lang}"))
    metric_of = {"ratio": "selection_rate", "difference": "false_positive_rate"}
    for kind, table in _tables(soup).items():
        headings = [th.get_text(strip=True) for th in table.select("thead th")]
        assert headings[3] == HEADINGS[(kind, lang)]
        other = HEADINGS[("difference" if kind == "ratio" else "ratio", lang)]
        assert other not in headings
        comparisons = _comparisons(report, metric_of[kind])
        for row in table.select("tbody tr"):
            group = row.select_one("th").get_text(" ", strip=True).split()[0]
            cell = row.select("td")[2].get_text(" ", strip=True)
            if row.select_one(".tag-info"):  # the reference
                assert cell == REFERENCE_CELL[kind]
                continue
            if group == "tiny":  # below the small-cell limit: withheld, never a number
                assert not any(ch.isdigit() for ch in cell)
                continue
            c = comparisons[group]
            if kind == "ratio":
                expected = [numbers.ratio_text(c[k], lang) for k in ("ratio", "ratio_ci_low")]
                assert cell.startswith(f"{expected[0]} ({expected[1]}–")
            else:
                expected = [
                    numbers.points_text(c[k] * 100, lang)
                    for k in ("difference", "difference_ci_low", "difference_ci_high")
                ]
                to = "to" if lang == "en" else "至"
                assert cell == f"{expected[0]} ({expected[1]} {to} {expected[2]})"
        caption = table.select_one("caption").get_text(" ", strip=True)
        assert ("percentage points" if lang == "en" else "百分点") in caption or kind == "ratio"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_page_opens_with_findings_that_quote_the_table_cells(
    client, audit_of_both_kinds, lang
) -> None:
    audit_id, _report = audit_of_both_kinds
    soup = parse(client.get(f"/audits/{audit_id}?lang={lang}"))
    first_section = soup.select_one("article section")
    assert first_section.select_one("h2")["id"] == "findings-heading"
    data = client.get(f"/audits/{audit_id}.json?lang={lang}").json()
    findings = data["findings"]
    items = [li.get_text(strip=True) for li in first_section.select("li")]
    assert items == [f["text"] for f in findings["failed"]]
    assert items[0] == findings["headline"]
    assert {f["kind"] for f in findings["failed"]} == set(CHECK_KINDS)
    cells = {kind: table.get_text(" ", strip=True) for kind, table in _tables(soup).items()}
    for finding in findings["failed"]:
        for number in (finding["value_text"], finding["low_text"], finding["high_text"]):
            assert number and number in finding["text"]
            assert number in cells[finding["kind"]]
    paragraphs = " ".join(p.get_text(" ", strip=True) for p in first_section.select("p"))
    assert findings["within"] in paragraphs and findings["not_judged"] in paragraphs


def test_the_rule_is_written_in_the_direction_the_table_reads(client, audit_of_both_kinds) -> None:
    audit_id, report = audit_of_both_kinds
    data = client.get(f"/audits/{audit_id}.json").json()
    rules = {t["measure"]: t["rule_text"] for t in data["attributes"][0]["tables"]}
    if report["spec"]["favourable_outcome"] == "adverse":
        assert rules["ratio"].startswith("a group's rate may be at most 1.25 times")
        assert rules["difference"].endswith(
            "at most 5 percentage points above the reference group's"
        )
    else:
        assert rules["ratio"] == "a group's rate must be at least 0.8 times the reference group's"
        assert rules["difference"].endswith(
            "at most 5 percentage points below the reference group's"
        )


def test_the_twin_and_the_csv_name_each_measure(client, audit_of_both_kinds) -> None:
    audit_id, report = audit_of_both_kinds
    data = client.get(f"/audits/{audit_id}.json").json()
    tables = {t["measure"]: t for t in data["attributes"][0]["tables"]}
    assert set(tables) == set(CHECK_KINDS)
    old = {kind: next(r for r in t["rows"] if r["group"] == "old") for kind, t in tables.items()}
    sel = _comparisons(report, "selection_rate")["old"]
    fpr = _comparisons(report, "false_positive_rate")["old"]
    assert old["ratio"]["ratio"] == pytest.approx(sel["ratio"])
    assert old["ratio"]["difference_pp"] is None
    assert old["difference"]["difference_pp"] == pytest.approx(fpr["difference"] * 100)
    assert old["difference"]["ratio"] is None
    rows = list(csv.DictReader(io.StringIO(client.get(f"/audits/{audit_id}.csv").text)))
    assert {"measure", "ratio_to_reference", "difference_from_reference_pp"} <= set(rows[0])
    for row in rows:
        if row["measure"] == "ratio":
            assert row["difference_from_reference_pp"] == ""
        else:
            assert row["measure"] == "difference" and row["ratio_to_reference"] == ""


def test_an_adverse_ratio_above_one_is_what_the_page_says_not_its_inverse(
    client, audit_of_both_kinds
) -> None:
    """The issue's case: a group flagged 2.5 times as often showed 0.40 under "Ratio to
    reference". Now the ratio column shows the group's rate over the reference's."""
    audit_id, report = audit_of_both_kinds
    if report["spec"]["favourable_outcome"] != "adverse":
        pytest.skip("adverse outcome only")
    check = next(c for c in report["checks"] if c["name"] == "sel" and c["group"] == "young")
    assert check["value"] < 1  # the engine's oriented impact ratio
    soup = parse(client.get(f"/audits/{audit_id}"))
    row = next(
        r for r in _tables(soup)["ratio"].select("tbody tr") if "young" in r.select_one("th").text
    )
    shown = float(row.select("td")[2].get_text(strip=True).split()[0])
    assert shown > 1 and shown == pytest.approx(1 / check["value"], abs=0.006)
    assert numbers.ratio_text(check["value"], "en") not in row.get_text()
