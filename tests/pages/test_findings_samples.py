"""The headline of each sample audit (samples/predictions/*.spec.json with their data, as
``registry demo`` publishes them) states the right groups, direction and size, in both languages,
with the numbers of the report's comparisons as the tables write them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import fairness
from registry.pages import labels, numbers
from registry.pages.findings import NOTHING_BEYOND, findings, headline
from registry.services.audits.disclosure import suppress_report

PREDICTIONS = Path(__file__).resolve().parents[2] / "samples" / "predictions"
SAMPLES = sorted(p.name.removesuffix(".spec.json") for p in PREDICTIONS.glob("*.spec.json"))
K = 10


@cache
def _report(name: str) -> dict[str, Any]:
    spec = json.loads((PREDICTIONS / f"{name}.spec.json").read_text())
    data = next(
        p for p in PREDICTIONS.iterdir() if p.name.startswith(f"{name}.") and ".spec." not in p.name
    )
    if ".counts." in data.name:
        report = fairness.audit_count_file(data, spec)
    else:
        report = fairness.audit(data, spec)
    return suppress_report(report.to_dict(), k=K)


def _comparison(report: dict[str, Any], finding: dict[str, Any]) -> dict[str, Any]:
    return next(
        c
        for c in report["comparisons"]
        if (c["attribute"], c["metric"], c["group"])
        == (finding["attribute"], finding["metric"], finding["group"])
    )


def _names(report: dict[str, Any], finding: dict[str, Any], lang: str) -> tuple[str, str]:
    attribute = finding["attribute"]
    return (
        labels.group_label(report, attribute, finding["group"], lang),
        labels.group_label(report, attribute, finding["reference"], lang),
    )


#: Per sample: the headline's (attribute, group, reference, metric, direction) where "more" means
#: the group's rate is higher than the reference's; None when nothing was beyond a threshold.
HEADLINES: dict[str, tuple[str, str, str, str, str] | None] = {
    "benefit-fraud-risk": ("age_band", "18-24", "35-49", "false_positive_rate", "more"),
    "jobseeker-programme-selection": (
        "ethnicity",
        "Black or African American",
        "Two or More Races",
        "selection_rate",
        "less",
    ),
    "school-place-ranking": ("household_income_band", "low", "middle", "selection_rate", "less"),
    "hospital-triage-priority": None,
    "tax-audit-selection": ("business_size", "micro", "large", "selection_rate", "more"),
}
WORDS = {  # what the headline says happened, by favourable outcome
    ("adverse", "en"): "were flagged",
    ("adverse", "zh-CN"): "被标记",
    ("beneficial", "en"): "were selected",
    ("beneficial", "zh-CN"): "被选中",
}
WHO = {
    ("false_positive_rate", "en"): "people who had done nothing wrong",
    ("false_positive_rate", "zh-CN"): "没有过错的人",
}


def test_every_sample_has_an_expected_headline() -> None:
    assert set(SAMPLES) == set(HEADLINES)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("name", SAMPLES)
def test_sample_headline_states_groups_direction_and_size(name: str, lang: str) -> None:
    report = _report(name)
    found = findings(report, lang)
    expected = HEADLINES[name]
    if expected is None:
        assert found["failed"] == []
        assert found["headline"] in (
            NOTHING_BEYOND,
            "在所做的检验中，未发现超出事先声明阈值的差异。",
        )
        return
    attribute, group, reference, metric, direction = expected
    first = found["failed"][0]
    assert found["headline"] == first["text"]
    assert (first["attribute"], first["group"], first["reference"], first["metric"]) == (
        attribute,
        group,
        reference,
        metric,
    )
    text = first["text"]
    group_name, reference_name = _names(report, first, lang)
    assert f"“{group_name}”" in text and f"“{reference_name}”" in text
    assert text.index(f"“{group_name}”") < text.index(f"“{reference_name}”")
    assert labels.attribute_label(report, attribute, lang) in text
    favourable = report["spec"]["favourable_outcome"]
    assert WORDS[(favourable, lang)] in text
    if (metric, lang) in WHO:
        assert WHO[(metric, lang)] in text
    # size: the group's rate over the reference's, written as the table writes it
    comparison = _comparison(report, first)
    ratio = comparison["ratio"]
    assert (ratio > 1) == (direction == "more")
    shown = [
        numbers.ratio_text(comparison[k], lang) for k in ("ratio", "ratio_ci_low", "ratio_ci_high")
    ]
    assert [first["value_text"], first["low_text"], first["high_text"]] == shown
    for number in shown:
        assert number in text
    assert ("times as often" in text) if lang == "en" else ("倍" in text)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_failed_comparison_of_a_sample_is_a_sentence_with_the_tables_numbers(
    name: str,
) -> None:
    report = _report(name)
    failed_rows = [c for c in report["checks"] if c["verdict"] == "fail"]
    for lang in ("en", "zh-CN"):
        found = findings(report, lang)
        assert len(found["failed"]) == len(failed_rows)
        for finding in found["failed"]:
            comparison = _comparison(report, finding)
            if finding["withheld"]:
                assert finding["value_text"] is None
                continue
            if finding["kind"] == "ratio":
                cells = [
                    numbers.ratio_text(comparison[k], lang)
                    for k in ("ratio", "ratio_ci_low", "ratio_ci_high")
                ]
            else:
                cells = [
                    numbers.points_text(comparison[k] * 100, lang).lstrip("-")
                    for k in ("difference", "difference_ci_low", "difference_ci_high")
                ]
            assert finding["value_text"] == cells[0]
            assert {finding["low_text"], finding["high_text"]} == set(cells[1:])
            group_name, reference_name = _names(report, finding, lang)
            assert f"“{group_name}”" in finding["text"]
            assert f"“{reference_name}”" in finding["text"]


def test_benefit_fraud_headline_reads_as_the_issue_asks() -> None:
    """The issue: 18-24 year olds who had done nothing wrong were flagged about 2.5 times as
    often as 35-49 year olds, and the page showed 0.40."""
    report = _report("benefit-fraud-risk")
    en = findings(report, "en")
    assert "people who had done nothing wrong were flagged 2.48 times as often" in en["headline"]
    assert "0.40" not in en["headline"]
    assert en["within"] == "11 of the 40 comparisons were within the declared threshold."
    assert en["not_judged"] is not None and en["not_judged"].startswith(
        "20 comparisons could not be judged"
    )
    zh = findings(report, "zh-CN")
    assert "没有过错的人被标记的比例是" in zh["headline"] and "2.48 倍" in zh["headline"]


def test_hospital_triage_says_which_groups_were_too_small_to_judge() -> None:
    report = _report("hospital-triage-priority")
    en = findings(report, "en")
    assert en["failed"] == []
    assert en["not_judged"] is not None and "too few people" in en["not_judged"]
    other = labels.group_label(report, "ethnicity", "Other", "en")
    assert f"“{other}”" in en["not_judged"]
    zh = findings(report, "zh-CN")["not_judged"]
    assert zh is not None and "人数太少" in zh


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("name", SAMPLES)
def test_the_list_headline_is_the_pages_headline(name: str, lang: str) -> None:
    """Lists compute the headline from the failed comparisons alone; it is the page's."""
    spec = json.loads((PREDICTIONS / f"{name}.spec.json").read_text())
    data = next(
        p for p in PREDICTIONS.iterdir() if p.name.startswith(f"{name}.") and ".spec." not in p.name
    )
    run = fairness.audit_count_file if ".counts." in data.name else fairness.audit
    raw = run(data, spec).to_dict()
    assert headline(raw, lang, k=K) == findings(_report(name), lang)["headline"]
    assert headline(None, lang, k=K) is None
