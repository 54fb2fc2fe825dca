"""The audit: from a read sample (or a cell table) and a spec to an ``AuditReport``."""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairness._bootstrap import Level, bootstrap_summaries
from fairness._checks import evaluate_check, summarise
from fairness._comparisons import OVERALL_GROUP, comparison_rows, omnibus_rows
from fairness._errors import FairnessError
from fairness._metrics import (
    JOIN,
    METRICS,
    ROC_AUC,
    attribute_levels,
    group_counts,
    group_keys,
    level_name,
    metric_rows,
    normalise_cells,
)
from fairness._notes import audit_notes
from fairness._policies import default_checks, preset_checks
from fairness._report import AuditReport
from fairness._significance import adjust_p_values
from fairness._spec import AuditSpec, Check, SpecError
from fairness._table import UNKNOWN, CellTable, ReadStats, Sample

NEEDS_LABELS = "{path}: {metric!r} needs labels, and the sample has none"
NEEDS_SCORES = "{path}: {metric!r} needs a score column, and the sample has none"
NEEDS_SCORE_LABELS = "{path}: 'roc_auc' needs labels alongside the scores"
UNKNOWN_REFERENCE = (
    "reference_groups.{attribute}: group {group!r} not found; groups present: {present}"
)
UNKNOWN_REFERENCE_ATTRIBUTE = (
    "reference_groups.{attribute}: not an audited attribute or intersection; "
    "expected one of {levels}"
)
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


def _available_metrics(spec: AuditSpec, has_labels: bool, has_scores: bool, score_labels: bool):
    if spec.metrics is None:
        names = [m for m in METRICS if m != "scoring_rate"] if has_labels else ["selection_rate"]
        if has_scores:
            names.append("scoring_rate")
            if score_labels:
                names.append(ROC_AUC)
    else:
        names = list(spec.metrics)
    errors = []
    checks = list(spec.checks or [])
    wanted = [(f"metrics[{i}]", m) for i, m in enumerate(spec.metrics or [])]
    wanted += [(f"checks[{i}].metric", c.metric) for i, c in enumerate(checks)]
    for path, metric in wanted:
        if metric == ROC_AUC and not (has_scores and score_labels):
            errors.append(
                NEEDS_SCORE_LABELS.format(path=path)
                if has_scores
                else NEEDS_SCORES.format(path=path, metric=metric)
            )
        elif metric in METRICS and METRICS[metric].needs_scores and not has_scores:
            errors.append(NEEDS_SCORES.format(path=path, metric=metric))
        elif metric in METRICS and METRICS[metric].needs_labels and not has_labels:
            errors.append(NEEDS_LABELS.format(path=path, metric=metric))
    if errors:
        raise SpecError(errors)
    for check in checks:  # a checked metric is always reported
        if check.metric not in names:
            names.append(check.metric)
    return names


def _resolved_checks(spec: AuditSpec, has_labels: bool, has_scores: bool) -> tuple[Check, ...]:
    if spec.checks is not None:
        return spec.checks
    if spec.preset is not None:
        templates = preset_checks(spec.preset, has_scores=has_scores)
    else:
        templates = default_checks(
            spec.favourable_outcome, has_labels=has_labels, has_scores=has_scores
        )
    return tuple(Check(t.name, t.metric, t.kind, t.threshold) for t in templates)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import fairness

    out = {"fairness": fairness.__version__, "python": platform.python_version()}
    for package in ("fairlearn", "numpy", "scipy", "pandas", "scikit-learn"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


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
        Spec fields to replace (``seed=1``, ``preset="four-fifths"``, ``favourable_outcome=...``).

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
    from fairness._read import read_sample

    resolved = _spec(spec, overrides)
    c = resolved.columns
    if not c.sensitive_features:
        raise SpecError([NO_SENSITIVE_COLUMNS])
    sample = read_sample(
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
    )
    return _run(sample, resolved)


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
        source, sensitive_features=list(c.sensitive_features), delimiter=c.delimiter
    )
    return _run(sample, resolved)


def _with_scores(cells: pd.DataFrame, sample: Sample) -> tuple[pd.DataFrame, float | None]:
    if sample.scores is None:
        return cells, None
    from fairness._score_metrics import scoring_cells

    attributes = list(sample.cells.attributes)
    scored, median = scoring_cells(sample.scores)
    merged = cells.drop(columns=["above", "not_above"]).merge(scored, on=attributes, how="left")
    merged[["above", "not_above"]] = merged[["above", "not_above"]].fillna(0.0)
    return merged, median


