"""Reading a prediction sample: one streaming pass from a file to a ``Sample`` of per-cell counts.

See ``read_sample`` for the rules (which rows are dropped, how missing groups are counted, when a
sample is refused).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fairness._arguments import Plan, check_columns, identifier_warnings, make_plan
from fairness._batches import (
    MAX_FIELD_BYTES,
    MAX_LINE_BYTES,
    ROW_COUNT,
    check_limits,
    find_line,
    iter_batches,
)
from fairness._cells import CellAccumulator, sorted_cell_frame, to_confusion
from fairness._columns import (
    BinaryEncoder,
    GroupEncoder,
    as_strings,
    dictionary_of,
    parse_numbers,
)
from fairness._errors import (
    HEADER_ONLY,
    NO_USABLE_ROWS,
    NON_BINARY_AT_LINE,
    TOO_MANY_DROPPED,
    FairnessInputError,
)
from fairness._scores import ScoreParts, finish_scores
from fairness._source import Opened, Source, open_source, start_position
from fairness._table import (
    CONFUSION_COLUMNS,
    SELECTION_COLUMNS,
    UNKNOWN,
    CellTable,
    ReadStats,
    Sample,
    ScoreTable,
)
from fairness._threshold import ThresholdRule

__all__ = ["check_columns", "identifier_warnings", "read_sample"]

#: Share of rows that may be dropped before a sample is refused (strictly more is refused).
MAX_DROPPED_SHARE = 0.5


class _Reducer:
    """Per-chunk parsing and reduction; holds the running totals."""

    def __init__(self, plan: Plan, max_groups: int) -> None:
        self.plan = plan
        # sensitive features, then control features (extra cell dimensions, never audited)
        self.groups = [
            GroupEncoder(c, max_groups, control=c in plan.controls) for c in plan.grouping
        ]
        self.label = BinaryEncoder(plan.label, "label", plan.pos_label) if plan.label else None
        self.pred = (
            BinaryEncoder(plan.prediction, "prediction", plan.pos_label)
            if plan.prediction
            else None
        )
        # Outcome slots: label code x prediction code (or prediction code), then one "dropped"
        # slot that only records that a cell was seen, so a group whose rows were all dropped
        # still appears (with zero counts).
        self.n_outcomes = (4 if self.label else 2) + 1
        self.cells = CellAccumulator(
            len(self.groups), self.n_outcomes, weighted=bool(plan.weight), squares=bool(plan.weight)
        )
        self.rows_read = 0
        self.dropped: Counter[str] = Counter()
        self.unknown = np.zeros(len(plan.sensitive), dtype=np.int64)
        # Score path: per-row arrays, kept because top-k needs the whole score distribution and
        # the ScoreTable is per row anyway.
        self._score_parts: ScoreParts = []

    def add(self, batch: pa.RecordBatch) -> None:
        """Add a chunk of rows, or (with a ``ROW_COUNT`` column) of distinct rows and counts."""
        plan = self.plan
        n = batch.num_rows
        if n == 0:
            return
        binary = [
            (encoder, dictionary_of(batch.column(encoder.column)))
            for encoder in (self.label, self.pred)
            if encoder is not None
        ]
        groups = [dictionary_of(batch.column(c)) for c in plan.grouping]
        dims = [len(d) + 1 for _, (d, _) in binary] + [len(d) + 1 for d, _ in groups]
        indices = [i for _, (_, i) in binary] + [i for _, i in groups]
        if batch.schema.get_field_index(ROW_COUNT) >= 0:
            counts = batch.column(ROW_COUNT).to_numpy()
            self.rows_read += int(counts.sum())
            self._add_entries(binary, groups, dims, indices, counts)
            return
        self.rows_read += n
        if plan.score is None and plan.weight is None and math.prod(dims) <= max(n, 1 << 16):
            # Count the rows per combination of the chunk's own value positions first.
            flat = indices[0].astype(np.intp)
            for size, index in zip(dims[1:], indices[1:], strict=True):
                flat *= size
                flat += index
            hist = np.bincount(flat, minlength=math.prod(dims))
            occurring = np.flatnonzero(hist)
            local = list(np.unravel_index(occurring, dims))
            self._add_entries(binary, groups, dims, local, hist[occurring])
        else:
            self._add_rows(batch, binary, groups)

    def _add_entries(
        self,
        binary: list[tuple[BinaryEncoder, tuple[pa.Array, np.ndarray]]],
        groups: list[tuple[pa.Array, np.ndarray]],
        dims: list[int],
        local: list[np.ndarray],
        counts: np.ndarray,
    ) -> None:
        """Add ``counts[e]`` rows whose values sit at positions ``local[k][e]`` of the chunk's
        dictionaries (label, prediction, then the groups), translated into cells, outcomes and
        drops."""
        present = []
        for size, positions in zip(dims, local, strict=True):
            flags = np.zeros(size, dtype=bool)
            flags[positions] = True
            present.append(flags[:-1])
        codes = [
            encoder.lookup(dictionary, index, present[k])[local[k]]
            for k, (encoder, (dictionary, index)) in enumerate(binary)
        ]
        keep = np.ones(len(counts), dtype=bool)
        for (encoder, _), code in zip(binary, codes, strict=True):
            reason = "missing_label" if encoder is self.label else "missing_prediction"
            hit = keep & (code < 0)
            if hit.any():
                self.dropped[reason] += int(counts[hit].sum())
                keep &= ~hit
        cell_codes = []
        for j, (group, (dictionary, _)) in enumerate(zip(self.groups, groups, strict=True)):
            k = len(binary) + j
            group_codes, missing = group.lookup(dictionary, present[k])
            cell_codes.append(group_codes[local[k]])
            if j < len(self.unknown):
                self.unknown[j] += int(counts[keep & missing[local[k]]].sum())
        outcome = codes[-1].astype(np.int64)
        if len(codes) == 2:
            outcome += codes[0].astype(np.int64) * 2
        outcome[~keep] = self.n_outcomes - 1
        sizes = [len(g.values) for g in self.groups]
        self.cells.add(cell_codes, sizes, outcome, counts)

    def _add_rows(
        self,
        batch: pa.RecordBatch,
        binary: list[tuple[BinaryEncoder, tuple[pa.Array, np.ndarray]]],
        groups: list[tuple[pa.Array, np.ndarray]],
    ) -> None:
        """Row by row (vectorised): with a score or weight column, or very many cells."""
        plan = self.plan
        n = batch.num_rows
        keep = np.ones(n, dtype=bool)

        def drop(reason: str, mask: np.ndarray) -> None:
            hit = mask & keep
            count = int(hit.sum())
            if count:
                self.dropped[reason] += count
                keep[hit] = False

        label_codes = pred_codes = scores = weights = None
        for encoder, (dictionary, index) in binary:
            present = np.bincount(index, minlength=len(dictionary) + 1)[:-1] > 0
            row_codes = encoder.lookup(dictionary, index, present)[index]
            if encoder is self.label:
                label_codes = row_codes
                drop("missing_label", row_codes < 0)
            else:
                pred_codes = row_codes
                drop("missing_prediction", row_codes < 0)
        if plan.score is not None:
            scores, missing, bad = parse_numbers(batch.column(plan.score))
            drop("missing_score", missing)
            drop("unparseable_score", bad)
        if plan.weight is not None:
            weights, missing, bad = parse_numbers(batch.column(plan.weight))
            drop("missing_weight", missing)
            drop("unparseable_weight", bad)
            drop("negative_weight", np.nan_to_num(weights, nan=0.0) < 0)
        codes: list[np.ndarray] = []
        for j, (group, (dictionary, index)) in enumerate(zip(self.groups, groups, strict=True)):
            present = np.bincount(index, minlength=len(dictionary) + 1)[:-1] > 0
            group_codes, group_missing = group.lookup(dictionary, present)
            codes.append(group_codes[index])
            if j < len(self.unknown):
                self.unknown[j] += int((group_missing[index] & keep).sum())
        sizes = [len(g.values) for g in self.groups]

        dropped = ~keep
        if dropped.any():
            self.cells.add(
                [c[dropped] for c in codes],
                sizes,
                np.full(int(dropped.sum()), self.n_outcomes - 1, dtype=np.int64),
                np.ones(int(dropped.sum())) if weights is not None else None,
            )
        if not keep.any():
            return
        kept_codes = [c[keep] for c in codes]
        kept_labels = label_codes[keep].astype(np.int64) if label_codes is not None else None
        kept_weights = weights[keep] if weights is not None else None
        if scores is not None:
            self._score_parts.append(
                (
                    np.stack(kept_codes, axis=1),
                    scores[keep],
                    kept_labels.astype(np.int8) if kept_labels is not None else np.empty(0),
                    kept_weights,
                    pred_codes[keep].astype(np.int8) if pred_codes is not None else np.empty(0),
                )
            )
            return
        assert pred_codes is not None
        outcome = pred_codes[keep].astype(np.int64)
        if kept_labels is not None:
            outcome = kept_labels * 2 + outcome
        self.cells.add(kept_codes, sizes, outcome, kept_weights)

    def finish(self, sha256: str | None, source_format: str, warnings: list[str]) -> Sample:
        plan = self.plan
        if self.rows_read == 0:
            raise FairnessInputError(HEADER_ONLY)
        total_dropped = sum(self.dropped.values())
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(self.dropped.items()))
        if total_dropped == self.rows_read:
            raise FairnessInputError(NO_USABLE_ROWS.format(reasons=reasons))
        if total_dropped > MAX_DROPPED_SHARE * self.rows_read:
            raise FairnessInputError(
                TOO_MANY_DROPPED.format(
                    dropped=total_dropped,
                    read=self.rows_read,
                    share=total_dropped / self.rows_read,
                    reasons=reasons,
                )
            )
        label_map = np.array([0, 1], dtype=np.int8)
        if self.label is not None:
            label_map, warning = self.label.resolve()
            if warning:
                warnings.append(warning)
        pred_map = np.array([0, 1], dtype=np.int8)
        if self.pred is not None:
            pred_map, warning = self.pred.resolve()
            if warning:
                warnings.append(warning)
        scores_frame = None
        if plan.score is not None:
            scores_frame = finish_scores(
                self._score_parts, self.groups, self.cells, plan, label_map, warnings,
                has_labels=self.label is not None,
            )  # fmt: skip
            self._score_parts = []
            if plan.controls:  # score metrics are per group; strata are read from the cells
                scores_frame = scores_frame.drop(columns=list(plan.controls))
        cell_codes, raw_counts = self.cells.finish()
        counts = to_confusion(raw_counts, label_map, pred_map, has_labels=self.label is not None)
        for g in self.groups:
            if g.literal_unknown:
                warnings.append(
                    f"Column {g.column!r} holds the value {UNKNOWN!r}; those rows are counted "
                    f"together with the rows whose value is missing."
                )
        names = CONFUSION_COLUMNS if self.label is not None else SELECTION_COLUMNS
        cells = sorted_cell_frame(self.groups, cell_codes, counts, names)
        squares = None
        if plan.weight is not None:  # sums of squared weights, for Kish effective sizes
            squared = to_confusion(
                self.cells.finish_squares(), label_map, pred_map, has_labels=self.label is not None
            )
            squares = sorted_cell_frame(self.groups, cell_codes, squared, names)
        stats = ReadStats(
            sha256=sha256,
            source_format=source_format,
            rows_read=self.rows_read,
            rows_used=self.rows_read - total_dropped,
            rows_dropped=dict(sorted(self.dropped.items())),
            unknown={a: int(u) for a, u in zip(plan.sensitive, self.unknown, strict=True)},
            warnings=tuple(warnings),
            columns=plan.mapping(),
        )
        cell_table = CellTable(
            attributes=plan.sensitive,
            frame=cells,
            has_labels=self.label is not None,
            weighted=plan.weight is not None,
            squares=squares,
            controls=plan.controls,
        )
        score_table = None
        if scores_frame is not None:
            score_table = ScoreTable(attributes=plan.sensitive, frame=scores_frame)
        return Sample(cells=cell_table, scores=score_table, stats=stats)


@dataclass(frozen=True)
class _Where:
    """What it takes to read a source again to find a line."""

    opened: Opened
    source: Source
    start: int | None
    max_line_bytes: int


def _with_third_class_line(
    exc: FairnessInputError,
    reducer: _Reducer,
    batch: pa.RecordBatch,
    line: int | None,
    where: _Where,
) -> FairnessInputError:
    """``exc`` with the line of the first row of a third class, when a label or prediction
    column refused one (the refusal is decided per chunk of distinct values, which knows no
    line): from the batch when its first line is known (Parquet), else by reading the CSV
    again. ``exc`` unchanged for any other error, or when the line cannot be found."""
    encoders = (e for e in (reducer.label, reducer.pred) if e is not None)
    encoder = next((e for e in encoders if e.refused and e.column == exc.column), None)
    if encoder is None or exc.row is not None:
        return exc
    row: int | None = None
    if line is not None and batch.schema.get_field_index(ROW_COUNT) < 0:
        values = as_strings(batch.column(encoder.column)).to_pylist()
        row = next((line + i for i, v in enumerate(values) if encoder.offends(v)), None)
    elif where.opened.csv is not None:
        text = where.opened.csv
        row = find_line(
            where.source, where.start, text.delimiter, text.columns.index(encoder.column),
            encoder.offends, where.max_line_bytes,
        )  # fmt: skip
    if row is None:
        return exc
    return FairnessInputError(
        NON_BINARY_AT_LINE.format(message=exc.message, row=row),
        column=exc.column,
        row=row,
        field=exc.field,
    )


def read_sample(
    source: Source,
    *,
    label: str | None,
    prediction: str | None,
    sensitive_features: Sequence[str],
    score: str | None = None,
    threshold: ThresholdRule | str | None = None,
    weight: str | None = None,
    pos_label: str | None = None,
    delimiter: str | None = None,
    max_groups: int = 1000,
    progress: Callable[[int, int | None], None] | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_field_bytes: int = MAX_FIELD_BYTES,
    control_features: Sequence[str] = (),
) -> Sample:
    """Read a prediction sample (CSV or Parquet) and reduce it to per-cell counts in one pass.

    The file is read in blocks, so memory does not grow with the number of rows (except with a
    score column: then the scores are kept, 8 bytes per row plus the group codes, because top-k
    rules need the whole distribution and score metrics need the scores).

    Parameters
    ----------
    source:
        A path or a binary file object. CSV (UTF-8, with or without BOM, LF or CRLF, optionally
        gzip-compressed; a quoted field may hold delimiters and line breaks) or Parquet; the
        format is judged from the first bytes, not the name.
    label:
        Column of true outcomes, or ``None`` when the sample has no labels (then only
        selection-based metrics can run and the cells hold ``pp, pn``).
    prediction:
        Column of predicted outcomes (0/1, true/false, yes/no in any case, or two values of which
        one is ``pos_label``). Give either this or ``score`` with ``threshold``, not both.
    sensitive_features:
        One or more columns of group attributes. Values are stripped of surrounding whitespace;
        a missing value (empty, NA, N/A, NaN, null, #N/A) puts the row in the ``UNKNOWN`` group.
    score, threshold:
        A numeric score column and the rule (``ThresholdRule`` or its text: ``">=0.7"``,
        ``"top-100"``, ``"top-10%"``) that turns scores into predictions. Ties at a top-k cut
        are all selected (see ``ThresholdRule``).
    weight:
        Optional column of non-negative sample weights; counts become float sums of weights.
    pos_label:
        The value that means "positive" in the label and prediction columns, when they do not use
        the standard 0/1, true/false, yes/no.
    delimiter:
        CSV delimiter; detected from the header (``,`` ``;`` tab ``|``) when ``None``.
    max_groups:
        A sensitive column with more distinct values than this is refused as an identifier.
    progress:
        Called per block as ``progress(bytes_read, total_bytes_or_None)``.
    max_line_bytes:
        The longest line of a CSV file, in bytes (default 1 MiB); also the longest record whose
        quoted fields hold line breaks. The reader stops at the first longer line with an error
        naming it, so a file with a line that never ends costs about this much memory, not more.
    max_field_bytes:
        The longest value, in bytes (default 64 KiB), of a column the read uses (label,
        prediction, score, weight, sensitive features), in CSV and Parquet alike.
    control_features:
        Columns to compare groups within (conditional parity, ``fairness._stratified``): kept
        in ``cells`` as extra cell dimensions (``CellTable.controls``), read like the sensitive
        features (a missing value is the stratum ``UNKNOWN``), but never audited as attributes.

    Returns
    -------
    Sample
        ``cells`` (one row per observed combination of attribute values), ``scores`` (only with
        a score column) and ``stats`` (sha256 of the raw bytes, rows read/used/dropped by reason,
        unknown counts per attribute, warnings).

    Raises
    ------
    FairnessInputError
        With ``column``/``row``/``field`` set: missing or duplicate columns, non-binary labels or
        predictions, unparseable CSV lines, empty or header-only files, identifier-like sensitive
        columns, or a sample in which more than half of the rows would be dropped. Also hostile
        input: a line or value over the limits above, a NUL byte, a quoted field never closed, a
        group value holding a control character (after stripping surrounding whitespace), or a
        Parquet column of a nested or binary type. Messages quote at most 200 characters of a
        value and are at most 1000 characters long.

    Notes
    -----
    Rows are dropped, each counted once under the first reason that applies, in this order:
    ``missing_label``, ``missing_prediction``, ``missing_score``, ``unparseable_score``,
    ``missing_weight``, ``unparseable_weight``, ``negative_weight``. A value outside the two
    classes of a label or prediction column is not dropped: it makes the column non-binary,
    which is an error. ``stats.unknown`` counts the used rows whose value was missing. A group
    whose rows were all dropped still appears in ``cells`` with zero counts. Column names that
    look like personal identifiers (name, ssn, email, 身份证, ...) give a warning.

    Examples
    --------
    >>> import io
    >>> data = b"sex,label,pred\\nf,1,1\\nm,0,1\\nf,0,0\\n"
    >>> s = read_sample(io.BytesIO(data), label="label", prediction="pred",
    ...                 sensitive_features=["sex"])
    >>> s.cells.frame[["sex", "tp", "fp", "tn", "fn"]].values.tolist()
    [['f', 1, 0, 1, 0], ['m', 0, 1, 0, 0]]
    """
    plan = make_plan(
        label=label,
        prediction=prediction,
        sensitive_features=sensitive_features,
        score=score,
        threshold=threshold,
        weight=weight,
        pos_label=pos_label,
        max_groups=max_groups,
        control_features=control_features,
    )
    check_limits(max_line_bytes, max_field_bytes)
    start = start_position(source)
    with open_source(source, delimiter=delimiter) as opened:
        check_columns(plan.needed, opened.columns)
        warnings = identifier_warnings(opened.columns)
        reducer = _Reducer(plan, max_groups)
        aggregate = plan.score is None and plan.weight is None
        batches = iter_batches(
            opened, plan.needed, source, start, kinds=plan.kinds, aggregate=aggregate,
            max_line_bytes=max_line_bytes, max_field_bytes=max_field_bytes,
        )  # fmt: skip
        with closing(batches):
            for batch, line in batches:
                try:
                    reducer.add(batch)
                except FairnessInputError as exc:
                    where = _Where(opened, source, start, max_line_bytes)
                    raise _with_third_class_line(exc, reducer, batch, line, where) from None
                if progress is not None:
                    progress(opened.hasher.bytes_read, opened.total_bytes)
        sha256 = opened.sha256()
        if progress is not None:
            progress(opened.hasher.bytes_read, opened.total_bytes)
        source_format = opened.source_format
    return reducer.finish(sha256, source_format, warnings)
