"""The audit report: a frozen, JSON-ready record of every table, verdict and its provenance.

``to_json`` is canonical: keys sorted, floats rounded to 12 significant digits, non-finite floats
written as ``null``, no wall-clock time. The same input, spec and seed give byte-identical JSON.
Every key is described in ``docs/report-format.md``.

Both steps are bulk operations, as the tables hold thousands of rows: the floats of a table are
rounded together with numpy (``round_significant``, the same values as formatting each one with
``.12g`` and reading it back), and the indented JSON is written by ``json``'s C encoder one flat
row at a time (``_dumps``, the same text as ``json.dumps(..., indent=2, sort_keys=True)``).
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

#: Version of the report layout; bumped when a key changes meaning or disappears. 2: p-values
#: adjusted per family (``family``), the rule's reference and statement (``rule``), the
#: point-estimate finding, and what was not assessed (``not_assessed``) capping the verdict.
#: 3: per-group F1 score and balanced accuracy (``metrics``), each group's share of all positive
#: predictions (``groups.positive_share``), two-sided checks (``band`` in checks and summaries).
#: 3: ``conditional`` (each comparison within strata of ``columns.control_features``, pooled).
#: 3: the score measures' tables (``calibration_bins``, ``calibration``, ``score_comparisons``).
SCHEMA_VERSION = 3

#: Significant digits kept for every float in the JSON and CSV output.
SIGNIFICANT_DIGITS = 12

#: The tidy tables of a report, in order, and the columns of each one's CSV export.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "groups": (
        "attribute", "group", "n", "share", "tp", "fp", "tn", "fn", "pp", "pn",
        "unknown", "small_category", "in_ratios", "positive_share",
    ),
    "metrics": (
        "attribute", "group", "metric", "value", "ci_low", "ci_high", "interval",
        "numerator", "denominator", "status",
    ),
    "comparisons": (
        "attribute", "metric", "group", "reference", "value", "reference_value",
        "ratio", "ratio_ci_low", "ratio_ci_high", "difference", "difference_ci_low",
        "difference_ci_high", "p_value", "p_adjusted", "family", "test", "status",
    ),
    "omnibus": (
        "attribute", "metric", "groups", "statistic", "dof", "p_value", "p_adjusted", "family",
        "test",
    ),
    "summaries": (
        "attribute", "summary", "metrics", "kind", "value", "ci_low", "ci_high",
        "groups_compared", "replicates", "method",
    ),
    "checks": (
        "name", "attribute", "metric", "kind", "group", "reference", "value", "ci_low",
        "ci_high", "threshold", "verdict", "reason", "p_value", "p_adjusted", "significant",
        "point_estimate_verdict", "small_reference", "band",
    ),
    "check_summary": (
        "name", "metric", "kind", "threshold", "verdict", "point_estimate_verdict",
        "comparisons", "passed", "failed", "inconclusive", "attributes_not_assessed", "band",
    ),
    "not_assessed": ("name", "attribute", "group", "reason", "detail"),
    "conditional": (
        "attribute", "metric", "group", "reference", "controls", "strata", "strata_used",
        "strata_without_group", "strata_without_reference", "group_denominator",
        "reference_denominator", "ratio", "ratio_ci_low", "ratio_ci_high", "difference",
        "difference_ci_low", "difference_ci_high", "association_test",
        "association_statistic", "association_p_value", "homogeneity_test",
        "homogeneity_statistic", "homogeneity_dof", "homogeneity_p_value", "status",
        "association_p_adjusted", "homogeneity_p_adjusted", "family",
    ),
    "calibration_bins": (
        "attribute", "group", "bin", "bin_low", "bin_high", "n", "mean_score", "observed_rate",
        "ci_low", "ci_high", "interval",
    ),
    "calibration": (
        "attribute", "group", "n", "positives", "mean_score", "observed_rate", "brier", "ece",
        "bins", "statistic", "p_value", "p_adjusted", "family", "test", "status",
    ),
    "score_comparisons": (
        "attribute", "measure", "group", "reference", "value", "reference_value", "difference",
        "difference_ci_low", "difference_ci_high", "statistic", "p_value", "p_adjusted",
        "family", "test", "status",
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
        return _round_one(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return canonical(value.item())
    raise TypeError(f"cannot put a {type(value).__name__} in a report")


def _round_one(value: float) -> float | None:
    if not math.isfinite(value):
        return None
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if rounded == 0 else rounded


#: Exact powers of ten (10**22 is the largest that a float holds exactly).
_POW10 = np.array([float(10**i) for i in range(23)])


def round_significant(values: npt.ArrayLike) -> list[float | None]:
    """:func:`canonical` of each float of ``values``: rounded to ``SIGNIFICANT_DIGITS`` (the float
    nearest to the decimal that ``f"{v:.12g}"`` writes), ``None`` for NaN/inf, ``0.0`` for zero.

    Vectorised: with ``e`` the decimal exponent, ``m = rint(v·10^(11-e))`` is the 12-digit decimal
    significand and ``m / 10^(11-e)`` (or ``m · 10^(e-11)``), a correctly rounded operation on two
    exact floats, is the float nearest to that decimal. The values where that could differ from
    formatting (the scaled value within 0.001 of a rounding tie, ``m`` not 12 digits because
    ``log10`` missed the exponent, or ``10^(11-e)`` not exact) are formatted one by one instead.
    """
    a = np.asarray(values, dtype=np.float64)
    out = np.zeros(len(a))
    finite = np.isfinite(a)
    nonzero = finite & (a != 0)
    with np.errstate(all="ignore"):
        k = SIGNIFICANT_DIGITS - 1 - np.floor(np.log10(np.abs(np.where(nonzero, a, 1.0))))
        k = np.where(nonzero, k, 0.0).astype(np.int64)
        exact = np.abs(k) < len(_POW10)
        power = _POW10[np.where(exact, np.abs(k), 0)]
        up = k >= 0
        scaled = np.where(up, a * power, a / power)
        m = np.rint(scaled)
        size = np.abs(m)
        tie = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-3
        fast = nonzero & exact & ~tie & (size >= 10.0 ** (SIGNIFICANT_DIGITS - 1))
        fast &= size < 10.0**SIGNIFICANT_DIGITS
        out[fast] = np.where(up, m / power, m * power)[fast]
    result: list[float | None] = list(out.tolist())  # widened: NaN/inf become None below
    for i in np.flatnonzero(nonzero & ~fast).tolist():
        result[i] = _round_one(float(a[i]))
    for i in np.flatnonzero(~finite).tolist():
        result[i] = None
    return result


_PLAIN = frozenset({str, int, bool, type(None)})


def _canonical_rows(rows: Any) -> list[dict[str, Any]]:
    """:func:`canonical` of a table's rows (flat mappings), its floats rounded in one batch."""
    out = [dict(row) for row in rows]
    places: list[tuple[dict[str, Any], str]] = []
    floats: list[float] = []
    for i, row in enumerate(out):
        if not all(type(key) is str for key in row):
            out[i] = canonical(row)
            continue
        for key, value in row.items():
            kind = type(value)
            if kind is float:
                places.append((row, key))
                floats.append(value)
            elif kind not in _PLAIN:
                row[key] = canonical(value)
    if floats:
        for (row, key), value in zip(places, round_significant(floats), strict=True):
            row[key] = value
    return out


