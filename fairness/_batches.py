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
from collections import deque
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fairness._errors import BAD_GZIP, CSV_PARSE, CSV_ROW_WIDTH, NOT_UTF8, FairnessInputError
from fairness._sniff import GZIP_MAGIC, UTF8_BOM
from fairness._source import Opened, PrefixedReader, Source

SEGMENT_SIZE = 2 << 20
PARQUET_BATCH_ROWS = 1 << 18
#: Room for the partial record carried over from the previous segment.
_SLACK = 1 << 16
#: Segments parsed at once (each by one Arrow block: Arrow never cuts a segment itself).
_PARSERS = 2
_BUFFERS = _PARSERS + 1
_QUOTE = ord('"')
_NEWLINE = ord("\n")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
#: Values of a fast-path binary column; anything else (but a missing token) is the slow path.
_BINARY_TEXT = pa.array(["0", "1"], pa.string())
#: The exact spellings Arrow treats as null in a fast-path binary column (text columns never are).
_NULL_SPELLINGS = [
    "", "NA", "na", "Na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null", "#N/A", "#n/a",
]  # fmt: skip
#: The column of an aggregated batch that holds each distinct row's number of rows.
ROW_COUNT = "\x00rows"
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
    aggregate: bool = False,
) -> Generator[tuple[pa.RecordBatch, int | None], None, None]:
    """Yield ``(batch, line of the batch's first row)`` with only ``columns``.

    ``source`` and ``start`` (the stream position where the file began) let a CSV error be traced
    back to its line by reading the file again; without them the error names no line. ``kinds``
    maps a column to ``"group"`` or ``"binary"`` (see the module docstring). CSV line numbers are
    given only with ``count_lines`` (they cost a pass over the text), else ``None``; they are exact
    at each segment's start and assume one line per record within a segment.

    With ``aggregate``, a CSV batch holds each distinct combination of the columns' values once,
    in order of first appearance, with its number of rows in an extra ``ROW_COUNT`` column (and
    ``group`` columns come as plain text); the line numbers are then meaningless. Parquet batches
    are always rows.
    """
    if opened.parquet is not None:
        line = 2
        for batch in opened.parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield batch, line
            line += batch.num_rows
        return
    assert opened.csv is not None
    parser = _SegmentParser(opened, columns, dict(kinds or {}), aggregate=aggregate)
    known = opened.total_bytes if opened.source_format == "csv" else None
    reader = _SegmentReader(opened.csv.stream, count_lines=count_lines, size_hint=known)
    line = 2
    try:
        for parsed, lines in _tables(reader, parser):
            # Here, not in the parsing thread, so the next segment is parsed meanwhile.
            table = _finish(parsed, aggregate)
            row = line
            for batch in table.to_batches():
                yield batch, row if count_lines else None
                row += batch.num_rows
            line += lines
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None
    except pa.ArrowInvalid as exc:
        text = opened.csv
        raise _located(
            exc, parser.width_problem, source, start, text.delimiter, len(text.columns)
        ) from None
    except OSError as exc:  # e.g. a truncated gzip stream
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None


def _tables(reader: _SegmentReader, parser: _SegmentParser) -> Iterator[tuple[pa.Table, int]]:
    """Parsed segments in order, with their line counts: a pipeline of threads.

    One thread reads (and hashes, and decompresses) segment ``k + 1`` while ``_PARSERS`` threads
    parse the segments before it and the caller reduces the oldest; each stage releases the GIL
    for most of its work. ``_PARSERS + 1`` segments' text is held at a time.
    """
    parsing: deque[tuple[Future[pa.Table], int]] = deque()
    with (
        ThreadPoolExecutor(1, thread_name_prefix="fairness-read") as read_pool,
        ThreadPoolExecutor(_PARSERS, thread_name_prefix="fairness-parse") as parse_pool,
    ):
        try:
            reading = read_pool.submit(reader.next)
            while True:
                try:
                    segment, lines = reading.result()
                except Exception:
                    while parsing:  # report the earlier segments (and their errors) first
                        parse, lines = parsing.popleft()
                        yield parse.result(), lines
                    raise
                if segment is None:
                    break
                parsing.append((parse_pool.submit(parser.parse, segment), lines))
                ready = []
                while len(parsing) > _PARSERS:  # its buffer is the one read into next
                    parse, done_lines = parsing.popleft()
                    ready.append((parse.result(), done_lines))
                reading = read_pool.submit(reader.next)
                yield from ready
            while parsing:
                parse, lines = parsing.popleft()
                yield parse.result(), lines
        finally:
            for parse, _ in parsing:
                parse.cancel()


def _distinct_with_counts(table: pa.Table) -> pa.Table:
    """The distinct rows of ``table`` (in order of first appearance) and their counts."""
    names = table.column_names
    keys = [f"k{i}" for i in range(len(names))]  # the group-by's own column is "count_all"
    grouped = (
        table.rename_columns(keys).group_by(keys, use_threads=False).aggregate([([], "count_all")])
    )
    return grouped.select([*keys, "count_all"]).rename_columns([*names, ROW_COUNT])


