"""The audit report: a frozen, JSON-ready record of every table, verdict and its provenance.

``to_json`` is canonical: keys sorted, floats rounded to 12 significant digits, non-finite floats
written as ``null``, no wall-clock time. The same input, spec and seed give byte-identical JSON.
Every key is described in ``docs/report-format.md``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Version of the report layout; bumped when a key changes meaning or disappears.
SCHEMA_VERSION = 1

#: Significant digits kept for every float in the JSON and CSV output.
SIGNIFICANT_DIGITS = 12

#: The tidy tables of a report, in order, and the columns of each one's CSV export.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "groups": (
        "attribute", "group", "n", "share", "tp", "fp", "tn", "fn", "pp", "pn",
        "unknown", "small_category", "in_ratios",
    ),
    "metrics": (
        "attribute", "group", "metric", "value", "ci_low", "ci_high", "interval",
        "numerator", "denominator", "status",
    ),
    "comparisons": (
        "attribute", "metric", "group", "reference", "value", "reference_value",
        "ratio", "ratio_ci_low", "ratio_ci_high", "difference", "difference_ci_low",
        "difference_ci_high", "p_value", "p_adjusted", "test", "status",
    ),
    "omnibus": (
        "attribute", "metric", "groups", "statistic", "dof", "p_value", "p_adjusted", "test",
    ),
    "summaries": (
        "attribute", "summary", "metrics", "kind", "value", "ci_low", "ci_high",
        "groups_compared", "replicates", "method",
    ),
    "checks": (
        "name", "attribute", "metric", "kind", "group", "reference", "value", "ci_low",
        "ci_high", "threshold", "verdict", "reason", "p_value", "p_adjusted", "significant",
    ),
    "check_summary": (
        "name", "metric", "kind", "threshold", "verdict", "comparisons", "passed", "failed",
        "inconclusive",
    ),
}  # fmt: skip


def canonical(value: Any) -> Any:
    """A JSON-ready copy with floats rounded to ``SIGNIFICANT_DIGITS`` and NaN/inf as ``None``.

    Integral floats stay floats (``1.0``), so a column's type does not depend on its values.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return canonical(value.item())
    raise TypeError(f"cannot put a {type(value).__name__} in a report")


@dataclass(frozen=True)
class AuditReport:
    """The result of an audit. Read it through :meth:`to_dict`, :meth:`to_json` or
    :meth:`to_csv_tables`; the attributes hold the same content.

    Attributes
    ----------
    verdict : str
        ``"fail"`` if any check row failed, else ``"inconclusive"`` if any was inconclusive, else
        ``"pass"``; ``"not_assessed"`` when no check could be applied.
    tables : mapping
        The tidy tables (see ``TABLE_COLUMNS``), each a tuple of row mappings.
    spec : mapping
        The effective spec (checks and depth resolved).
    sample : mapping
        The spec's free description of the sample, verbatim.
    provenance : mapping
        Input hash, row counts, warnings, seed, versions.
    notes : tuple of str
        Plain-language notes: which criteria were checked and why, incompatibilities, exclusions.
    """

    verdict: str
    tables: Mapping[str, tuple[Mapping[str, Any], ...]]
    spec: Mapping[str, Any]
    sample: Mapping[str, Any]
    provenance: Mapping[str, Any]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (a fresh deep copy, floats canonical).

        Returns
        -------
        dict
            Keys: ``schema_version``, ``verdict``, ``notes``, ``sample``, ``spec``,
            ``provenance`` and one key per table of ``TABLE_COLUMNS``.
        """
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict,
            "notes": list(self.notes),
            "sample": copy.deepcopy(dict(self.sample)),
            "spec": copy.deepcopy(dict(self.spec)),
            "provenance": copy.deepcopy(dict(self.provenance)),
        }
        for name in TABLE_COLUMNS:
            out[name] = [dict(row) for row in self.tables.get(name, ())]
        return canonical(out)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Canonical JSON text: sorted keys, rounded floats, UTF-8 characters kept, newline-ended.

        Examples
        --------
        >>> report = AuditReport("pass", {}, {}, {}, {})
        >>> report.to_json(indent=None)[:40]
        '{"check_summary": [], "checks": [], "com'
        """
        text = json.dumps(
            self.to_dict(), sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False
        )
        return text + "\n"

    def to_csv_tables(self) -> dict[str, str]:
        """Each tidy table as CSV text (header + rows; lists joined with ``;``; empty for None)."""
        data = self.to_dict()
        out: dict[str, str] = {}
        for name, columns in TABLE_COLUMNS.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(columns)
            for row in data[name]:
                writer.writerow([_cell(row.get(c)) for c in columns])
            out[name] = buffer.getvalue()
        return out

    def table(self, name: str) -> list[dict[str, Any]]:
        """One tidy table as a list of row dicts (canonical floats)."""
        if name not in TABLE_COLUMNS:
            raise KeyError(f"no table {name!r}; tables: {', '.join(TABLE_COLUMNS)}")
        return self.to_dict()[name]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)
