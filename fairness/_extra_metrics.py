"""Per-group measures that are not a single rate: the F1 score and balanced accuracy.

Both need labels and are computed from each group's confusion counts (``GroupTable``). They are
*descriptive*: reported per group in the ``metrics`` table with a value, an interval and a status,
but not compared between groups and not checkable. The comparison machinery (Katz ratio and
Newcombe difference intervals, the z / Fisher tests, the between-group summaries) is built for a
rate ``x / n`` with ``x`` binomial given ``n``; neither measure is one, so a check on them would
borrow intervals and tests that do not apply. A spec that declares one is refused
(``checks[i].metric``).

- **F1 score** ``= 2·TP / (2·TP + FP + FN)``, the harmonic mean of precision and recall. Row:
  ``numerator`` = 2·TP, ``denominator`` = 2·TP + FP + FN (so value = numerator / denominator),
  ``undefined`` when TP + FP + FN = 0 (no label positive and no predicted positive). F1 is the
  increasing function ``2J / (1 + J)`` of the Jaccard ratio ``J = TP / (TP + FP + FN)``, and given
  ``TP + FP + FN`` the count TP is binomial with probability ``J``; the interval is the engine's
  rate interval of ``J`` (Wilson, Clopper-Pearson below 5 successes or failures) mapped through
  ``2J / (1 + J)``. Its width never reaches 0 on finite data, including at F1 = 0 and F1 = 1.
  For large counts it agrees with the delta-method interval, variance
  ``4·TP·(FP + FN)·(TP + FP + FN) / (2·TP + FP + FN)⁴`` (tested).
- **Balanced accuracy** ``= (TPR + TNR) / 2 = (1 + TPR − FPR) / 2``. Row: ``numerator`` null,
  ``denominator`` = the smaller of the label positives and label negatives; ``undefined`` when
  either is 0. TPR and FPR are independent binomial rates (label positives, label negatives), so
  the interval is ``(1 + Newcombe's hybrid score interval of TPR − FPR) / 2`` (Newcombe 1998,
  method 10; the MOVER construction of Zou & Donner 2008).

Status ``insufficient_data`` (the value is still reported): F1 when the label positives or the
predicted positives are fewer than ``min_denominator``; balanced accuracy when the label positives
or the label negatives are. With weights every count that an interval or a minimum reads is the
Kish effective size of its rows, ``(Σw)² / Σw²`` (as for the rate metrics), so scaling every
weight by a constant changes no interval and no status.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from fairness._intervals import (
    CLOPPER_PEARSON,
    WILSON,
    newcombe_difference_arrays,
    rate_interval_arrays,
)
from fairness._metrics import (
    _COLUMN_INDEX,
    BALANCED_ACCURACY,
    F1_SCORE,
    FAIRLEARN_BACKEND,
    INSUFFICIENT,
    NUMPY_BACKEND,
    UNDEFINED,
    GroupTable,
    status_array,
)

#: Interval methods of the descriptive measures (the ``interval`` column).
F1_WILSON = "jaccard_wilson"
F1_CLOPPER_PEARSON = "jaccard_clopper_pearson"
NEWCOMBE_BALANCED = "newcombe_youden"
_F1_METHOD = {WILSON: F1_WILSON, CLOPPER_PEARSON: F1_CLOPPER_PEARSON}


def _sum(array: np.ndarray, columns: Sequence[str]) -> np.ndarray:
    out = np.zeros(array.shape[0])
    for column in columns:
        out = out + array[:, _COLUMN_INDEX[column]]
    return out


def _effective(table: GroupTable, numerator: Sequence[str], denominator: Sequence[str]):
    """Numerator and denominator over the given count columns, as intervals and minimums read
    them: the counts, or with weights the Kish effective denominator and the weighted rate times
    it (``GroupTable.effective_parts`` for any set of columns)."""
    x, n = _sum(table.counts, numerator), _sum(table.counts, denominator)
    if table.squares is None:
        return x, n
    squares = _sum(table.squares, denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(squares > 0, n * n / squares, 0.0)
        rate = np.where(n > 0, x / n, 0.0)
    return np.clip(rate, 0.0, 1.0) * effective, effective


def f1_transform(jaccard: np.ndarray) -> np.ndarray:
    """``2J / (1 + J)``: the F1 score of a Jaccard ratio ``J = TP / (TP + FP + FN)``.

    Examples
    --------
    >>> float(f1_transform(np.array(0.5)))
    0.6666666666666666
    """
    return 2 * jaccard / (1 + jaccard)


def f1_delta_variance(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Delta-method variance of the F1 score under multinomial sampling of the four cells:
    ``4·TP·(FP + FN)·(TP + FP + FN) / (2·TP + FP + FN)⁴`` (the gradient of F1 is orthogonal to
    the cell probabilities, so only the diagonal of the multinomial covariance contributes).

    Examples
    --------
    >>> float(f1_delta_variance(np.array(40.0), np.array(10.0), np.array(10.0)))
    0.0032
    """
    denominator = 2 * tp + fp + fn
    return 4 * tp * (fp + fn) * (tp + fp + fn) / denominator**4