class _SegmentParser:
    """``read_csv`` of one segment with the right options, and the fallbacks between segments."""

    def __init__(
        self, opened: Opened, columns: list[str], kinds: dict[str, str], *, aggregate: bool
    ) -> None:
        text = opened.csv
        self.aggregate = aggregate
        assert text is not None
        self.columns = columns
        self.kinds = kinds
        self.fast_binary = {c for c in columns if kinds.get(c) == "binary"}
        self.width_problem: list[tuple[int, int]] = []
        self.delimiter = text.delimiter
        self.names = text.columns
        self._options()

    def _read_options(self, size: int) -> pacsv.ReadOptions:
        # One block for the whole segment: Arrow's own cutting into blocks does not know about
        # line breaks in quoted fields (unless told, at a cost), ours does.
        return pacsv.ReadOptions(column_names=self.names, use_threads=False, block_size=size + 1)

    def _on_invalid_row(self, row: pacsv.InvalidRow) -> str:
        self.width_problem.append((row.expected_columns, row.actual_columns))
        return "error"

    def _options(self) -> None:
        types: dict[str, pa.DataType] = {}
        for column in self.columns:
            if column in self.fast_binary:
                types[column] = pa.bool_()
            elif self.kinds.get(column) in ("group", "binary"):
                # Dictionary-encoding is the costly part of parsing; the group-by of an
                # aggregated segment hashes the text anyway.
                types[column] = pa.string() if self.aggregate else _DICTIONARY
            else:
                types[column] = pa.string()
        self.parse_options = pacsv.ParseOptions(
            delimiter=self.delimiter,
            invalid_row_handler=self._on_invalid_row,
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
                    read_options=self._read_options(len(segment)),
                    parse_options=self.parse_options,
                    convert_options=self.convert_options,
                )
            except pa.ArrowInvalid as exc:
                if not self._fall_back(str(exc)):
                    raise
                self.width_problem.clear()
                continue
            return table

    def _fall_back(self, message: str) -> bool:
        """Switch, for this and later segments, to slower options that may parse the segment;
        ``False`` if there are none (the error is the file's)."""
        if "conversion error to bool" in message and self.fast_binary:
            found = _COLUMN_NUMBER.search(message)
            number = int(found.group(1)) if found else -1
            failed = self.names[number] if 0 <= number < len(self.names) else None
            self.fast_binary -= {failed} if failed in self.fast_binary else set(self.fast_binary)
        else:
            return False
        self._options()
        return True


def _finish(table: pa.Table, aggregate: bool) -> pa.Table:
    """A parsed segment as the caller gets it: aggregated if asked, and each fast-path binary
    (boolean) column as a dictionary of its texts ``"0"``/``"1"``."""
    if aggregate:
        table = _distinct_with_counts(table)
    for i, field in enumerate(table.schema):
        if pa.types.is_boolean(field.type):
            chunks = [
                pa.DictionaryArray.from_arrays(chunk.cast(pa.int8()), _BINARY_TEXT)
                for chunk in table.column(i).chunks
            ]
            table = table.set_column(i, field.name, pa.chunked_array(chunks, _BINARY_TYPE))
    return table


class _SegmentReader:
    """Whole records of the data part (the header line skipped), about ``SEGMENT_SIZE`` at a time.

    Arrow's own streaming reader reads ahead without bound on a fast disk, so memory would grow
    with the file; cutting the text into segments at record ends and parsing each with the
    (multi-threaded) ``read_csv`` keeps memory at a few segments. ``next`` runs in a background
    thread; reading, hashing, decompressing and the numpy scans release the GIL.
    """

    def __init__(
        self, stream: io.RawIOBase, *, count_lines: bool, size_hint: int | None = None
    ) -> None:
        self.stream = stream
        self.count_lines = count_lines
        self.carry = b""
        self.header_done = False
        self.done = False
        # Buffers in turn: one being filled while the other is parsed (Arrow copies what it
        # parses, so a buffer is free once its table is built). A file
        # smaller than a segment (``size_hint``: its size, when known) gets a buffer its size.
        self.buffers: list[bytearray | None] = [None] * _BUFFERS
        self.turn = 0
        self.size = SEGMENT_SIZE if size_hint is None else min(SEGMENT_SIZE, size_hint + 1)

    def _buffer(self, carry: bytes) -> bytearray:
        if len(carry) > _SLACK:  # a record longer than the slack: a one-off larger buffer
            buffer = bytearray(len(carry) + self.size)
        else:
            kept = self.buffers[self.turn]
            if kept is None or len(kept) < self.size + _SLACK:
                kept = self.buffers[self.turn] = bytearray(self.size + _SLACK)
            buffer = kept
        buffer[: len(carry)] = carry
        return buffer

    def next(self) -> tuple[memoryview | None, int]:
        """The next segment and its number of line breaks (0 unless counting), or ``None``."""
        while not self.done:
            carry = self.carry
            buffer = self._buffer(carry)
            size = len(carry) + self.size
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
            cut = _record_end(buffer, begin, filled, len(carry) > self.size)
            if cut == -1:
                self.carry = bytes(buffer[begin:filled])
                continue
            self.carry = bytes(buffer[cut:filled])
            self.turn = (self.turn + 1) % _BUFFERS
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
