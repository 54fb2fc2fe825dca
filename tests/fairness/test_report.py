"""Reports: determinism, verdict rules, presets, unknown and small groups, score metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairness import CellTable, SpecError, audit_counts
from fairness._report import TABLE_COLUMNS
from tests.fairness.celltables import cell_table, score_sample


def _selection_table(counts: dict[str, tuple[int, int]]) -> CellTable:
    frame = pd.DataFrame(
        {"g": list(counts), "pp": [c[0] for c in counts.values()],
         "pn": [c[1] for c in counts.values()]}
    )  # fmt: skip
    return CellTable(("g",), frame, has_labels=False)


def _sample(seed=0, n=2000):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m", "unknown"], n, p=[0.45, 0.5, 0.05])
    race = rng.choice(["a", "b"], n)
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(sex == "f", 0.25, 0.45)).astype(int)
    return cell_table({"sex": list(sex), "race": list(race)}, y_pred, y_true)


def test_same_input_spec_and_seed_give_byte_identical_json():
    first = audit_counts(_sample(), seed=11).to_json()
    second = audit_counts(_sample(), seed=11).to_json()
    assert first == second
    assert json.loads(first)["schema_version"] == 3


def test_seed_and_replicates_no_longer_change_any_number():
    # summary intervals are analytic (simultaneous pairwise intervals): nothing is resampled
    a = json.loads(audit_counts(_sample(), seed=1).to_json())
    b = json.loads(audit_counts(_sample(), seed=2, bootstrap_replicates=0).to_json())
    for key in a:
        if key not in ("spec", "provenance"):
            assert a[key] == b[key], key
    assert a["spec"]["seed"] == 1 and b["spec"]["seed"] == 2


def test_four_fifths_fail_pass_and_inconclusive_follow_the_interval_rule():
    table = _selection_table({"m": (5000, 5000), "f": (3000, 7000), "x": (4900, 5100)})
    rows = {r["group"]: r for r in audit_counts(table, preset="four-fifths").table("checks")}
    assert rows["f"]["verdict"] == "fail" and rows["f"]["ci_high"] < 0.8
    assert rows["f"]["reason"].startswith("Impact ratio 0.60 (95% CI 0.58–0.62) is below 0.80 for")
    assert "statistically significant (adjusted p < 0.001)" in rows["f"]["reason"]
    assert rows["x"]["verdict"] == "pass"
    small = _selection_table({"m": (50, 50), "f": (39, 61)})
    row = audit_counts(small, preset="four-fifths").table("checks")[0]
    assert row["ci_low"] < 0.8 < row["ci_high"] and row["verdict"] == "inconclusive"


def test_adverse_outcome_orients_the_impact_ratio():
    # flag rates: m 10%, f 20%; with an adverse outcome m is favoured and f's ratio is 0.5
    table = _selection_table({"m": (1000, 9000), "f": (2000, 8000)})
    report = audit_counts(table, preset="four-fifths", favourable_outcome="adverse")
    (row,) = report.table("checks")
    assert (row["group"], row["reference"]) == ("f", "m")
    assert row["value"] == pytest.approx(0.5) and row["verdict"] == "fail"
    comparison = report.table("comparisons")[0]
    assert comparison["ratio"] == pytest.approx(2.0)  # raw ratio group / reference is kept


def test_insufficient_data_is_inconclusive():
    table = _selection_table({"m": (500, 500), "f": (2, 18)})
    (row,) = audit_counts(table, preset="four-fifths").table("checks")
    assert row["verdict"] == "inconclusive"
    assert row["reason"].startswith("Inconclusive: 'f' has 20 rows, fewer than the minimum of 30;")


def test_unknown_group_is_reported_but_never_the_reference():
    table = _selection_table({"m": (100, 100), "unknown": (90, 10), "f": (80, 120)})
    report = audit_counts(table, preset="four-fifths")
    assert {r["reference"] for r in report.table("checks")} == {"m"}
    groups = {r["group"]: r for r in report.table("groups")}
    assert groups["unknown"]["unknown"] is True and groups["unknown"]["in_ratios"] is True


def test_ll144_leaves_out_small_and_unknown_categories_but_discloses_them():
    table = _selection_table({"m": (400, 600), "f": (300, 700), "x": (5, 10), "unknown": (40, 40)})
    report = audit_counts(table, preset="ll144")
    groups = {r["group"]: r for r in report.table("groups")}
    assert groups["x"]["small_category"] is True and groups["x"]["in_ratios"] is False
    assert groups["unknown"]["in_ratios"] is False and groups["unknown"]["n"] == 80
    assert {r["group"] for r in report.table("checks")} == {"f"}
    rates = {(r["group"], r["metric"]): r["value"] for r in report.table("metrics")}
    assert rates[("x", "selection_rate")] == pytest.approx(1 / 3)
    assert any("'unknown'" in note for note in report.notes)


def test_ll144_uses_scoring_rate_with_scores_and_reports_roc_auc():
    rng = np.random.default_rng(4)
    n = 600
    sex = rng.choice(["f", "m"], n)
    y = rng.integers(0, 2, n)
    scores = rng.random(n) + 0.3 * y + np.where(sex == "m", 0.2, 0.0)
    sample = score_sample({"sex": list(sex)}, scores, y, threshold=0.8)
    report = audit_counts(sample, preset="ll144", bootstrap_replicates=100)
    (check,) = report.to_dict()["check_summary"]
    assert check["metric"] == "scoring_rate"
    median = float(np.median(scores))
    metrics = {(r["group"], r["metric"]): r for r in report.table("metrics")}
    f = sex == "f"
    assert metrics[("f", "scoring_rate")]["value"] == pytest.approx(np.mean(scores[f] > median))
    from sklearn.metrics import roc_auc_score

    assert metrics[("f", "roc_auc")]["value"] == pytest.approx(roc_auc_score(y[f], scores[f]))


def test_named_reference_must_exist():
    with pytest.raises(SpecError) as info:
        audit_counts(_sample(), reference_groups={"sex": "z"})
    assert info.value.errors[0].startswith("reference_groups.sex: group 'z' not found")


def test_label_metric_without_labels_is_refused():
    with pytest.raises(SpecError) as info:
        audit_counts(_selection_table({"m": (1, 1)}), metrics=["true_positive_rate"])
    assert info.value.errors == [
        "metrics[0]: 'true_positive_rate' needs labels, and the sample has none"
    ]


def test_p_values_are_adjusted_across_the_audit_and_csv_tables_have_every_key():
    report = audit_counts(_sample(), correction="holm")
    comparisons = report.table("comparisons")
    assert all(r["p_adjusted"] >= r["p_value"] for r in comparisons if r["p_value"] is not None)
    tables = report.to_csv_tables()
    assert set(tables) == set(TABLE_COLUMNS)
    assert tables["checks"].splitlines()[0] == ",".join(TABLE_COLUMNS["checks"])
    provenance = report.to_dict()["provenance"]
    assert {"numpy", "scipy", "fairlearn", "python", "fairness"} <= set(provenance["versions"])


def test_one_class_group_and_overall_reference():
    table = cell_table(
        {"g": ["a"] * 40 + ["b"] * 40}, y_pred=[1, 0] * 40, y_true=[1] * 40 + [0] * 40
    )
    report = audit_counts(table, reference="overall")
    rows = {(r["group"], r["metric"]): r for r in report.table("metrics")}
    assert rows[("a", "false_positive_rate")]["status"] == "undefined"
    assert {r["reference"] for r in report.table("comparisons")} == {"overall"}


def test_bulk_rounding_equals_formatting_each_float():
    import math

    from fairness._report import _round_one, round_significant

    rng = np.random.default_rng(4)
    powers = np.array([10.0**i for i in range(-320, 308)])
    values = np.concatenate([
        rng.random(20000), -rng.random(2000) * 10.0 ** rng.integers(-30, 30, 2000),
        powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf),
        (rng.integers(0, 10**13, 5000) + 0.5) / 10**13,  # ties at the 13th digit
        rng.integers(0, 10**6, 5000) / rng.integers(1, 10**6, 5000),
        [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 0.1 + 0.2, 1 / 3],
    ])  # fmt: skip
    got = round_significant(values)
    expected = [_round_one(float(v)) for v in values]
    assert got == expected
    assert [math.copysign(1, v) for v in got if v == 0] == [1.0] * sum(v == 0 for v in got)


def test_to_json_is_json_dumps_of_to_dict_with_indent_2():
    # to_json writes the indented text with the C encoder row by row; it must be exactly the
    # standard library's indented output (the registry and the CLI share it)
    report = audit_counts(_sample(), seed=3, bootstrap_replicates=50)
    expected = json.dumps(
        report.to_dict(), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
    )
    assert report.to_json() == expected + "\n"
    assert (
        report.to_json(indent=None)
        == json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


def test_indented_writer_equals_json_dumps_on_awkward_values():
    import random

    from fairness._report import _dumps

    chooser = random.Random(1)
    scalars = [None, True, False, 0, -3, 0.5, 1e300, -0.0, 1.0, "x", "é\u2028", '"\\', "\x00",
               "\x000\x00", "\x001\x00", 12345678901234567890]  # fmt: skip
    keys = ["a", "b", "c\x00", "é", "k\n", 'q"', "0"]

    def value(depth=0):
        r = chooser.random()
        if depth < 4 and r < 0.3:
            return {chooser.choice(keys) + str(chooser.randint(0, 3)): value(depth + 1)
                    for _ in range(chooser.randint(0, 5))}  # fmt: skip
        if depth < 4 and r < 0.5:
            return [value(depth + 1) for _ in range(chooser.randint(0, 5))]
        return chooser.choice(scalars)

    for _ in range(3000):
        v = value()
        out: list[str] = []
        _dumps(v, 0, out)
        assert "".join(out) == json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)
