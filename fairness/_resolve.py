"""Spec against data: which metrics and checks an audit runs, and whether named references exist."""

from __future__ import annotations

import numpy as np

from fairness._metrics import DESCRIPTIVE_METRICS, METRICS, ROC_AUC, GroupTable
from fairness._policies import default_checks, preset_checks
from fairness._spec import AuditSpec, Check, SpecError

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