def _run(sample: Sample, spec: AuditSpec) -> AuditReport:
    table = sample.cells
    attributes = list(table.attributes)
    has_scores = sample.scores is not None
    score_labels = has_scores and "label" in sample.scores.frame.columns
    metrics = _available_metrics(spec, table.has_labels, has_scores, score_labels)
    checks = _resolved_checks(spec, table.has_labels, has_scores)
    cells, median = _with_scores(normalise_cells(table.frame, attributes, table.has_labels), sample)
    depth = len(attributes) if spec.intersection_depth == "all" else int(spec.intersection_depth)
    levels = attribute_levels(attributes, depth)
    names = [level_name(level) for level in levels]
    confidence = 1 - spec.alpha
    _check_reference_groups(spec, levels, cells)

    total = float((cells["pp"] + cells["pn"]).sum())
    groups, metric_table, comparisons, omnibus, boot_levels = [], [], [], [], []
    for level, name in zip(levels, names, strict=True):
        counts = group_counts(cells, level)
        eligible = []
        for group, row in counts.iterrows():
            n = float(row["pp"] + row["pn"])
            unknown = UNKNOWN in str(group).split(JOIN)
            small = n < spec.small_category_share * total
            in_ratios = not small and not (unknown and spec.exclude_unknown_from_ratios)
            if in_ratios:
                eligible.append(group)
            count_cols = ("tp", "fp", "tn", "fn") if table.has_labels else ()
            groups.append(
                {
                    "attribute": name,
                    "group": group,
                    "n": n,
                    "share": n / total if total else None,
                    **{c: float(row[c]) for c in (*count_cols, "pp", "pn")},
                    "unknown": unknown,
                    "small_category": small,
                    "in_ratios": in_ratios,
                }
            )
        rate_metrics = [m for m in metrics if m in METRICS]
        metric_table += metric_rows(
            name,
            counts,
            rate_metrics,
            has_labels=table.has_labels,
            min_denominator=spec.min_denominator,
            confidence=confidence,
        )
        if ROC_AUC in metrics:
            from fairness._score_metrics import roc_auc_rows

            metric_table += roc_auc_rows(
                sample.scores,
                level,
                name,
                min_denominator=spec.min_denominator,
                confidence=confidence,
            )
        comparable = [g for g in eligible if g != UNKNOWN and UNKNOWN not in g.split(JOIN)]
        comparisons += comparison_rows(
            name,
            counts,
            rate_metrics,
            eligible=eligible,
            policy=spec.reference,
            named=spec.reference_groups.get(name),
            favourable_outcome=spec.favourable_outcome,
            min_denominator=spec.min_denominator,
            confidence=confidence,
            reference_candidates=comparable,
        )
        omnibus += omnibus_rows(name, counts, rate_metrics, eligible=eligible)
        cell_group = pd.Index(counts.index).get_indexer(group_keys(cells, level))
        boot_levels.append(
            Level(name, cell_group, tuple(counts.index), np.isin(counts.index.to_numpy(), eligible))
        )

    _adjust(comparisons, spec.correction)
    _adjust(omnibus, spec.correction)
    summaries = bootstrap_summaries(
        cells,
        boot_levels,
        metrics,
        has_labels=table.has_labels,
        replicates=spec.bootstrap_replicates,
        seed=spec.seed,
        confidence=confidence,
    )
    check_rows = _apply_checks(checks, comparisons, metric_table, spec, confidence)
    check_summary, verdict = summarise(checks, check_rows)

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
        "seed": spec.seed,
        "bootstrap_replicates": spec.bootstrap_replicates,
        "confidence": confidence,
        "versions": _versions(),
    }
    notes = audit_notes(spec, checks, omnibus, groups, table)
    return AuditReport(
        verdict=verdict,
        tables={
            "groups": tuple(groups),
            "metrics": tuple(metric_table),
            "comparisons": tuple(comparisons),
            "omnibus": tuple(omnibus),
            "summaries": tuple(summaries),
            "checks": tuple(check_rows),
            "check_summary": tuple(check_summary),
        },
        spec=effective,
        sample=effective["sample"],
        provenance=provenance,
        notes=tuple(notes),
    )


def _check_reference_groups(spec: AuditSpec, levels: list, cells: pd.DataFrame) -> None:
    errors = []
    names = [level_name(level) for level in levels]
    for attribute, group in sorted(spec.reference_groups.items()):
        if attribute not in names:
            errors.append(UNKNOWN_REFERENCE_ATTRIBUTE.format(attribute=attribute, levels=names))
            continue
        present = sorted(set(group_keys(cells, levels[names.index(attribute)])))
        if group not in present:
            errors.append(
                UNKNOWN_REFERENCE.format(attribute=attribute, group=group, present=present)
            )
    if errors:
        raise SpecError(errors)


def _adjust(rows: list[dict], method: str) -> None:
    tested = [r for r in rows if r["p_value"] is not None]
    for row, adjusted in zip(
        tested, adjust_p_values([r["p_value"] for r in tested], method=method), strict=True
    ):
        row["p_adjusted"] = adjusted


def _apply_checks(
    checks: tuple[Check, ...],
    comparisons: list[dict],
    metric_table: list[dict],
    spec: AuditSpec,
    confidence: float,
) -> list[dict]:
    denominators: dict[tuple[str, str, str], float] = {}
    for r in metric_table:
        denominators[(r["attribute"], r["group"], r["metric"])] = r["denominator"]
        overall = (r["attribute"], OVERALL_GROUP, r["metric"])
        denominators[overall] = denominators.get(overall, 0.0) + r["denominator"]
    rows = []
    for check in checks:
        label = METRICS[check.metric].denominator_label
        for comparison in comparisons:
            if comparison["metric"] != check.metric:
                continue
            attribute, metric = comparison["attribute"], comparison["metric"]
            rows.append(
                evaluate_check(
                    check,
                    comparison,
                    favourable_outcome=spec.favourable_outcome,
                    confidence=confidence,
                    alpha=spec.alpha,
                    min_denominator=spec.min_denominator,
                    denominator_label=label,
                    group_denominator=denominators[(attribute, comparison["group"], metric)],
                    reference_denominator=denominators[
                        (attribute, comparison["reference"], metric)
                    ],
                )
            )
    return rows
