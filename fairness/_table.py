"""The sufficient statistic: a table of per-cell confusion counts.

Reading a sample (``fairness._read``) reduces it, streaming, to a ``CellTable``: one row per
observed combination of the sensitive attributes' values (the finest intersection), with the
confusion counts of the rows in that cell. Every count-based metric of any single attribute or
any intersection is a group-by-sum of this table, so everything after the read costs O(cells), not
O(rows). The table is additive: tables from partitions of a sample can be concatenated and summed.

Score metrics (AUC, LL144 scoring rate) need the scores themselves; ``ScoreTable`` keeps them per
row (compactly typed), only when a score column was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: The group value given to rows whose sensitive value is missing (empty, NA, null). Never dropped.
UNKNOWN = "unknown"

#: Count columns when labels are known.
CONFUSION_COLUMNS = ("tp", "fp", "tn", "fn")
#: Count columns when the sample has no label: only predicted positives / negatives are known.
SELECTION_COLUMNS = ("pp", "pn")


@dataclass(frozen=True)
class CellTable:
    """Per-cell counts.

    Attributes
    ----------
    attributes:
        Names of the sensitive attributes, in the order given by the caller.
    frame:
        One row per observed combination of attribute values. Columns: each attribute (``str``
        values, ``UNKNOWN`` for missing), then ``tp, fp, tn, fn`` when ``has_labels`` else
        ``pp, pn``. Counts are ``int64``, or ``float64`` when a weight column was used.
    has_labels:
        Whether the sample carried labels (ground truth). Without them only selection-based
        metrics can be computed.
    weighted:
        Whether counts are sums of weights rather than row counts.
    squares:
        With weights read from rows: the same cells (same rows, same attribute columns) holding
        sums of *squared* weights in the count columns, from which intervals, tests and minimums
        take the Kish effective sample size ``(Σw)² / Σw²``. ``None`` for row counts, and for a
        weighted table without them (a count file of weight sums), whose weights are then read
        as frequency weights.
    controls:
        Names of the control features (``columns.control_features``), when given: the frame then
        has these columns too, after the attributes, as extra cell dimensions. They are never
        audited attributes; ``collapsed()`` sums them away, and ``fairness._stratified`` compares
        groups within their strata.
    """

    attributes: tuple[str, ...]
    frame: pd.DataFrame
    has_labels: bool
    weighted: bool = False
    squares: pd.DataFrame | None = None
    controls: tuple[str, ...] = ()

    @property
    def count_columns(self) -> tuple[str, ...]:
        return CONFUSION_COLUMNS if self.has_labels else SELECTION_COLUMNS

    def collapsed(self) -> CellTable:
        """The table without its control columns: cells of the same attribute values summed, in
        the order a read without control features gives (the frame is sorted by the attributes
        first, so their first appearances are in that order). ``self`` when there are none."""
        if not self.controls:
            return self
        attributes = list(self.attributes)

        def collapse(frame: pd.DataFrame) -> pd.DataFrame:
            summed = frame.groupby(attributes, sort=False, as_index=False, dropna=False)[
                list(self.count_columns)
            ].sum()
            for a in attributes:
                summed[a] = summed[a].astype(frame[a].dtype)
            return summed.reset_index(drop=True)

        return CellTable(
            attributes=self.attributes,
            frame=collapse(self.frame),
            has_labels=self.has_labels,
            weighted=self.weighted,
            squares=None if self.squares is None else collapse(self.squares),
        )


@dataclass(frozen=True)
class ScoreTable:
    """Scores per row, for score metrics. ``frame`` columns: each attribute, ``score`` (float64),
    ``label`` (int8 0/1, or absent when the sample has no label) and ``weight`` when weighted."""

    attributes: tuple[str, ...]
    frame: pd.DataFrame


@dataclass(frozen=True)
class ReadStats:
    """What the reader saw: the provenance part of a report.

    ``rows_dropped`` maps a reason code (e.g. ``"missing_label"``, ``"unparseable_prediction"``)
    to a count. ``unknown`` maps each attribute to the number of rows whose value was missing and
    were counted in the ``UNKNOWN`` group. ``warnings`` are human-readable sentences.
    """

    sha256: str | None
    source_format: str  # "csv", "csv.gz", "parquet", "counts"
    rows_read: int
    rows_used: int
    rows_dropped: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    columns: dict[str, Any] = field(default_factory=dict)  # the column mapping used

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "source_format": self.source_format,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_dropped": dict(sorted(self.rows_dropped.items())),
            "unknown": dict(sorted(self.unknown.items())),
            "warnings": list(self.warnings),
            "columns": self.columns,
        }


@dataclass(frozen=True)
class Sample:
    """Everything the metrics stage needs from a read: counts, optional scores, and provenance."""

    cells: CellTable
    scores: ScoreTable | None
    stats: ReadStats
