"""The audit page in words for report schema 3: a two-sided check's finding says which edge of
the band a group passed, its rule names both edges, and the F1 score, balanced accuracy and each
group's share of positive decisions are shown per group with what they mean, in both languages;
small groups' measures are withheld."""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import select

import fairness
from registry.models.audit import Audit
from tests.pages.conftest import parse
from tests.pages.labelled_audit import LABELS

LANGS = ("en", "zh-CN")
# Men are the largest group (the reference); women are selected 1.6 times as often.
COUNTS = "sex,tp,fp,tn,fn\nmale,150,100,650,100\nfemale,200,120,420,60\nnonbinary,2,1,3,1\n"
SPEC = {
    "columns": {"sensitive_features": ["sex"]},
    "favourable_outcome": "beneficial",
    "reference": "largest",
    "checks": [
        {
            "name": "selection_ratio",
            "metric": "selection_rate",
            "kind": "ratio",
            "threshold": 0.8,
            "band": "two-sided",
        }
    ],
    "labels": LABELS,
}
WORDS = {
    "en": {
        "finding": "— above the band of 0.8 to 1.25.",
        "times": "1.60 times as often",
        "rule": "between 0.8 and 1.25 times the reference group's",
        "heading": "Other measures by group",
        "titles": ["F1 score", "Balanced accuracy", "Share of positive decisions"],
        "meaning": "0.5 is no better than chance",
        "share_meaning": "the share that went to this group",
        "withheld": "withheld to protect privacy",
    },
    "zh-CN": {
        "finding": "——高于 0.8 至 1.25 的区间。",
        "times": "1.60 倍",
        "rule": "介于参照群体的 0.8 倍至 1.25 倍之间",
        "heading": "各群体的其他指标",
        "titles": ["F1 分数", "平衡准确率", "正面决定占比"],
        "meaning": "0.5 表示不比随机猜测好",
        "share_meaning": "分给这一群体的比例",
        "withheld": "为保护隐私不予显示",
    },
}


def _report() -> dict:
    report = fairness.audit_count_file(io.BytesIO(COUNTS.encode()), SPEC)
    return json.loads(report.to_json())


@pytest.fixture
def banded(session, world):  # type: ignore[no-untyped-def]
    audit = session.exec(select(Audit).where(Audit.public_id == world.audit_id)).one()
    audit.report = _report()
    audit.spec = SPEC
    audit.verdict = audit.report["verdict"]
    session.add(audit)
    session.commit()
    return world


