"""Spec against data: which metrics and checks an audit runs, and whether named references exist."""

from __future__ import annotations

import numpy as np

from fairness._metrics import DESCRIPTIVE_METRICS, METRICS, ROC_AUC, GroupTable
from fairness._policies import default_checks, preset_checks
from fairness._score_tests import AUC_COMPARISON, CALIBRATION, KS, SCORE_MEASURES
from fairness._spec import AuditSpec, Check, SpecError

NEEDS_LABELS = "{path}: {metric!r} needs labels, and the sample has none"
NEEDS_SCORES = "{path}: {metric!r} needs a score column, and the sample has none"
NEEDS_SCORE_LABELS = "{path}: 'roc_auc' needs labels alongside the scores"
MEASURE_NEEDS_SCORES = "{path}: {measure!r} needs a score column, and the sample has none"
MEASURE_NEEDS_LABELS = "{path}: {measure!r} needs labels alongside the scores"
CALIBRATION_NEEDS_PROBABILITIES = (
    "{path}: 'calibration' needs scores between 0 and 1; the sample's scores run from "
    "{low:g} to {high:g}"
)
UNKNOWN_REFERENCE = (
    "reference_groups.{attribute}: group {group!r} not found; groups present: {present}"
)
UNKNOWN_REFERENCE_ATTRIBUTE = (
    "reference_groups.{attribute}: not an audited attribute or intersection; "
    "expected one of {levels}"
)


def available_metrics(spec: AuditSpec, has_labels: bool, has_scores: bool, score_labels: bool):
    if spec.metrics is None:
        names = [m for m in METRICS if m != "scoring_rate"] if has_labels else ["selection_rate"]
        if has_labels:
            names += DESCRIPTIVE_METRICS
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
        elif (metric in METRICS and METRICS[metric].needs_labels and not has_labels) or (
            metric in DESCRIPTIVE_METRICS and not has_labels
        ):
            errors.append(NEEDS_LABELS.format(path=path, metric=metric))
    if errors:
        raise SpecError(errors)
    for check in checks:  # a checked metric is always reported
        if check.metric not in names:
            names.append(check.metric)
    return names


def resolved_checks(spec: AuditSpec, has_labels: bool, has_scores: bool) -> tuple[Check, ...]:
    if spec.checks is not None:
        return spec.checks
    if spec.preset is not None:
        templates = preset_checks(spec.preset, has_scores=has_scores)
    else:
        templates = default_checks(
            spec.favourable_outcome, has_labels=has_labels, has_scores=has_scores
        )
    return tuple(Check(t.name, t.metric, t.kind, t.threshold) for t in templates)


def check_reference_groups(spec: AuditSpec, table: GroupTable) -> None:
    """Raise ``SpecError`` when a named reference names an unknown level or group."""
    errors = []
    names = list(table.names)
    for attribute, group in sorted(spec.reference_groups.items()):
        if attribute not in names:
            errors.append(UNKNOWN_REFERENCE_ATTRIBUTE.format(attribute=attribute, levels=names))
            continue
        present = sorted(table.group[table.span(names.index(attribute))].tolist())
        if group not in present:
            errors.append(
                UNKNOWN_REFERENCE.format(attribute=attribute, group=group, present=present)
            )
    if errors:
        raise SpecError(errors)


def unknown_groups(table: GroupTable, unknown: str, join: str) -> np.ndarray:
    """Per group, whether it (or one of its parts) is the unknown group."""
    return np.array([unknown in g.split(join) for g in table.group.tolist()], dtype=bool)


def available_score_measures(
    spec: AuditSpec, has_scores: bool, score_labels: bool, score_range: tuple[float, float]
) -> tuple[list[str], bool]:
    """The score measures to compute, and whether calibration was left out because the scores
    are not probabilities (for the report's note).

    ``spec.score_measures=None`` takes every measure the data allows: the KS test with scores,
    the AUC comparison with labels too, calibration when the scores also lie in [0, 1]. A measure
    named in the spec that the data cannot give raises ``SpecError`` naming the entry.
    """
    low, high = score_range
    unit = bool(has_scores and low >= 0 and high <= 1)
    if spec.score_measures is None:
        if not has_scores:
            return [], False
        names = [KS]
        if score_labels:
            names[:0] = [CALIBRATION, AUC_COMPARISON] if unit else [AUC_COMPARISON]
        return names, bool(score_labels and not unit)
    errors = []
    for i, measure in enumerate(spec.score_measures):
        path = f"score_measures[{i}]"
        if not has_scores:
            errors.append(MEASURE_NEEDS_SCORES.format(path=path, measure=measure))
        elif measure in (CALIBRATION, AUC_COMPARISON) and not score_labels:
            errors.append(MEASURE_NEEDS_LABELS.format(path=path, measure=measure))
        elif measure == CALIBRATION and not unit:
            errors.append(CALIBRATION_NEEDS_PROBABILITIES.format(path=path, low=low, high=high))
    if errors:
        raise SpecError(errors)
    return [m for m in SCORE_MEASURES if m in spec.score_measures], False


def score_references(
    spec: AuditSpec, group_rows: dict[str, np.ndarray]
) -> tuple[dict[str, str | None], dict[str, set[str]]]:
    """Per attribute (or intersection), the reference of the score comparisons and the groups
    compared with it.

    The reference is the spec's named group for that attribute, else the largest candidate
    (known, in ratios; the first in sort order on a tie): a score distribution has no "most
    favoured" side, and the largest group gives the most precise comparison. Compared: every
    other group that takes part in ratios.
    """
    references: dict[str, str | None] = {}
    eligible: dict[str, set[str]] = {}
    attributes = group_rows["attribute"].tolist()
    groups = group_rows["group"].tolist()
    sizes = np.asarray(group_rows["n"], dtype=float).tolist()
    in_ratios = np.asarray(group_rows["in_ratios"], dtype=bool).tolist()
    unknown = np.asarray(group_rows["unknown"], dtype=bool).tolist()
    best: dict[str, tuple[float, str]] = {}
    for attribute, group, n, ok, missing in zip(
        attributes, groups, sizes, in_ratios, unknown, strict=True
    ):
        eligible.setdefault(attribute, set())
        if ok:
            eligible[attribute].add(group)
            if not missing and (attribute not in best or n > best[attribute][0]):
                best[attribute] = (n, group)
    for attribute in eligible:
        named = spec.reference_groups.get(attribute)
        references[attribute] = named if named is not None else best.get(attribute, (0, None))[1]
    return references, eligible
