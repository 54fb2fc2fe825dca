"""sniff_format: the format of a file judged from its first bytes, and why a file is refused."""

from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairness import FairnessInputError, FileFormatError, read_header, sniff_format
from fairness import _errors as E


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"group": ["a"], "prediction": [1]}), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"group,prediction\na,1\n", "csv"),
        (b"group;prediction\r\na;1\r\n", "csv"),
        (b"group\tprediction\n", "csv"),
        (b"group|prediction", "csv"),  # no line break at all: the whole text is the first line
        (b"\xef\xbb\xbfgroup,prediction\n", "csv"),  # byte-order mark
        ("gruppe,präd,群组\n".encode(), "csv"),
        (gzip.compress(b"group,prediction\na,1\n"), "csv.gz"),
        (_parquet(), "parquet"),
    ],
    ids=["comma", "semicolon-crlf", "tab", "pipe-one-line", "bom", "non-ascii", "gzip", "parquet"],
)
def test_formats_are_recognised_by_content(data, expected):
    assert sniff_format(data) == expected


def test_magic_bytes_decide_without_looking_further():
    # gzip and Parquet content is checked when the file is read, not here
    assert sniff_format(b"\x1f\x8b\x00\x00garbage") == "csv.gz"
    assert sniff_format(b"PAR1\x00\x00", complete=False) == "parquet"


def test_sniffing_agrees_with_the_reader_on_the_delimiter_list():
    for delimiter in (",", ";", "\t", "|"):
        head = f"group{delimiter}prediction\n".encode()
        assert sniff_format(head) == "csv"
        assert read_header(io.BytesIO(head)) == ["group", "prediction"]


@pytest.mark.parametrize(
    ("data", "kind", "offset", "message"),
    [
        (b"", "empty", None, E.EMPTY_FILE),
        (b"\n\r\n  \n", "empty", None, E.EMPTY_FILE),
        (b"\xef\xbb\xbf\n", "empty", None, E.EMPTY_FILE),
        (b"\x00\x01\x02garbage", "binary", 0, E.BINARY_DATA.format(offset=0)),
        (b"group,prediction\na,\x001\n", "binary", 19, E.BINARY_DATA.format(offset=19)),
        (b"group,pred\n\xff\xfe", "encoding", 11, E.NOT_UTF8_BYTE.format(byte=0xFF, offset=11)),
        (b"gr\xe9ve,pred\n", "encoding", 2, E.NOT_UTF8_BYTE.format(byte=0xE9, offset=2)),
        (b"one long line without a separator\n1,2\n", "delimiter", None, E.NO_DELIMITER),
        (b"\ngroup,prediction\n", "delimiter", None, E.NO_DELIMITER),  # first line is blank
        (b"header\rgroup,prediction\r", "delimiter", None, E.NO_DELIMITER),  # CR ends a line
    ],
    ids=[
        "no-bytes",
        "blank-lines",
        "bom-only",
        "nul-at-start",
        "nul-later",
        "latin-1-bytes",
        "latin-1-in-header",
        "no-delimiter",
        "blank-first-line",
        "cr-line-end",
    ],
)
def test_refusals_say_what_is_wrong_and_where(data, kind, offset, message):
    with pytest.raises(FileFormatError) as info:
        sniff_format(data)
    assert info.value.kind == kind
    assert info.value.offset == offset
    assert str(info.value) == info.value.message == message


def test_the_messages_name_the_byte_and_its_offset():
    with pytest.raises(FileFormatError) as info:
        sniff_format(b"a,b\n\x00")
    assert "byte 0x00 at offset 4" in info.value.message
    with pytest.raises(FileFormatError) as info:
        sniff_format(b"a,b\n\x80")
    assert "byte 0x80 at offset 4 is not valid UTF-8" in info.value.message


def test_a_character_cut_at_the_end_of_the_window_is_not_an_encoding_error():
    head = "group,prediction\nä".encode()[:-1]  # the first byte of a two-byte character
    assert sniff_format(head, complete=False) == "csv"
    with pytest.raises(FileFormatError) as info:
        sniff_format(head, complete=True)  # the whole file: the character never finishes
    assert (info.value.kind, info.value.offset) == ("encoding", len(head) - 1)


def test_a_format_error_is_an_input_error_of_the_library():
    with pytest.raises(FairnessInputError) as info:
        sniff_format(b"")
    assert isinstance(info.value, FileFormatError)
    assert info.value.to_dict() == {
        "message": E.EMPTY_FILE,
        "column": None,
        "row": None,
        "field": None,
    }
