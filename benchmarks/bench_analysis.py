"""Time the analysis side: ``audit_counts`` on cell tables, both metric backends.

Run: /work/venv/bin/python benchmarks/bench_analysis.py
Tables: the 1M-row profile (sex 4 values incl. unknown x age_band 6 x region 8 = 192 cells, 122
groups with the pairwise intersections, adverse outcome, default checks) with 0 and 2,000
replicates, and a 1,000-cell table (10 x 100, 1,110 groups). Best of ``REPEATS`` runs.
Target: tens of milliseconds for ~100 groups, roughly linear in groups; the exact bootstrap draw
(O(cells x B) binomials) is the floor when replicates are on. Also printed: the bootstrap's share
of the 192-cell audit (B=2000 minus B=0, through the public API), numpy's ``multinomial`` drawing
the same cells alone for comparison, and ``AuditReport.to_json`` of the 192-cell report.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from fairness import CellTable, audit_counts

REPEATS = 3


def profile_table(rows: int = 1_000_000, seed: int = 0) -> CellTable:
    rng = np.random.default_rng(seed)
    keys = [(s, f"a{a}", f"r{r}") for s in ("f", "m", "x", "unknown")
            for a in range(6) for r in range(8)]  # fmt: skip
    sizes = rng.multinomial(rows, rng.dirichlet(np.ones(len(keys)) * 2))
    shares = rng.dirichlet([4, 2, 10, 3], size=len(keys))
    counts = np.array([rng.multinomial(k, p) for k, p in zip(sizes, shares, strict=True)])
    frame = pd.DataFrame(keys, columns=["sex", "age_band", "region"])
    frame[["tp", "fp", "tn", "fn"]] = counts
    return CellTable(("sex", "age_band", "region"), frame, has_labels=True)


def wide_table(sexes: int = 10, groups: int = 100, rows_per_cell: int = 1000) -> CellTable:
    rng = np.random.default_rng(0)
    keys = [(f"s{i}", f"g{j}") for i in range(sexes) for j in range(groups)]
    frame = pd.DataFrame(keys, columns=["sex", "group"])
    frame[["tp", "fp", "tn", "fn"]] = rng.multinomial(rows_per_cell, [0.2, 0.1, 0.5, 0.2],
                                                      size=len(keys))  # fmt: skip
    return CellTable(("sex", "group"), frame, has_labels=True)


def timed(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def best(table: CellTable, **spec) -> float:
    return timed(lambda: audit_counts(table, **spec))


def main() -> None:
    audit_counts(profile_table(10_000), bootstrap_replicates=10)  # imports, version lookup
    cases = [
        ("192 cells, 122 groups, B=0", profile_table(), 0),
        ("192 cells, 122 groups, B=2000", profile_table(), 2000),
        ("1000 cells, 1110 groups, B=0", wide_table(), 0),
        ("1000 cells, 1110 groups, B=2000", wide_table(), 2000),
    ]
    print(f"{'table':<34} {'numpy':>10} {'fairlearn':>10}")
    for label, table, replicates in cases:
        spec = {"favourable_outcome": "adverse", "bootstrap_replicates": replicates}
        fast = best(table, **spec)
        slow = best(table, metric_backend="fairlearn", **spec)
        print(f"{label:<34} {fast * 1000:>8.1f}ms {slow * 1000:>8.1f}ms")
    table = profile_table()
    counts = table.frame[["tp", "fp", "tn", "fn"]].to_numpy(dtype=np.float64)
    totals = counts.sum(axis=1)
    adverse = {"favourable_outcome": "adverse"}
    bootstrap = best(table, bootstrap_replicates=2000, **adverse) - best(
        table, bootstrap_replicates=0, **adverse
    )
    multinomial = timed(
        lambda: np.random.default_rng(7).multinomial(
            totals.astype(np.int64), counts / totals[:, None], size=(2000, len(counts))
        )
    )
    report = audit_counts(table, favourable_outcome="adverse")
    print(f"{'bootstrap 192 cells x 2000 (audit)':<34} {bootstrap * 1000:>8.1f}ms")
    print(f"{'draw 192 cells x 2000, multinomial':<34} {multinomial * 1000:>8.1f}ms")
    print(f"{'to_json, 192-cell report':<34} {timed(report.to_json) * 1000:>8.1f}ms")


if __name__ == "__main__":
    main()
