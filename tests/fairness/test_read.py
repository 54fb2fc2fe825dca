"""read_sample: formats, column parsing, grouping, drops, weights and score thresholds."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairness import UNKNOWN, ThresholdRule, read_header, read_sample

BASIC = "sex,label,pred\nf,1,1\nf,0,1\nf,1,0\nm,0,0\nm,1,1\n"


def read(data: bytes | str, **kwargs):
    if isinstance(data, str):
        data = data.encode("utf-8")
    kwargs.setdefault("label", "label")
    kwargs.setdefault("prediction", "pred")
    kwargs.setdefault("sensitive_features", ["sex"])
    return read_sample(io.BytesIO(data), **kwargs)


def rows(sample) -> list[list]:
    return sample.cells.frame.values.tolist()


def test_confusion_counts_per_group():
    s = read(BASIC)
    assert rows(s) == [["f", 1, 1, 0, 1], ["m", 1, 0, 1, 0]]
    assert s.cells.has_labels and not s.cells.weighted
    assert s.cells.attributes == ("sex",)
    assert s.stats.rows_read == 5 and s.stats.rows_used == 5
    assert s.stats.source_format == "csv"
    assert s.scores is None
    assert str(s.cells.frame["tp"].dtype) == "int64"


def test_sha256_is_of_the_raw_bytes_and_format_by_magic(tmp_path: Path):
    raw = gzip.compress(BASIC.encode())
    path = tmp_path / "sample.csv"  # name says csv, bytes are gzip
    path.write_bytes(raw)
    s = read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert s.stats.source_format == "csv.gz"
    assert s.stats.sha256 == hashlib.sha256(raw).hexdigest()
    assert rows(s) == rows(read(BASIC))


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.encode(),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: t.replace(",", ";").encode(),
        lambda t: t.replace(",", "\t").encode(),
        lambda t: gzip.compress(("\ufeff" + t.replace("\n", "\r\n")).encode()),
    ],
    ids=["plain", "bom", "crlf", "semicolon", "tab", "gzip-bom-crlf"],
)
def test_encodings_delimiters_and_line_endings_give_the_same_cells(variant):
    assert rows(read(variant(BASIC))) == rows(read(BASIC))


def test_declared_delimiter_is_used():
    text = BASIC.replace(",", "|")
    assert rows(read(text, delimiter="|")) == rows(read(BASIC))
    assert rows(read(BASIC.replace(",", "\t"), delimiter="tab")) == rows(read(BASIC))


def test_parquet_with_typed_columns(tmp_path: Path):
    table = pa.table(
        {
            "sex": ["f", "f", "f", "m", "m"],
            "label": pa.array([1, 0, 1, 0, 1], pa.int64()),
            "pred": pa.array([True, True, False, False, True]),
        }
    )
    path = tmp_path / "sample.bin"
    pq.write_table(table, path, row_group_size=2)
    s = read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert s.stats.source_format == "parquet"
    assert s.stats.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rows(s) == rows(read(BASIC))
    with path.open("rb") as f:  # a file object works too
        again = read_sample(f, label="label", prediction="pred", sensitive_features=["sex"])
    assert rows(again) == rows(s)


def test_parquet_nulls_are_unknown_and_missing(tmp_path: Path):
    table = pa.table({"sex": ["f", None, "m"], "label": [1, None, 0], "pred": [1, 0, 0]})
    path = tmp_path / "s.parquet"
    pq.write_table(table, path)
    s = read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert s.stats.rows_dropped == {"missing_label": 1}
    assert rows(s) == [["f", 1, 0, 0, 0], ["m", 0, 0, 1, 0], [UNKNOWN, 0, 0, 0, 0]]


@pytest.mark.parametrize(
    ("pos", "neg"), [("yes", "no"), ("TRUE", "false"), ("Yes", "NO"), ("1.0", "0.0"), ("t", "f")]
)
def test_label_as_words(pos, neg):
    text = f"sex,label,pred\nf,{pos},{pos}\nf,{neg},{pos}\nm,{neg},{neg}\n"
    assert rows(read(text)) == [["f", 1, 1, 0, 0], ["m", 0, 0, 1, 0]]


def test_pos_label_names_the_positive_class():
    text = "sex,label,pred\nf,approved,approved\nf,denied,approved\nm,denied,denied\n"
    s = read(text, pos_label="approved")
    assert rows(s) == [["f", 1, 1, 0, 0], ["m", 0, 0, 1, 0]]
    assert s.stats.columns["pos_label"] == "approved"


def test_pos_label_can_name_the_class_written_zero():
    # A fraud flag coded 0 = flagged: pos_label turns the coding around.
    s = read("sex,label,pred\nf,0,0\nf,1,0\nm,1,1\n", pos_label="0")
    assert rows(s) == [["f", 1, 1, 0, 0], ["m", 0, 0, 1, 0]]


def test_missing_sensitive_values_are_counted_as_unknown_never_dropped():
    text = "sex,race,label,pred\nf,a,1,1\n,a,0,0\n NA ,b,1,0\nm,  ,0,1\nm,null,1,1\n"
    s = read(text, sensitive_features=["sex", "race"])
    assert s.stats.rows_used == 5 and s.stats.rows_dropped == {}
    assert s.stats.unknown == {"sex": 2, "race": 2}
    assert rows(s) == [
        ["f", "a", 1, 0, 0, 0],
        ["m", UNKNOWN, 1, 1, 0, 0],
        [UNKNOWN, "a", 0, 0, 1, 0],
        [UNKNOWN, "b", 0, 0, 0, 1],
    ]


def test_sensitive_values_are_stripped():
    s = read("sex,label,pred\n f ,1,1\nf,0,0\n\tf,1,1\n")
    assert rows(s) == [["f", 2, 0, 1, 0]]


def test_dropped_rows_counted_by_first_reason_and_empty_group_kept():
    text = "sex,label,pred\nf,1,1\nf,0,0\nf,1,1\nm,,1\nm,1,\nf,,\n"
    s = read(text)
    assert s.stats.rows_read == 6 and s.stats.rows_used == 3
    assert s.stats.rows_dropped == {"missing_label": 2, "missing_prediction": 1}
    # group m had only dropped rows: it is disclosed with zero counts, not hidden
    assert rows(s) == [["f", 2, 0, 1, 0], ["m", 0, 0, 0, 0]]


def test_one_class_group_and_all_one_prediction():
    s = read("sex,label,pred\nf,1,1\nf,1,1\nm,0,1\nm,1,1\n")
    assert rows(s) == [["f", 2, 0, 0, 0], ["m", 1, 1, 0, 0]]


def test_one_row_file():
    assert rows(read("sex,label,pred\nf,1,0")) == [["f", 0, 0, 0, 1]]


def test_without_labels_only_selection_counts():
    s = read("sex,pred\nf,1\nf,0\nm,1\n", label=None)
    assert not s.cells.has_labels
    assert list(s.cells.frame.columns) == ["sex", "pp", "pn"]
    assert rows(s) == [["f", 1, 1], ["m", 1, 0]]


def test_intersections_are_the_finest_cells():
    text = "sex,race,label,pred\nf,a,1,1\nf,b,1,1\nm,a,0,1\nf,a,0,0\n"
    s = read(text, sensitive_features=["race", "sex"])
    assert s.cells.attributes == ("race", "sex")
    assert rows(s) == [["a", "f", 1, 0, 1, 0], ["a", "m", 0, 1, 0, 0], ["b", "f", 1, 0, 0, 0]]


def test_weights_give_float_sums_and_bad_weights_are_dropped():
    text = "sex,label,pred,w\nf,1,1,2.5\nf,0,0,0.5\nm,1,0,1\nm,1,1,-1\nm,0,0,\nf,1,1,abc\nf,1,1,4\n"
    s = read(text, weight="w")
    assert s.cells.weighted
    assert str(s.cells.frame["tp"].dtype) == "float64"
    assert rows(s) == [["f", 6.5, 0.0, 0.5, 0.0], ["m", 0.0, 0.0, 0.0, 1.0]]
    assert s.stats.rows_dropped == {
        "missing_weight": 1,
        "negative_weight": 1,
        "unparseable_weight": 1,
    }


SCORES = "sex,label,score\nf,1,0.9\nf,0,0.8\nf,1,0.5\nm,0,0.5\nm,1,0.2\nm,0,0.1\n"


def test_score_threshold_gte():
    s = read(SCORES, prediction=None, score="score", threshold=">=0.5")
    assert rows(s) == [["f", 2, 1, 0, 0], ["m", 0, 1, 1, 1]]
    assert s.scores is not None
    frame = s.scores.frame
    assert list(frame.columns) == ["sex", "score", "label"]
    assert frame["score"].dtype == "float64" and frame["label"].dtype == "int8"
    assert frame["label"].tolist() == [1, 0, 1, 0, 1, 0]
    assert s.stats.columns["threshold"] == ">=0.5"


def test_score_top_k_exact():
    s = read(SCORES, prediction=None, score="score", threshold=ThresholdRule("top_k", 2))
    assert rows(s) == [["f", 1, 1, 0, 1], ["m", 0, 0, 2, 1]]
    assert s.stats.warnings == ()


def test_score_top_k_ties_at_the_cut_are_all_selected_with_a_warning():
    s = read(SCORES, prediction=None, score="score", threshold="top-3")
    # the third-highest score is 0.5, held by one f row and one m row: both selected
    assert rows(s) == [["f", 2, 1, 0, 0], ["m", 0, 1, 1, 1]]
    assert s.stats.warnings == (
        "Threshold top-3 asked for 3 rows; 4 were selected because rows with a score equal to "
        "the cut are all selected.",
    )


def test_score_top_percent():
    s = read(SCORES, prediction=None, score="score", threshold="top-50%")
    assert rows(s) == [["f", 2, 1, 0, 0], ["m", 0, 1, 1, 1]]  # 3 rows asked, tie -> 4
    s = read(SCORES, prediction=None, score="score", threshold="top-10%")
    assert rows(s) == [["f", 1, 0, 1, 1], ["m", 0, 0, 2, 1]]  # ceil(0.6) = 1 row


def test_score_missing_and_unparseable_dropped():
    text = SCORES + "f,1,\nm,0,high\n"
    s = read(text, prediction=None, score="score", threshold=">=0.5")
    assert s.stats.rows_dropped == {"missing_score": 1, "unparseable_score": 1}
    assert s.stats.rows_used == 6
    assert len(s.scores.frame) == 6


def test_score_with_weight_keeps_weight_column():
    text = "sex,label,score,w\nf,1,0.9,2\nm,0,0.1,3\n"
    s = read(text, prediction=None, score="score", threshold=">=0.5", weight="w")
    assert s.scores.frame["weight"].tolist() == [2.0, 3.0]
    assert rows(s) == [["f", 2.0, 0.0, 0.0, 0.0], ["m", 0.0, 0.0, 3.0, 0.0]]


def test_prediction_column_with_unused_score_column_is_fine():
    s = read("sex,label,pred,score\nf,1,1,0.3\n", score="score")
    assert rows(s) == [["f", 1, 0, 0, 0]]


def test_identifier_like_column_names_warn_but_do_not_fail():
    text = "name,身份证,sex,label,pred\nAnn,1101,f,1,1\n"
    s = read(text)
    assert s.stats.warnings == (
        "Column 'name' looks like it holds personal identifiers; the audit needs group "
        "attributes only: remove direct identifiers from the sample before uploading it.",
        "Column '身份证' looks like it holds personal identifiers; the audit needs group "
        "attributes only: remove direct identifiers from the sample before uploading it.",
    )


def test_literal_unknown_value_is_merged_with_a_warning():
    s = read("sex,label,pred\nunknown,1,1\n,0,0\n")
    assert rows(s) == [[UNKNOWN, 1, 0, 1, 0]]
    assert "holds the value 'unknown'" in s.stats.warnings[0]


def test_progress_is_called_with_bytes_and_total(tmp_path: Path):
    path = tmp_path / "s.csv"
    path.write_text(BASIC)
    calls: list[tuple[int, int | None]] = []
    read_sample(
        path, label="label", prediction="pred", sensitive_features=["sex"],
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    size = len(BASIC.encode())
    assert calls and calls[-1] == (size, size)
    assert all(total == size for _, total in calls)


def test_stats_to_dict_is_json_ready():
    d = read(BASIC).stats.to_dict()
    assert d["rows_read"] == 5 and d["columns"]["sensitive_features"] == ["sex"]


def test_read_header_csv_gzip_and_parquet(tmp_path: Path):
    assert read_header(io.BytesIO(b"\xef\xbb\xbf a ;b;c\r\n1;2;3\r\n")) == ["a", "b", "c"]
    assert read_header(io.BytesIO(gzip.compress(b"x\ty\n1\t2\n"))) == ["x", "y"]
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"u": [1], "v": ["a"]}), path)
    assert read_header(path) == ["u", "v"]


def test_frame_written_with_pandas_reads_the_same(tmp_path: Path):
    df = pd.DataFrame({"sex": ["f", "m", "f"], "label": [1, 0, 0], "pred": [1, 1, 0]})
    path = tmp_path / "s.csv"
    df.to_csv(path)  # with an unnamed index column
    s = read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert rows(s) == [["f", 1, 0, 1, 0], ["m", 0, 1, 0, 0]]


@pytest.fixture
def small_segments(monkeypatch):
    """Cut the CSV text into segments of a few dozen bytes, so every file spans many."""
    import fairness._batches as batches

    monkeypatch.setattr(batches, "SEGMENT_SIZE", 40)


QUOTED = (
    "sex,note,label,pred\n"
    'f,"two\nlines",1,1\n'
    '"m","a ""quote"", a comma\r\nand a break",0,1\n'
    '"f\n",x,0,0\n'
    'm,"""\n""\n""",1,0\n'
)


@pytest.mark.parametrize("segmented", [False, True], ids=["whole", "segments"])
def test_quoted_fields_may_hold_line_breaks(request, segmented):
    if segmented:
        request.getfixturevalue("small_segments")
    s = read(QUOTED)
    # "f\n" is the group "f" (values are stripped)
    assert rows(s) == [["f", 1, 0, 1, 0], ["m", 0, 1, 0, 1]]
    assert s.stats.rows_read == 4


def test_segment_boundaries_do_not_change_the_cells(small_segments):
    body = "".join(
        f"{'fm'[i % 2]},{'yes' if i % 3 else 'no'},{i % 2},{i}\n" for i in range(200)
    )  # labels as words: the 0/1 fast path falls back
    text = "sex,label,pred,case\n" + "f,1,1,0\n" * 30 + body
    import fairness._batches as batches

    segmented = rows(read(text))
    batches.SEGMENT_SIZE = 8 << 20
    assert segmented == rows(read(text))
    assert rows(read(gzip.compress(text.encode()))) == segmented


def test_non_binary_found_in_a_later_segment_lists_values_in_order(small_segments):
    text = "sex,label,pred\n" + "f,1,1\nm,0,0\n" * 20 + "f,2,1\n"
    with pytest.raises(ValueError, match=r"found 3 distinct value\(s\): '1', '0', '2'\."):
        read(text)


def test_quoted_line_breaks_across_many_segments(monkeypatch):
    import fairness._batches as batches

    monkeypatch.setattr(batches, "SEGMENT_SIZE", 4096)  # segments parsed two at a time
    lines = [f'{"fm"[i % 2]},"note {i}\nsecond, line",{i % 3 // 2},{i % 2}\n' for i in range(500)]
    s = read("sex,note,label,pred\n" + "".join(lines))
    assert s.stats.rows_read == 500
    expected = pd.DataFrame(
        {"sex": ["fm"[i % 2] for i in range(500)], "label": [i % 3 // 2 for i in range(500)],
         "pred": [i % 2 for i in range(500)]}
    )  # fmt: skip
    tp = ((expected.label == 1) & (expected.pred == 1)).groupby(expected.sex).sum()
    tn = ((expected.label == 0) & (expected.pred == 0)).groupby(expected.sex).sum()
    assert [(r[0], r[1], r[3]) for r in rows(s)] == list(zip(tp.index, tp, tn, strict=True))
