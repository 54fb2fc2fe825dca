"""Small-cell suppression of the report schema 3 numbers: F1 score and balanced accuracy are
withheld when any of their group's confusion cells is small (their value with the shown counts
would give it back), and a group's share of positive decisions when its predicted positives are."""

from __future__ import annotations

import io
import json

import pytest

import fairness
from registry.services.audits.disclosure import suppress_report

K = 10
# "b": TP = 6 (2·TP = 12 is not small, but TP is); "c": every cell at least K.
COUNTS = "g,tp,fp,tn,fn\na,300,80,700,100\nb,6,40,300,60\nc,50,20,200,30\nd,2,1,30,40\n"


def _report() -> dict:
    spec = {"columns": {"sensitive_features": ["g"]}, "reference": "largest"}
    return json.loads(fairness.audit_count_file(io.BytesIO(COUNTS.encode()), spec).to_json())


def _rows(report: dict, metric: str) -> dict[str, dict]:
    return {m["group"]: m for m in report["metrics"] if m["metric"] == metric}


def test_f1_and_balanced_accuracy_are_withheld_when_a_cell_of_their_group_is_small():
    public = suppress_report(_report(), k=K)
    for metric in ("f1_score", "balanced_accuracy"):
        rows = _rows(public, metric)
        assert rows["b"]["value"] == {"suppressed": True, "display": "<10"}
        assert rows["b"]["ci_low"] == rows["b"]["ci_high"] == rows["b"]["value"]
        assert rows["b"]["interval"] is None
        assert isinstance(rows["c"]["value"], float)
        assert isinstance(rows["a"]["value"], float)


def test_a_rate_on_a_group_with_a_small_cell_keeps_the_ordinary_rule():
    public = suppress_report(_report(), k=K)
    fpr = _rows(public, "false_positive_rate")  # FP = 40, TN = 300 for "b": nothing small
    assert isinstance(fpr["b"]["value"], float)


def test_share_of_positive_decisions_is_withheld_with_small_predicted_positives():
    report = _report()
    public = suppress_report(report, k=K)
    shares = {g["group"]: g["positive_share"] for g in public["groups"]}
    assert shares["d"] == {"suppressed": True, "display": "<10"}  # pp = 3
    assert isinstance(shares["b"], float) and isinstance(shares["a"], float)
    original = {g["group"]: g["positive_share"] for g in report["groups"]}
    assert original["d"] == pytest.approx(3 / (380 + 46 + 70 + 3))