def descriptive_columns(
    table: GroupTable,
    metrics: Sequence[str],
    *,
    min_denominator: float,
    confidence: float,
    backend: str = NUMPY_BACKEND,
) -> dict[str, np.ndarray]:
    """The metric table's columns of the descriptive ``metrics`` (F1, balanced accuracy) for every
    group, plus ``_level``: rows ordered by level, then metric, then group (as
    ``_metrics.metric_columns``)."""
    wanted = [m for m in (F1_SCORE, BALANCED_ACCURACY) if m in metrics]
    build = {F1_SCORE: _f1, BALANCED_ACCURACY: _balanced}
    per_metric = {m: build[m](table, min_denominator, confidence) for m in wanted}
    if backend == FAIRLEARN_BACKEND and wanted:
        for metric, values in fairlearn_descriptive_values(table, wanted).items():
            defined = ~np.isnan(per_metric[metric]["value"])
            per_metric[metric]["value"] = np.where(defined, values, np.nan)
    n_groups = len(table.group)
    pieces, level_of, names = [], [], []
    for level in range(len(table.names)):
        span = table.span(level)
        for j, metric in enumerate(wanted):
            pieces.append(np.arange(span.start, span.stop) + j * n_groups)
            level_of.append(np.full(span.stop - span.start, level))
            names.append(np.full(span.stop - span.start, metric, dtype=object))
    rows = np.concatenate(pieces) if pieces else np.empty(0, np.int64)

    def stacked(key: str, dtype: type = np.float64) -> np.ndarray:
        if not wanted:
            return np.empty(0, dtype=dtype)
        return np.concatenate([np.asarray(per_metric[m][key], dtype=dtype) for m in wanted])[rows]

    group_index = rows % max(n_groups, 1)
    return {
        "attribute": table.attribute[group_index],
        "group": table.group[group_index],
        "metric": np.concatenate(names) if names else np.empty(0, object),
        "numerator": stacked("numerator"),
        "denominator": stacked("denominator"),
        "value": stacked("value"),
        "ci_low": stacked("ci_low"),
        "ci_high": stacked("ci_high"),
        "interval": stacked("interval", object),
        "status": stacked("status", object),
        "_level": np.concatenate(level_of) if level_of else np.empty(0, np.int64),
    }


def _f1(table: GroupTable, min_denominator: float, confidence: float) -> dict[str, np.ndarray]:
    tp, fp, fn = (table.column(c) for c in ("tp", "fp", "fn"))
    numerator, denominator = 2 * tp, 2 * tp + fp + fn
    defined = denominator > 0
    value = np.full(len(tp), np.nan)
    value[defined] = numerator[defined] / denominator[defined]
    jx, jn = _effective(table, ("tp",), ("tp", "fp", "fn"))
    low, high, method = rate_interval_arrays(jx, jn, confidence=confidence)
    low, high = f1_transform(low), f1_transform(high)
    interval = np.array([_F1_METHOD.get(m) for m in method.tolist()], dtype=object)
    _, positives = _effective(table, ("tp",), ("tp", "fn"))
    _, predicted = _effective(table, ("tp",), ("tp", "fp"))
    status = status_array(np.minimum(positives, predicted), min_denominator)
    status[status == UNDEFINED] = INSUFFICIENT  # F1 = 0 with no predicted (or label) positive
    status[~defined] = UNDEFINED
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "interval": interval,
        "status": status,
    }


