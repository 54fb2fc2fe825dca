"""Benchmark the fairness engine against its floor (pyarrow reading the file) and raw fairlearn.

Builds seeded synthetic CSVs (3 sensitive attributes, pairwise intersections) and measures, in one
run on one machine:

(a) ``pyarrow.csv.read_csv`` on the file, in process: the floor;
(b) ``fairness.audit`` on the file, in process, end to end (read, reduce, metrics, intervals,
    tests, 2,000 bootstrap replicates, report);
(c) fairlearn ``MetricFrame`` on the raw rows with the same groups (each attribute and each pair)
    and 6 metrics (1M rows only: it takes minutes);
(d) Aequitas, if installed;
(e) the ``fairness audit`` command as a whole process vs a process that only reads the file;
(f) peak RSS of the ``fairness audit`` process at 10M rows;
(g) 2,000 bootstrap replicates on the count table from each size (independent of rows).

Usage::

    python benchmarks/bench_fairness.py               # 1M and 10M rows, writes docs/benchmarks.md
    python benchmarks/bench_fairness.py --rows 200000 --no-10m --no-write   # quick look
    python -m venv /tmp/aeq && /tmp/aeq/bin/pip install aequitas pyarrow
    python benchmarks/bench_fairness.py --aequitas-python /tmp/aeq/bin/python
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe, replace_section

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTES = ("sex", "age_band", "region")
SPEC = {
    "columns": {
        "label": "label",
        "prediction": "prediction",
        "sensitive_features": list(ATTRIBUTES),
    },
    "favourable_outcome": "adverse",
    "seed": 7,
}


def make_csv(path: Path, rows: int, seed: int = 20261127) -> None:
    """Write a seeded synthetic sample with group-dependent base rates and error rates."""
    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    sexes = np.array(["female", "male", "nonbinary", ""])
    ages = np.array(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"])
    regions = np.array([f"district-{i:02d}" for i in range(8)])
    writer = None
    with path.open("wb") as sink:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            sex = rng.choice(len(sexes), size=n, p=[0.49, 0.48, 0.02, 0.01])
            age = rng.integers(0, len(ages), size=n)
            region = rng.integers(0, len(regions), size=n)
            base = 0.08 + 0.03 * (age == 0) + 0.01 * (region % 3)
            label = rng.random(n) < base
            flag_if_pos = 0.7 + 0.05 * (sex == 1)
            flag_if_neg = 0.05 + 0.04 * (age == 0) + 0.02 * (region == 5)
            pred = np.where(label, rng.random(n) < flag_if_pos, rng.random(n) < flag_if_neg)
            table = pa.table(
                {
                    "case_ref": pa.array(np.arange(start, start + n)),
                    "sex": pa.array(sexes[sex]),
                    "age_band": pa.array(ages[age]),
                    "region": pa.array(regions[region]),
                    "label": pa.array(label.astype(np.int8)),
                    "prediction": pa.array(pred.astype(np.int8)),
                }
            )
            if writer is None:
                writer = pacsv.CSVWriter(sink, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` wall-clock runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def fairlearn_raw(path: Path) -> float:
    """MetricFrame on the raw rows: each attribute and each pair, 6 metrics."""
    from fairlearn.metrics import (
        MetricFrame,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    frame = pacsv.read_csv(path).to_pandas()
    frame[list(ATTRIBUTES)] = frame[list(ATTRIBUTES)].fillna("unknown")
    metrics = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
        "true_negative_rate": true_negative_rate,
        "accuracy": accuracy_score,
    }
    start = time.perf_counter()
    groupings = [[a] for a in ATTRIBUTES] + [list(p) for p in itertools.combinations(ATTRIBUTES, 2)]
    for cols in groupings:
        _ = MetricFrame(
            metrics=metrics,
            y_true=frame["label"],
            y_pred=frame["prediction"],
            sensitive_features=frame[cols],
        ).by_group
    return time.perf_counter() - start


AEQUITAS_SCRIPT = """
import itertools, sys, time
import pyarrow.csv as pacsv
from aequitas.group import Group
attrs = sys.argv[2].split(",")
frame = pacsv.read_csv(sys.argv[1]).to_pandas()
frame = frame.rename(columns={"prediction": "score", "label": "label_value"})
frame[attrs] = frame[attrs].fillna("unknown")
for a, b in itertools.combinations(attrs, 2):
    frame[a + " & " + b] = frame[a] + " & " + frame[b]
cols = attrs + [a + " & " + b for a, b in itertools.combinations(attrs, 2)]
frame = frame[["score", "label_value", *cols]]
start = time.perf_counter()
Group().get_crosstabs(frame, attr_cols=cols)
print(time.perf_counter() - start)
"""


def aequitas_raw(path: Path, python: str | None) -> str:
    """Aequitas ``get_crosstabs`` on the raw rows (same groups), in the interpreter given by
    ``--aequitas-python`` (Aequitas pins older pandas, so it usually lives in its own venv)."""
    if not python:
        try:
            import aequitas  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            return "not installed"
        python = sys.executable
    out = subprocess.run(
        [python, "-c", AEQUITAS_SCRIPT, str(path), ",".join(ATTRIBUTES)],
        check=True,
        capture_output=True,
        text=True,
    )
    return f"{float(out.stdout.strip().splitlines()[-1]):.3f}"


def process_time(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def child_peak_rss(args: list[str]) -> int:
    """Peak RSS in MiB of one child, measured by a fresh wrapper so earlier children don't count."""
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip()) // 1024


