"""The audit page says, in the reader's language, which attribute a check did not assess and why
(the engine's ``not_assessed`` rows, report schema 2)."""

from __future__ import annotations

import io

import fairness
from registry.pages.vm_audits import NOT_ASSESSED_TEXT, not_assessed_texts

# race: A holds 97%; B and C 1.5% each (left out of ratios under ll144): race is never compared
COUNTS = "race,sex,pp,pn\nA,f,400,570\nA,m,410,560\nB,f,0,15\nB,m,0,15\nC,f,0,15\nC,m,0,15\n"
SPEC = {"columns": {"sensitive_features": ["race", "sex"]}, "preset": "ll144"}


def _report() -> dict:
    return fairness.audit_count_file(io.BytesIO(COUNTS.encode()), SPEC).to_dict()


def test_an_unassessed_attribute_is_explained_in_english_and_chinese():
    report = _report()
    assert report["verdict"] == "inconclusive"
    en = not_assessed_texts(report, "en")
    assert en == {("ll144_impact_ratio", "race"): NOT_ASSESSED_TEXT["single_group"]}
    zh = not_assessed_texts(report, "zh-CN")
    assert zh[("ll144_impact_ratio", "race")].startswith("未评估：只有一个群体参与比较")


def test_groups_left_out_and_older_reports_add_no_attribute_text():
    report = _report()
    assert {r["group"] for r in report["not_assessed"] if r["name"] is None} >= {"B", "C"}
    report["not_assessed"] = [r for r in report["not_assessed"] if r["name"] is None]
    assert not_assessed_texts(report, "en") == {}
    del report["not_assessed"]
    assert not_assessed_texts(report, "zh-CN") == {}
