"""Benchmark the streaming sample reader against its floor, ``pyarrow.csv.read_csv``.

Generates the seeded synthetic sample of ``bench_fairness.py`` (columns case_ref, sex, age_band,
region, label, prediction; 3 sensitive attributes) into a temporary directory, then times, in one
process, best of ``--repeat`` runs:

* ``pyarrow.csv.read_csv`` of the file (all columns, default options): the floor;
* ``read_sample`` of the same file (read and reduce to per-cell counts);

for plain CSV (no quotes), the same with every text field quoted (as ``bench_fairness.py`` writes
it), gzip CSV and Parquet (the floors there: ``read_csv`` of the gzip file and
``pyarrow.parquet.read_table``). Prints the times and the ratio reader / floor.

Usage::

    python benchmarks/bench_read.py              # 1M rows
    python benchmarks/bench_read.py --rows 200000 --repeat 3
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fairness import ATTRIBUTES, make_csv  # noqa: E402

from fairness import read_sample  # noqa: E402


def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, page cache
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def reader(path: Path) -> Callable[[], object]:
    return lambda: read_sample(
        path, label="label", prediction="prediction", sensitive_features=list(ATTRIBUTES)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_read_"))
    try:
        quoted_path = tmp / "quoted.csv"
        make_csv(quoted_path, args.rows)  # text fields quoted, as Arrow's CSV writer does
        table = pacsv.read_csv(quoted_path)
        csv_path = tmp / "sample.csv"
        pacsv.write_csv(table, csv_path, pacsv.WriteOptions(quoting_style="none"))
        gz_path = tmp / "sample.csv.gz"
        with csv_path.open("rb") as src, gzip.open(gz_path, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        pq_path = tmp / "sample.parquet"
        pq.write_table(table, pq_path)
        del table
        size_mb = csv_path.stat().st_size / 1e6
        quoted_mb = quoted_path.stat().st_size / 1e6
        print(
            f"{args.rows:,} rows, CSV {size_mb:.1f} MB (quoted: {quoted_mb:.1f} MB), "
            f"best of {args.repeat}"
        )
        cases = [
            ("csv", lambda: pacsv.read_csv(csv_path), reader(csv_path)),
            ("quoted", lambda: pacsv.read_csv(quoted_path), reader(quoted_path)),
            ("csv.gz", lambda: pacsv.read_csv(gz_path), reader(gz_path)),
            ("parquet", lambda: pq.read_table(pq_path), reader(pq_path)),
        ]
        for name, floor_fn, read_fn in cases:
            floor = best_of(floor_fn, args.repeat)
            ours = best_of(read_fn, args.repeat)
            print(
                f"{name:8s} floor {floor * 1000:7.1f} ms   read_sample {ours * 1000:7.1f} ms   "
                f"ratio {ours / floor:4.2f}x"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
