"""The audit page says what the scores show, in English and Chinese: calibration within groups
(with a reliability diagram and its table), the groups' ROC AUC compared with DeLong's test, and
the KS test of the score distributions; small groups' score figures are withheld."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session, select

import fairness
from registry.models.audit import Audit
from registry.pages import score_view
from registry.pages.svg_charts import reliability_chart
from registry.services.audits.disclosure import suppress_report
from tests.pages.conftest import parse
from tests.pages.labelled_audit import LABELS

LANGS = ("en", "zh-CN")
NAMES = {g: LABELS["groups"]["sex"][g] for g in ("female", "male", "nonbinary")}


def scored_report(tmp_path: Path, *, small: bool = False) -> dict[str, Any]:
    """An engine report of a scored sample: the women's scores overstate their outcome rate and
    rank their outcomes less well than the men's; their scores are lower too."""
    rng = np.random.default_rng(21)
    n = 3000
    sex = rng.choice(["female", "male", "nonbinary"], n, p=[0.45, 0.45, 0.10])
    if small:
        sex[:] = np.where(np.arange(n) < 5, "nonbinary", np.where(sex == "nonbinary", "male", sex))
    score = np.where(sex == "female", rng.beta(2, 3, n), rng.beta(2, 2, n))
    truth = np.where(sex == "female", 0.25 + 0.5 * score * 0.7, score)
    frame = pd.DataFrame(
        {"sex": sex, "hired": (rng.random(n) < truth).astype(int), "score": score.round(4)}
    )
    path = tmp_path / "scored.csv"
    frame.to_csv(path, index=False)
    spec = {
        "columns": {"label": "hired", "score": "score", "threshold": ">=0.5",
                    "sensitive_features": ["sex"]},
        "reference_groups": {"sex": "male"},
        "labels": copy.deepcopy(LABELS),
        "checks": [{"name": "selection_ratio", "metric": "selection_rate", "kind": "ratio",
                    "threshold": 0.8}],
    }  # fmt: skip
    return fairness.audit(path, spec).to_dict()


def store(session: Session, audit_id: str, report: dict[str, Any]) -> None:
    audit = session.exec(select(Audit).where(Audit.public_id == audit_id)).one()
    audit.report = report
    audit.spec = report["spec"]
    audit.verdict = report["verdict"]
    session.add(audit)
    session.commit()


@pytest.fixture
def scored(session, world, tmp_path):  # type: ignore[no-untyped-def]
    store(session, world.audit_id, scored_report(tmp_path))
    return world


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_says_what_the_scores_show_in_both_languages(client, scored, lang):
    soup = parse(client.get(f"/audits/{scored.audit_id}?lang={lang}"))
    heading = soup.find("h4", id="scores-0-heading")
    assert heading.get_text(strip=True) == (
        "What the scores show" if lang == "en" else "评分显示了什么"
    )
    sentences = [li.get_text(" ", strip=True) for li in heading.find_next("ul").select("li")]
    women, men = NAMES["female"][lang], NAMES["male"][lang]
    if lang == "en":
        assert any(
            s.startswith("Among people given a score near ") and women in s for s in sentences
        )
        auc = next(s for s in sentences if s.startswith("The scores separate outcomes less well"))
        assert re.search(rf"for {women} than for {men}: AUC 0\.\d\d against 0\.\d\d\.", auc)
        assert "larger than chance would explain (DeLong's test" in auc
        assert any(
            s.startswith(f"For {women}, the scores and the outcomes disagree") for s in sentences
        )
        assert any(s.startswith(f"The scores of {women} are spread differently") for s in sentences)
    else:
        assert any(s.startswith("在评分约为") and women in s for s in sentences)
        assert any(f"评分对“{women}”区分结果的能力弱于“{men}”" in s for s in sentences)
        assert any("超出了偶然所能解释的范围（DeLong 检验" in s for s in sentences)
    for code in ("female", "nonbinary", "roc_auc", "spiegelhalter"):
        assert not any(re.search(rf"\b{code}\b", s) for s in sentences)


@pytest.mark.parametrize("lang", LANGS)
def test_the_reliability_diagram_has_a_title_a_text_alternative_and_a_table(client, scored, lang):
    soup = parse(client.get(f"/audits/{scored.audit_id}?lang={lang}"))
    figure = soup.find("h4", id="scores-0-heading").find_next("figure")
    wide, narrow = figure.select("svg")
    assert "chart-wide" in wide["class"] and "chart-narrow" in narrow["class"]
    for svg in (wide, narrow):
        assert svg["role"] == "img"
        assert LABELS["attributes"]["sex"][lang] in svg.select_one("title").get_text()
        desc = svg.select_one("desc").get_text()
        assert all(NAMES[g][lang] in desc for g in NAMES)
    table = figure.find_next("table")
    rows = [tr.select_one("th").get_text(strip=True) for tr in table.select("tbody tr")]
    assert sorted(rows) == sorted(NAMES[g][lang] for g in NAMES)
    comparisons = table.find_next("table")
    assert NAMES["male"][lang] in comparisons.select_one("caption").get_text()
    assert len(comparisons.select("tbody tr")) == 2  # the two groups compared with the men


def test_the_twin_carries_the_score_section(client, scored):
    data = client.get(f"/audits/{scored.audit_id}.json").json()
    scores = data["attributes"][0]["scores"]
    assert scores["reference"] == "male"
    assert {r["group"] for r in scores["comparisons"]} == {"female", "nonbinary"}
    women = next(r for r in scores["comparisons"] if r["group"] == "female")
    assert women["auc"] < women["reference_auc"] and women["auc_p_adjusted"] < 0.05
    assert len(scores["chart"]["series"]) == 3
    assert scores["sentences"]


