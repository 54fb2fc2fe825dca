"""Per-group metrics computed from the cell table, for every attribute and every intersection.

Each rate metric is ``numerator / denominator`` where both are sums of count columns (see
``METRICS``). ``group_table`` sums the cells into every group of every level in one pass; the
default ``"numpy"`` backend then computes every value as one array division. fairlearn stays the
definition: the ``"fairlearn"`` backend computes the values of the metrics that fairlearn or
scikit-learn define with ``MetricFrame`` on the compressed table (one row per group and confusion
cell, the count as ``sample_weight``), and the tests check that both backends agree with
``MetricFrame`` on raw rows. A zero denominator gives value ``None`` and status ``"undefined"``; a
denominator below the minimum gives status ``"insufficient_data"`` (the value is still reported).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairness._intervals import rate_interval_arrays

OK = "ok"
UNDEFINED = "undefined"
INSUFFICIENT = "insufficient_data"

#: Joins attribute names (``"sex & ethnicity"``) and group values (``"female & asian"``).
JOIN = " & "

#: Count columns of the normalised cell frame the metrics read.
COUNT_COLUMNS = ("tp", "fp", "tn", "fn", "pp", "pn", "above", "not_above")
_COLUMN_INDEX = {c: i for i, c in enumerate(COUNT_COLUMNS)}

#: How metric values are computed: array arithmetic on the counts, or fairlearn's MetricFrame.
NUMPY_BACKEND = "numpy"
FAIRLEARN_BACKEND = "fairlearn"
METRIC_BACKENDS = (NUMPY_BACKEND, FAIRLEARN_BACKEND)


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
#: Per-group measures that are not a single rate (``_extra_metrics``): reported, not compared.
F1_SCORE = "f1_score"
BALANCED_ACCURACY = "balanced_accuracy"
DESCRIPTIVE_METRICS = (F1_SCORE, BALANCED_ACCURACY)
ALL_METRIC_NAMES = (*METRICS, *DESCRIPTIVE_METRICS, ROC_AUC)


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


@dataclass(frozen=True)
class GroupTable:
    """Every group of every level (attribute or intersection), summed from the cells.

    Groups are stored level after level, each level's groups sorted by value, so level ``i``
    holds rows ``starts[i]:starts[i + 1]``.

    Attributes
    ----------
    names : tuple of str
        Level names (``"sex & race"``).
    starts : ndarray
        Offsets of each level's first group, plus the total number of groups.
    attribute, group : ndarray
        Level name and group value of each group (object arrays).
    counts : ndarray
        ``(groups, len(COUNT_COLUMNS))`` float64 sums.
    cell_group : ndarray
        ``(levels, cells)``: the (global) group of each cell at each level.
    squares : ndarray or None
        With weights, ``(groups, len(COUNT_COLUMNS))`` sums of squared weights (for the Kish
        effective sample size); ``None`` when counts are row counts.
    """

    names: tuple[str, ...]
    starts: np.ndarray
    attribute: np.ndarray
    group: np.ndarray
    counts: np.ndarray
    cell_group: np.ndarray
    squares: np.ndarray | None = None

    def span(self, level: int) -> slice:
        return slice(int(self.starts[level]), int(self.starts[level + 1]))

    def column(self, name: str) -> np.ndarray:
        return self.counts[:, _COLUMN_INDEX[name]]

    def parts(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator of ``metric`` for every group."""
        return count_parts(self.counts, metric)

    def effective_parts(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator of ``metric`` as the intervals, tests and minimums read them.

        Unweighted, the counts themselves. Weighted, the denominator is the Kish effective sample
        size ``(Σw)² / Σw²`` of the denominator's rows and the numerator the weighted rate times
        it: the same rate, the information of that many unweighted rows. Multiplying every weight
        by a constant changes neither; equal weights give the row counts.
        """
        numerator, denominator = self.parts(metric)
        if self.squares is None:
            return numerator, denominator
        _, squares = count_parts(self.squares, metric)
        with np.errstate(invalid="ignore", divide="ignore"):
            effective = np.where(squares > 0, denominator * denominator / squares, 0.0)
            rate = np.where(denominator > 0, numerator / denominator, 0.0)
        return np.clip(rate, 0.0, 1.0) * effective, effective

    def level_frame(self, level: int) -> pd.DataFrame:
        """One level's counts as a frame indexed by group value (as :func:`group_counts`)."""
        span = self.span(level)
        index = pd.Index(self.group[span], name="group")
        return pd.DataFrame(self.counts[span], index=index, columns=list(COUNT_COLUMNS))


def count_parts(counts: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of ``metric`` from a ``(..., COUNT_COLUMNS)`` count array."""
    definition = METRICS[metric]
    numerator = counts[..., _COLUMN_INDEX[definition.numerator[0]]]
    for column in definition.numerator[1:]:
        numerator = numerator + counts[..., _COLUMN_INDEX[column]]
    denominator = counts[..., _COLUMN_INDEX[definition.denominator[0]]]
    for column in definition.denominator[1:]:
        denominator = denominator + counts[..., _COLUMN_INDEX[column]]
    return numerator, denominator


def group_table(cells: pd.DataFrame, levels: Sequence[Sequence[str]]) -> GroupTable:
    """Sum the normalised cells into every group of every level: factorise each attribute once,
    combine the codes per level, and add all levels' cells with one ``bincount`` per column."""
    n_cells = len(cells)
    codes: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for attribute in dict.fromkeys(a for level in levels for a in level):
        column = cells[attribute].to_numpy(dtype=object)
        codes[attribute], values[attribute] = pd.factorize(column)
    offsets, attribute_names, group_names, cell_groups = [0], [], [], []
    for level in levels:
        combined = codes[level[0]].astype(np.int64)
        for attribute in level[1:]:
            combined = combined * len(values[attribute]) + codes[attribute]
            combined = np.unique(combined, return_inverse=True)[1].reshape(-1)  # keep it small
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        parts = [cells[a].to_numpy(dtype=object)[first] for a in level]
        names = np.array([JOIN.join(v) for v in zip(*parts, strict=True)], dtype=object)
        order = np.argsort(names, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        cell_groups.append(offsets[-1] + rank[inverse.reshape(-1)])
        group_names.append(names[order])
        attribute_names.append(np.full(len(order), level_name(level), dtype=object))
        offsets.append(offsets[-1] + len(order))
    total = offsets[-1]
    cell_group = np.array(cell_groups, dtype=np.int64).reshape(len(levels), n_cells)
    flat = cell_group.reshape(-1)
    raw = cells[list(COUNT_COLUMNS)].to_numpy(dtype=np.float64)
    if np.array_equal(raw, np.round(raw)):  # whole counts: any order of addition is exact
        counts = np.empty((total, len(COUNT_COLUMNS)))
        for j in range(len(COUNT_COLUMNS)):
            weights = np.tile(raw[:, j], len(levels))
            counts[:, j] = np.bincount(flat, weights=weights, minlength=total)
    else:  # sums of weights: pandas' compensated group sum, level by level as group_counts
        frame = pd.DataFrame(raw)
        counts = np.concatenate(
            [frame.groupby(cell_group[i], sort=True).sum().to_numpy() for i in range(len(levels))]
        ).reshape(total, len(COUNT_COLUMNS))
    return GroupTable(
        names=tuple(level_name(level) for level in levels),
        starts=np.array(offsets, dtype=np.int64),
        attribute=np.concatenate(attribute_names) if attribute_names else np.empty(0, object),
        group=np.concatenate(group_names) if group_names else np.empty(0, object),
        counts=counts,
        cell_group=cell_group,
    )


def metric_values(
    table: GroupTable, metrics: Sequence[str], *, has_labels: bool, backend: str = NUMPY_BACKEND
) -> np.ndarray:
    """``(len(metrics), groups)`` values, ``NaN`` where the denominator is 0.

    ``"numpy"``: numerator / denominator. ``"fairlearn"``: the fairlearn-defined metrics from
    ``MetricFrame`` per level (:func:`fairlearn_values`), the others from the counts.
    """
    out = np.full((len(metrics), len(table.group)), np.nan)
    for j, metric in enumerate(metrics):
        numerator, denominator = table.parts(metric)
        defined = denominator > 0
        out[j, defined] = numerator[defined] / denominator[defined]
    if backend == FAIRLEARN_BACKEND:
        for level in range(len(table.names)):
            span = table.span(level)
            computed = fairlearn_values(table.level_frame(level), metrics, has_labels=has_labels)
            for j, metric in enumerate(metrics):
                if metric in computed:
                    _, denominator = table.parts(metric)
                    defined = denominator[span] > 0
                    values = computed[metric].to_numpy(dtype=np.float64)
                    out[j, span] = np.where(defined, values, np.nan)
    return out


def status_array(denominator: np.ndarray, min_denominator: float) -> np.ndarray:
    """``"undefined"`` / ``"insufficient_data"`` / ``"ok"`` per denominator (object array)."""
    status = np.where(denominator >= min_denominator, OK, INSUFFICIENT).astype(object)
    status[denominator <= 0] = UNDEFINED
    return status


def metric_columns(
    table: GroupTable,
    metrics: Sequence[str],
    *,
    has_labels: bool,
    min_denominator: float,
    confidence: float,
    backend: str = NUMPY_BACKEND,
) -> dict[str, np.ndarray]:
    """The metric table's columns for every group and rate metric, plus ``_level``: rows ordered
    by level, then metric, then group."""
    n_groups = len(table.group)
    values = metric_values(table, metrics, has_labels=has_labels, backend=backend)
    parts = [table.parts(m) for m in metrics]
    numerators = np.array([p[0] for p in parts]).reshape(len(metrics), n_groups)
    denominators = np.array([p[1] for p in parts]).reshape(len(metrics), n_groups)
    if table.squares is not None:  # weighted: intervals and minimums on the effective counts
        effective = [table.effective_parts(m) for m in metrics]
        eff_x = np.array([p[0] for p in effective]).reshape(len(metrics), n_groups)
        eff_n = np.array([p[1] for p in effective]).reshape(len(metrics), n_groups)
    else:
        eff_x, eff_n = numerators, denominators
    pieces, level_of = [], []
    for level in range(len(table.names)):
        span = table.span(level)
        for j in range(len(metrics)):
            pieces.append(np.arange(span.start, span.stop) + j * n_groups)
            level_of.append(np.full(span.stop - span.start, level))
    rows = np.concatenate(pieces) if pieces else np.empty(0, np.int64)
    x, n = numerators.reshape(-1)[rows], denominators.reshape(-1)[rows]
    ex, en = eff_x.reshape(-1)[rows], eff_n.reshape(-1)[rows]
    low, high, method = rate_interval_arrays(ex, en, confidence=confidence)
    group_index = rows % max(n_groups, 1)
    return {
        "attribute": table.attribute[group_index],
        "group": table.group[group_index],
        "metric": np.array(metrics, dtype=object)[rows // max(n_groups, 1)],
        "numerator": x,
        "denominator": n,
        "value": values.reshape(-1)[rows],
        "ci_low": low,
        "ci_high": high,
        "interval": method,
        "status": status_array(en, min_denominator),
        "_level": np.concatenate(level_of) if level_of else np.empty(0, np.int64),
    }


def metric_rows(
    attribute: str,
    counts: pd.DataFrame,
    metrics: Sequence[str],
    *,
    has_labels: bool,
    min_denominator: float,
    confidence: float,
    backend: str = NUMPY_BACKEND,
) -> list[dict[str, object]]:
    """Tidy metric rows (attribute, group, metric, value, ci, numerator, denominator, status) for
    one level's counts (:func:`group_counts`), one row per group and metric, metric-major."""
    table = GroupTable(
        names=(attribute,),
        starts=np.array([0, len(counts)]),
        attribute=np.full(len(counts), attribute, dtype=object),
        group=counts.index.to_numpy(dtype=object),
        counts=counts[list(COUNT_COLUMNS)].to_numpy(dtype=np.float64),
        cell_group=np.empty((1, 0), np.int64),
    )
    columns = metric_columns(
        table,
        metrics,
        has_labels=has_labels,
        min_denominator=min_denominator,
        confidence=confidence,
        backend=backend,
    )
    columns.pop("_level")
    return records(columns)


def records(columns: Mapping[str, np.ndarray | list]) -> list[dict[str, object]]:
    """Rows (dicts) from equal-length columns, in bulk; float ``NaN`` becomes ``None`` and numpy
    scalars become Python values."""
    keys = list(columns)
    lists = []
    for key in keys:
        column = columns[key]
        if isinstance(column, np.ndarray):
            if column.dtype.kind == "f":
                missing = np.isnan(column)
                column = column.tolist()
                if missing.any():
                    for i in np.flatnonzero(missing).tolist():
                        column[i] = None
            else:
                column = column.tolist()
        lists.append(column)
    return [dict(zip(keys, row, strict=True)) for row in zip(*lists, strict=True)]