_CONTAINERS = frozenset({dict, list})


@functools.lru_cache(maxsize=16)
def _flat_encoder(level: int) -> json.JSONEncoder:
    """C encoder for a flat container at ``level``: items separated by ``,``, newline, indent."""
    return json.JSONEncoder(
        ensure_ascii=False,
        allow_nan=False,
        sort_keys=True,
        separators=(",\n" + "  " * (level + 1), ": "),
    )


_SCALAR = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _flat(value: dict | list, level: int) -> str:
    """A non-empty container of scalars, indented: the C encoder writes the items."""
    text = _flat_encoder(level).encode(value)
    return f"{text[0]}\n{'  ' * (level + 1)}{text[1:-1]}\n{'  ' * level}{text[-1]}"


def _dumps(value: Any, level: int, out: list[str]) -> None:
    """Append to ``out`` the text of ``json.dumps(value, indent=2, sort_keys=True,
    ensure_ascii=False, allow_nan=False)`` nested ``level`` deep.

    Containers of scalars (every row of a table) are written by the C encoder in one call, the
    separators putting each item on its own line; a row holding lists of scalars (a summary's
    ``metrics``) is written with each list replaced by a placeholder string that is then
    swapped for the list's text (JSON strings cannot hold a raw NUL, so the placeholder, which
    encodes to ``"\\u0000<n>\\u0000"``, cannot clash unless a value holds a NUL: those rows
    take the general path).
    """
    if type(value) not in _CONTAINERS or not value:
        out.append(_SCALAR.encode(value))
        return
    items = value.values() if type(value) is dict else value
    kinds = set(map(type, items))
    if kinds.isdisjoint(_CONTAINERS):
        out.append(_flat(value, level))
        return
    if type(value) is dict and dict not in kinds and _swap_lists(value, level, out):
        return
    inner, close = "  " * (level + 1), "  " * level
    if type(value) is dict:
        out.append("{")
        for i, (key, item) in enumerate(sorted(value.items())):
            out.append(f"{',' if i else ''}\n{inner}{_SCALAR.encode(key)}: ")
            _dumps(item, level + 1, out)
        out.append(f"\n{close}}}")
    else:
        out.append("[")
        for i, item in enumerate(value):
            out.append(f"{',' if i else ''}\n{inner}")
            _dumps(item, level + 1, out)
        out.append(f"\n{close}]")


