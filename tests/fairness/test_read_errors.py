"""read_sample refuses bad input with a clear message naming the column, line or field."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from fairness import (
    FairnessError,
    FairnessInputError,
    ThresholdRule,
    missing_columns_message,
    read_sample,
)
from fairness import _errors as E


def read(data: bytes | str, **kwargs):
    if isinstance(data, str):
        data = data.encode("utf-8")
    kwargs.setdefault("label", "label")
    kwargs.setdefault("prediction", "pred")
    kwargs.setdefault("sensitive_features", ["sex"])
    return read_sample(io.BytesIO(data), **kwargs)


def test_error_classes():
    err = FairnessInputError("m", column="c", row=3, field="f")
    assert isinstance(err, FairnessError) and isinstance(err, ValueError)
    assert err.to_dict() == {"message": "m", "column": "c", "row": 3, "field": "f"}


def test_empty_file():
    with pytest.raises(FairnessInputError) as exc:
        read(b"")
    assert str(exc.value) == E.EMPTY_FILE
    with pytest.raises(FairnessInputError, match="The file is empty"):
        read(b"\n\n")


def test_header_only():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\r\n")
    assert str(exc.value) == E.HEADER_ONLY


def test_missing_columns_lists_present_ones():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,y,pred\nf,1,1\n", sensitive_features=["sex", "race"])
    assert str(exc.value) == E.MISSING_COLUMNS.format(
        missing="'label', 'race'", present="'sex', 'y', 'pred'"
    )
    assert exc.value.column == "label"


def test_duplicate_header():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred,label\nf,1,1,0\n")
    assert str(exc.value) == E.DUPLICATE_HEADER.format(
        column="label", columns="'sex', 'label', 'pred', 'label'"
    )
    assert exc.value.column == "label"


def test_non_binary_labels_list_the_values_and_the_line_of_the_first_odd_one():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,1,1\nf,0,1\nm,2,0\nm,3,1\n")
    listed = E.NON_BINARY.format(
        column="label", role="label", extra=", or declare pos_label", count=4,
        values="'1', '0', '2', '3'",
    )  # fmt: skip
    assert str(exc.value) == E.NON_BINARY_AT_LINE.format(message=listed, row=4)
    assert exc.value.column == "label"
    assert exc.value.row == 4


def test_non_binary_list_is_capped():
    body = "".join(f"f,1,{i}\n" for i in range(30))
    pattern = r"found 30 distinct value\(s\): '0', '1', .*, '9', \.\.\.\."
    with pytest.raises(FairnessInputError, match=pattern):
        read("sex,label,pred\n" + body)


def test_two_unknown_words_without_pos_label():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,approved,1\nm,denied,0\n")
    assert "or declare pos_label" in str(exc.value)
    assert exc.value.field == "pos_label"


def test_pos_label_absent():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,approved,1\nm,denied,0\n", pos_label="Approved")
    assert str(exc.value) == E.POS_LABEL_ABSENT.format(
        pos_label="Approved", column="label", values="'approved', 'denied'"
    )


def test_csv_row_with_wrong_field_count_names_the_line(tmp_path: Path):
    path = tmp_path / "s.csv"
    path.write_text("sex,label,pred\nf,1,1\nm,0,0\nm,0\nf,1,1\n")
    with pytest.raises(FairnessInputError) as exc:
        read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert str(exc.value) == E.CSV_ROW_WIDTH.format(row=4, found=2, expected=3, delimiter=",")
    assert exc.value.row == 4


def test_csv_row_error_in_gzip_stream_names_the_line():
    data = gzip.compress(b"sex,label,pred\r\nf,1,1\r\nm,0,0,7\r\n")
    with pytest.raises(FairnessInputError) as exc:
        read(data)
    assert exc.value.row == 3
    assert "has 4 fields; the header has 3" in str(exc.value)


def test_invalid_utf8_in_a_data_line():
    with pytest.raises(FairnessInputError) as exc:
        read(b"sex,label,pred\nf,1,1\n\xff\xfe,1,0\n")
    assert str(exc.value) == E.NOT_UTF8.format(row=3)
    assert exc.value.row == 3


@pytest.mark.parametrize(
    "blob",
    [bytes(range(256)) * 8, b"\x00\x01\x02\x03binary", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["bytes", "nul", "png"],
)
def test_binary_garbage_is_refused_clearly(blob):
    with pytest.raises(FairnessInputError) as exc:
        read(blob)
    assert "neither CSV text (UTF-8) nor Parquet" in str(exc.value)


def test_broken_gzip():
    data = gzip.compress(b"sex,label,pred\n" + b"f,1,1\n" * 50_000)
    with pytest.raises(FairnessInputError, match="looks gzip-compressed but cannot be"):
        read(data[: len(data) // 2])


def test_broken_parquet():
    with pytest.raises(FairnessInputError, match="starts like Parquet but cannot be read"):
        read(b"PAR1 this is not really parquet")


def test_identifier_like_sensitive_column_is_refused():
    body = "".join(f"p{i},{i % 2},1\n" for i in range(60))
    with pytest.raises(FairnessInputError) as exc:
        read("person,label,pred\n" + body, sensitive_features=["person"], max_groups=50)
    assert str(exc.value) == E.TOO_MANY_GROUPS.format(column="person", max_groups=50)
    assert exc.value.column == "person"


def test_identifier_refused_cheaply_in_one_large_chunk():
    body = "".join(f"id{i},1,1\n" for i in range(5000))
    with pytest.raises(FairnessInputError, match="looks like an identifier"):
        read("person,label,pred\n" + body, sensitive_features=["person"])


def test_more_than_half_dropped_is_refused():
    text = "sex,label,pred\nf,1,1\nf,,1\nm,,0\n"
    with pytest.raises(FairnessInputError) as exc:
        read(text)
    assert str(exc.value) == E.TOO_MANY_DROPPED.format(
        dropped=2, read=3, share=2 / 3, reasons="missing_label: 2"
    )
    # exactly half is still accepted
    assert read("sex,label,pred\nf,1,1\nf,,1\n").stats.rows_used == 1


def test_every_row_dropped():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,,1\n")
    assert str(exc.value) == E.NO_USABLE_ROWS.format(reasons="missing_label: 1")


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"prediction": None}, E.NEED_PREDICTION, "prediction"),
        (
            {"score": "score", "threshold": ">=0.5"},
            E.AMBIGUOUS_PREDICTION.format(prediction="pred", score="score"),
            "prediction",
        ),
        (
            {"prediction": None, "score": "score"},
            E.SCORE_WITHOUT_THRESHOLD.format(score="score"),
            "threshold",
        ),
        ({"threshold": "top-5"}, E.THRESHOLD_WITHOUT_SCORE, "threshold"),
        ({"sensitive_features": []}, E.NO_SENSITIVE, "sensitive_features"),
        ({"max_groups": 0}, E.BAD_MAX_GROUPS.format(value=0), "max_groups"),
        ({"delimiter": ",,"}, E.BAD_DELIMITER.format(value=",,"), "delimiter"),
        (
            {"sensitive_features": ["label"]},
            E.REPEATED_MAPPING.format(column="label", roles="label, sensitive_features"),
            "sensitive_features",
        ),
        ({"threshold": "best-5"}, E.BAD_THRESHOLD.format(text="best-5"), "threshold"),
    ],
)
def test_bad_arguments(kwargs, message, field):
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred,score\nf,1,1,0.5\n", **kwargs)
    assert str(exc.value) == message
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("text", "rule"),
    [(">=0.7", ThresholdRule("score_gte", 0.7)), ("top-100", ThresholdRule("top_k", 100)),
     ("TOP 10 %", ThresholdRule("top_percent", 10)),
     (">= -1e-3", ThresholdRule("score_gte", -0.001))],
)  # fmt: skip
def test_threshold_parse(text, rule):
    assert ThresholdRule.parse(text) == rule
    assert ThresholdRule.parse(rule.to_str()) == rule


@pytest.mark.parametrize("text", ["top-0", "top-1.5", "top-0%", "top-101%", ">=", "0.5", ">=nan"])
def test_threshold_parse_refuses(text):
    with pytest.raises(FairnessInputError) as exc:
        ThresholdRule.parse(text)
    assert exc.value.field == "threshold"


def test_line_of_a_bad_row_counts_quoted_line_breaks(tmp_path: Path):
    path = tmp_path / "s.csv"
    path.write_text('sex,label,pred\n"f\nx",1,1\nm,0,0\nm,0\n')
    with pytest.raises(FairnessInputError) as exc:
        read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert str(exc.value) == E.CSV_ROW_WIDTH.format(row=5, found=2, expected=3, delimiter=",")


def test_bad_row_in_a_later_segment(monkeypatch):
    import fairness._batches as batches

    monkeypatch.setattr(batches, "SEGMENT_SIZE", 32)
    data = "sex,label,pred\n" + "f,1,1\n" * 40 + "m,0,0,9\n" + "f,1,1\n" * 5
    with pytest.raises(FairnessInputError) as exc:
        read(data)
    assert exc.value.row == 42


def test_missing_column_suggests_a_close_match():
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,1,1\n", prediction="prd", sensitive_features=["sexx"])
    message = str(exc.value)
    assert message.startswith(
        E.MISSING_COLUMNS.format(missing="'prd', 'sexx'", present="'sex', 'label', 'pred'")
    )
    assert message.endswith(E.DID_YOU_MEAN.format(pairs="'pred' for 'prd', 'sex' for 'sexx'"))


def test_missing_columns_message_is_the_readers_message():
    """The public helper words a missing column exactly as the reader does, suggestion included."""
    with pytest.raises(FairnessInputError) as exc:
        read("sex,label,pred\nf,1,1\n", prediction="prd", sensitive_features=["sexx"])
    assert missing_columns_message(["prd", "sexx"], ["sex", "label", "pred"]) == str(exc.value)


def test_missing_columns_message_suggests_only_close_names():
    message = missing_columns_message(["outcome", "ethnicty"], ["ethnicity", "decision"])
    assert message == (
        E.MISSING_COLUMNS.format(missing="'outcome', 'ethnicty'", present="'ethnicity', 'decision'")
        + " "
        + E.DID_YOU_MEAN.format(pairs="'ethnicity' for 'ethnicty'")
    )
    assert missing_columns_message(["x"], []) == E.MISSING_COLUMNS.format(missing="'x'", present="")


THIRD_CLASS_ROWS = "sex,label,pred,score\nf,1,1,0.9\nm,maybe,0,0.2\nf,0,0,0.4\nm,1,1,0.8\n"


@pytest.mark.parametrize("with_score", [False, True], ids=["aggregated", "row by row"])
def test_a_third_class_in_a_csv_names_the_line_of_its_first_row(tmp_path, with_score):
    path = tmp_path / "sample.csv"
    path.write_text(THIRD_CLASS_ROWS, encoding="utf-8")
    kwargs = {"score": "score", "threshold": ">=0.5", "prediction": None} if with_score else {}
    with pytest.raises(FairnessInputError) as exc:
        read_sample(path, label="label", prediction=kwargs.pop("prediction", "pred"),
                    sensitive_features=["sex"], **kwargs)  # fmt: skip
    assert exc.value.column == "label"
    assert exc.value.row == 3
    assert "'maybe'" in exc.value.message and "line 3" in exc.value.message


def test_a_third_class_in_a_later_chunk_of_a_stream_is_found_by_reading_again():
    rows = "".join("f,1,1\nm,0,0\n" for _ in range(5000)) + "m,0,0\nf,unclear,1\n"
    data = ("sex,label,pred\n" + rows).encode("utf-8")
    with pytest.raises(FairnessInputError) as exc:
        read_sample(io.BytesIO(data), label="label", prediction="pred", sensitive_features=["sex"])
    assert exc.value.row == 10_003


def test_a_third_class_among_non_standard_values_names_the_third(tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text("sex,label,pred\nf,a,1\nm,b,0\nf,a,0\nm,c,1\n", encoding="utf-8")
    with pytest.raises(FairnessInputError) as exc:
        read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert exc.value.row == 5


def test_a_third_class_in_parquet_names_the_row_as_a_line(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "sex": ["f", "m", "f", "m"],
            "label": ["yes", "no", "perhaps", "yes"],
            "pred": [1, 0, 0, 1],
        }
    )
    path = tmp_path / "sample.parquet"
    pq.write_table(table, path)
    with pytest.raises(FairnessInputError) as exc:
        read_sample(path, label="label", prediction="pred", sensitive_features=["sex"])
    assert exc.value.row == 4  # header = line 1, so the third row is "line" 4


def test_a_third_class_in_a_count_table_names_its_line(tmp_path):
    from fairness import read_counts

    path = tmp_path / "counts.csv"
    path.write_text(
        "sex,label,prediction,count\nf,1,1,5\nf,0,1,3\nm,maybe,0,2\nm,1,0,4\n", encoding="utf-8"
    )
    with pytest.raises(FairnessInputError) as exc:
        read_counts(path, sensitive_features=["sex"])
    assert exc.value.column == "label" and exc.value.row == 4
    assert "Line 4 is the first row holding a third value" in exc.value.message