def test_the_engine_report_has_what_the_page_shows():
    report = _report()
    assert report["schema_version"] == 3
    (row,) = [c for c in report["checks"] if c["group"] == "female"]
    assert (row["verdict"], row["band"]) == ("fail", "two-sided")
    assert {m["metric"] for m in report["metrics"]} >= {"f1_score", "balanced_accuracy"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_two_sided_finding_says_the_group_is_above_the_band(client, banded, lang):
    words = WORDS[lang]
    soup = parse(client.get(f"/audits/{banded.audit_id}?lang={lang}"))
    first = soup.select_one("#findings-heading ~ ul li").get_text(strip=True)
    assert words["times"] in first
    assert first.endswith(words["finding"])
    women = LABELS["groups"]["sex"]["female"][lang]
    assert f"“{women}”" in first
    rule = soup.select_one("#tested-heading ~ .table-wrap tbody td").get_text(" ", strip=True)
    assert words["rule"] in rule


@pytest.mark.parametrize("lang", LANGS)
def test_f1_balanced_accuracy_and_share_of_positives_are_shown_with_their_meaning(
    client, banded, lang
):
    words = WORDS[lang]
    soup = parse(client.get(f"/audits/{banded.audit_id}?lang={lang}"))
    (heading,) = [
        h for h in soup.select("#results-heading ~ h4") if h.get_text() == words["heading"]
    ]
    meanings = heading.find_next("dl")
    titles = [dt.get_text(strip=True) for dt in meanings.select("dt")]
    assert titles == words["titles"]
    text = meanings.get_text(" ", strip=True)
    assert words["meaning"] in text and words["share_meaning"] in text
    table = heading.find_next("table")
    rows = {
        r.select_one("th").get_text(strip=True): [
            td.get_text(" ", strip=True) for td in r.select("td")
        ]
        for r in table.select("tbody tr")
    }
    women = rows[LABELS["groups"]["sex"]["female"][lang]]
    assert women[0].startswith("0.69 (")  # F1 = 400 / 580
    assert women[2] == "55.8%"  # 320 of the 573 positive decisions
    nonbinary = rows[LABELS["groups"]["sex"]["nonbinary"][lang]]
    assert nonbinary[:3] == [words["withheld"]] * 3


@pytest.mark.parametrize("lang", LANGS)
def test_the_twin_carries_the_measures_and_the_band(client, banded, lang):
    data = client.get(f"/audits/{banded.audit_id}.json?lang={lang}").json()
    (check,) = data["checks"]
    assert check["band"] == "two-sided"
    assert WORDS[lang]["rule"] in check["rule_text"]
    measures = data["attributes"][0]["measures"]
    assert [c["measure"] for c in measures["columns"]] == [
        "f1_score",
        "balanced_accuracy",
        "positive_share",
    ]
    assert [c["title"] for c in measures["columns"]] == WORDS[lang]["titles"]
    women = next(r for r in measures["rows"] if r["group"] == "female")
    f1 = women["cells"][0]
    assert f1["value"] == pytest.approx(400 / 580) and f1["low"] < f1["value"] < f1["high"]
    assert women["cells"][2]["value"] == pytest.approx(320 / 573)
    nonbinary = next(r for r in measures["rows"] if r["group"] == "nonbinary")
    assert all(c["withheld"] and c["value"] is None for c in nonbinary["cells"])
    assert data["findings"]["failed"][0]["text"].endswith(WORDS[lang]["finding"])


def test_a_report_before_schema_3_has_no_measures_table(client, world):
    data = client.get(f"/audits/{world.audit_id}.json").json()
    assert all(section["measures"] is None for section in data["attributes"])
    soup = parse(client.get(f"/audits/{world.audit_id}"))
    assert "Other measures by group" not in soup.get_text()


# --- findings and rules of two-sided checks, as pure functions ---------------------------------


def _difference_report() -> dict:
    counts = "sex,pp,pn\nmale,360,840\nfemale,450,550\nnonbinary,3,4\n"
    spec = {
        "columns": {"sensitive_features": ["sex"]},
        "reference": "largest",
        "checks": [
            {
                "name": "gap",
                "metric": "selection_rate",
                "kind": "difference",
                "threshold": 0.05,
                "band": "two-sided",
            }
        ],
    }
    return json.loads(fairness.audit_count_file(io.BytesIO(counts.encode()), spec).to_json())


@pytest.mark.parametrize(
    ("lang", "ending"),
    [
        ("en", "— more than the 5 percentage points allowed either way."),
        ("zh-CN", "——超出上下各 5 个百分点的允许范围。"),
    ],
)
def test_a_two_sided_gap_finding_says_it_exceeds_the_allowance_either_way(lang, ending):
    from registry.pages.findings import failed_comparisons
    from registry.services.audits.disclosure import suppress_report

    (finding,) = failed_comparisons(suppress_report(_difference_report(), k=10), lang)
    assert finding["group"] == "female"
    assert finding["text"].endswith(ending)
    assert finding["value_text"] == "15.0"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "lies outside the declared band around"), ("zh-CN", "声明区间之外")],
)
def test_a_withheld_two_sided_finding_does_not_say_which_way(lang, words):
    from registry.pages.findings import failed_comparisons
    from registry.services.audits.disclosure import suppress_report

    report = _report()
    row = next(c for c in report["checks"] if c["group"] == "female")
    for comparison in report["comparisons"]:  # as if the group were below the small-cell limit
        if comparison["group"] == "female":
            comparison["ratio"] = {"suppressed": True, "display": "<10"}
    (finding,) = failed_comparisons(suppress_report(report, k=10), lang)
    assert row["verdict"] == "fail" and finding["withheld"]
    assert words in finding["text"]
    assert "above" not in finding["text"] and "高于" not in finding["text"]


@pytest.mark.parametrize(
    ("kind", "lang", "expected"),
    [
        ("ratio", "en", "between 0.8 and 1.25 times the reference group's"),
        ("difference", "en", "by at most 5 percentage points, above or below"),
        ("difference", "zh-CN", "相差至多 5 个百分点，无论高低"),
    ],
)
def test_a_two_sided_rule_reads_the_same_for_either_outcome(kind, lang, expected):
    from registry.pages.comparison_view import rule_text, threshold_rate

    threshold = 0.8 if kind == "ratio" else 0.05
    for favourable in ("beneficial", "adverse"):
        text = rule_text(kind, "selection_rate", threshold, favourable, lang, "two-sided")
        assert expected in text
        assert (
            threshold_rate(kind, "selection_rate", threshold, favourable, 0.3, "two-sided") is None
        )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is two-sided: a group beyond its threshold in either direction is flagged"),
        ("zh-CN", "为双侧检查"),
    ],
)
def test_the_two_sided_note_is_in_the_readers_language(client, banded, lang, words):
    data = client.get(f"/audits/{banded.audit_id}.json?lang={lang}").json()
    (note,) = [n for n in data["notes_shown"] if n["code"] == "band"]
    assert words in note["text"] and note["lang"] == lang
    assert LABELS["checks"]["selection_ratio"][lang] in note["text"]
    assert "(band 0.8 to 1.25)" in note["text"] or "（区间 0.8 至 1.25）" in note["text"]
