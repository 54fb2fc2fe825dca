"""Pre-aggregated count tables: each layout, validation with line numbers, and the round trip."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairness import (
    UNKNOWN,
    FairnessInputError,
    count_table_layout,
    counts_from_frame,
    read_counts,
    read_sample,
    write_counts_csv,
)
from fairness import _errors as E

EXPECTED = [["f", 3, 1, 5, 2], ["m", 4, 0, 6, 1], [UNKNOWN, 1, 0, 0, 0]]


def counts(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    kwargs.setdefault("sensitive_features", ["sex"])
    return read_counts(io.BytesIO(data), **kwargs)


def rows(sample) -> list[list]:
    return sample.cells.frame.values.tolist()


def test_confusion_layout_sums_repeated_cells():
    s = counts("sex,TP,FP,TN,FN\nf,1,1,2,2\nm,4,0,6,1\nf,2,0,3,0\n,1,0,0,0\n")
    assert rows(s) == EXPECTED
    assert s.cells.has_labels and not s.cells.weighted
    assert s.stats.rows_read == 23 and s.stats.unknown == {"sex": 1}
    assert s.stats.source_format == "counts"
    assert s.stats.columns["layout"] == "confusion"


def test_label_prediction_count_layout():
    text = (
        "sex;label;prediction;count\nf;1;1;3\nf;0;1;1\nf;0;0;5\nf;1;0;2\n"
        "m;true;true;4\nm;false;false;6\nm;true;false;1\nunknown;yes;yes;1\n"
    )
    assert rows(counts(text)) == EXPECTED


def test_selection_layouts():
    a = counts("sex,prediction,count\nf,1,3\nf,0,7\nm,1,5\n")
    b = counts("sex,pp,pn\nf,3,7\nm,5,0\n")
    assert not a.cells.has_labels
    assert rows(a) == rows(b) == [["f", 3, 7], ["m", 5, 0]]


def test_parquet_and_gzip_counts(tmp_path: Path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"sex": ["f", "m"], "pp": [3, 5], "pn": [7, 0]}), path)
    assert rows(read_counts(path, sensitive_features=["sex"])) == [["f", 3, 7], ["m", 5, 0]]
    assert rows(counts(gzip.compress(b"sex,pp,pn\nf,3,7\n"))) == [["f", 3, 7]]


@pytest.mark.parametrize(
    ("value", "template"), [("-1", E.BAD_COUNT), ("2.5", E.BAD_COUNT), ("many", E.BAD_COUNT)]
)
def test_bad_count_names_line_and_column(value, template):
    with pytest.raises(FairnessInputError) as exc:
        counts(f"sex,pp,pn\nf,3,7\nm,5,{value}\n")
    assert str(exc.value) == template.format(where="Line 3", column="pn", value=value)
    assert exc.value.row == 3 and exc.value.column == "pn"


def test_missing_count():
    with pytest.raises(FairnessInputError) as exc:
        counts("sex,pp,pn\nf,,7\n")
    assert str(exc.value) == E.MISSING_COUNT.format(
        where="Line 2", column="pp", expected="a non-negative whole number"
    )


def test_whole_float_counts_accepted_fractions_need_weighted():
    assert rows(counts("sex,pp,pn\nf,3.0,7\n")) == [["f", 3, 7]]
    s = counts("sex,pp,pn\nf,2.5,7\n", weighted=True)
    assert s.cells.weighted and rows(s) == [["f", 2.5, 7.0]]


def test_unknown_and_mixed_layouts():
    with pytest.raises(FairnessInputError) as exc:
        counts("sex,tp,fp\nf,1,1\n")
    assert str(exc.value) == E.COUNTS_LAYOUT.format(present="'sex', 'tp', 'fp'")
    with pytest.raises(FairnessInputError) as exc:
        counts("sex,tp,fp,tn,fn,pp,pn\nf,1,1,1,1,1,1\n")
    assert str(exc.value) == E.COUNTS_AMBIGUOUS.format(columns="fn, fp, pn, pp, tn, tp")


@pytest.mark.parametrize(
    ("columns", "layout", "names"),
    [
        (["sex", "TP", "Fp", "tn", "fn"], "confusion",
         {"tp": "TP", "fp": "Fp", "tn": "tn", "fn": "fn"}),
        (["sex", "label", "prediction", "count"], "label_prediction_count",
         {"label": "label", "prediction": "prediction", "count": "count"}),
        (["prediction", "sex", "Count"], "prediction_count",
         {"prediction": "prediction", "count": "Count"}),
        (["sex", "age", "pp", "pn"], "selection", {"pp": "pp", "pn": "pn"}),
    ],
)  # fmt: skip
def test_count_table_layout_names_the_layout_and_its_columns(columns, layout, names):
    assert count_table_layout(columns, ["sex"]) == (layout, names)


def test_count_table_layout_is_the_rule_the_reader_applies():
    for header in ("sex,tp,fp", "sex,tp,fp,tn,fn,pp,pn", "sex,count"):
        with pytest.raises(FairnessInputError) as by_reader:
            counts(header + "\n" + ",".join("1" * len(header.split(","))) + "\n")
        with pytest.raises(FairnessInputError) as by_check:
            count_table_layout(header.split(","), ["sex"])
        assert str(by_check.value) == str(by_reader.value)


def test_count_table_layout_never_takes_a_group_column_for_a_count():
    # "prediction" is a group column here, so only the tp/fp/tn/fn columns count
    layout, names = count_table_layout(
        ["prediction", "tp", "fp", "tn", "fn", "count"], "prediction"
    )
    assert layout == "confusion" and "prediction" not in names.values()


def test_empty_count_table_and_missing_group_column():
    with pytest.raises(FairnessInputError, match="no rows"):
        counts("sex,pp,pn\n")
    with pytest.raises(FairnessInputError) as exc:
        counts("sex,pp,pn\nf,1,1\n", sensitive_features=["race"])
    assert exc.value.column == "race"


def test_missing_class_in_long_layout():
    with pytest.raises(FairnessInputError) as exc:
        counts("sex,prediction,count\nf,1,3\nf,,2\n")
    assert exc.value.row == 3 and exc.value.column == "prediction"


def test_counts_from_frame_positions():
    df = pd.DataFrame({"sex": ["f", "m"], "pp": [3, -2], "pn": [7, 1]})
    with pytest.raises(FairnessInputError) as exc:
        counts_from_frame(df, sensitive_features=["sex"])
    assert str(exc.value) == E.BAD_COUNT.format(where="Row position 1", column="pp", value=-2)
    assert exc.value.row == 1
    with pytest.raises(FairnessInputError, match="expects a pandas DataFrame"):
        counts_from_frame([1, 2], sensitive_features=["sex"])  # type: ignore[arg-type]


def test_counts_from_frame_matches_read_counts():
    df = pd.DataFrame(
        {"sex": ["f", "m", None, "f"], "tp": [1, 4, 1, 2], "fp": [1, 0, 0, 0],
         "tn": [2, 6, 0, 3], "fn": [2, 1, 0, 0]}
    )  # fmt: skip
    s = counts_from_frame(df, sensitive_features=["sex"])
    assert rows(s) == EXPECTED
    assert s.stats.sha256 is None


def test_round_trip_from_a_sample(tmp_path: Path):
    text = 'sex,race,label,pred\nf,a,1,1\nm,"b, c",0,1\n,a,1,0\nf,a,0,0\n'
    sample = read_sample(
        io.BytesIO(text.encode()), label="label", prediction="pred",
        sensitive_features=["sex", "race"],
    )  # fmt: skip
    path = tmp_path / "counts.csv"
    write_counts_csv(sample.cells, path)
    back = read_counts(path, sensitive_features=["sex", "race"])
    pd.testing.assert_frame_equal(back.cells.frame, sample.cells.frame)
    assert back.stats.unknown == sample.stats.unknown


def test_round_trip_weighted_and_selection_via_buffers():
    text = "sex,pred,w\nf,1,0.1\nf,0,0.2\nm,1,1e-7\n"
    sample = read_sample(
        io.BytesIO(text.encode()), label=None, prediction="pred", sensitive_features=["sex"],
        weight="w",
    )  # fmt: skip
    buf = io.BytesIO()
    write_counts_csv(sample.cells, buf)
    back = read_counts(io.BytesIO(buf.getvalue()), sensitive_features=["sex"], weighted=True)
    pd.testing.assert_frame_equal(back.cells.frame, sample.cells.frame)
    text_buf = io.StringIO()
    write_counts_csv(sample.cells, text_buf)
    assert text_buf.getvalue().splitlines()[0] == "sex,pp,pn"
