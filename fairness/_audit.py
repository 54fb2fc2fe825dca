"""The audit: from a read sample (or a cell table) and a spec to an ``AuditReport``."""

from __future__ import annotations

import dataclasses
import functools
import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairness._bootstrap import summary_columns
from fairness._checks import check_columns, not_assessed_rows, summarise
from fairness._comparisons import comparison_columns, omnibus_columns
from fairness._errors import FairnessError
from fairness._extra_metrics import descriptive_columns, positive_share
from fairness._metrics import (
    DESCRIPTIVE_METRICS,
    JOIN,
    METRICS,
    ROC_AUC,
    GroupTable,
    attribute_levels,
    group_table,
    metric_columns,
    normalise_cells,
    records,
)
from fairness._notes import CALIBRATION_SKIPPED_NOTE, audit_notes
from fairness._policies import rule_names_reference, rule_statement, shared_test_metric
from fairness._report import AuditReport
from fairness._resolve import (
    available_metrics,
    available_score_measures,
    check_reference_groups,
    resolved_checks,
    score_references,
    unknown_groups,
)
from fairness._score_tests import SortedScores, score_measure_tables, score_range
from fairness._significance import adjust_families
from fairness._spec import AuditSpec, Check, SpecError
from fairness._table import UNKNOWN, CellTable, ReadStats, Sample

NOT_A_SAMPLE = "audit_counts expects a Sample or a CellTable, got {kind}."
NO_SENSITIVE_COLUMNS = (
    "columns.sensitive_features: name at least one sensitive column (spec, or sensitive_features=)"
)


def _spec(spec: AuditSpec | Mapping[str, Any] | str | Path | None, overrides: dict) -> AuditSpec:
    if spec is None:
        resolved = AuditSpec()
    elif isinstance(spec, AuditSpec):
        resolved = spec
    elif isinstance(spec, Mapping):
        resolved = AuditSpec.from_dict(spec)
    else:
        resolved = AuditSpec.load(spec)
    return resolved.with_overrides(**overrides)


def _versions() -> dict[str, str]:
    return dict(_installed_versions())


