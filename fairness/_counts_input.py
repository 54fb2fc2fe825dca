"""Pre-aggregated count tables: read them (CSV, Parquet, or a DataFrame), and write them.

An agency that cannot move raw rows runs the per-cell GROUP BY in its own database and uploads only
the counts. Accepted layouts (count column names in any case), besides the group columns:

==========================  ===============================================================
``tp, fp, tn, fn``          confusion counts per cell
``label, prediction, count``  one line per cell and (label, prediction) pair
``prediction, count``       selection only (no labels): one line per cell and prediction
``pp, pn``                  selection only: predicted positives and negatives per cell
==========================  ===============================================================

Lines for the same cell are added up, so tables from partitions can simply be concatenated.
Group values are stripped; a missing value (or the text ``unknown``) is the ``UNKNOWN`` group.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from fairness._arguments import check_columns, identifier_warnings
from fairness._batches import MAX_FIELD_BYTES, MAX_LINE_BYTES, check_limits, iter_batches
from fairness._cells import CellAccumulator, sorted_cell_frame, to_confusion
from fairness._columns import BinaryEncoder, GroupEncoder, as_strings, parse_numbers
from fairness._errors import (
    BAD_COUNT,
    BAD_WEIGHTED_COUNT,
    COUNTS_AMBIGUOUS,
    COUNTS_EMPTY,
    COUNTS_LAYOUT,
    COUNTS_NOT_FRAME,
    MISSING_COUNT,
    NO_SENSITIVE,
    NON_BINARY_AT,
    REPEATED_MAPPING,
    WHERE_LINE,
    WHERE_POSITION,
    FairnessInputError,
    shorten,
)
from fairness._source import Source, open_source, start_position
from fairness._table import (
    CONFUSION_COLUMNS,
    SELECTION_COLUMNS,
    UNKNOWN,
    CellTable,
    ReadStats,
    Sample,
)

#: Layout name -> its count columns (lower case).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "confusion": CONFUSION_COLUMNS,
    "label_prediction_count": ("label", "prediction", "count"),
    "prediction_count": ("prediction", "count"),
    "selection": SELECTION_COLUMNS,
}


def count_table_layout(
    columns: Sequence[str], sensitive_features: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """Which count-table layout a header has, and which of its columns hold the counts.

    The rule ``read_counts`` and ``counts_from_frame`` apply before reading a line: besides the
    group columns, the header must hold the count columns of exactly one layout (names in any
    case). Use it to check an upload's header (``read_header``) before accepting the file.

    ==========================  ==================================================
    layout                      count columns
    ==========================  ==================================================
    ``confusion``               ``tp, fp, tn, fn``
    ``label_prediction_count``  ``label, prediction, count``
    ``prediction_count``        ``prediction, count`` (selection only, no labels)
    ``selection``               ``pp, pn`` (selection only, no labels)
    ==========================  ==================================================

    Parameters
    ----------
    columns:
        The column names of the table, e.g. from ``read_header``.
    sensitive_features:
        The group columns; they are never taken as count columns.

    Returns
    -------
    tuple of (str, dict of str to str)
        The layout name, and a map from each of its count columns (lower case) to the column's
        name as written in the header.

    Raises
    ------
    FairnessInputError
        When no layout's count columns are all present, or the header mixes two layouts (other
        than ``label, prediction, count``, which contains ``prediction, count``).

    Examples
    --------
    >>> count_table_layout(["sex", "PP", "PN"], ["sex"])
    ('selection', {'pp': 'PP', 'pn': 'PN'})
    >>> count_table_layout(["sex", "label", "prediction", "count"], ["sex"])[0]
    'label_prediction_count'
    """
    sensitive = (
        {sensitive_features} if isinstance(sensitive_features, str) else set(sensitive_features)
    )
    lower = {c.lower(): c for c in columns if c not in sensitive}
    found = [name for name, cols in LAYOUTS.items() if all(c in lower for c in cols)]
    if "label_prediction_count" in found:
        found.remove("prediction_count")
    if not found:
        raise FairnessInputError(COUNTS_LAYOUT.format(present=", ".join(map(repr, columns))))
    if len(found) > 1:
        mixed = sorted({c for name in found for c in LAYOUTS[name]})
        raise FairnessInputError(COUNTS_AMBIGUOUS.format(columns=", ".join(mixed)))
    name = found[0]
    return name, {c: lower[c] for c in LAYOUTS[name]}


def _check_sensitive(
    sensitive_features: Sequence[str], control_features: Sequence[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    if isinstance(control_features, str):
        control_features = [control_features]
    sensitive = tuple(sensitive_features or ())
    controls = tuple(control_features or ())
    if not sensitive:
        raise FairnessInputError(NO_SENSITIVE, field="sensitive_features")
    taken = {c for cols in LAYOUTS.values() for c in cols}
    for field, columns in (("sensitive_features", sensitive), ("control_features", controls)):
        for column in columns:
            if column.lower() in taken:
                raise FairnessInputError(
                    REPEATED_MAPPING.format(column=column, roles=f"{field}, counts"),
                    column=column,
                    field=field,
                )
    for column in controls:
        if column in sensitive:
            raise FairnessInputError(
                REPEATED_MAPPING.format(
                    column=column, roles="sensitive_features, control_features"
                ),
                column=column,
                field="control_features",
            )
    return sensitive, controls


class _CountReducer:
    def __init__(
        self, sensitive: tuple[str, ...], layout: str, names: dict[str, str], *, weighted: bool,
        max_groups: int, where: str, controls: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        self.sensitive = sensitive
        self.controls = controls
        self.layout = layout
        self.names = names
        self.weighted = weighted
        self.where = where
        self.has_labels = layout in ("confusion", "label_prediction_count")
        # sensitive features, then control features (extra cell dimensions, never audited)
        self.groups = [
            GroupEncoder(c, max_groups, control=c in controls) for c in (*sensitive, *controls)
        ]
        self.label = BinaryEncoder(names["label"], "label", None) if "label" in names else None
        self.pred = (
            BinaryEncoder(names["prediction"], "prediction", None)
            if "prediction" in names
            else None
        )
        # Slots: label code x prediction code (or prediction code) for the long layouts; the wide
        # layouts use their own columns directly.
        width = 4 if self.has_labels else 2
        self.cells = CellAccumulator(len(self.groups), width, weighted=True)
        self.lines = 0

    def _counts(self, array: pa.Array, column: str, first: int) -> np.ndarray:
        values, missing, bad = parse_numbers(array)
        problem = missing | bad | (np.nan_to_num(values, nan=0.0) < 0)
        if not self.weighted:
            problem |= np.nan_to_num(values, nan=0.0) != np.floor(np.nan_to_num(values, nan=0.0))
        if problem.any():
            i = int(np.flatnonzero(problem)[0])
            where = self.where.format(row=first + i)
            if missing[i]:
                expected = (
                    "a non-negative number" if self.weighted else "a non-negative whole number"
                )
                message = MISSING_COUNT.format(where=where, column=column, expected=expected)
            else:
                template = BAD_WEIGHTED_COUNT if self.weighted else BAD_COUNT
                value = array[i].as_py()
                value = shorten(value) if isinstance(value, str) else value
                message = template.format(where=where, column=column, value=value)
            raise FairnessInputError(message, column=column, row=first + i)
        return values

    def _classes(self, encoder: BinaryEncoder, array: pa.Array, first: int) -> np.ndarray:
        try:
            codes = encoder.encode(array).astype(np.int64)
        except FairnessInputError as exc:
            if not encoder.refused or exc.row is not None:
                raise
            values = as_strings(array).to_pylist()
            at = next((i for i, v in enumerate(values) if encoder.offends(v)), None)
            if at is None:
                raise
            raise FairnessInputError(
                NON_BINARY_AT.format(message=exc.message, where=self.where.format(row=first + at)),
                column=exc.column,
                row=first + at,
                field=exc.field,
            ) from None
        if (codes < 0).any():
            i = int(np.flatnonzero(codes < 0)[0])
            message = MISSING_COUNT.format(
                where=self.where.format(row=first + i),
                column=encoder.column,
                expected="0/1, true/false or yes/no",
            )
            raise FairnessInputError(message, column=encoder.column, row=first + i)
        return codes

    def add(self, batch: pa.RecordBatch, first: int) -> None:
        n = batch.num_rows
        self.lines += n
        codes = [g.encode(batch.column(g.column))[0] for g in self.groups]
        sizes = [len(g.values) for g in self.groups]
        if self.layout in ("confusion", "selection"):
            for slot, name in enumerate(LAYOUTS[self.layout]):
                column = self.names[name]
                values = self._counts(batch.column(column), column, first)
                self.cells.add(codes, sizes, np.full(n, slot, dtype=np.int64), values)
            return
        column = self.names["count"]
        values = self._counts(batch.column(column), column, first)
        assert self.pred is not None
        outcome = self._classes(self.pred, batch.column(self.names["prediction"]), first)
        if self.label is not None:
            labels = self._classes(self.label, batch.column(self.names["label"]), first)
            outcome = labels * 2 + outcome
        self.cells.add(codes, sizes, outcome, values)

    def finish(self, sha256: str | None, source_format: str, warnings: list[str]) -> Sample:
        if self.lines == 0:
            raise FairnessInputError(COUNTS_EMPTY)
        cell_codes, raw = self.cells.finish()
        if self.layout in ("confusion", "selection"):
            counts = raw
        else:
            identity = np.array([0, 1], dtype=np.int8)
            label_map = self.label.resolve()[0] if self.label is not None else identity
            assert self.pred is not None
            pred_map = self.pred.resolve()[0]
            counts = to_confusion(raw, label_map, pred_map, has_labels=self.has_labels)
        if not self.weighted:
            counts = np.rint(counts).astype(np.int64)
        names = CONFUSION_COLUMNS if self.has_labels else SELECTION_COLUMNS
        frame = sorted_cell_frame(self.groups, cell_codes, counts, names)
        total = counts.sum()
        unknown = {
            a: _as_number(counts[(frame[a] == UNKNOWN).to_numpy()].sum(), self.weighted)
            for a in self.sensitive
        }
        rows = round(float(total))
        stats = ReadStats(
            sha256=sha256,
            source_format=source_format,
            rows_read=rows,
            rows_used=rows,
            unknown=unknown,
            warnings=tuple(warnings),
            columns={
                "sensitive_features": list(self.sensitive),
                **({"control_features": list(self.controls)} if self.controls else {}),
                "layout": self.layout,
                "count_table_lines": self.lines,
                **({"weighted": True} if self.weighted else {}),
            },
        )
        cells = CellTable(
            self.sensitive,
            frame,
            has_labels=self.has_labels,
            weighted=self.weighted,
            controls=self.controls,
        )
        return Sample(cells=cells, scores=None, stats=stats)


def _as_number(value: Any, weighted: bool) -> Any:
    return float(value) if weighted else int(value)


def read_counts(
    source: Source,
    *,
    sensitive_features: Sequence[str],
    delimiter: str | None = None,
    weighted: bool = False,
    max_groups: int = 1000,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_field_bytes: int = MAX_FIELD_BYTES,
    control_features: Sequence[str] = (),
) -> Sample:
    """Read a pre-aggregated count table (CSV, gzip CSV or Parquet) into a ``Sample``.

    Parameters
    ----------
    source:
        A path or a binary file object; see the module docstring for the accepted layouts.
    sensitive_features:
        The group columns.
    delimiter:
        CSV delimiter; detected from the header when ``None``.
    weighted:
        Accept non-negative fractional counts (sums of weights, as ``write_counts_csv`` writes
        for a weighted table). By default counts must be whole numbers (``12`` or ``12.0``).
    max_groups:
        A group column with more distinct values than this is refused as an identifier.
    max_line_bytes, max_field_bytes:
        The longest line and the longest value read, in bytes, as for ``read_sample``.
    control_features:
        Columns to compare groups within (conditional parity): kept as extra cell dimensions
        (``CellTable.controls``), never audited as attributes; see ``read_sample``.

    Returns
    -------
    Sample
        ``cells`` summed per cell, ``scores=None``, ``stats`` with ``rows_read`` = the total count,
        ``unknown`` = the count in the ``UNKNOWN`` group per attribute, and the layout.

    Raises
    ------
    FairnessInputError
        Unknown or mixed layout, missing columns, and a negative, fractional, missing or
        unparseable count, naming the line (header = line 1) and column.

    Examples
    --------
    >>> import io
    >>> s = read_counts(io.BytesIO(b"sex,pp,pn\\nf,3,7\\nm,5,5\\n"), sensitive_features=["sex"])
    >>> s.cells.frame.values.tolist()
    [['f', 3, 7], ['m', 5, 5]]
    """
    sensitive, controls = _check_sensitive(sensitive_features, control_features)
    grouping = [*sensitive, *controls]
    check_limits(max_line_bytes, max_field_bytes)
    start = start_position(source)
    with open_source(source, delimiter=delimiter) as opened:
        check_columns(grouping, opened.columns)
        layout, names = count_table_layout(opened.columns, grouping)
        reducer = _CountReducer(
            sensitive, layout, names, weighted=weighted, max_groups=max_groups, where=WHERE_LINE,
            controls=controls,
        )  # fmt: skip
        needed = [*grouping, *names.values()]
        kinds = dict.fromkeys(grouping, "group")
        kinds.update({names[c]: "binary" for c in ("label", "prediction") if c in names})
        batches = iter_batches(
            opened, needed, source, start, kinds=kinds, count_lines=True,
            max_line_bytes=max_line_bytes, max_field_bytes=max_field_bytes,
        )  # fmt: skip
        with closing(batches):
            for batch, first in batches:
                assert first is not None
                reducer.add(batch, first)
        sha256 = opened.sha256()
        warnings = identifier_warnings(opened.columns)
        return reducer.finish(sha256, "counts", warnings)


def counts_from_frame(
    df: pd.DataFrame,
    *,
    sensitive_features: Sequence[str],
    weighted: bool = False,
    max_groups: int = 1000,
    control_features: Sequence[str] = (),
) -> Sample:
    """Build a ``Sample`` from a count table already in a pandas DataFrame.

    Same layouts and rules as ``read_counts``. Errors name the row by its 0-based position in the
    frame (``FairnessInputError.row`` is that position), not a file line. ``stats.sha256`` is
    ``None``: there are no raw bytes.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": ["f", "m"], "tp": [1, 2], "fp": [0, 1], "tn": [5, 5],
    ...                    "fn": [1, 0]})
    >>> counts_from_frame(df, sensitive_features=["sex"]).cells.frame["tp"].tolist()
    [1, 2]
    """
    if not isinstance(df, pd.DataFrame):
        raise FairnessInputError(COUNTS_NOT_FRAME.format(kind=type(df).__name__))
    sensitive, controls = _check_sensitive(sensitive_features, control_features)
    grouping = [*sensitive, *controls]
    columns = [str(c) for c in df.columns]
    check_columns(grouping, columns)
    layout, names = count_table_layout(columns, grouping)
    reducer = _CountReducer(
        sensitive, layout, names, weighted=weighted, max_groups=max_groups, where=WHERE_POSITION,
        controls=controls,
    )  # fmt: skip
    needed = [*grouping, *names.values()]
    sub = df.loc[:, needed].reset_index(drop=True)
    sub.columns = needed
    for batch, first in _frame_batches(sub):
        reducer.add(batch, first)
    return reducer.finish(None, "counts", identifier_warnings(columns))


def _frame_batches(df: pd.DataFrame, rows: int = 1 << 17) -> Iterator[tuple[pa.RecordBatch, int]]:
    for start in range(0, len(df), rows):
        part = df.iloc[start : start + rows]
        arrays = {}
        for column in df.columns:
            series = part[column]
            try:
                arrays[column] = pa.array(series, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed object columns
                arrays[column] = pa.array(
                    [None if pd.isna(v) else str(v) for v in series], type=pa.string()
                )
        yield pa.RecordBatch.from_pydict(arrays), start


def write_counts_csv(cells: CellTable, path_or_buffer: str | os.PathLike | IO[Any]) -> None:
    """Write a ``CellTable`` as a count-table CSV that ``read_counts`` reads back.

    The file is UTF-8 with LF line endings: the attribute columns, the control columns (if any),
    then ``tp, fp, tn, fn`` (or ``pp, pn``). Weighted counts are written with full float
    precision; read them back with ``read_counts(..., weighted=True)``.

    Parameters
    ----------
    cells:
        The table to write.
    path_or_buffer:
        A path, or a text or binary file object.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    count_columns = list(cells.count_columns)
    grouping = [*cells.attributes, *cells.controls]
    writer.writerow([*grouping, *count_columns])
    frame = cells.frame
    attrs = [frame[a].astype(str).tolist() for a in grouping]
    counts = [frame[c].to_numpy() for c in count_columns]
    for i in range(len(frame)):
        values = [repr(float(c[i])) if cells.weighted else str(int(c[i])) for c in counts]
        writer.writerow([*(a[i] for a in attrs), *values])
    text = out.getvalue()
    if isinstance(path_or_buffer, str | os.PathLike):
        with open(path_or_buffer, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(text)
    else:
        path_or_buffer.write(text.encode("utf-8"))
