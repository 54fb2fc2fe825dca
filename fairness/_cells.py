"""Running per-cell totals: chunks of (group codes, outcome index, weight) in, a small table out.

Memory is bounded by the number of distinct cells, not by rows: each chunk is reduced with one
``numpy.bincount`` over a combined cell-and-outcome code, and only its non-empty cells are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fairness._table import UNKNOWN

if TYPE_CHECKING:
    from fairness._columns import GroupEncoder

#: Pending per-chunk cell rows are merged once they pass this many.
_MERGE_AT = 200_000


class CellAccumulator:
    """Sum counts (or weights) per cell and outcome.

    Parameters
    ----------
    n_attributes:
        Number of sensitive attributes (columns of the cell code).
    n_outcomes:
        Number of outcome slots (e.g. 4 for label x prediction, plus one "dropped" slot that only
        records that a cell was seen).
    weighted:
        Whether counts are float sums of weights.
    squares:
        Also sum the squared weights per cell and outcome (``finish_squares``), for the Kish
        effective sample size of weighted groups.
    """

    def __init__(
        self, n_attributes: int, n_outcomes: int, *, weighted: bool, squares: bool = False
    ) -> None:
        self.n_attributes = n_attributes
        self.n_outcomes = n_outcomes
        self.weighted = weighted
        self.squares = squares
        self._squared: np.ndarray | None = None
        self._codes: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._pending = 0

    def add(
        self,
        codes: list[np.ndarray],
        sizes: list[int],
        outcome: np.ndarray,
        weights: np.ndarray | None = None,
    ) -> None:
        """Add rows: ``codes[j]`` are attribute ``j``'s codes (each below ``sizes[j]``).

        ``weights`` of an integer type are row counts (e.g. rows already counted per cell and
        outcome): their sums stay integers.
        """
        n = outcome.shape[0]
        if n == 0:
            return
        if self.squares:  # one more block of slots: the squared weights of the same outcomes
            w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
            outcome = np.concatenate([outcome, outcome + self.n_outcomes])
            codes = [np.concatenate([c, c]) for c in codes]
            weights = np.concatenate([w, w * w])
        m = self.n_outcomes * (2 if self.squares else 1)
        space = math.prod(sizes)
        if space * m <= max(4 * n, 1 << 16):
            key = np.ravel_multi_index(codes, sizes) if len(codes) > 1 else codes[0]
            flat = key.astype(np.int64) * m + outcome
            counts = np.bincount(flat, weights=weights, minlength=space * m).reshape(space, m)
            seen = np.bincount(key, minlength=space) > 0
            cells = np.flatnonzero(seen)
            cell_codes = np.stack(np.unravel_index(cells, sizes), axis=1).astype(np.int32)
            counts = counts[cells]
        else:  # a large code space (many groups): sort instead of a dense bincount
            stacked = np.stack(codes, axis=1)
            cell_codes, inverse = np.unique(stacked, axis=0, return_inverse=True)
            flat = inverse.reshape(-1).astype(np.int64) * m + outcome
            counts = np.bincount(flat, weights=weights, minlength=len(cell_codes) * m)
            counts = counts.reshape(-1, m)
        if weights is not None and weights.dtype.kind in "iu":
            counts = counts.astype(np.int64)  # exact: float64 holds whole numbers below 2**53
        self._codes.append(cell_codes.astype(np.int32))
        self._counts.append(counts)
        self._pending += len(cell_codes)
        if self._pending > _MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        if len(self._codes) <= 1:
            return
        stacked = np.concatenate(self._codes)
        counts = np.concatenate(self._counts)
        sizes = [int(c) + 1 for c in stacked.max(axis=0)] if len(stacked) else []
        if len(stacked) and math.prod(sizes) < 1 << 62:  # one integer key per cell: a 1-D sort
            keys, inverse = np.unique(
                np.ravel_multi_index(tuple(stacked.T), sizes), return_inverse=True
            )
            cell_codes = np.stack(np.unravel_index(keys, sizes), axis=1)
        else:
            cell_codes, inverse = np.unique(stacked, axis=0, return_inverse=True)
        merged = np.zeros((len(cell_codes), counts.shape[1]), dtype=counts.dtype)
        np.add.at(merged, inverse.reshape(-1), counts)
        self._codes = [cell_codes.astype(np.int32)]
        self._counts = [merged]
        self._pending = len(cell_codes)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct cell codes ``(cells, n_attributes)`` and counts ``(cells, n_outcomes)``."""
        if not self._codes:
            dtype = np.float64 if self.weighted else np.int64
            self._squared = np.zeros((0, self.n_outcomes))
            return (
                np.zeros((0, self.n_attributes), dtype=np.int32),
                np.zeros((0, self.n_outcomes), dtype=dtype),
            )
        self._merge()
        counts = self._counts[0]
        if self.squares:
            self._squared = counts[:, self.n_outcomes :].astype(np.float64)
            counts = counts[:, : self.n_outcomes]
        counts = counts.astype(np.float64 if self.weighted else np.int64)
        return self._codes[0], counts

    def finish_squares(self) -> np.ndarray:
        """After ``finish``: the sums of squared weights, ``(cells, n_outcomes)``, same rows."""
        assert self._squared is not None, "finish_squares needs squares=True and finish() first"
        return self._squared


def to_confusion(
    raw: np.ndarray, label_map: np.ndarray, pred_map: np.ndarray, *, has_labels: bool
) -> np.ndarray:
    """Turn raw code slots into tp/fp/tn/fn (or pp/pn) columns by the resolved classes."""
    out = np.zeros((raw.shape[0], 4 if has_labels else 2), dtype=raw.dtype)
    if has_labels:
        # column index for (label class, prediction class)
        target = {(1, 1): 0, (0, 1): 1, (0, 0): 2, (1, 0): 3}
        for lc in (0, 1):
            for pc in (0, 1):
                out[:, target[(int(label_map[lc]), int(pred_map[pc]))]] += raw[:, lc * 2 + pc]
    else:
        for pc in (0, 1):
            out[:, 0 if pred_map[pc] == 1 else 1] += raw[:, pc]
    return out


def sorted_cell_frame(
    groups: list[GroupEncoder], cell_codes: np.ndarray, counts: np.ndarray, names: Sequence[str]
) -> pd.DataFrame:
    """The cells as a frame sorted by attribute values (``UNKNOWN`` last), for a deterministic
    table: one column per attribute (``str``), then the count columns ``names``."""
    ranks = []
    for j, g in enumerate(groups):
        by_value = sorted(range(len(g.values)), key=lambda i: (g.values[i] == UNKNOWN, g.values[i]))
        rank = np.empty(len(by_value), dtype=np.int64)
        rank[by_value] = np.arange(len(by_value))
        ranks.append(rank[cell_codes[:, j]])
    order = np.lexsort(ranks[::-1]) if len(cell_codes) else np.arange(0)
    frame: dict[str, Any] = {}
    for j, g in enumerate(groups):
        names_of = np.asarray(g.values, dtype=object)
        frame[g.column] = pd.array(names_of[cell_codes[order, j]].tolist(), dtype="str")
    for i, name in enumerate(names):
        frame[name] = counts[order, i]
    return pd.DataFrame(frame)