def cli_args(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fairness.cli",
        "audit",
        str(path),
        "--label",
        "label",
        "--prediction",
        "prediction",
        "--sensitive",
        ",".join(ATTRIBUTES),
        "--favourable",
        "adverse",
        "--seed",
        "7",
        "--format",
        "json",
        "--output",
        "/dev/null",
    ]


def bench_size(
    path: Path, rows: int, *, raw_fairlearn: bool, aequitas_python: str | None
) -> dict[str, object]:
    import fairness

    result: dict[str, object] = {"rows": rows, "file_mb": path.stat().st_size / 1e6}
    result["pyarrow"] = timed(lambda: pacsv.read_csv(path))
    result["audit"] = timed(lambda: fairness.audit(path, SPEC))
    result["audit_ratio"] = result["audit"] / result["pyarrow"]  # type: ignore[operator]
    no_boot = {**SPEC, "bootstrap_replicates": 0}
    result["audit_b0"] = timed(lambda: fairness.audit(path, no_boot))
    result["audit_b0_ratio"] = result["audit_b0"] / result["pyarrow"]  # type: ignore[operator]
    read_only = [sys.executable, "-c", f"import pyarrow.csv as c; c.read_csv({str(path)!r})"]
    result["proc_pyarrow"] = min(process_time(read_only)[0] for _ in range(2))
    result["proc_audit"] = min(process_time(cli_args(path))[0] for _ in range(2))
    result["proc_ratio"] = result["proc_audit"] / result["proc_pyarrow"]  # type: ignore[operator]
    result["rss_mib"] = child_peak_rss(cli_args(path))
    sample = fairness.read_sample(
        path, label="label", prediction="prediction", sensitive_features=list(ATTRIBUTES)
    )
    result["cells"] = len(sample.cells.frame)
    with_boot = timed(lambda: fairness.audit_counts(sample, SPEC, bootstrap_replicates=2000))
    without = timed(lambda: fairness.audit_counts(sample, SPEC, bootstrap_replicates=0))
    result["bootstrap_2000"] = with_boot - without
    result["audit_counts_total"] = with_boot
    if raw_fairlearn:
        result["fairlearn_raw"] = fairlearn_raw(path)
        result["fairlearn_ratio"] = result["fairlearn_raw"] / result["audit"]  # type: ignore[operator]
        result["aequitas"] = aequitas_raw(path, aequitas_python)
    return result


def render(results: list[dict[str, object]]) -> str:
    lines = [
        "## Fairness engine (`benchmarks/bench_fairness.py`)",
        "",
        f"Machine: {describe('numpy', 'pyarrow', 'pandas', 'fairlearn', 'scipy')}.",
        "",
        "Synthetic seeded CSVs: 3 sensitive attributes (sex with a 2% category and 1% missing,",
        "6 age bands, 8 regions: 192 cells) and their 3 pairwise intersections (122 groups),",
        "labels and binary predictions; adverse-outcome default checks (false positive rate ratio",
        "and difference); 2,000 bootstrap replicates unless stated. Times: best of 3, seconds.",
        "",
        "| measure | target | " + " | ".join(f"{r['rows']:,} rows" for r in results) + " |",
        "|---|---|" + "---|" * len(results),
    ]

    def row(label: str, target: str, key: str, fmt: str) -> None:
        cells = [fmt.format(r[key]) if key in r else "not run" for r in results]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")

    row("file size (MB)", "", "file_mb", "{:.0f}")
    row("(a) `pyarrow.csv.read_csv`, in process", "floor", "pyarrow", "{:.2f}")
    row("(b) `fairness.audit` end to end, in process", "", "audit", "{:.2f}")
    row("(b)/(a)", "≤ 3x", "audit_ratio", "{:.2f}x")
    row("(b') the same without bootstrap intervals", "", "audit_b0", "{:.2f}")
    row("(b')/(a)", "", "audit_b0_ratio", "{:.2f}x")
    row(
        "(c) fairlearn `MetricFrame` on raw rows (6 groupings × 6 metrics)",
        "",
        "fairlearn_raw",
        "{:.1f}",
    )
    row("(c)/(b): how much faster the engine is", "≥ 20x", "fairlearn_ratio", "{:.0f}x")
    row("(d) Aequitas `get_crosstabs`, raw rows, same 6 groupings", "", "aequitas", "{}")
    row("(e) process reading with pyarrow only", "", "proc_pyarrow", "{:.2f}")
    row("(e) `fairness audit` command, whole process", "", "proc_audit", "{:.2f}")
    row("(e) ratio", "≤ 5x", "proc_ratio", "{:.2f}x")
    row("(f) peak RSS of the `fairness audit` process (MiB)", "< 1024 at 10M", "rss_mib", "{:,}")
    row("cells in the count table", "", "cells", "{:,}")
    row("(g) 2,000 bootstrap replicates (s)", "< 1", "bootstrap_2000", "{:.3f}")
    lines += ["", "Reproduce: `python benchmarks/bench_fairness.py` (about 10 minutes on 2 cores)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-10m", action="store_true", help="skip the 10M-row file")
    parser.add_argument(
        "--aequitas-python", help="a Python interpreter with aequitas installed, for row (d)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; don't update docs/benchmarks.md"
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as tmp:
        sizes = [(args.rows, True)] + ([] if args.no_10m else [(10_000_000, False)])
        for rows, raw in sizes:
            path = Path(tmp) / f"sample_{rows}.csv"
            print(f"building {rows:,} rows ...", flush=True)
            make_csv(path, rows)
            results.append(
                bench_size(path, rows, raw_fairlearn=raw, aequitas_python=args.aequitas_python)
            )
            print(results[-1], flush=True)
            path.unlink()
    text = render(results)
    print(text)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "fairness", text)


if __name__ == "__main__":
    main()