def test_an_audit_without_scores_has_no_score_section(client, world):
    data = client.get(f"/audits/{world.audit_id}.json").json()
    assert all(a["scores"] is None for a in data["attributes"])
    soup = parse(client.get(f"/audits/{world.audit_id}"))
    assert soup.find("h4", id="scores-0-heading") is None


def test_a_group_of_fewer_than_k_people_has_its_score_figures_withheld(tmp_path):
    report = suppress_report(scored_report(tmp_path, small=True), k=10)
    small = next(r for r in report["calibration"] if r["group"] == "nonbinary")
    assert small["brier"] == {"suppressed": True, "display": "<10"}
    compared = [r for r in report["score_comparisons"] if r["group"] == "nonbinary"]
    assert compared and all(r["value"] == {"suppressed": True, "display": "<10"} for r in compared)
    section = score_view.score_section(report, "sex", "en", chart_id="c")
    assert section is not None
    assert all("Non-binary" not in s for s in section["sentences"])
    assert [r["suppressed"] for r in section["calibration"] if r["group"] == "nonbinary"] == [True]
    assert all(s["label"] != NAMES["nonbinary"]["en"] for s in section["chart"]["series"])


def test_a_reliability_bin_of_fewer_than_k_people_is_withheld():
    report = {
        "calibration_bins": [
            {"attribute": "a", "group": "g", "bin": 0, "n": 4.0, "observed_rate": 0.5,
             "mean_score": 0.05, "ci_low": 0.1, "ci_high": 0.9},
            {"attribute": "a", "group": "g", "bin": 1, "n": 40.0, "observed_rate": 0.1,
             "mean_score": 0.15, "ci_low": 0.0, "ci_high": 0.2},
            {"attribute": "a", "group": "g", "bin": 2, "n": 40.0, "observed_rate": 0.5,
             "mean_score": 0.25, "ci_low": 0.3, "ci_high": 0.6},
        ]
    }  # fmt: skip
    bins = suppress_report(report, k=10)["calibration_bins"]
    assert [b["observed_rate"] == {"suppressed": True, "display": "<10"} for b in bins] == [
        True, True, False,  # 4 people; 4 of 40 had the outcome; 20 of 40
    ]  # fmt: skip


def test_the_narrow_diagram_keeps_its_text_readable_on_a_phone(tmp_path):
    report = suppress_report(scored_report(tmp_path), k=10)
    section = score_view.score_section(report, "sex", "en", chart_id="c")
    assert section is not None and section["chart"] is not None
    svg = str(reliability_chart(section["chart"], narrow=True))
    assert 'viewBox="0 0 300 ' in svg and 'id="c-n-title"' in svg
    # 14-unit text (site.css) in a 300-unit drawing shown at 288 px or more: at least 12 px
    xs = [float(x) for x in re.findall(r'<text class="chart-text" x="([\d.]+)"', svg)]
    assert xs and max(xs) <= 300


def test_the_reliability_diagram_draws_exactly_its_input_and_escapes_its_text():
    from registry.pages.svg_charts import render_reliability_chart

    chart = {
        "id": "r",
        "title": "Calibration <by> sex",
        "desc": "A & B",
        "x_label": "Score",
        "y_label": "Share",
        "diagonal_label": "Score = share",
        "series": [
            {"label": "<b>Women</b>", "points": [{"score": 0.2, "rate": 0.3, "low": None,
                                                 "high": None}]},
            {"label": "Men", "points": [{"score": 0.2, "rate": 0.1, "low": 0.0, "high": 0.2},
                                        {"score": 0.8, "rate": 0.9, "low": 0.8, "high": 1.0}]},
        ],
    }  # fmt: skip
    wide, narrow = reliability_chart(chart), reliability_chart(chart, narrow=True)  # type: ignore[arg-type]
    assert render_reliability_chart(chart) == wide + narrow  # type: ignore[arg-type]
    for svg in (str(wide), str(narrow)):
        assert "<b>" not in svg and "&lt;b&gt;Women&lt;/b&gt;" in svg
        assert "Calibration &lt;by&gt; sex" in svg and "A &amp; B" in svg
        assert svg.count("<polyline") == 2  # one line per group
        assert svg.count('class="chart-marker chart-series-1"') == 3  # Men's 2 points + legend


def test_scores_without_labels_show_the_ks_test_alone(client, session, world, tmp_path):
    rng = np.random.default_rng(3)
    n = 2000
    sex = rng.choice(["female", "male"], n)
    score = np.where(sex == "female", rng.beta(2, 3, n), rng.beta(3, 2, n))
    path = tmp_path / "unlabelled.csv"
    pd.DataFrame({"sex": sex, "score": score.round(4)}).to_csv(path, index=False)
    spec = {
        "columns": {"score": "score", "threshold": ">=0.5", "sensitive_features": ["sex"]},
        "labels": {k: v for k, v in copy.deepcopy(LABELS).items() if k != "checks"},
        "reference_groups": {"sex": "male"},
    }
    store(session, world.audit_id, fairness.audit(path, spec).to_dict())
    soup = parse(client.get(f"/audits/{world.audit_id}"))
    heading = soup.find("h4", id="scores-0-heading")
    sentences = [li.get_text(" ", strip=True) for li in heading.find_next("ul").select("li")]
    assert [s.split(":")[0] for s in sentences] == [
        "The scores of Women are spread differently from those of Men"
    ]
    assert heading.find_next("figure") is None  # no calibration without labels
    columns = [th.get_text(strip=True) for th in heading.find_next("table").select("thead th")]
    assert columns == [
        "Group", "Largest gap between score distributions, percentage points", "Adjusted p (KS)",
    ]  # fmt: skip
