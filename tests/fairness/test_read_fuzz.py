"""Fuzzing the CSV reader with hostile input: it answers with a result or a FairnessInputError,
never yields a group value holding a control character, and works in time and memory linear in the
size of the input.

Rows are assembled from raw pieces without any quoting, so quotes come unbalanced and in the
middle of values; fields hold NUL and other control characters, long runs and delimiters; rows
have from zero to hundreds of fields; each row has its own encoding (UTF-8, Latin-1, UTF-16) and
line ending; files may carry a byte-order mark and be gzip-compressed. Time is measured as work
(bytes parsed by Arrow, scanned for quotes and read from the source, re-reads on the error path
included), memory as the tracemalloc peak, each against the input's size: no wall clock.
"""

from __future__ import annotations

import gzip
import io
import re
import tracemalloc
from contextlib import ExitStack
from dataclasses import dataclass
from unittest import mock

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import fairness._batches as batches
from fairness import FairnessInputError, read_sample

#: Unicode category Cc, written out here rather than taken from the code under test.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

SIMPLE = st.sampled_from(["f", "m", "x", "", "NA", " f ", "1", "0", "yes", "no", "é", "女"])
#: Control characters other than NUL (NUL makes the whole file unreadable, so it is rarer).
CONTROLS = st.sampled_from([chr(c) for c in range(1, 32)] + ["\x7f", "\x85", "\x9b"])
QUOTED = st.sampled_from(['"', '""', '"a', 'a"', '"a"b', '"a\nb"', '"\r\n"', '5"', '"f"'])
LONG = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["x", "é", '"', ",", "\n", "x", "é"]),
    st.one_of(st.integers(0, 300), st.integers(0, 3000)),
)
FIELD = st.one_of(
    SIMPLE,
    SIMPLE,
    st.builds(lambda a, c, b: a + c + b, SIMPLE, CONTROLS, SIMPLE),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
    QUOTED,
    QUOTED,
    LONG,
)


@dataclass
class Hostile:
    data: bytes
    text_size: int  # the size of the CSV text (after decompression)
    max_line_bytes: int
    max_field_bytes: int


#: Well-formed rows that push what follows past the 64 KiB the format sniffer looks at.
PADDING = 11_000


@st.composite
def hostile_files(draw: st.DrawFn, *, padding: bool = True) -> Hostile:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    names = draw(st.sampled_from([["sex", "label", "pred"], ["sex", "label", "pred", "note"]]))
    header = ("\ufeff" if draw(st.booleans()) else "") + delimiter.join(names) + "\n"
    encoded = [header.encode("utf-8")]
    if padding and draw(st.booleans()):
        good = delimiter.join(["f", "1", "1", "n"][: len(names)]) + "\n"
        encoded.append(good.encode() * PADDING)
    # one row (at most) in another encoding, one (at most) with a NUL byte
    count = draw(st.integers(0, 30))
    odd_encoding = draw(st.sampled_from(["latin-1", "utf-16-le"]))
    odd_row, nul_row = draw(st.integers(0, 60)), draw(st.integers(0, 120))
    for number in range(count):
        shape = draw(st.integers(0, 39))
        if shape == 0:  # a huge number of fields
            fields = draw(st.lists(FIELD, min_size=50, max_size=400))
        elif shape < 4:  # any number of fields
            fields = draw(st.lists(FIELD, max_size=6))
        elif shape < 12:  # a row of the right width with hostile values
            fields = [draw(FIELD), draw(st.sampled_from("01")), draw(st.sampled_from("01"))]
            fields += [draw(FIELD)] * (len(names) - 3)
        else:  # a well-formed row, so that reads get past the first lines
            fields = [draw(SIMPLE), draw(st.sampled_from("01")), draw(st.sampled_from("01"))]
            fields += ["n"] * (len(names) - 3)
        ending = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", ""]))
        if number == nul_row:
            fields = [*fields, "\x00"]
        encoding = odd_encoding if number == odd_row else "utf-8"
        encoded.append((delimiter.join(fields) + ending).encode(encoding, errors="replace"))
    text = b"".join(encoded)
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.binary(max_size=64))  # raw bytes at the end
    data = gzip.compress(text, mtime=0) if draw(st.integers(0, 3)) == 0 else text
    return Hostile(
        data=data,
        text_size=len(text),
        max_line_bytes=draw(st.sampled_from([256, 4096, 1 << 20])),
        max_field_bytes=draw(st.sampled_from([32, 1 << 16])),
    )


