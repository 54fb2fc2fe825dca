"""Property tests: cells equal a pandas group-by of the raw rows, whatever the file encoding."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairness import UNKNOWN, read_sample

GROUP_VALUES = st.sampled_from(["a", "b", "c d", "é", "", "x;y", "unknown_ish"])
ROWS = st.lists(
    st.tuples(GROUP_VALUES, GROUP_VALUES, st.integers(0, 1), st.integers(0, 1)),
    min_size=1,
    max_size=40,
)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["g1", "g2", "label", "pred"])


def _expected(df: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    g = df.assign(
        g1=df["g1"].replace("", UNKNOWN),
        g2=df["g2"].replace("", UNKNOWN),
        tp=(df.label == 1) & (df.pred == 1),
        fp=(df.label == 0) & (df.pred == 1),
        tn=(df.label == 0) & (df.pred == 0),
        fn=(df.label == 1) & (df.pred == 0),
    )
    summed = g.groupby(["g1", "g2"])[["tp", "fp", "tn", "fn"]].sum()
    return {k: tuple(int(x) for x in v) for k, v in zip(summed.index, summed.values, strict=True)}


def _csv(df: pd.DataFrame, sep: str, newline: str, bom: bool, gz: bool) -> bytes:
    text = df.to_csv(index=False, sep=sep, lineterminator=newline)
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    return gzip.compress(data, mtime=0) if gz else data


def _cells(data: bytes) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    s = read_sample(
        io.BytesIO(data), label="label", prediction="pred", sensitive_features=["g1", "g2"]
    )
    f = s.cells.frame
    assert f["tp"].dtype == np.int64
    return {(r.g1, r.g2): (r.tp, r.fp, r.tn, r.fn) for r in f.itertuples(index=False)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_cells_equal_pandas_groupby(rows):
    df = _frame(rows)
    assert _cells(_csv(df, ",", "\n", False, False)) == _expected(df)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ROWS,
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
)
def test_same_data_in_any_csv_dialect_gives_identical_cells(rows, sep, newline, bom, gz):
    df = _frame(rows)
    reference = read_sample(
        io.BytesIO(_csv(df, ",", "\n", False, False)),
        label="label", prediction="pred", sensitive_features=["g1", "g2"],
    )  # fmt: skip
    other = read_sample(
        io.BytesIO(_csv(df, sep, newline, bom, gz)),
        label="label", prediction="pred", sensitive_features=["g1", "g2"],
    )  # fmt: skip
    pd.testing.assert_frame_equal(other.cells.frame, reference.cells.frame)
    assert other.stats.unknown == reference.stats.unknown
    assert other.stats.rows_used == reference.stats.rows_used == len(df)
