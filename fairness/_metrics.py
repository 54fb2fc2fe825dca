"""Per-group metrics computed from the cell table, for every attribute and every intersection.

Each rate metric is ``numerator / denominator`` where both are sums of count columns (see
``METRICS``). The values of the metrics that fairlearn or scikit-learn define are computed by
fairlearn's ``MetricFrame`` on the compressed table (one row per group and confusion cell, the count
as ``sample_weight``), so fairlearn stays the definition; the others come from the counts directly.
A zero denominator gives value ``None`` and status ``"undefined"``; a denominator below the minimum
gives status ``"insufficient_data"`` (the value is still reported).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairness._intervals import rate_interval

OK = "ok"
UNDEFINED = "undefined"
INSUFFICIENT = "insufficient_data"

#: Joins attribute names (``"sex & ethnicity"``) and group values (``"female & asian"``).
JOIN = " & "

#: Count columns of the normalised cell frame the metrics read.
COUNT_COLUMNS = ("tp", "fp", "tn", "fn", "pp", "pn", "above", "not_above")


@dataclass(frozen=True)
class MetricDef:
    """A rate metric: which count columns make its numerator and denominator."""

    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    denominator_label: str
    needs_labels: bool
    needs_scores: bool = False


_ALL = ("pp", "pn")
_POS = ("tp", "fn")
_NEG = ("fp", "tn")
_PRED_POS = ("tp", "fp")
_PRED_NEG = ("tn", "fn")

#: The rate metrics in report order. ``roc_auc`` is computed from scores, see ``_score_metrics``.
METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        MetricDef("selection_rate", ("pp",), _ALL, "rows", needs_labels=False),
        MetricDef("prevalence", _POS, _ALL, "rows", needs_labels=True),
        MetricDef("true_positive_rate", ("tp",), _POS, "label positives", needs_labels=True),
        MetricDef("false_negative_rate", ("fn",), _POS, "label positives", needs_labels=True),
        MetricDef("false_positive_rate", ("fp",), _NEG, "label negatives", needs_labels=True),
        MetricDef("true_negative_rate", ("tn",), _NEG, "label negatives", needs_labels=True),
        MetricDef("precision", ("tp",), _PRED_POS, "predicted positives", needs_labels=True),
        MetricDef(
            "false_discovery_rate", ("fp",), _PRED_POS, "predicted positives", needs_labels=True
        ),
        MetricDef(
            "negative_predictive_value",
            ("tn",),
            _PRED_NEG,
            "predicted negatives",
            needs_labels=True,
        ),
        MetricDef(
            "false_omission_rate", ("fn",), _PRED_NEG, "predicted negatives", needs_labels=True
        ),
        MetricDef("accuracy", ("tp", "tn"), _ALL, "rows", needs_labels=True),
        MetricDef(
            "scoring_rate",
            ("above",),
            ("above", "not_above"),
            "rows",
            needs_labels=False,
            needs_scores=True,
        ),
    )
}
ROC_AUC = "roc_auc"
ALL_METRIC_NAMES = (*METRICS, ROC_AUC)


def _fairlearn_metrics() -> dict[str, object]:
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score, precision_score

    return {
        "selection_rate": flm.selection_rate,
        "true_positive_rate": flm.true_positive_rate,
        "false_positive_rate": flm.false_positive_rate,
        "false_negative_rate": flm.false_negative_rate,
        "true_negative_rate": flm.true_negative_rate,
        "precision": functools.partial(precision_score, zero_division=np.nan),
        "accuracy": accuracy_score,
    }


#: Metrics whose values come from fairlearn's MetricFrame (fairlearn or sklearn defines them).
FAIRLEARN_METRIC_NAMES = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "precision",
    "accuracy",
)


def normalise_cells(
    frame: pd.DataFrame, attributes: Sequence[str], has_labels: bool
) -> pd.DataFrame:
    """The cell frame with every count column of ``COUNT_COLUMNS`` (absent ones as 0), float64."""
    out = frame[list(attributes)].astype(str).copy()
    if has_labels:
        for col in ("tp", "fp", "tn", "fn"):
            out[col] = frame[col].astype("float64")
        out["pp"] = out["tp"] + out["fp"]
        out["pn"] = out["tn"] + out["fn"]
    else:
        for col in ("tp", "fp", "tn", "fn"):
            out[col] = 0.0
        out["pp"] = frame["pp"].astype("float64")
        out["pn"] = frame["pn"].astype("float64")
    for col in ("above", "not_above"):
        out[col] = frame[col].astype("float64") if col in frame.columns else 0.0
    return out.reset_index(drop=True)


def attribute_levels(attributes: Sequence[str], depth: int) -> list[tuple[str, ...]]:
    """Every single attribute, then every intersection of 2..``depth`` attributes, in input order.

    Examples
    --------
    >>> attribute_levels(["sex", "race", "age"], 2)
    [('sex',), ('race',), ('age',), ('sex', 'race'), ('sex', 'age'), ('race', 'age')]
    """
    levels: list[tuple[str, ...]] = []
    for size in range(1, min(depth, len(attributes)) + 1):
        levels.extend(itertools.combinations(attributes, size))
    return levels


def level_name(level: Sequence[str]) -> str:
    """``("sex", "race")`` → ``"sex & race"``."""
    return JOIN.join(level)


def group_keys(cells: pd.DataFrame, level: Sequence[str]) -> pd.Series:
    """The group value of each cell at ``level`` (e.g. ``"female & asian"``)."""
    keys = cells[level[0]].astype(str)
    for column in level[1:]:
        keys = keys + JOIN + cells[column].astype(str)
    return keys


def group_counts(cells: pd.DataFrame, level: Sequence[str]) -> pd.DataFrame:
    """Sum the normalised cells to one row per group of ``level``, indexed by sorted group value."""
    keys = group_keys(cells, level)
    summed = cells[list(COUNT_COLUMNS)].groupby(keys.to_numpy(), sort=True).sum()
    summed.index.name = "group"
    return summed


def rate_parts(counts: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator arrays of ``metric`` for each row of ``counts``."""
    definition = METRICS[metric]
    numerator = counts[list(definition.numerator)].to_numpy().sum(axis=1)
    denominator = counts[list(definition.denominator)].to_numpy().sum(axis=1)
    return numerator, denominator


