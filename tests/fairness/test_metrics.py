"""Per-group metrics from counts agree with fairlearn on raw rows; honest states at the edges."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, precision_score

from fairness._metrics import (
    FAIRLEARN_METRIC_NAMES,
    INSUFFICIENT,
    METRIC_BACKENDS,
    OK,
    UNDEFINED,
    attribute_levels,
    group_counts,
    group_table,
    level_name,
    metric_columns,
    metric_rows,
    normalise_cells,
    records,
)
from tests.fairness.celltables import cell_table

RAW_FUNCTIONS = {
    "selection_rate": flm.selection_rate,
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "true_negative_rate": flm.true_negative_rate,
    "precision": functools.partial(precision_score, zero_division=np.nan),
    "accuracy": accuracy_score,
}


def _rows(table, level, metrics=FAIRLEARN_METRIC_NAMES, min_denominator=30, backend="numpy"):
    cells = normalise_cells(table.frame, table.attributes, table.has_labels)
    counts = group_counts(cells, level)
    rows = metric_rows(
        level_name(level), counts, list(metrics), has_labels=table.has_labels,
        min_denominator=min_denominator, confidence=0.95, backend=backend,
    )  # fmt: skip
    return {(r["group"], r["metric"]): r for r in rows}


def _all_levels(table, levels, backend):
    """Metric rows of every level at once, the way the audit computes them (one group table)."""
    cells = normalise_cells(table.frame, table.attributes, table.has_labels)
    columns = metric_columns(
        group_table(cells, levels), list(FAIRLEARN_METRIC_NAMES), has_labels=table.has_labels,
        min_denominator=30, confidence=0.95, backend=backend,
    )  # fmt: skip
    columns.pop("_level")
    return {(r["attribute"], r["group"], r["metric"]): r for r in records(columns)}


@st.composite
def raw_samples(draw):
    n = draw(st.integers(min_value=1, max_value=120))
    sex = draw(st.lists(st.sampled_from(["f", "m"]), min_size=n, max_size=n))
    race = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    y_true = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    weighted = draw(st.booleans())
    weight = draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n)) if weighted else None
    return {"sex": sex, "race": race}, y_true, y_pred, weight


@pytest.mark.parametrize("backend", METRIC_BACKENDS)
@settings(max_examples=25, deadline=None)
@given(sample=raw_samples())
def test_count_metrics_equal_fairlearn_metricframe_on_raw_rows(backend, sample):
    sensitive, y_true, y_pred, weight = sample
    table = cell_table(sensitive, y_pred, y_true, weight)
    levels = attribute_levels(["sex", "race"], 2)
    every = _all_levels(table, levels, backend)
    for level in levels:
        features = pd.DataFrame({k: sensitive[k] for k in level})
        params = {} if weight is None else {"sample_weight": np.asarray(weight)}
        frame = flm.MetricFrame(
            metrics=RAW_FUNCTIONS,
            y_true=np.asarray(y_true),
            y_pred=np.asarray(y_pred),
            sensitive_features=features,
            sample_params={m: params for m in RAW_FUNCTIONS} if params else None,
        )
        ours = _rows(table, level, backend=backend)
        name = level_name(level)
        assert {k for k in every if k[0] == name} == {(name, *k) for k in ours}
        for key, values in frame.by_group.iterrows():
            group = " & ".join(key) if isinstance(key, tuple) else key
            if (group, "selection_rate") not in ours:
                # fairlearn lists every combination of values; unobserved ones are all NaN
                assert values.isna().all()
                continue
            for metric in RAW_FUNCTIONS:
                row = ours[(group, metric)]
                assert every[(name, group, metric)] == row
                expected = values[metric]
                if row["status"] == UNDEFINED:
                    assert row["value"] is None
                    assert row["denominator"] == 0
                else:
                    assert abs(row["value"] - expected) <= 1e-12, (level, group, metric)


def test_zero_denominator_is_undefined_not_zero():
    # group "b" has no label negatives: its false positive rate is undefined, not 0
    table = cell_table({"g": ["a", "a", "b", "b"]}, y_pred=[1, 0, 1, 0], y_true=[0, 1, 1, 1])
    rows = _rows(table, ("g",))
    fpr = rows[("b", "false_positive_rate")]
    assert fpr["value"] is None and fpr["status"] == UNDEFINED and fpr["ci_low"] is None
    assert rows[("a", "false_positive_rate")]["value"] == 1.0


def test_all_rows_one_prediction_leaves_precision_undefined():
    table = cell_table({"g": ["a"] * 40 + ["b"] * 40}, y_pred=[0] * 80, y_true=[0, 1] * 40)
    rows = _rows(table, ("g",))
    assert rows[("a", "selection_rate")]["value"] == 0.0
    assert rows[("a", "precision")]["status"] == UNDEFINED
    assert rows[("a", "precision")]["value"] is None


def test_denominator_below_minimum_is_insufficient_but_reported():
    table = cell_table({"g": ["a"] * 10 + ["b"] * 50}, y_pred=[1, 0] * 30, y_true=[1] * 60)
    rows = _rows(table, ("g",))
    assert rows[("a", "true_positive_rate")]["status"] == INSUFFICIENT
    assert rows[("a", "true_positive_rate")]["value"] == 0.5
    assert rows[("b", "true_positive_rate")]["status"] == OK


def test_unlabelled_sample_gives_selection_rate_from_fairlearn():
    table = cell_table({"g": ["a", "a", "b"]}, y_pred=[1, 0, 1])
    rows = _rows(table, ("g",), metrics=["selection_rate"], min_denominator=1)
    assert rows[("a", "selection_rate")]["value"] == 0.5
    assert rows[("b", "selection_rate")]["value"] == 1.0


def test_intersections_use_joined_names_and_unknown_is_a_group():
    table = cell_table(
        {"sex": ["f", "m", "unknown"], "race": ["a", "b", "a"]}, y_pred=[1, 0, 1], y_true=[1, 0, 0]
    )
    assert attribute_levels(["sex", "race"], 2)[-1] == ("sex", "race")
    rows = _rows(table, ("sex", "race"), min_denominator=1)
    assert ("unknown & a", "selection_rate") in rows
    assert rows[("f & a", "true_positive_rate")]["value"] == 1.0
