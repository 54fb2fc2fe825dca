"""The bridge between the registry and the ``fairness`` engine: specs, header checks, runs.

Everything here is about turning stored values into engine calls and engine results into stored
values; nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import fairness
from fairness import (
    AuditSpec,
    CellTable,
    FairnessError,
    FairnessInputError,
    ReadStats,
    Sample,
    SpecError,
    count_table_layout,
    missing_columns_message,
)
from registry.cards.value_types import ERR_FORBIDDEN_CHARACTER, forbidden_characters_in
from registry.errors import Invalid

ERR_SPEC_NOT_JSON = "The 'spec' part is not valid JSON: {detail}"
ERR_SPEC_NOT_OBJECT = "The 'spec' part must be a JSON object, got {kind}."
ERR_SPEC_CHARACTERS = (
    "The audit spec holds {count} text(s) with a control character or non-character; see details."
)
ERR_SPEC_INVALID = "The audit spec is invalid: {count} problem(s); see details."
ERR_NO_SENSITIVE = "columns.sensitive_features: name at least one column of group attributes"
ERR_COUNTS_COLUMNS = (
    "columns.{key}: a count table has no row-level {key} column; give only sensitive_features "
    "(and optionally delimiter) in columns"
)
ERR_RERUN_NO_COUNTS = "The original audit has no stored counts to recompute from."
ERR_UNEXPECTED = "The audit engine stopped with an unexpected error ({kind}): {detail}"
ERR_COLUMN_ABSENT = "Column {column!r} is not in the file."
#: A stored error's message, and a column or field name in it, are cut to these many characters:
#: a hostile file must not make an error too large to store (or to show).
STORED_MESSAGE_CHARS = 1000
STORED_VALUE_CHARS = 200

Progress = Callable[[int, int | None], None]

#: Column roles that name a column in a row-level sample.
SAMPLE_COLUMN_ROLES = ("label", "prediction", "score", "weight")


def shorten(text: object, limit: int = STORED_VALUE_CHARS) -> str:
    """``str(text)`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _spec_error(errors: list[str]) -> Invalid:
    details = [
        {"loc": ["spec", *e.split(":", 1)[0].split(".")], "msg": e, "type": "spec"} for e in errors
    ]
    return Invalid(ERR_SPEC_INVALID.format(count=len(errors)), details=details)


def resolve_spec(text: str, *, card: dict[str, Any], input_kind: str) -> dict[str, Any]:
    """Validate the submitted spec JSON and return it complete (every default filled in).

    ``favourable_outcome`` defaults to the card's. The result is what is stored and what the
    engine runs; it can be fed back to ``AuditSpec.from_dict`` unchanged.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = ERR_SPEC_NOT_JSON.format(detail=exc)
        raise Invalid(message, details=[{"loc": ["spec"], "msg": message, "type": "json"}]) from exc
    if not isinstance(data, dict):
        message = ERR_SPEC_NOT_OBJECT.format(kind=type(data).__name__)
        raise Invalid(message, details=[{"loc": ["spec"], "msg": message, "type": "json"}])
    # The character rule, for text written as JSON escapes (the raw part was checked on upload).
    problems = [
        {
            "loc": ["spec", *path],
            "msg": ERR_FORBIDDEN_CHARACTER.format(found=found.describe()),
            "type": "forbidden_character",
        }
        for path, found in forbidden_characters_in(data)
    ]
    if problems:
        raise Invalid(ERR_SPEC_CHARACTERS.format(count=len(problems)), details=problems)
    if "favourable_outcome" not in data and card.get("favourable_outcome"):
        data = {**data, "favourable_outcome": card["favourable_outcome"]}
    try:
        spec = AuditSpec.from_dict(data)
    except SpecError as exc:
        raise _spec_error(exc.errors) from exc
    errors = []
    if not spec.columns.sensitive_features:
        errors.append(ERR_NO_SENSITIVE)
    if input_kind == "counts":
        for key in (*SAMPLE_COLUMN_ROLES, "threshold", "pos_label"):
            if getattr(spec.columns, key) is not None:
                errors.append(ERR_COUNTS_COLUMNS.format(key=key))
    if errors:
        raise _spec_error(errors)
    return spec.to_dict()


def wanted_columns(spec: dict[str, Any], input_kind: str) -> list[str]:
    columns = spec["columns"]
    roles = () if input_kind == "counts" else SAMPLE_COLUMN_ROLES
    wanted = [columns[r] for r in roles if columns.get(r)]
    return [*wanted, *columns["sensitive_features"], *columns.get("control_features", [])]


def input_error(exc: FairnessInputError) -> Invalid:
    """A 422 naming the column, row and field of an input problem found by the engine."""
    loc = ["file"]
    if exc.column is not None:
        loc.append(exc.column)
    detail = {"loc": loc, "msg": exc.message, "type": "input", "column": exc.column, "row": exc.row}
    return Invalid(exc.message, details=[detail])


def check_header(path: Path, spec: dict[str, Any], input_kind: str) -> list[str]:
    """Read the file's header and refuse (422) when a column the spec names is not there."""
    try:
        present = fairness.read_header(path, delimiter=spec["columns"].get("delimiter"))
    except FairnessInputError as exc:
        raise input_error(exc) from exc
    missing = [c for c in wanted_columns(spec, input_kind) if c not in present]
    if not missing and input_kind == "counts":
        try:  # the engine's own layout rule (tp/fp/tn/fn, label/prediction/count, ...)
            grouping = [
                *spec["columns"]["sensitive_features"],
                *spec["columns"].get("control_features", []),
            ]
            count_table_layout(present, grouping)
        except FairnessInputError as exc:
            raise input_error(exc) from exc
    if missing:
        # The message lists them all (with any "did you mean"); each detail names its own column,
        # so a client printing the message and its details shows the list once.
        message = missing_columns_message(missing, list(present))
        raise Invalid(
            message,
            details=[
                {
                    "loc": ["file", c],
                    "msg": ERR_COLUMN_ABSENT.format(column=c),
                    "type": "missing_column",
                }
                for c in missing
            ],
        )
    return present


@dataclass(frozen=True)
class EngineOutcome:
    report: dict[str, Any]
    counts: dict[str, Any]
    verdict: str
    verdicts: list[dict[str, Any]]
    engine_version: str


def counts_to_dict(sample: Sample) -> dict[str, Any]:
    """The per-cell count table as JSON, with the read statistics: enough to recompute every
    count-based metric (``counts_from_dict``). Score metrics need the scores, which are not kept."""
    cells = sample.cells
    frame = cells.frame
    grouping = [*cells.attributes, *cells.controls]
    columns = [*grouping, *cells.count_columns]
    rows = []
    for record in frame[columns].itertuples(index=False, name=None):
        rows.append([str(v) if i < len(grouping) else _number(v) for i, v in enumerate(record)])
    return {
        "attributes": list(cells.attributes),
        # the control features' strata (conditional parity), only when the spec names some
        **({"controls": list(cells.controls)} if cells.controls else {}),
        "has_labels": cells.has_labels,
        "weighted": cells.weighted,
        "columns": columns,
        "rows": rows,
        "stats": sample.stats.to_dict(),
    }


def _number(value: Any) -> int | float:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def counts_from_dict(data: dict[str, Any]) -> Sample:
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    attributes = tuple(data["attributes"])
    controls = tuple(data.get("controls", ()))
    grouping = (*attributes, *controls)
    for name in data["columns"][len(grouping) :]:
        frame[name] = frame[name].astype("float64" if data["weighted"] else "int64")
    for name in grouping:
        frame[name] = frame[name].astype(str)
    cells = CellTable(
        attributes=attributes,
        frame=frame,
        has_labels=data["has_labels"],
        weighted=data["weighted"],
        controls=controls,
    )
    stats = dict(data["stats"])
    stats["warnings"] = tuple(stats.get("warnings", ()))
    return Sample(cells=cells, scores=None, stats=ReadStats(**stats))


def _outcome(report: Any, sample: Sample) -> EngineOutcome:
    data = report.to_dict()
    return EngineOutcome(
        report=data,
        counts=counts_to_dict(sample),
        verdict=data["verdict"],
        verdicts=list(data.get("check_summary", [])),
        engine_version=fairness.__version__,
    )


def read_input(audit: Any, sample_path: Path | None, *, progress: Progress | None) -> Sample:
    """Reduce the audit's input to a ``Sample``, exactly as ``fairness.audit`` would read it."""
    if sample_path is None:
        raise ValueError(f"no file input for a {audit.input_kind} audit")
    if audit.input_kind == "sample":
        return fairness.read_for_spec(sample_path, audit.spec, progress=progress)
    c = AuditSpec.from_dict(audit.spec).columns
    if audit.input_kind == "counts":
        return fairness.read_counts(
            sample_path,
            sensitive_features=list(c.sensitive_features),
            delimiter=c.delimiter,
            control_features=list(c.control_features),
        )
    raise ValueError(f"no file input for a {audit.input_kind} audit")


def execute_audit(
    audit: Any,
    sample_path: Path | None,
    *,
    progress: Progress | None = None,
    rerun_counts: dict[str, Any] | None = None,
) -> EngineOutcome:
    """Run the audit described by ``audit`` (a snapshot of the row) with the engine.

    A rerun recomputes from ``rerun_counts`` (the original audit's stored counts) with the
    current engine; score metrics cannot be recomputed from counts, so a spec that asks for them
    fails with the engine's message.
    """
    spec = AuditSpec.from_dict(audit.spec)
    if audit.input_kind == "rerun":
        if rerun_counts is None:
            raise FairnessError(ERR_RERUN_NO_COUNTS)
        sample = counts_from_dict(rerun_counts)
    else:
        sample = read_input(audit, sample_path, progress=progress)
    return _outcome(fairness.audit_counts(sample, spec), sample)


class AuditStopped(Exception):
    """The audit failed in its own process, or was stopped there; ``error`` is what to store."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


def failure_from_exception(exc: BaseException) -> dict[str, Any]:
    """The stored ``error`` of a failed audit: the engine's message, with column/row/field, each
    cut to ``STORED_MESSAGE_CHARS`` / ``STORED_VALUE_CHARS`` characters."""
    if isinstance(exc, AuditStopped):
        error = dict(exc.error)
    elif isinstance(exc, FairnessInputError):
        error = {**exc.to_dict(), "reason": "input"}
    else:
        field: str | None = "spec"
        reason = "spec"
        message = str(exc)
        if not isinstance(exc, SpecError):
            field, reason = None, "engine"
        if not isinstance(exc, FairnessError):
            reason = "internal"
            message = ERR_UNEXPECTED.format(kind=type(exc).__name__, detail=shorten(exc))
        error = {"message": message, "column": None, "row": None, "field": field, "reason": reason}
    error["message"] = shorten(error.get("message") or "", STORED_MESSAGE_CHARS)
    for key in ("column", "field"):
        if error.get(key) is not None:
            error[key] = shorten(error[key], STORED_VALUE_CHARS)
    return error
