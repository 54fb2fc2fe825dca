"""Field-by-field validation of an audit spec document, collecting every error at once."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from fairness._calibration import MAX_BINS, MIN_BINS
from fairness._metrics import ALL_METRIC_NAMES, DESCRIPTIVE_METRICS, METRIC_BACKENDS, METRICS
from fairness._policies import (
    BANDS,
    BENEFICIAL,
    CHECK_KINDS,
    FAVOURABLE_OUTCOMES,
    LL144,
    ONE_SIDED,
    PRESETS,
    RATIO,
    REFERENCE_POLICIES,
    UNCHECKABLE,
)
from fairness._score_tests import SCORE_MEASURES
from fairness._significance import CORRECTIONS
from fairness._spec_labels import possible_check_names, validate_labels
from fairness._spec_parts import (
    CONTROL_HAS_ROLE,
    CONTROL_IS_SENSITIVE,
    DESCRIPTIVE_METRIC,
    DUPLICATE_CHECK,
    EXPECTED,
    LL144_ADVERSE,
    NOT_A_MAPPING,
    SAMPLE_KINDS,
    SPEC_VERSION,
    UNCHECKABLE_METRIC,
    UNKNOWN_KEY,
    Check,
    Columns,
    SampleDescription,
    preset_fills,
)

_CHECK_KEYS = ("name", "metric", "kind", "threshold", "band")
_REQUIRED_CHECK_KEYS = ("name", "metric", "kind", "threshold")
#: Checks compare rates with their reference; ROC AUC, F1 and balanced accuracy are reported per
#: group but not compared (``_extra_metrics``: they are not single rates).
CHECKABLE_METRICS = tuple(m for m in METRICS)


def _one_of(options: tuple[str, ...]) -> str:
    return "one of " + ", ".join(repr(o) for o in options)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def expected(self, path: str, what: str, value: Any) -> None:
        self.errors.append(EXPECTED.format(path=path, what=what, value=value))

    def mapping(self, path: str, value: Any, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.errors.append(NOT_A_MAPPING.format(path=path, kind=type(value).__name__))
            return {}
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path != "(document)" else str(key)
                self.errors.append(UNKNOWN_KEY.format(path=where, expected=", ".join(allowed)))
        return value

    def text(self, path: str, value: Any, *, optional: bool = True) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, str) and value.strip():
            return value
        self.expected(path, "a non-empty string", value)
        return None

    def choice(self, path: str, value: Any, options: tuple[str, ...]) -> Any:
        if value in options:
            return value
        self.expected(path, _one_of(options), value)
        return None

    def number(self, path: str, value: Any, low: float, high: float, what: str) -> float | None:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )
        if ok:
            return float(value)
        self.expected(path, what, value)
        return None

    def integer(self, path: str, value: Any, low: int, high: int, what: str) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.expected(path, what, value)
        return None


def _columns(c: _Collector, raw: Any) -> Columns:
    names = tuple(f.name for f in fields(Columns))
    data = c.mapping("columns", raw, names)
    values: dict[str, Any] = {}
    for key in names:
        if key not in data:
            continue
        value = data[key]
        path = f"columns.{key}"
        if key in ("sensitive_features", "control_features"):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if (
                isinstance(value, list | tuple)
                and all(isinstance(v, str) and v.strip() for v in value)
                and len(set(value)) == len(value)
            ):
                values[key] = tuple(value)
            else:
                c.expected(path, "a list of distinct column names", value)
        elif key == "pos_label":
            if value is not None and not isinstance(value, str | int | bool):
                c.expected(path, "a label value (string or integer)", value)
            else:
                values[key] = None if value is None else str(value)
        else:
            values[key] = c.text(path, value)
    for column in values.get("control_features", ()):
        if column in values.get("sensitive_features", ()):
            c.errors.append(CONTROL_IS_SENSITIVE.format(column=column))
        for role in ("label", "prediction", "score", "weight"):
            if values.get(role) == column:
                c.errors.append(CONTROL_HAS_ROLE.format(column=column, role=role))
    return Columns(**values)


def _sample(c: _Collector, raw: Any) -> SampleDescription:
    names = tuple(f.name for f in fields(SampleDescription))
    data = c.mapping("sample", raw, names)
    values: dict[str, Any] = {}
    for key in names:
        if key in data and data[key] is not None:
            if key == "kind":
                values[key] = c.choice("sample.kind", data[key], SAMPLE_KINDS)
            else:
                values[key] = c.text(f"sample.{key}", data[key])
    return SampleDescription(**values)


def _checks(c: _Collector, raw: Any) -> tuple[Check, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple):
        c.expected("checks", "a list of checks", raw)
        return None
    checks: list[Check] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = f"checks[{i}]"
        data = c.mapping(path, item, _CHECK_KEYS)
        if not isinstance(item, Mapping):
            continue
        for key in _REQUIRED_CHECK_KEYS:
            if key not in data:
                c.errors.append(f"{path}.{key}: required")
        name = c.text(f"{path}.name", data.get("name"), optional=False) if "name" in data else None
        if name is not None and name in seen:
            c.errors.append(DUPLICATE_CHECK.format(path=f"{path}.name", name=name))
        metric = None
        if "metric" in data and data["metric"] in DESCRIPTIVE_METRICS:
            c.errors.append(DESCRIPTIVE_METRIC.format(path=f"{path}.metric", metric=data["metric"]))
        elif "metric" in data:
            metric = c.choice(f"{path}.metric", data["metric"], CHECKABLE_METRICS)
            if metric in UNCHECKABLE:
                c.errors.append(UNCHECKABLE_METRIC.format(path=f"{path}.metric", metric=metric))
                metric = None
        kind = c.choice(f"{path}.kind", data["kind"], CHECK_KINDS) if "kind" in data else None
        threshold = None
        if "threshold" in data:
            if kind == RATIO:
                threshold = c.number(
                    f"{path}.threshold", data["threshold"], 1e-9, 1, "a number above 0, at most 1"
                )
            else:
                threshold = c.number(
                    f"{path}.threshold", data["threshold"], 0, 1, "a number between 0 and 1"
                )
        band = c.choice(f"{path}.band", data["band"], BANDS) if "band" in data else ONE_SIDED
        if None not in (name, metric, kind, threshold, band):
            seen.add(name)  # type: ignore[arg-type]
            checks.append(Check(name, metric, kind, threshold, band))  # type: ignore[arg-type]
    return tuple(checks)


def validate(data: Mapping[str, Any], *, keys: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """Check a spec document whose allowed top-level ``keys`` are given (``AuditSpec``'s fields
    and ``spec_version``); return the constructor values and the list of errors."""
    c = _Collector()
    doc = c.mapping("(document)", data, keys)
    if c.errors and not doc:
        return {}, c.errors
    if "spec_version" in doc and doc["spec_version"] != SPEC_VERSION:
        c.expected("spec_version", str(SPEC_VERSION), doc["spec_version"])
    preset = doc.get("preset")
    if preset is not None:
        preset = c.choice("preset", preset, PRESETS)
    doc = {**preset_fills(doc), **doc}
    values: dict[str, Any] = {"preset": preset}
    values["columns"] = _columns(c, doc.get("columns", {}))
    values["sample"] = _sample(c, doc.get("sample", {}))
    if "favourable_outcome" in doc:
        values["favourable_outcome"] = c.choice(
            "favourable_outcome", doc["favourable_outcome"], FAVOURABLE_OUTCOMES
        )
        if preset == LL144 and values["favourable_outcome"] not in (None, BENEFICIAL):
            c.errors.append(LL144_ADVERSE)
    if "reference" in doc:
        values["reference"] = c.choice("reference", doc["reference"], REFERENCE_POLICIES)
    if "reference_groups" in doc:
        raw = doc["reference_groups"]
        if isinstance(raw, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()
        ):
            values["reference_groups"] = dict(raw)
        else:
            c.expected("reference_groups", "a table of attribute = group value", raw)
    if doc.get("metrics") is not None:
        raw = doc["metrics"]
        if isinstance(raw, list | tuple) and raw:
            for i, metric in enumerate(raw):
                c.choice(f"metrics[{i}]", metric, ALL_METRIC_NAMES)
            values["metrics"] = tuple(raw)
        else:
            c.expected("metrics", "a non-empty list of metric names", raw)
    values["checks"] = _checks(c, doc.get("checks"))
    if "min_denominator" in doc:
        values["min_denominator"] = c.number(
            "min_denominator", doc["min_denominator"], 0, math.inf, "a number of 0 or more"
        )
    if "alpha" in doc:
        values["alpha"] = c.number("alpha", doc["alpha"], 1e-9, 0.5, "a number in (0, 0.5]")
    if "correction" in doc:
        values["correction"] = c.choice("correction", doc["correction"], CORRECTIONS)
    if "bootstrap_replicates" in doc:
        values["bootstrap_replicates"] = c.integer(
            "bootstrap_replicates",
            doc["bootstrap_replicates"],
            0,
            1_000_000,
            "a whole number from 0 to 1000000",
        )
    if "seed" in doc:
        values["seed"] = c.integer("seed", doc["seed"], 0, 2**63 - 1, "a non-negative integer")
    if "intersection_depth" in doc:
        depth = doc["intersection_depth"]
        if depth != "all":
            depth = c.integer("intersection_depth", depth, 1, 16, "a whole number 1-16 or 'all'")
        values["intersection_depth"] = depth
    if "small_category_share" in doc:
        values["small_category_share"] = c.number(
            "small_category_share",
            doc["small_category_share"],
            0,
            0.5,
            "a number between 0 and 0.5",
        )
    if "metric_backend" in doc:
        values["metric_backend"] = c.choice(
            "metric_backend", doc["metric_backend"], METRIC_BACKENDS
        )
    if "exclude_unknown_from_ratios" in doc:
        value = doc["exclude_unknown_from_ratios"]
        if isinstance(value, bool):
            values["exclude_unknown_from_ratios"] = value
        else:
            c.expected("exclude_unknown_from_ratios", "true or false", value)
    if doc.get("score_measures") is not None:
        raw = doc["score_measures"]
        if isinstance(raw, list | tuple) and len(set(map(str, raw))) == len(raw):
            for i, measure in enumerate(raw):
                c.choice(f"score_measures[{i}]", measure, SCORE_MEASURES)
            values["score_measures"] = tuple(raw)
        else:
            c.expected("score_measures", "a list of distinct score measure names", raw)
    if "calibration_bins" in doc:
        values["calibration_bins"] = c.integer(
            "calibration_bins",
            doc["calibration_bins"],
            MIN_BINS,
            MAX_BINS,
            f"a whole number from {MIN_BINS} to {MAX_BINS}",
        )
    if doc.get("labels") is not None:
        labels, label_errors = validate_labels(
            doc["labels"],
            sensitive_features=(
                *values["columns"].sensitive_features,
                *values["columns"].control_features,
            ),
            check_names=possible_check_names(doc),
        )
        c.errors += label_errors
        values["labels"] = labels
    return values, c.errors