def _balanced(
    table: GroupTable, min_denominator: float, confidence: float
) -> dict[str, np.ndarray]:
    tp, fp, tn, fn = (table.column(c) for c in ("tp", "fp", "tn", "fn"))
    positives, negatives = tp + fn, fp + tn
    defined = (positives > 0) & (negatives > 0)
    value = np.full(len(tp), np.nan)
    value[defined] = (tp[defined] / positives[defined] + tn[defined] / negatives[defined]) / 2
    x1, n1 = _effective(table, ("tp",), ("tp", "fn"))
    x0, n0 = _effective(table, ("fp",), ("fp", "tn"))
    usable = defined & (n1 > 0) & (n0 > 0)
    low, high = np.full(len(tp), np.nan), np.full(len(tp), np.nan)
    if usable.any():
        d_low, d_high = newcombe_difference_arrays(
            x1[usable], n1[usable], x0[usable], n0[usable], confidence=confidence
        )
        low[usable], high[usable] = (1 + d_low) / 2, (1 + d_high) / 2
    interval = np.full(len(tp), None, dtype=object)
    interval[usable] = NEWCOMBE_BALANCED
    return {
        "numerator": np.full(len(tp), np.nan),
        "denominator": np.minimum(positives, negatives),
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "interval": interval,
        "status": status_array(np.minimum(n1, n0), min_denominator),
    }


@functools.cache
def _sklearn_functions() -> dict[str, object]:
    from sklearn.metrics import balanced_accuracy_score, f1_score

    return {
        F1_SCORE: functools.partial(f1_score, zero_division=np.nan),
        BALANCED_ACCURACY: balanced_accuracy_score,
    }


def fairlearn_descriptive_values(
    table: GroupTable, metrics: Sequence[str]
) -> dict[str, np.ndarray]:
    """Values of the descriptive ``metrics`` for every group by fairlearn's ``MetricFrame`` with
    scikit-learn's ``f1_score`` and ``balanced_accuracy_score`` on compressed rows (each group's
    four confusion cells, the counts as ``sample_weight``), level by level. Where a measure is
    undefined the caller keeps ``NaN`` (scikit-learn warns and falls back there)."""
    from fairlearn.metrics import MetricFrame

    functions = _sklearn_functions()
    out = {m: np.full(len(table.group), np.nan) for m in metrics}
    for level in range(len(table.names)):
        span = table.span(level)
        frame = table.level_frame(level)
        if frame.empty:
            continue
        groups = np.repeat(frame.index.to_numpy(dtype=object), 4)
        y_true = np.tile(np.array([1, 0, 0, 1]), len(frame))
        y_pred = np.tile(np.array([1, 1, 0, 0]), len(frame))
        weight = frame[["tp", "fp", "tn", "fn"]].to_numpy().reshape(-1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undefined groups: masked by the caller
            by_group = MetricFrame(
                metrics={m: functions[m] for m in metrics},
                y_true=y_true,
                y_pred=y_pred,
                sensitive_features=pd.Series(groups, name="group"),
                sample_params={m: {"sample_weight": weight} for m in metrics},
            ).by_group
        for metric in metrics:
            out[metric][span] = by_group[metric].reindex(frame.index).to_numpy(dtype=np.float64)
    return out


def positive_share(table: GroupTable) -> np.ndarray:
    """Each group's share of all positive predictions at its level: ``pp_g / Σ pp`` over the
    level's groups (Aequitas's ``ppr``, "predicted positive rate"); ``NaN`` when the level has no
    positive prediction. Every level partitions the same sample, so the total is the sample's."""
    pp = table.column("pp")
    out = np.full(len(pp), np.nan)
    for level in range(len(table.names)):
        span = table.span(level)
        total = float(pp[span].sum())
        if total > 0:
            out[span] = pp[span] / total
    return out
