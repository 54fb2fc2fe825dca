"""Benchmark counting where the data lives: DuckDB (and Spark local mode) vs the streaming reader.

Writes a seeded Parquet file of ``--rows`` decisions (sex with missing values, age_band, region,
label, prediction, a score and a weight; 1M-row row groups), then times, best of ``--repeat``:

* ``read_sample`` (the streaming reader, this process);
* ``count_in_engine("duckdb", ...)`` (the count query on the file, DuckDB's threads);
* ``count_in_engine("spark", ...)`` in local mode, when pyspark and Java are installed
  (``--no-spark`` skips it; the first run also starts the JVM and is not timed);

for two mappings: labels and predictions (counts per cell), and a score with a ``>=0.5``
threshold and weights (sums of weights and their squares). Each engine's count table is checked
against the reader's before it is timed. Prints the times and the ratio engine / reader (below 1:
the engine is faster).

Usage::

    nice python benchmarks/bench_engines.py                      # 10M rows
    nice python benchmarks/bench_engines.py --rows 2000000 --repeat 2 --no-spark
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import describe  # noqa: E402

from fairness import Sample, count_in_engine, read_sample  # noqa: E402

CHUNK = 1_000_000
MAPPINGS: dict[str, dict[str, object]] = {
    "label + prediction": dict(
        label="label", prediction="prediction", sensitive_features=["sex", "age_band", "region"]
    ),
    "score >=0.5, weights": dict(
        label="label", prediction=None, score="score", threshold=">=0.5", weight="weight",
        sensitive_features=["sex", "age_band", "region"],
    ),
}  # fmt: skip


def make_parquet(path: Path, rows: int, seed: int = 7) -> None:
    """Seeded decisions in row groups of ``CHUNK`` rows; about 2% of sex values missing."""
    rng = np.random.default_rng(seed)
    sexes = np.array(["female", "male", "other", None], dtype=object)
    bands = np.array(["18-24", "25-34", "35-49", "50-64", "65+"], dtype=object)
    regions = np.array([f"region {i}" for i in range(10)], dtype=object)
    writer = None
    try:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            sex = sexes[rng.choice(4, n, p=[0.49, 0.47, 0.02, 0.02])]
            score = rng.random(n)
            label = (rng.random(n) < 0.3 + 0.2 * score).astype(np.int8)
            table = pa.table(
                {
                    "sex": pa.array(sex, type=pa.string()).dictionary_encode(),
                    "age_band": pa.array(bands[rng.integers(0, 5, n)]).dictionary_encode(),
                    "region": pa.array(regions[rng.integers(0, 10, n)]).dictionary_encode(),
                    "label": label,
                    "prediction": (score >= 0.6).astype(np.int8),
                    "score": score,
                    "weight": rng.uniform(0.5, 2.0, n),
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=CHUNK)
    finally:
        if writer is not None:
            writer.close()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def same_counts(a: Sample, b: Sample) -> None:
    pd.testing.assert_frame_equal(
        a.cells.frame, b.cells.frame, check_exact=not a.cells.weighted, rtol=1e-9
    )
    assert a.stats.rows_read == b.stats.rows_read and a.stats.unknown == b.stats.unknown


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true", help="skip Spark even if installed")
    args = parser.parse_args(argv)
    engines = ["duckdb"] + (["spark"] if not args.no_spark and spark_available() else [])
    tmp = Path(tempfile.mkdtemp(prefix="bench_engines_"))
    try:
        path = tmp / "decisions.parquet"
        started = time.perf_counter()
        make_parquet(path, args.rows)
        size = path.stat().st_size / 1e6
        print(
            f"{args.rows:,} rows, Parquet {size:.0f} MB (written in "
            f"{time.perf_counter() - started:.1f} s), best of {args.repeat}"
        )
        print(describe("duckdb", "pyspark", "pyarrow"))
        header = f"| mapping | reader | {' | '.join(engines)} | " + " | ".join(
            f"{e} / reader" for e in engines
        )
        print()
        print(header + " |")
        print("|" + " --- |" * (2 + 2 * len(engines)))
        for name, mapping in MAPPINGS.items():
            expected = read_sample(str(path), **mapping)  # type: ignore[arg-type]
            reader_s = best_of(lambda m=mapping: read_sample(str(path), **m), args.repeat)
            times = []
            for engine in engines:
                got = count_in_engine(engine, str(path), **mapping)  # type: ignore[arg-type]
                same_counts(expected, got)  # also the warm-up (the JVM for Spark)
                times.append(
                    best_of(
                        lambda e=engine, m=mapping: count_in_engine(e, str(path), **m),
                        args.repeat,
                    )
                )
            cells = " | ".join(f"{t:.2f} s" for t in times)
            ratios = " | ".join(f"{t / reader_s:.2f}" for t in times)
            print(f"| {name} | {reader_s:.2f} s | {cells} | {ratios} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