def _swap_lists(row: dict, level: int, out: list[str]) -> bool:
    """Write a dict whose values are scalars or lists of scalars (see ``_dumps``); ``False``
    (nothing written) when a list holds a container or a string holds a NUL."""
    copy = dict(row)
    swaps: list[tuple[str, str]] = []
    for key, value in row.items():
        if type(value) is list:
            if not set(map(type, value)).isdisjoint(_CONTAINERS) or any(
                type(v) is str and "\x00" in v for v in value
            ):
                return False
            token = f"\x00{len(swaps)}\x00"
            swaps.append((_SCALAR.encode(token), _flat(value, level + 1) if value else "[]"))
            copy[key] = token
        elif type(value) is str and "\x00" in value:
            return False
    text = _flat(copy, level)
    for token, replacement in swaps:
        text = text.replace(token, replacement, 1)
    out.append(text)
    return True


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
    rule : mapping
        The rule applied: ``preset``, ``statement`` (a sentence) and ``point_estimate_verdict``
        (the rule read on point estimates, beside the statistical ``verdict``).
    """

    verdict: str
    tables: Mapping[str, tuple[Mapping[str, Any], ...]]
    spec: Mapping[str, Any]
    sample: Mapping[str, Any]
    provenance: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    rule: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (a fresh deep copy, floats canonical).

        Returns
        -------
        dict
            Keys: ``schema_version``, ``verdict``, ``rule``, ``notes``, ``sample``, ``spec``,
            ``provenance`` and one key per table of ``TABLE_COLUMNS``.
        """
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict,
            "rule": copy.deepcopy(dict(self.rule)),
            "notes": list(self.notes),
            "sample": copy.deepcopy(dict(self.sample)),
            "spec": copy.deepcopy(dict(self.spec)),
            "provenance": copy.deepcopy(dict(self.provenance)),
        }
        out = canonical(out)
        for name in TABLE_COLUMNS:
            out[name] = _canonical_rows(self.tables.get(name, ()))
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """Canonical JSON text: sorted keys, rounded floats, UTF-8 characters kept, newline-ended.

        Examples
        --------
        >>> report = AuditReport("pass", {}, {}, {}, {})
        >>> report.to_json(indent=None)[:40]
        '{"check_summary": [], "checks": [], "com'
        """
        data = self.to_dict()
        if indent != 2:
            text = json.dumps(
                data, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False
            )
            return text + "\n"
        out: list[str] = []
        _dumps(data, 0, out)
        out.append("\n")
        return "".join(out)

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