def fairlearn_values(
    counts: pd.DataFrame, metrics: Sequence[str], *, has_labels: bool
) -> dict[str, pd.Series]:
    """Group values of the fairlearn-defined ``metrics`` by ``MetricFrame`` on compressed rows.

    Each group contributes four rows ``(y_true, y_pred)`` = (1,1), (0,1), (0,0), (1,0) weighted by
    its TP, FP, TN, FN (for unlabelled data ``y_true`` is a copy of ``y_pred`` and only
    ``selection_rate`` is asked for). Zero-weight rows are kept so every group stays present.
    """
    from fairlearn.metrics import MetricFrame

    wanted = [m for m in metrics if m in FAIRLEARN_METRIC_NAMES]
    if not wanted or counts.empty:
        return {}
    if has_labels:
        groups = np.repeat(counts.index.to_numpy(dtype=object), 4)
        y_true = np.tile(np.array([1, 0, 0, 1]), len(counts))
        y_pred = np.tile(np.array([1, 1, 0, 0]), len(counts))
        weight = counts[["tp", "fp", "tn", "fn"]].to_numpy().reshape(-1)
    else:
        groups = np.repeat(counts.index.to_numpy(dtype=object), 2)
        y_true = y_pred = np.tile(np.array([1, 0]), len(counts))
        weight = counts[["pp", "pn"]].to_numpy().reshape(-1)
        wanted = [m for m in wanted if m == "selection_rate"]
        if not wanted:
            return {}
    functions = _fairlearn_metrics()
    frame = MetricFrame(
        metrics={m: functions[m] for m in wanted},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.Series(groups, name="group"),
        sample_params={m: {"sample_weight": weight} for m in wanted},
    )
    by_group = frame.by_group
    return {m: by_group[m].reindex(counts.index).astype(float) for m in wanted}


def metric_rows(
    attribute: str,
    counts: pd.DataFrame,
    metrics: Sequence[str],
    *,
    has_labels: bool,
    min_denominator: float,
    confidence: float,
) -> list[dict[str, object]]:
    """Tidy metric rows (attribute, group, metric, value, ci, numerator, denominator, status).

    Parameters
    ----------
    attribute : str
        The attribute (or intersection) name the groups belong to.
    counts : DataFrame
        Output of :func:`group_counts`.
    metrics : sequence of str
        Rate metric names from ``METRICS`` to compute.
    has_labels : bool, keyword-only
        Whether the counts carry labels (TP/FP/TN/FN) or only predictions (PP/PN).
    min_denominator : float, keyword-only
        Below this denominator a metric's status is ``"insufficient_data"``.
    confidence : float, keyword-only
        Coverage of the rate intervals.

    Returns
    -------
    list of dict
        One row per group and metric.
    """
    from_fairlearn = fairlearn_values(counts, metrics, has_labels=has_labels)
    rows: list[dict[str, object]] = []
    for metric in metrics:
        numerator, denominator = rate_parts(counts, metric)
        computed = from_fairlearn.get(metric)
        for i, group in enumerate(counts.index):
            x, n = float(numerator[i]), float(denominator[i])
            row: dict[str, object] = {
                "attribute": attribute,
                "group": str(group),
                "metric": metric,
                "numerator": x,
                "denominator": n,
                "value": None,
                "ci_low": None,
                "ci_high": None,
                "interval": None,
                "status": UNDEFINED,
            }
            if n > 0:
                value = float(computed.iloc[i]) if computed is not None else x / n
                low, high, method = rate_interval(x, n, confidence=confidence)
                row.update(
                    value=value,
                    ci_low=low,
                    ci_high=high,
                    interval=method,
                    status=OK if n >= min_denominator else INSUFFICIENT,
                )
            rows.append(row)
    return rows