@functools.lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Versions of the engine and its dependencies (read once per process: a few ms each)."""
    from importlib.metadata import PackageNotFoundError, version

    import fairness

    out = {"fairness": fairness.__version__, "python": platform.python_version()}
    for package in ("fairlearn", "numpy", "scipy", "pandas", "scikit-learn"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return tuple(out.items())


def _as_sample(data: Sample | CellTable) -> Sample:
    if isinstance(data, Sample):
        return data
    if isinstance(data, CellTable):
        rows = float(data.frame[list(data.count_columns)].to_numpy().sum())
        unknown = {a: int((data.frame[a].astype(str) == UNKNOWN).sum()) for a in data.attributes}
        stats = ReadStats(
            sha256=None,
            source_format="counts",
            rows_read=round(rows),
            rows_used=round(rows),
            unknown=unknown,
        )
        return Sample(cells=data, scores=None, stats=stats)
    raise FairnessError(NOT_A_SAMPLE.format(kind=type(data).__name__))


def audit_counts(
    sample_or_cells: Sample | CellTable,
    spec: AuditSpec | Mapping[str, Any] | str | Path | None = None,
    **overrides: Any,
) -> AuditReport:
    """Run an audit on counts already read: a ``Sample`` (from ``read_sample``/``read_counts``) or
    a ``CellTable``.

    Computes per-group metrics for every attribute and intersection, compares each group with its
    reference, tests, adjusts p-values, bootstraps between-group summaries and applies the checks.

    Parameters
    ----------
    sample_or_cells : Sample or CellTable
        The counts (and optional scores) to audit.
    spec : AuditSpec, mapping, path or None
        The declared spec (a path is read as TOML or JSON); ``None`` for the defaults.
    **overrides
        Spec fields to replace (``seed=1``, ``preset="four-fifths"``, ``favourable_outcome=...``,
        ``metric_backend="fairlearn"`` to compute metric values with fairlearn's MetricFrame).

    Returns
    -------
    AuditReport

    Raises
    ------
    SpecError
        When the spec is invalid or asks for what the data cannot give (e.g. a label metric
        without labels, a named reference group that does not exist).

    Examples
    --------
    >>> import pandas as pd
    >>> from fairness import CellTable, audit_counts
    >>> frame = pd.DataFrame({"sex": ["f", "m"], "pp": [300, 500], "pn": [700, 500]})
    >>> report = audit_counts(CellTable(("sex",), frame, has_labels=False), preset="four-fifths")
    >>> report.verdict
    'fail'
    """
    resolved = _spec(spec, overrides)
    return _run(_as_sample(sample_or_cells), resolved)


def audit(
    source: Any,
    spec: AuditSpec | Mapping[str, Any] | str | Path | None = None,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    **overrides: Any,
) -> AuditReport:
    """Read a prediction sample (CSV or Parquet) and audit it.

    The column mapping comes from ``spec.columns``, or from overrides (``label=``,
    ``prediction=``, ``sensitive_features=``, ``score=``, ``threshold=``, ``weight=``,
    ``pos_label=``, ``delimiter=``). See :func:`audit_counts` for the rest.

    Parameters
    ----------
    source : path or binary file
        The sample.
    spec : AuditSpec, mapping, path or None
        The declared spec.
    progress : callable, keyword-only
        ``progress(bytes_read, total_bytes_or_None)`` called while reading.
    **overrides
        Spec or column-mapping fields to replace.

    Returns
    -------
    AuditReport

    Raises
    ------
    FairnessInputError
        When the file or the mapping cannot be used (names the column/row).
    SpecError
        When the spec is invalid.
    """
    resolved = _spec(spec, overrides)
    return _run(read_for_spec(source, resolved, progress=progress), resolved)


def read_for_spec(
    source: Any,
    spec: AuditSpec | Mapping[str, Any] | str | Path,
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> Sample:
    """Read a prediction sample with the column mapping that ``spec`` declares.

    This is exactly the read that :func:`audit` performs, for callers that keep the ``Sample``
    (for example to store its count table) and then call :func:`audit_counts`.

    Parameters
    ----------
    source:
        Path or binary file object of a CSV (optionally gzip-compressed) or Parquet sample.
    spec:
        An ``AuditSpec``, its dict form, or a path to a TOML/JSON spec file.
    progress:
        Optional callback ``(bytes_done, bytes_total_or_None)`` called per chunk.

    Returns
    -------
    Sample
        Per-cell counts, scores when a score column is mapped, and read provenance.

    Raises
    ------
    FairnessInputError
        When the file or the mapping cannot be used (names the column/row).
    SpecError
        When the spec is invalid or names no sensitive feature.
    """
    from fairness._read import read_sample

    c = _spec(spec, {}).columns
    if not c.sensitive_features:
        raise SpecError([NO_SENSITIVE_COLUMNS])
    return read_sample(
        source,
        label=c.label,
        prediction=c.prediction,
        sensitive_features=list(c.sensitive_features),
        score=c.score,
        threshold=c.threshold,
        weight=c.weight,
        pos_label=c.pos_label,
        delimiter=c.delimiter,
        progress=progress,
        control_features=list(c.control_features),
    )


def audit_count_file(
    source: Any,
    spec: AuditSpec | Mapping[str, Any] | str | Path | None = None,
    **overrides: Any,
) -> AuditReport:
    """Read a pre-aggregated count table (``fairness.read_counts`` layouts) and audit it.

    Parameters
    ----------
    source : path or binary file
        The count table.
    spec : AuditSpec, mapping, path or None
        The declared spec; ``columns.sensitive_features`` names the group columns.
    **overrides
        Spec or column-mapping fields to replace.

    Returns
    -------
    AuditReport
    """
    from fairness._counts_input import read_counts

    resolved = _spec(spec, overrides)
    c = resolved.columns
    if not c.sensitive_features:
        raise SpecError([NO_SENSITIVE_COLUMNS])
    sample = read_counts(
        source,
        sensitive_features=list(c.sensitive_features),
        delimiter=c.delimiter,
        control_features=list(c.control_features),
    )
    return _run(sample, resolved)


def _with_scores(
    cells: pd.DataFrame, sample: Sample, *, squared: bool = False
) -> tuple[pd.DataFrame, float | None]:
    if sample.scores is None:
        return cells, None
    from fairness._score_metrics import scoring_cells

    attributes = list(sample.cells.attributes)
    scored, median = scoring_cells(sample.scores, squared=squared)
    merged = cells.drop(columns=["above", "not_above"]).merge(scored, on=attributes, how="left")
    merged[["above", "not_above"]] = merged[["above", "not_above"]].fillna(0.0)
    return merged, median


def _run(sample: Sample, spec: AuditSpec) -> AuditReport:
    stratified = sample.cells
    if stratified.controls:  # every table but ``conditional`` is the audit without the controls
        sample = dataclasses.replace(sample, cells=stratified.collapsed())
    table = sample.cells
    attributes = list(table.attributes)
    has_scores = sample.scores is not None
    score_labels = sample.scores is not None and "label" in sample.scores.frame.columns
    metrics = available_metrics(spec, table.has_labels, has_scores, score_labels)
    checks = resolved_checks(spec, table.has_labels, has_scores)
    score_span = score_range(sample.scores) if sample.scores is not None else (np.nan, np.nan)
    measures, calibration_skipped = available_score_measures(
        spec, has_scores, score_labels, score_span
    )
    metrics += [m for m in dict.fromkeys(c.metric for c in checks) if m not in metrics]
    cells, median = _with_scores(normalise_cells(table.frame, attributes, table.has_labels), sample)
    ordered = SortedScores(sample.scores) if sample.scores is not None else None
    depth = len(attributes) if spec.intersection_depth == "all" else int(spec.intersection_depth)
    levels = attribute_levels(attributes, depth)
    confidence = 1 - spec.alpha
    groups = group_table(cells, levels)
    if table.squares is not None:  # weighted rows: Kish effective sizes for intervals and minimums
        squares, _ = _with_scores(
            normalise_cells(table.squares, attributes, table.has_labels), sample, squared=True
        )
        groups = dataclasses.replace(groups, squares=group_table(squares, levels).counts)
    check_reference_groups(spec, groups)

    total = float((cells["pp"] + cells["pn"]).sum())
    group_columns = _group_columns(groups, spec, total, has_labels=table.has_labels)
    group_columns["positive_share"] = positive_share(groups)
    eligible = np.array(group_columns["in_ratios"], dtype=bool)
    rate_metrics = [m for m in metrics if m in METRICS]
    metric_table = _metric_rows(
        groups, levels, rate_metrics, metrics, sample, spec, confidence, ordered
    )
    candidates = eligible & ~np.array(group_columns["unknown"], dtype=bool)
    comparisons = comparison_columns(
        groups,
        rate_metrics,
        eligible=eligible,
        candidates=candidates,
        policy=spec.reference,
        named=spec.reference_groups,
        favourable_outcome=spec.favourable_outcome,
        min_denominator=spec.min_denominator,
        confidence=confidence,
        any_size=rule_names_reference(spec.preset, spec.reference),
    )
    omnibus = omnibus_columns(groups, rate_metrics, eligible=eligible)
    conditional: dict[str, np.ndarray] = {}
    if stratified.controls:
        conditional = _conditional(stratified, levels, comparisons, rate_metrics, spec, confidence)
        _adjust_conditional(conditional, checks, spec.correction)
    _adjust(comparisons, omnibus, checks, spec.correction)
    summaries = summary_columns(
        groups, eligible, metrics, min_denominator=spec.min_denominator, confidence=confidence
    )
    denominator_labels = {m: d.denominator_label for m, d in METRICS.items()}
    check_table = check_columns(
        checks,
        comparisons,
        favourable_outcome=spec.favourable_outcome,
        confidence=confidence,
        alpha=spec.alpha,
        min_denominator=spec.min_denominator,
        denominator_labels=denominator_labels,
    )
    not_assessed = not_assessed_rows(
        checks,
        comparisons,
        group_columns,
        list(groups.names),
        candidates=candidates,
        small_category_share=spec.small_category_share,
        denominator_labels=denominator_labels,
    )
    check_summary, verdict, point_verdict = summarise(checks, check_table, not_assessed)
    score_tables = _score_tables(
        sample, spec, levels, list(groups.names), group_columns, measures, confidence, ordered
    )
    policy = "named" if spec.reference_groups else spec.reference
    rule = {
        "preset": spec.preset,
        "statement": rule_statement(
            spec.preset,
            policy=policy,
            favourable_outcome=spec.favourable_outcome,
            confidence=confidence,
        ),
        "point_estimate_verdict": point_verdict,
    }

    effective = spec.to_dict()
    effective["checks"] = [c.to_dict() for c in checks]
    effective["metrics"] = list(metrics)
    effective["intersection_depth"] = depth
    provenance = {
        "input": sample.stats.to_dict(),
        "weighted": table.weighted,
        "has_labels": table.has_labels,
        "has_scores": has_scores,
        "score_median": median,
        "score_measures": measures,
        "seed": spec.seed,
        "bootstrap_replicates": spec.bootstrap_replicates,
        "confidence": confidence,
        "metric_backend": spec.metric_backend,
        "versions": _versions(),
    }
    group_rows = records(group_columns)
    omnibus_rows = records(omnibus)
    check_rows = records(check_table)
    notes = audit_notes(
        spec, checks, omnibus_rows, group_rows, table, check_rows=check_rows,
        not_assessed=not_assessed,
    )  # fmt: skip
    if calibration_skipped:
        notes.append(CALIBRATION_SKIPPED_NOTE.format(low=score_span[0], high=score_span[1]))
    return AuditReport(
        verdict=verdict,
        tables={
            "groups": tuple(group_rows),
            "metrics": tuple(metric_table),
            "comparisons": tuple(records({k: v for k, v in comparisons.items() if k[0] != "_"})),
            "omnibus": tuple(omnibus_rows),
            "summaries": tuple(records(summaries)),
            "checks": tuple(check_rows),
            "check_summary": tuple(check_summary),
            "not_assessed": tuple(not_assessed),
            "conditional": tuple(records(conditional)) if conditional else (),
            **{name: tuple(rows) for name, rows in score_tables.items()},
        },
        rule=rule,
        spec=effective,
        sample=effective["sample"],
        provenance=provenance,
        notes=tuple(notes),
    )


def _conditional(
    table: CellTable,
    levels: list[tuple[str, ...]],
    comparisons: dict,
    metrics: list[str],
    spec: AuditSpec,
    confidence: float,
) -> dict[str, np.ndarray]:
    """The ``conditional`` table (``fairness._stratified``): every comparison again within the
    strata of the control features, pooled."""
    from fairness._stratified import conditional_columns

    grouping = [*table.attributes, *table.controls]
    cells = normalise_cells(table.frame, grouping, table.has_labels)
    squares = None
    if table.squares is not None:
        squares = normalise_cells(table.squares, grouping, table.has_labels)
    return conditional_columns(
        cells,
        levels,
        table.controls,
        comparisons,
        metrics,
        min_denominator=spec.min_denominator,
        confidence=confidence,
        squares=squares,
    )


def _adjust_conditional(conditional: dict, checks: tuple[Check, ...], correction: str) -> None:
    """``association_p_adjusted``, ``homogeneity_p_adjusted`` and ``family`` of the conditional
    rows: families as in :func:`_adjust`, within this table (a complementary pair is one test,
    counted once); the homogeneity tests are adjusted in families of their own, named alike."""
    checked = {shared_test_metric(c.metric) for c in checks}
    tested = _shared_tests(conditional["metric"])
    family = tested.copy()
    family[np.isin(tested, list(checked))] = CHECKS_FAMILY
    keys = list(
        zip(
            conditional["attribute"].tolist(),
            conditional["group"].tolist(),
            conditional["reference"].tolist(),
            tested.tolist(),
            strict=True,
        )
    )
    conditional["association_p_adjusted"] = adjust_families(
        conditional["association_p_value"], family, keys, method=correction
    )
    conditional["homogeneity_p_adjusted"] = adjust_families(
        conditional["homogeneity_p_value"], family, keys, method=correction
    )
    conditional["family"] = family


def _score_tables(
    sample: Sample,
    spec: AuditSpec,
    levels: list[tuple[str, ...]],
    names: list[str],
    group_columns: dict[str, np.ndarray],
    measures: list[str],
    confidence: float,
    ordered: SortedScores | None,
) -> dict[str, list[dict]]:
    """The score measures' tables (empty without scores or measures)."""
    if sample.scores is None or not measures:
        return {}
    references, eligible = score_references(spec, group_columns)
    return score_measure_tables(
        sample.scores,
        levels,
        names,
        measures=measures,
        references=references,
        eligible=eligible,
        bins=spec.calibration_bins,
        min_denominator=spec.min_denominator,
        confidence=confidence,
        correction=spec.correction,
        sorted_scores=ordered,
    )


#: The family of the comparisons that the declared checks read.
CHECKS_FAMILY = "checks"


def _adjust(comparisons: dict, omnibus: dict, checks: tuple[Check, ...], correction: str) -> None:
    """Fill ``p_adjusted`` and ``family`` of the comparisons and omnibus tests.

    Families: every test a declared check reads forms the family ``checks``; each other rate
    metric's comparisons form a family named after it; omnibus tests form one family per metric.
    A complementary pair (true positive / false negative rate, false positive / true negative
    rate, precision / false discovery rate, negative predictive value / false omission rate) is
    one test, counted once: its family is named after the first of the pair.
    """
    checked = {shared_test_metric(c.metric) for c in checks}
    tested = _shared_tests(comparisons["metric"])
    family = tested.copy()
    family[np.isin(tested, list(checked))] = CHECKS_FAMILY
    keys = list(
        zip(
            comparisons["attribute"].tolist(),
            comparisons["group"].tolist(),
            comparisons["reference"].tolist(),
            tested.tolist(),
            strict=True,
        )
    )
    comparisons["p_adjusted"] = adjust_families(
        comparisons["p_value"], family, keys, method=correction
    )
    comparisons["family"] = family
    tested = _shared_tests(omnibus["metric"])
    omnibus_keys = list(zip(omnibus["attribute"].tolist(), tested.tolist(), strict=True))
    omnibus["p_adjusted"] = adjust_families(
        omnibus["p_value"], tested, omnibus_keys, method=correction
    )
    omnibus["family"] = tested


def _shared_tests(metric: np.ndarray) -> np.ndarray:
    """:func:`shared_test_metric` of each row (computed once per distinct metric)."""
    out = metric.astype(object, copy=True)
    for name in dict.fromkeys(metric.tolist()):
        out[metric == name] = shared_test_metric(name)
    return out


def _group_columns(
    groups: GroupTable, spec: AuditSpec, total: float, *, has_labels: bool
) -> dict[str, np.ndarray]:
    """The groups table: sizes, shares, counts and which groups take part in ratios."""
    n = groups.column("pp") + groups.column("pn")
    unknown = unknown_groups(groups, UNKNOWN, JOIN)
    small = n < spec.small_category_share * total
    count_columns = ("tp", "fp", "tn", "fn") if has_labels else ()
    return {
        "attribute": groups.attribute,
        "group": groups.group,
        "n": n,
        "share": n / total if total else np.full(len(n), np.nan),
        **{c: groups.column(c) for c in (*count_columns, "pp", "pn")},
        "unknown": unknown,
        "small_category": small,
        "in_ratios": ~small & ~(unknown & spec.exclude_unknown_from_ratios),
    }


def _metric_rows(
    groups: GroupTable,
    levels: list[tuple[str, ...]],
    rate_metrics: list[str],
    metrics: list[str],
    sample: Sample,
    spec: AuditSpec,
    confidence: float,
    ordered: SortedScores | None = None,
) -> list[dict]:
    """Metric rows level by level: the rate metrics (metric by metric), then the descriptive
    measures (F1, balanced accuracy) if asked, then ROC AUC if asked."""
    columns = metric_columns(
        groups,
        rate_metrics,
        has_labels=sample.cells.has_labels,
        min_denominator=spec.min_denominator,
        confidence=confidence,
        backend=spec.metric_backend,
    )
    level_of = columns.pop("_level")
    rows = records(columns)
    descriptive = [m for m in metrics if m in DESCRIPTIVE_METRICS]
    if ROC_AUC not in metrics and not descriptive:
        return rows
    extra = descriptive_columns(
        groups,
        descriptive,
        min_denominator=spec.min_denominator,
        confidence=confidence,
        backend=spec.metric_backend,
    )
    extra_level = extra.pop("_level")
    extra_rows = records(extra)
    bounds = np.searchsorted(level_of, np.arange(len(levels) + 1))
    extra_bounds = np.searchsorted(extra_level, np.arange(len(levels) + 1))
    out: list[dict] = []
    for i, (level, name) in enumerate(zip(levels, groups.names, strict=True)):
        out += rows[bounds[i] : bounds[i + 1]]
        out += extra_rows[extra_bounds[i] : extra_bounds[i + 1]]
        if ROC_AUC not in metrics:
            continue
        from fairness._score_metrics import roc_auc_rows

        assert sample.scores is not None  # available_metrics offers ROC AUC only with scores
        out += roc_auc_rows(
            sample.scores,
            level,
            name,
            min_denominator=spec.min_denominator,
            confidence=confidence,
            sorted_scores=ordered,
        )
    return out
