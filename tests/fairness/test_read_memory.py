"""Streaming: peak memory of read_sample does not grow with the number of rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

_MEASURE = """
import json, sys, tracemalloc
import pyarrow as pa
from fairness import read_sample
tracemalloc.start()
s = read_sample(sys.argv[1], label="label", prediction="pred",
                sensitive_features=["sex", "race", "age"])
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"python_peak": peak, "arrow_peak": pa.default_memory_pool().max_memory(),
                  "rows": s.stats.rows_used}))
"""


def _write(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    table = pa.table(
        {
            "sex": pa.array(rng.choice(["f", "m", "x"], n)),
            "race": pa.array(rng.choice(["a", "b", "c", "d", "e"], n)),
            "age": pa.array(rng.choice(["<25", "25-45", ">45"], n)),
            "label": pa.array(rng.integers(0, 2, n)),
            "pred": pa.array(rng.integers(0, 2, n)),
        }
    )
    pacsv.write_csv(table, path)


def _measure(path: Path) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        check=True, capture_output=True, text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    return json.loads(out.stdout)


@pytest.mark.slow
def test_peak_memory_flat_from_200k_to_2m_rows(tmp_path: Path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write(small, 200_000)
    _write(large, 2_000_000)
    a, b = _measure(small), _measure(large)
    assert a["rows"] == 200_000 and b["rows"] == 2_000_000
    # 10x the rows (33 MB more of file): allow 1.5x plus one 4 MB segment's worth of noise.
    assert b["python_peak"] < 1.5 * a["python_peak"] + 8_000_000, (a, b)
    assert b["arrow_peak"] < 1.5 * a["arrow_peak"] + 8_000_000, (a, b)