@st.composite
def hostile_values(draw: st.DrawFn) -> Hostile:
    """Rows of the right width whose values are hostile: control characters, long runs, any
    Unicode (delimiters, quotes and line breaks left out, so every row keeps its width)."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    plain = st.characters(codec="utf-8", exclude_characters=f'\x00\n\r"{delimiter}')
    value = st.one_of(
        SIMPLE,
        st.text(plain, max_size=8),
        st.builds(
            lambda a, c, b: a + c + b, SIMPLE, CONTROLS.filter(lambda c: c not in "\n\r"), SIMPLE
        ),
        st.builds(lambda n: "g" * n, st.integers(0, 2000)),
    )
    label = st.sampled_from(["0", "1", "1", "0", "yes"])
    rows = draw(st.lists(st.tuples(value, label, st.sampled_from("01")), min_size=1, max_size=40))
    lines = ["sex", "label", "pred"], *rows
    text = "".join(delimiter.join(row) + "\n" for row in lines).encode("utf-8")
    limits = draw(st.sampled_from([512, 1 << 20])), draw(st.sampled_from([64, 1 << 16]))
    return Hostile(text, len(text), *limits)


HOSTILE = st.one_of(hostile_files(), hostile_values())


class _Meter:
    """Counts the work of one read: bytes handed to Arrow's parser, bytes scanned for quotes,
    bytes read from the source (the error path reads the file again through the same object)."""

    def __init__(self) -> None:
        self.parsed = self.scanned = 0

    def patches(self) -> list:
        real_read_csv = pacsv.read_csv
        real_edges = batches._field_edges
        real_quotes = batches._read_quotes

        def read_csv(source, **kwargs):  # type: ignore[no-untyped-def]
            self.parsed += source.size()
            return real_read_csv(source, **kwargs)

        def field_edges(buffer, begin, end, delimiter):  # type: ignore[no-untyped-def]
            self.scanned += end - begin
            return real_edges(buffer, begin, end, delimiter)

        def read_quotes(data, quotes, delimiter):  # type: ignore[no-untyped-def]
            self.scanned += len(data)
            return real_quotes(data, quotes, delimiter)

        return [
            mock.patch.object(batches.pacsv, "read_csv", read_csv),
            mock.patch.object(batches, "_field_edges", field_edges),
            mock.patch.object(batches, "_read_quotes", read_quotes),
        ]


class _Counted(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = super().readinto(buffer)
        self.taken += n
        return n

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.taken += len(data)
        return data


def _read(case: Hostile, source: io.BytesIO):
    return read_sample(
        source, label="label", prediction="pred", sensitive_features=["sex"],
        max_line_bytes=case.max_line_bytes, max_field_bytes=case.max_field_bytes,
    )  # fmt: skip


def _outcome(case: Hostile) -> tuple[str, object]:
    try:
        sample = _read(case, io.BytesIO(case.data))
    except FairnessInputError as exc:
        return "error", exc.message
    return "cells", sample.cells.frame.values.tolist()


@pytest.fixture(scope="module")
def warmed_up() -> None:
    """Import and cache everything a read touches once, outside any measurement."""
    read_sample(io.BytesIO(b"sex,label,pred\nf,1,1\nm,0,0\n"), label="label", prediction="pred",
                sensitive_features=["sex"])  # fmt: skip
    pa.default_memory_pool()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(HOSTILE)
@example(Hostile(b"sex,label,pred\nf,1,1\n" + b"\x00" * 70_000, 70_021, 4096, 32))
@example(Hostile(b'sex,label,pred\n"f\n' + b"m,0,0\n" * 5000, 30_018, 4096, 32))
@example(Hostile(b"sex,label,pred\n" + b"f,1,1\n" + b"x" * 20_000, 20_021, 256, 32))
def test_hostile_csv_gives_a_result_or_an_input_error_in_linear_work(warmed_up, case: Hostile):
    meter = _Meter()
    source = _Counted(case.data)
    with ExitStack() as stack:
        for patch in meter.patches():
            stack.enter_context(patch)
        # Small segments, so that even small examples cross segment boundaries.
        stack.enter_context(mock.patch.object(batches, "SEGMENT_SIZE", 4096))
        tracemalloc.start()
        try:
            try:
                sample = _read(case, source)
            except FairnessInputError as exc:
                sample = None
                assert len(exc.message) <= 1000
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    size = max(case.text_size, len(case.data))
    if sample is not None:
        for attribute in sample.cells.attributes:
            for value in sample.cells.frame[attribute]:
                assert not CONTROL.search(value), value
    # Linear work: each byte is read, scanned and parsed a small number of times (a wrongly cut
    # segment is parsed again once; an error is located by reading the file once more).
    assert source.taken <= 3 * len(case.data) + 1024, (source.taken, len(case.data))
    assert meter.parsed <= 4 * size + 64 * 1024, (meter.parsed, size)
    assert meter.scanned <= 16 * size + 16 * case.max_line_bytes, (meter.scanned, size)
    # Linear memory: a constant times the input plus a constant (threads, the result's frame).
    assert peak <= 24 * size + 3_000_000, (peak, size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(hostile_files(padding=False), hostile_values()))
def test_where_segments_are_cut_does_not_change_the_outcome(case: Hostile):
    with mock.patch.object(batches, "SEGMENT_SIZE", 64):
        small = _outcome(case)
    with mock.patch.object(batches, "SEGMENT_SIZE", 8 << 20):
        whole = _outcome(case)
    assert small[0] == whole[0], (small, whole)
    if small[0] == "cells":
        assert small == whole
