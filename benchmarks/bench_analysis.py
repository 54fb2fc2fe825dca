"""Time the analysis side: a full audit_counts and the 2,000-replicate bootstrap alone.

Run: /work/venv/bin/python benchmarks/bench_analysis.py
Target: 2,000 bootstrap replicates < 1 s whatever the number of rows (cost O(cells x B)).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from fairness import CellTable, audit_counts
from fairness._bootstrap import Level, bootstrap_summaries
from fairness._metrics import (
    METRICS,
    attribute_levels,
    group_counts,
    group_keys,
    level_name,
    normalise_cells,
)


def table(rows_per_cell: int, sexes: int, groups: int, seed: int = 0) -> CellTable:
    rng = np.random.default_rng(seed)
    keys = [(f"s{i}", f"g{j}") for i in range(sexes) for j in range(groups)]
    counts = rng.multinomial(rows_per_cell, [0.2, 0.1, 0.5, 0.2], size=len(keys))
    frame = pd.DataFrame(keys, columns=["sex", "group"])
    frame[["tp", "fp", "tn", "fn"]] = counts
    return CellTable(("sex", "group"), frame, has_labels=True)


def main() -> None:
    for rows_per_cell, sexes, groups in [(25_000, 2, 20), (2_500_000, 2, 20), (1000, 10, 100)]:
        t = table(rows_per_cell, sexes, groups)
        cells = normalise_cells(t.frame, t.attributes, True)
        levels = []
        for level in attribute_levels(t.attributes, 2):
            counts = group_counts(cells, level)
            index = pd.Index(counts.index).get_indexer(group_keys(cells, level))
            levels.append(Level(level_name(level), index, tuple(counts.index),
                                np.ones(len(counts), bool)))  # fmt: skip
        start = time.perf_counter()
        bootstrap_summaries(cells, levels, list(METRICS)[:-1], has_labels=True,
                            replicates=2000, seed=0, confidence=0.95)  # fmt: skip
        boot = time.perf_counter() - start
        start = time.perf_counter()
        audit_counts(t)
        full = time.perf_counter() - start
        rows = rows_per_cell * len(cells)
        print(f"{rows:>12,} rows, {len(cells):>5} cells: bootstrap 2000 reps {boot:.3f} s, "
              f"full audit_counts {full:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
