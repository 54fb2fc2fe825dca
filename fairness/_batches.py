"""Streaming record batches out of an opened source, with CSV errors turned into line numbers.

CSV text is cut into segments of about ``SEGMENT_SIZE`` bytes at line breaks that end a record
(outside double quotes, so a quoted field may hold line breaks), each parsed by
``pyarrow.csv.read_csv`` with only the needed columns converted. A background thread reads,
hashes and decompresses the next segment while the current one is parsed. Parquet is read by
``ParquetFile.iter_batches``. Either way memory is a few segments, whatever the number of rows.

Column kinds (``iter_batches(kinds=...)``): ``"group"`` and ``"binary"`` columns come back from a
CSV dictionary-encoded (``dictionary<int32, string>``); a ``"binary"`` column is first parsed as a
boolean with exactly ``1``/``0`` as the values (then delivered as a dictionary ``["0", "1"]`` with
``int8`` indices) and falls back to the dictionary form for the rest of the file at the first other
value. Any other column is plain text. Parquet columns keep their stored types.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fairness._errors import BAD_GZIP, CSV_PARSE, CSV_ROW_WIDTH, NOT_UTF8, FairnessInputError
from fairness._source import GZIP_MAGIC, UTF8_BOM, Opened, PrefixedReader, Source

SEGMENT_SIZE = 8 << 20
PARQUET_BATCH_ROWS = 1 << 18
#: Room for the partial record carried over from the previous segment.
_SLACK = 1 << 20
_QUOTE = ord('"')
_NEWLINE = ord("\n")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
#: Values of a fast-path binary column; anything else (but a missing token) is the slow path.
_BINARY_TEXT = pa.array(["0", "1"], pa.string())
#: The exact spellings Arrow treats as null in a fast-path binary column (text columns never are).
_NULL_SPELLINGS = [
    "", "NA", "na", "Na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null", "#N/A", "#n/a",
]  # fmt: skip
_OUT_OF_SYNC = "out of sync with chunker"
_COLUMN_NUMBER = re.compile(r"CSV column #(\d+)")
_BINARY_TYPE = pa.dictionary(pa.int8(), pa.string())


def iter_batches(
    opened: Opened,
    columns: list[str],
    source: Source,
    start: int | None,
    *,
    kinds: Mapping[str, str] | None = None,
    count_lines: bool = False,
) -> Iterator[tuple[pa.RecordBatch, int | None]]:
    """Yield ``(batch, line of the batch's first row)`` with only ``columns``.

    ``source`` and ``start`` (the stream position where the file began) let a CSV error be traced
    back to its line by reading the file again; without them the error names no line. ``kinds``
    maps a column to ``"group"`` or ``"binary"`` (see the module docstring). CSV line numbers are
    given only with ``count_lines`` (they cost a pass over the text), else ``None``; they are exact
    at each segment's start and assume one line per record within a segment.
    """
    if opened.parquet is not None:
        line = 2
        for batch in opened.parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield batch, line
            line += batch.num_rows
        return
    assert opened.csv is not None
    parser = _SegmentParser(opened, columns, dict(kinds or {}))
    reader = _SegmentReader(opened.csv.stream, count_lines=count_lines)
    line = 2
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="fairness-read") as pool:
            pending = pool.submit(reader.next)
            while True:
                segment, lines = pending.result()
                if segment is None:
                    break
                pending = pool.submit(reader.next)  # read the next segment while parsing this one
                table = parser.parse(segment)
                row = line
                for batch in table.to_batches():
                    yield batch, row if count_lines else None
                    row += batch.num_rows
                line += lines
                del table, segment
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None
    except pa.ArrowInvalid as exc:
        text = opened.csv
        raise _located(
            exc, parser.width_problem, source, start, text.delimiter, len(text.columns)
        ) from None
    except OSError as exc:  # e.g. a truncated gzip stream
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None


class _SegmentParser:
    """``read_csv`` of one segment with the right options, and the fallbacks between segments."""

    def __init__(self, opened: Opened, columns: list[str], kinds: dict[str, str]) -> None:
        text = opened.csv
        assert text is not None
        self.columns = columns
        self.kinds = kinds
        self.fast_binary = {c for c in columns if kinds.get(c) == "binary"}
        self.newlines_in_values = False
        self.width_problem: list[tuple[int, int]] = []
        self.read_options = pacsv.ReadOptions(column_names=text.columns, use_threads=True)
        self.delimiter = text.delimiter
        self.names = text.columns
        self._options()

    def _on_invalid_row(self, row: pacsv.InvalidRow) -> str:
        self.width_problem.append((row.expected_columns, row.actual_columns))
        return "error"

    def _options(self) -> None:
        types: dict[str, pa.DataType] = {}
        for column in self.columns:
            if column in self.fast_binary:
                types[column] = pa.bool_()
            elif self.kinds.get(column) in ("group", "binary"):
                types[column] = _DICTIONARY
            else:
                types[column] = pa.string()
        self.parse_options = pacsv.ParseOptions(
            delimiter=self.delimiter,
            invalid_row_handler=self._on_invalid_row,
            newlines_in_values=self.newlines_in_values,
        )
        self.convert_options = pacsv.ConvertOptions(
            include_columns=self.columns,
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            true_values=["1"],
            false_values=["0"],
            null_values=_NULL_SPELLINGS,
        )

    def parse(self, segment: memoryview) -> pa.Table:
        while True:
            try:
                table = pacsv.read_csv(
                    pa.BufferReader(pa.py_buffer(segment)),
                    read_options=self.read_options,
                    parse_options=self.parse_options,
                    convert_options=self.convert_options,
                )
            except pa.ArrowInvalid as exc:
                if not self._fall_back(str(exc)):
                    raise
                self.width_problem.clear()
                continue
            return self._binary_as_dictionary(table)

    def _fall_back(self, message: str) -> bool:
        """Switch to slower options that may parse the segment; ``False`` if there are none."""
        if _OUT_OF_SYNC in message and not self.newlines_in_values:
            self.newlines_in_values = True  # a quoted field holds a line break
        elif "conversion error to bool" in message and self.fast_binary:
            found = _COLUMN_NUMBER.search(message)
            number = int(found.group(1)) if found else -1
            failed = self.names[number] if 0 <= number < len(self.names) else None
            self.fast_binary -= {failed} if failed in self.fast_binary else set(self.fast_binary)
        else:
            return False
        self._options()
        return True

    def _binary_as_dictionary(self, table: pa.Table) -> pa.Table:
        for column in self.fast_binary:
            i = table.schema.get_field_index(column)
            chunks = [
                pa.DictionaryArray.from_arrays(chunk.cast(pa.int8()), _BINARY_TEXT)
                for chunk in table.column(i).chunks
            ]
            table = table.set_column(i, column, pa.chunked_array(chunks, _BINARY_TYPE))
        return table


class _SegmentReader:
    """Whole records of the data part (the header line skipped), about ``SEGMENT_SIZE`` at a time.

    Arrow's own streaming reader reads ahead without bound on a fast disk, so memory would grow
    with the file; cutting the text into segments at record ends and parsing each with the
    (multi-threaded) ``read_csv`` keeps memory at a few segments. ``next`` runs in a background
    thread; reading, hashing, decompressing and the numpy scans release the GIL.
    """

    def __init__(self, stream: io.RawIOBase, *, count_lines: bool) -> None:
        self.stream = stream
        self.count_lines = count_lines
        self.carry = b""
        self.header_done = False
        self.done = False
        # Two buffers in turn: one being parsed by the caller while the other is filled. Arrow
        # copies what it parses, so a buffer is free again once its segment's table is built.
        self.buffers = [bytearray(SEGMENT_SIZE + _SLACK) for _ in range(2)]
        self.turn = 0

    def _buffer(self, carry: bytes) -> bytearray:
        if len(carry) > _SLACK:  # a record longer than the slack: a one-off larger buffer
            buffer = bytearray(len(carry) + SEGMENT_SIZE)
        else:
            buffer = self.buffers[self.turn]
        buffer[: len(carry)] = carry
        return buffer

    def next(self) -> tuple[memoryview | None, int]:
        """The next segment and its number of line breaks (0 unless counting), or ``None``."""
        while not self.done:
            carry = self.carry
            buffer = self._buffer(carry)
            size = len(carry) + SEGMENT_SIZE
            filled = len(carry) + _read_into(self.stream, memoryview(buffer)[len(carry) : size])
            at_end = filled < size
            begin = 0
            if not self.header_done:
                end = buffer.find(b"\n", 0, filled)
                if end == -1 and not at_end:
                    self.carry = bytes(buffer[:filled])
                    continue
                begin = end + 1 if end != -1 else filled
                self.header_done = True
            if at_end:  # the rest, which may lack a final line break
                self.done = True
                self.carry = b""
                view = memoryview(buffer)[begin:filled]
                if len(view) <= 4096 and not bytes(view).strip():
                    return None, 0
                return view, self._lines(view)
            cut = _record_end(buffer, begin, filled, len(carry) > SEGMENT_SIZE)
            if cut == -1:
                self.carry = bytes(buffer[begin:filled])
                continue
            self.carry = bytes(buffer[cut:filled])
            self.turn = 1 - self.turn
            view = memoryview(buffer)[begin:cut]
            return view, self._lines(view)
        return None, 0

    def _lines(self, view: memoryview) -> int:
        if not self.count_lines:
            return 0
        return int(np.count_nonzero(np.frombuffer(view, np.uint8) == _NEWLINE))


def _record_end(buffer: bytearray, begin: int, end: int, force: bool) -> int:
    """Index just past the last line break in ``buffer[begin:end]`` that ends a record, or -1.

    ``begin`` is the start of a record. A line break ends a record when an even number of double
    quotes precedes it (RFC 4180 quoting; an escaped quote ``""`` counts twice). When no line
    break qualifies, more text is needed, unless ``force`` (the carried text is already large:
    unbalanced quotes in unquoted fields, which Arrow reads literally), then the last line break.
    """
    cut = buffer.rfind(b"\n", begin, end)
    if cut == -1:
        return -1
    if buffer.find(b'"', begin, cut) == -1:
        return cut + 1
    data = np.frombuffer(buffer, np.uint8, count=end)[begin:]
    if np.count_nonzero(data[: cut - begin] == _QUOTE) % 2 == 0:
        return cut + 1
    quotes = np.flatnonzero(data == _QUOTE)
    breaks = np.flatnonzero(data == _NEWLINE)
    outside = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    if len(outside):
        return begin + int(outside[-1]) + 1
    return cut + 1 if force else -1


def _read_into(stream: io.RawIOBase, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream`` as far as the stream goes; the number of bytes read."""
    got = 0
    size = len(buffer)
    while got < size:
        n = stream.readinto(buffer[got:])
        if not n:
            break
        got += n
    return got


def _located(
    exc: pa.ArrowInvalid,
    width_problem: list[tuple[int, int]],
    source: Source,
    start: int | None,
    delimiter: str,
    width: int,
) -> FairnessInputError:
    """The FairnessInputError for a CSV the Arrow reader refused, with its line when findable."""
    line, kind, found = _find_bad_line(source, start, delimiter, width)
    if kind == "utf8" or (kind is None and "utf8" in str(exc).lower()):
        return FairnessInputError(NOT_UTF8.format(row=line if line else "?"), row=line)
    if width_problem or kind == "width":
        expected, actual = width_problem[0] if width_problem else (width, found)
        if kind == "width":
            actual = found
        return FairnessInputError(
            CSV_ROW_WIDTH.format(
                row=line if line else "?", found=actual, expected=expected, delimiter=delimiter
            ),
            row=line,
        )
    return FairnessInputError(CSV_PARSE.format(row=line if line else "?", detail=exc), row=line)


def _reopen(source: Source, start: int | None) -> BinaryIO | None:
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")  # closed by the caller
    try:
        if start is not None and source.seekable():
            source.seek(start)
            return source
    except (OSError, ValueError):
        return None
    return None


class _NotUtf8(Exception):
    pass


def _find_bad_line(
    source: Source, start: int | None, delimiter: str, width: int
) -> tuple[int | None, str | None, int]:
    """Read the file again to find the first line that is not valid UTF-8, or the first line of
    the first record with the wrong number of fields (a quoted field may span lines). Only runs on
    the error path."""
    raw = _reopen(source, start)
    if raw is None:
        return None, None, 0
    number = 0

    def lines(stream: BinaryIO) -> Iterator[str]:
        nonlocal number
        for data in stream:
            number += 1
            if number == 1 and data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM) :]
            try:
                yield data.decode("utf-8")
            except UnicodeDecodeError:
                raise _NotUtf8 from None

    try:
        head = raw.read(2)
        stream: BinaryIO = io.BufferedReader(PrefixedReader(head, raw))  # type: ignore[arg-type]
        if head.startswith(GZIP_MAGIC):
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        records = csv.reader(lines(stream), delimiter=delimiter)
        first = 1
        for fields in records:
            blank = len(fields) <= 1 and not "".join(fields).strip()
            if first > 1 and not blank and len(fields) != width:
                return first, "width", len(fields)
            first = number + 1
    except _NotUtf8:
        return number, "utf8", 0
    except (OSError, EOFError, zlib.error, csv.Error):
        return None, None, 0
    finally:
        if isinstance(source, str | os.PathLike):
            raw.close()
    return None, None, 0
