"""The findings sentences (registry.pages.findings): groups, direction and size the way people read
them, in both languages, with the numbers exactly as the tables write them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairness
from registry import i18n
from registry.pages import comparison_view, numbers
from registry.pages.findings import (
    ABOUT,
    NOTHING_BEYOND,
    NOTHING_COMPARED,
    PHRASES,
    VERB,
    WHO,
    findings,
    headline,
)

LANGS = ("en", "zh-CN")


def _report(
    *,
    favourable: str = "adverse",
    checks: list[dict[str, Any]] | None = None,
    rows: list[dict[str, Any]] | None = None,
    comparisons: list[dict[str, Any]] | None = None,
    metrics: list[dict[str, Any]] | None = None,
    singles: tuple[str, ...] = ("age",),
) -> dict[str, Any]:
    return {
        "spec": {
            "favourable_outcome": favourable,
            "columns": {"sensitive_features": list(singles)},
            "checks": checks
            or [
                {"name": "fpr_ratio", "metric": "false_positive_rate", "kind": "ratio"},
                {"name": "tpr_gap", "metric": "true_positive_rate", "kind": "difference"},
            ],
        },
        "checks": rows or [],
        "comparisons": comparisons or [],
        "metrics": metrics or [],
    }


def _ratio_row(group: str, ratio: float, low: float, high: float | None, **extra: Any) -> tuple:
    """A failed ratio check row and its comparison (group over reference)."""
    attribute = extra.get("attribute", "age")
    metric = extra.get("metric", "false_positive_rate")
    oriented = 1 / ratio if ratio > 1 else ratio
    check = {
        "name": extra.get("name", "fpr_ratio"),
        "attribute": attribute,
        "metric": metric,
        "kind": "ratio",
        "group": group,
        "reference": extra.get("reference", "35-49"),
        "value": oriented,
        "ci_low": oriented * 0.9,
        "ci_high": oriented * 1.1,
        "verdict": extra.get("verdict", "fail"),
    }
    comparison = {
        "attribute": attribute,
        "metric": metric,
        "group": group,
        "reference": check["reference"],
        "ratio": ratio,
        "ratio_ci_low": low,
        "ratio_ci_high": high,
        "difference": 0.05,
        "difference_ci_low": 0.03,
        "difference_ci_high": 0.07,
        "status": "ok",
    }
    return check, comparison


def _gap_row(group: str, diff: float, low: float, high: float, **extra: Any) -> tuple:
    attribute = extra.get("attribute", "age")
    metric = extra.get("metric", "true_positive_rate")
    check = {
        "name": "tpr_gap",
        "attribute": attribute,
        "metric": metric,
        "kind": "difference",
        "group": group,
        "reference": extra.get("reference", "35-49"),
        "value": abs(diff),
        "ci_low": min(abs(low), abs(high)),
        "ci_high": max(abs(low), abs(high)),
        "verdict": extra.get("verdict", "fail"),
    }
    comparison = {
        "attribute": attribute,
        "metric": metric,
        "group": group,
        "reference": check["reference"],
        "ratio": 0.5,
        "ratio_ci_low": 0.4,
        "ratio_ci_high": 0.6,
        "difference": diff,
        "difference_ci_low": low,
        "difference_ci_high": high,
        "status": "ok",
    }
    return check, comparison


def _with(*pairs: tuple, **kwargs: Any) -> dict[str, Any]:
    return _report(rows=[p[0] for p in pairs], comparisons=[p[1] for p in pairs], **kwargs)


def test_an_adverse_ratio_reads_as_flagged_times_as_often_not_the_impact_ratio() -> None:
    report = _with(_ratio_row("18-24", 2.48367868, 2.3115661, 2.66860627))
    found = findings(report, "en")
    assert found["headline"] == (
        "By Age, people who had done nothing wrong were flagged 2.48 times as often in “18-24” "
        "as in “35-49” (between 2.31 and 2.67 times)."
    )
    assert "0.40" not in found["headline"]
    assert found["failed"][0]["value_text"] == "2.48"
    assert (found["failed"][0]["low_text"], found["failed"][0]["high_text"]) == ("2.31", "2.67")


def test_the_same_finding_in_chinese_names_the_groups_and_the_numbers() -> None:
    report = _with(_ratio_row("18-24", 2.48367868, 2.3115661, 2.66860627))
    assert findings(report, "zh-CN")["headline"] == (
        "按age划分，“18-24”群体中没有过错的人被标记的比例是“35-49”群体的 2.48 倍"
        "（介于 2.31 至 2.67 倍之间）。"
    )


def test_a_round_ratio_is_also_said_in_words_with_the_exact_number_beside_it() -> None:
    report = _with(
        _ratio_row("low", 0.5049, 0.45, 0.56, metric="selection_rate"),
        favourable="beneficial",
    )
    report["spec"]["checks"] = [{"name": "fpr_ratio", "metric": "selection_rate", "kind": "ratio"}]
    en = findings(report, "en")["headline"]
    assert en == (
        "By Age, people were selected about half as often in “low” as in “35-49” "
        "(0.50 times; between 0.45 and 0.56 times)."
    )
    zh = findings(report, "zh-CN")["headline"]
    assert "约为“35-49”群体的一半" in zh and "0.50 倍" in zh and "被选中" in zh


def test_an_unbounded_interval_says_at_least() -> None:
    report = _with(_ratio_row("18-24", 4.0, 3.1, None))
    assert findings(report, "en")["headline"].endswith("(at least 3.10 times).")
    assert findings(report, "zh-CN")["headline"].endswith("（至少 3.10 倍）。")


@pytest.mark.parametrize(
    ("diff", "low", "high", "word", "zh_word", "numbers_shown"),
    [
        (-0.1234, -0.1611, -0.0857, "less often", "低", ("12.3", "8.6", "16.1")),
        (0.1234, 0.0857, 0.1611, "more often", "高", ("12.3", "8.6", "16.1")),
    ],
)
def test_a_difference_reads_as_a_gap_in_percentage_points(
    diff, low, high, word, zh_word, numbers_shown
) -> None:
    report = _with(_gap_row("18-24", diff, low, high), favourable="beneficial")
    gap, a, b = numbers_shown
    assert findings(report, "en")["headline"] == (
        f"By Age, people who qualified were selected {word} in “18-24” than in “35-49”: a gap of "
        f"{gap} percentage points (between {a} and {b})."
    )
    zh = findings(report, "zh-CN")["headline"]
    assert f"比“35-49”群体{zh_word} {gap} 个百分点" in zh and f"介于 {a} 至 {b} 个百分点之间" in zh


def test_a_withheld_comparison_keeps_its_direction_but_gives_no_number() -> None:
    check, comparison = _ratio_row("tiny", 3.0, 2.0, 4.0)
    marker = {"suppressed": True, "display": "<10"}
    check.update(value=marker, ci_low=marker, ci_high=marker)
    comparison.update(ratio=marker, ratio_ci_low=marker, ratio_ci_high=marker)
    found = findings(_with((check, comparison)), "en")
    assert found["failed"][0]["withheld"] and found["failed"][0]["value_text"] is None
    assert "more often in “tiny”" in found["headline"]
    assert not re.search(r"\d", found["headline"].replace("35-49", ""))
    assert "不予公布" in findings(_with((check, comparison)), "zh-CN")["headline"]


def test_failures_come_check_by_check_single_attributes_first_worst_first() -> None:
    report = _with(
        _gap_row("18-24", -0.2, -0.25, -0.15),
        _ratio_row("young & eu", 5.0, 4.0, 6.0, attribute="age & nationality"),
        _ratio_row("25-34", 1.5, 1.3, 1.7),
        _ratio_row("18-24", 2.5, 2.3, 2.7),
        singles=("age", "nationality"),
    )
    found = findings(report, "en")
    order = [(f["check"], f["attribute"], f["group"]) for f in found["failed"]]
    assert order == [
        ("fpr_ratio", "age", "18-24"),
        ("fpr_ratio", "age", "25-34"),
        ("fpr_ratio", "age & nationality", "young & eu"),
        ("tpr_gap", "age", "18-24"),
    ]
    assert found["headline"] == found["failed"][0]["text"]


@pytest.mark.parametrize("lang", LANGS)
def test_without_failures_the_headline_says_nothing_beyond_the_thresholds_never_fair(lang) -> None:
    passed, comparison = _ratio_row("25-34", 1.02, 0.95, 1.1, verdict="pass")
    found = findings(_with((passed, comparison)), lang)
    assert found["headline"] == i18n.gettext(lang, NOTHING_BEYOND)
    assert found["failed"] == [] and found["not_judged"] is None
    assert "fair" not in found["headline"].lower() and "公平" not in found["headline"]
    assert found["within"] == (
        "1 of the 1 comparisons was within the declared threshold."
        if lang == "en"
        else "在 1 项比较中，有 1 项在事先声明的阈值之内。"
    )
    assert findings(_report(), lang)["headline"] == i18n.gettext(lang, NOTHING_COMPARED)
    assert findings(_report(), lang)["within"] is None
    assert headline(None, lang, k=10) is None


def test_what_could_not_be_judged_is_counted_by_reason_and_names_the_small_groups() -> None:
    small, small_cmp = _ratio_row("Other", 2.0, 0.5, 8.0, verdict="inconclusive")
    small.update(value=None, ci_low=None, ci_high=None)
    small_cmp["status"] = "insufficient_data"
    small_ref, small_ref_cmp = _ratio_row("25-34", 1.0, 0.5, 2.0, verdict="inconclusive")
    small_ref.update(value=None, reference="Traveller")
    small_ref_cmp.update(status="insufficient_data", reference="Traveller")
    wide, wide_cmp = _ratio_row("50-64", 1.3, 0.9, 1.6, verdict="inconclusive")
    none, none_cmp = _ratio_row("65+", 1.0, 0.5, 2.0, verdict="inconclusive")
    none.update(value=None)
    none_cmp["status"] = "undefined"
    metrics = [
        {"attribute": "age", "metric": "false_positive_rate", "group": "Other", "status": "x"},
        {"attribute": "age", "metric": "false_positive_rate", "group": "25-34", "status": "ok"},
        {
            "attribute": "age",
            "metric": "false_positive_rate",
            "group": "Traveller",
            "status": "insufficient_data",
        },
    ]
    metrics[0]["status"] = "insufficient_data"
    report = _with(
        (small, small_cmp), (small_ref, small_ref_cmp), (wide, wide_cmp), (none, none_cmp)
    )
    report["metrics"] = metrics
    en = findings(report, "en")["not_judged"]
    assert en == (
        "4 comparisons could not be judged: 2 because a group had too few people to judge "
        "(“Other”, “Traveller”); 1 because a rate or ratio could not be computed (no one it "
        "applies to); 1 because the uncertainty range spans the threshold, so this sample "
        "cannot tell."
    )
    zh = findings(report, "zh-CN")["not_judged"]
    assert zh is not None and zh.startswith("4 项比较无法判断：2 项因为有群体人数太少")
    only_wide = findings(_with((wide, wide_cmp)), "en")["not_judged"]
    assert only_wide == (
        "1 comparison could not be judged because the uncertainty range spans the threshold, "
        "so this sample cannot tell."
    )


def test_a_long_list_of_small_groups_is_cut_with_a_count() -> None:
    pairs = []
    for i in range(9):
        check, comparison = _ratio_row(f"g{i}", 1.0, 0.5, 2.0, verdict="inconclusive")
        check["value"] = None
        comparison["status"] = "insufficient_data"
        pairs.append((check, comparison))
    line = findings(_with(*pairs), "en")["not_judged"]
    assert line is not None and "“g0”, “g1”, “g2”, “g3”, “g4” and 4 more" in line


@pytest.mark.parametrize("metric", [m for m in fairness.METRICS if m != "prevalence"])
@pytest.mark.parametrize("favourable", ["adverse", "beneficial"])
def test_every_checkable_metric_has_a_phrase_in_both_languages(metric, favourable) -> None:
    assert metric in PHRASES
    report = _with(_ratio_row("a", 2.0, 1.5, 2.5, metric=metric), favourable=favourable)
    en = findings(report, "en")["headline"]
    zh = findings(report, "zh-CN")["headline"]
    assert "_" not in en.replace("false_positive_rate", "")
    assert not re.search(r"[A-Za-z]{3,}", zh.replace("age", "")), zh


def test_every_phrase_word_is_translated() -> None:
    for table in (WHO, VERB):
        for pair in table.values():
            for words in pair:
                assert i18n.gettext("zh-CN", words) != words
    for _value, words in ABOUT:
        assert i18n.gettext("zh-CN", words) != words


def test_the_orientation_follows_the_engine_for_every_metric() -> None:
    """A failing group is worse off: its rate is higher where higher is worse."""
    for metric in PHRASES:
        for favourable in ("adverse", "beneficial"):
            better_high = comparison_view.higher_is_better(metric, favourable)
            assert better_high == (fairness.higher_is_better(metric, favourable) is not False)


_ratios = st.floats(min_value=0.01, max_value=50, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(ratio=_ratios, spread=st.floats(min_value=0.01, max_value=0.5), lang=st.sampled_from(LANGS))
def test_ratio_sentences_quote_the_table_cells_exactly(ratio, spread, lang) -> None:
    low, high = ratio * (1 - spread), ratio * (1 + spread)
    found = findings(_with(_ratio_row("g", ratio, low, high)), lang)["failed"][0]
    cells = [numbers.ratio_text(v, lang) for v in (ratio, low, high)]
    assert [found["value_text"], found["low_text"], found["high_text"]] == cells
    for cell in cells:
        assert cell in found["text"]


@settings(max_examples=150, deadline=None)
@given(
    diff=st.floats(min_value=-0.99, max_value=0.99).filter(lambda d: abs(d) > 0.001),
    spread=st.floats(min_value=0.0001, max_value=0.2),
    lang=st.sampled_from(LANGS),
)
def test_gap_sentences_quote_the_table_cells_unsigned(diff, spread, lang) -> None:
    low, high = diff - spread, diff + spread
    found = findings(_with(_gap_row("g", diff, low, high)), lang)["failed"][0]
    cells = [numbers.points_text(v * 100, lang).lstrip("-") for v in (diff, low, high)]
    assert found["value_text"] == cells[0]
    assert {found["low_text"], found["high_text"]} == {cells[1], cells[2]}
    assert all(cell in found["text"] for cell in cells)
    more = "more often" in found["text"] or "高" in found["text"]
    assert more == (diff > 0)
