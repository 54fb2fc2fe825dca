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

Limits, so a hostile file costs bounded memory and time and ends with an error naming its line:

- ``max_line_bytes`` (default 1 MiB): no line may be longer, and no record either (a record is
  longer than its line when a quoted field holds line breaks). The segment reader checks every
  line as it reads, so it stops at the limit instead of searching for a line break forever.
- ``max_field_bytes`` (default 64 KiB): no value of a column the caller reads may be longer.
- A NUL byte anywhere in CSV text, a quoted field still open at the end of the file, a group value
  holding a control character, and a Parquet column of a nested or binary type are refused.

Segments are cut exactly where the CSV parser ends a record: by counting quotes while every quote
sits where a quoted field can open or close (then the count is exact), else by reading the quotes
one by one with the parser's rule that a quote opens a field only at the field's start.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import threading
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fairness._columns import CONTROL, CONTROL_RE2, WHITESPACE, control_character
from fairness._errors import (
    BAD_GZIP,
    BAD_LIMIT,
    CONTROL_CHARACTER,
    CSV_PARSE,
    CSV_ROW_WIDTH,
    FIELD_TOO_LONG,
    LINE_TOO_LONG,
    NOT_UTF8,
    NUL_BYTE,
    QUOTE_NOT_CLOSED,
    RECORD_TOO_LONG,
    STRAY_QUOTE,
    UNCLOSED_QUOTE,
    UNSUPPORTED_COLUMN_TYPE,
    FairnessInputError,
    excerpt,
    shorten,
)
from fairness._sniff import GZIP_MAGIC, UTF8_BOM
from fairness._source import Opened, PrefixedReader, Source

SEGMENT_SIZE = 2 << 20
#: Default limits of the reader, in bytes: the longest line (or record), the longest value.
MAX_LINE_BYTES = 1 << 20
MAX_FIELD_BYTES = 1 << 16
PARQUET_BATCH_ROWS = 1 << 18
#: Room for the partial record carried over from the previous segment.
_SLACK = 1 << 16
#: Segments parsed at once (each by one Arrow block: Arrow never cuts a segment itself).
_PARSERS = 2
_BUFFERS = _PARSERS + 1
_QUOTE = ord('"')
_NEWLINE = ord("\n")
_RETURN = ord("\r")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
#: The value of the record appended to each segment (see ``_SegmentParser``).
_SENTINEL = "\x00"
#: Values of a fast-path binary column; anything else (but a missing token) is the slow path.
_BINARY_TEXT = pa.array(["0", "1"], pa.string())
#: The exact spellings Arrow treats as null in a fast-path binary column (text columns never are).
_NULL_SPELLINGS = [
    "", "NA", "na", "Na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null", "#N/A", "#n/a",
]  # fmt: skip
#: The column of an aggregated batch that holds each distinct row's number of rows.
ROW_COUNT = "\x00rows"
_COLUMN_NUMBER = re.compile(r"CSV column #(\d+)")
_WIDTH = re.compile(r"Expected (\d+) columns, got (\d+)")
_BINARY_TYPE = pa.dictionary(pa.int8(), pa.string())


def check_limits(max_line_bytes: object, max_field_bytes: object) -> None:
    """Refuse a limit that is not a positive whole number of bytes (``field`` names it)."""
    for name, value in (("max_line_bytes", max_line_bytes), ("max_field_bytes", max_field_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise FairnessInputError(BAD_LIMIT.format(name=name, value=value), field=name)


def iter_batches(
    opened: Opened,
    columns: list[str],
    source: Source,
    start: int | None,
    *,
    kinds: Mapping[str, str] | None = None,
    count_lines: bool = False,
    aggregate: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_field_bytes: int = MAX_FIELD_BYTES,
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

    ``max_line_bytes`` and ``max_field_bytes`` are the limits of the module docstring; a value of
    ``columns`` longer than ``max_field_bytes``, or a ``group`` value holding a control character,
    is refused naming its line and column.
    """
    check_limits(max_line_bytes, max_field_bytes)
    values = _ValueCheck(dict(kinds or {}), max_field_bytes)
    if opened.parquet is not None:
        _check_parquet_types(opened.parquet.schema_arrow, columns)
        line = 2
        for batch in opened.parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            problem = values.first_problem(batch)
            if problem is not None:
                raise values.error(problem, line + problem.index)
            yield batch, line
            line += batch.num_rows
        return
    assert opened.csv is not None
    text = opened.csv
    parser = _SegmentParser(opened, columns, dict(kinds or {}), aggregate=aggregate)
    known = opened.total_bytes if opened.source_format == "csv" else None
    reader = _SegmentReader(
        text.stream,
        count_lines=count_lines,
        size_hint=known,
        max_line_bytes=max_line_bytes,
        delimiter=text.delimiter,
    )
    line = 2
    try:
        for parsed, lines in _tables(reader, parser):
            # Here, not in the parsing thread, so the next segment is parsed meanwhile.
            table = _finish(parsed, aggregate)
            problem = values.first_problem(table)
            if problem is not None:
                where = _find_value(
                    source, start, text.delimiter, text.columns.index(problem.column),
                    problem.kind, values, max_line_bytes,
                )  # fmt: skip
                raise values.error(problem, where)
            row = line
            for batch in table.to_batches():
                yield batch, row if count_lines else None
                row += batch.num_rows
            line += lines
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FairnessInputError(BAD_GZIP.format(detail=shorten(exc))) from None
    except pa.ArrowInvalid as exc:
        raise _located(
            exc, source, start, text.delimiter, len(text.columns),
            max_line_bytes,
        ) from None  # fmt: skip
    except OSError as exc:  # e.g. a truncated gzip stream
        raise FairnessInputError(BAD_GZIP.format(detail=shorten(exc))) from None


#: Arrow types a column may have: what ``as_strings`` and ``parse_numbers`` can read.
def _readable_type(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _readable_type(kind.value_type)
    t = pa.types
    return bool(
        t.is_string(kind) or t.is_large_string(kind) or t.is_string_view(kind)
        or t.is_integer(kind) or t.is_floating(kind) or t.is_boolean(kind) or t.is_null(kind)
        or t.is_decimal(kind) or t.is_temporal(kind)
    )  # fmt: skip


def _type_kind(kind: pa.DataType) -> str:
    """A word for an unreadable type: struct, list, map, binary, ..."""
    if pa.types.is_dictionary(kind):
        return _type_kind(kind.value_type)
    t = pa.types
    if t.is_struct(kind):
        return "struct"
    if t.is_map(kind):
        return "map"
    if t.is_list(kind) or t.is_large_list(kind) or t.is_fixed_size_list(kind):
        return "list"
    if t.is_list_view(kind) or t.is_large_list_view(kind):
        return "list"
    if t.is_binary(kind) or t.is_large_binary(kind) or t.is_fixed_size_binary(kind):
        return "binary"
    if t.is_binary_view(kind):
        return "binary"
    if t.is_union(kind):
        return "union"
    return "unsupported"


def _check_parquet_types(schema: pa.Schema, columns: list[str]) -> None:
    """Refuse a column whose cells are not single texts, numbers or booleans, naming it."""
    for name in columns:
        kind = schema.field(name).type
        if not _readable_type(kind):
            raise FairnessInputError(
                UNSUPPORTED_COLUMN_TYPE.format(
                    column=name, kind=_type_kind(kind), type=shorten(kind, 80)
                ),
                column=name,
            )


class _Problem:
    """The first offending value of a batch: its column, ``"long"`` or ``"control"``, its row."""

    __slots__ = ("column", "index", "kind", "value")

    def __init__(self, column: str, kind: str, index: int, value: str) -> None:
        self.column, self.kind, self.index, self.value = column, kind, index, value


class _ValueCheck:
    """Value limits on parsed batches: field length for every text column, no control characters
    in ``group`` columns. Works on a chunk's dictionary when it has one (its distinct values), and
    on an aggregated CSV segment (distinct rows), so it costs little."""

    def __init__(self, kinds: dict[str, str], max_field_bytes: int) -> None:
        self.kinds = kinds
        self.limit = max_field_bytes

    def first_problem(self, table: pa.Table | pa.RecordBatch) -> _Problem | None:
        found: _Problem | None = None
        for i, name in enumerate(table.schema.names):
            if name == ROW_COUNT:
                continue
            column = table.column(i)
            chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
            offset = 0
            for chunk in chunks:
                problem = self._chunk_problem(name, chunk)
                if problem is not None:
                    problem.index += offset
                    if found is None or problem.index < found.index:
                        found = problem
                    break
                offset += len(chunk)
        return found

    def _chunk_problem(self, name: str, chunk: pa.Array) -> _Problem | None:
        indices = None
        values = chunk
        if pa.types.is_dictionary(chunk.type):
            values, indices = chunk.dictionary, chunk.indices
        kind = values.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            if not pa.types.is_string_view(kind):
                return None
            values = values.cast(pa.string())
        if len(values) == 0:
            return None
        lengths = pc.binary_length(values)
        bad = pc.fill_null(pc.greater(lengths, self.limit), False)
        if self.kinds.get(name) == "group":
            trimmed = pc.utf8_trim(values, characters=WHITESPACE)
            control = pc.fill_null(pc.match_substring_regex(trimmed, CONTROL_RE2), False)
            bad = pc.or_(bad, control)
        if not pc.any(bad).as_py():
            return None
        positions = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
        if indices is None:
            first = int(positions[0])
            value = values[first].as_py()
        else:
            rows = indices.fill_null(-1).to_numpy(zero_copy_only=False)
            used = np.flatnonzero(np.isin(rows, positions))
            if not len(used):  # a dictionary entry no row uses
                return None
            first = int(used[0])
            value = values[int(rows[first])].as_py()
        too_long = len(value.encode("utf-8")) > self.limit
        return _Problem(name, "long" if too_long else "control", first, value)

    def matches(self, kind: str, value: str) -> bool:
        """Whether one cell (as Python's csv module reads it) has the problem ``kind``."""
        if kind == "long":
            return len(value) > self.limit or (
                4 * len(value) > self.limit and len(value.encode("utf-8")) > self.limit
            )
        return CONTROL.search(value.strip()) is not None

    def error(self, problem: _Problem, row: int | None) -> FairnessInputError:
        shown = row if row else "?"
        if problem.kind == "long":
            message = FIELD_TOO_LONG.format(row=shown, column=problem.column, limit=self.limit)
        else:
            message = CONTROL_CHARACTER.format(
                row=shown,
                column=problem.column,
                value=excerpt(problem.value.strip()),
                char=control_character(problem.value),
            )
        return FairnessInputError(message, column=problem.column, row=row)


def _tables(reader: _SegmentReader, parser: _SegmentParser) -> Iterator[tuple[pa.Table, int]]:
    """Parsed segments in order, with their line counts: a pipeline of threads.

    One thread reads (and hashes, and decompresses) segment ``k + 1`` while ``_PARSERS`` threads
    parse the segments before it and the caller reduces the oldest; each stage releases the GIL
    for most of its work. ``_PARSERS + 1`` segments' text is held at a time.

    When a segment turns out to end inside a quoted field (``_MisCut``: counting quotes was
    fooled by a quote inside an unquoted value), its text and every later segment's go back to the
    reader, which from then on cuts by reading the quotes one by one.
    """
    parsing: deque[tuple[Future[pa.Table], _Segment]] = deque()
    with (
        ThreadPoolExecutor(1, thread_name_prefix="fairness-read") as read_pool,
        ThreadPoolExecutor(_PARSERS, thread_name_prefix="fairness-parse") as parse_pool,
    ):
        try:
            reading: Future[_Segment | None] | None = read_pool.submit(reader.next)
            while reading is not None or parsing:
                if reading is not None:
                    try:
                        segment = reading.result()
                    except Exception:
                        while parsing:  # report the earlier segments (and their errors) first
                            parse, done = parsing.popleft()
                            yield _parsed(parse), done.lines
                        raise
                    reading = None
                    if segment is not None:
                        parsing.append((parse_pool.submit(parser.parse, segment), segment))
                ready = []
                # the oldest segment's buffer is the one read into next; at the end, all
                while parsing and (len(parsing) > _PARSERS or segment is None):
                    parse, done = parsing.popleft()
                    try:
                        ready.append((parse.result(), done.lines))
                    except _MisCut as cut:
                        if reader.exact:
                            raise cut.error from None
                        later = [done, *(seg for _, seg in parsing)]
                        for other, _ in parsing:  # their buffers are about to be reused
                            other.exception()
                        parsing.clear()
                        reader.rewind(later)
                        segment = done  # not the end any more
                        break
                if segment is not None:
                    reading = read_pool.submit(reader.next)
                yield from ready
        finally:
            for parse, _ in parsing:
                parse.cancel()


def _parsed(parse: Future[pa.Table]) -> pa.Table:
    try:
        return parse.result()
    except _MisCut as cut:
        raise cut.error from None


def _distinct_with_counts(table: pa.Table) -> pa.Table:
    """The distinct rows of ``table`` (in order of first appearance) and their counts."""
    names = table.column_names
    keys = [f"k{i}" for i in range(len(names))]  # the group-by's own column is "count_all"
    grouped = (
        table.rename_columns(keys).group_by(keys, use_threads=False).aggregate([([], "count_all")])
    )
    return grouped.select([*keys, "count_all"]).rename_columns([*names, ROW_COUNT])


class _MisCut(Exception):
    """A segment was cut inside a quoted field; ``error`` is what to report if that stands."""

    def __init__(self, error: FairnessInputError) -> None:
        super().__init__(error.message)
        self.error = error


class _Options(NamedTuple):
    """The parser's options at one time: replaced whole (by one thread), read whole (by each)."""

    convert: pacsv.ConvertOptions
    sentinel: bytes
    marker: str | None


class _SegmentParser:
    """``read_csv`` of one segment with the right options, and the fallbacks between segments.

    ``parse`` runs in several threads at once; a fallback replaces ``options`` as a whole, under
    a lock, and each parse uses one ``options`` throughout (the sentinel it appended and the
    column it checks must match the types it parsed with).
    """

    def __init__(
        self, opened: Opened, columns: list[str], kinds: dict[str, str], *, aggregate: bool
    ) -> None:
        text = opened.csv
        self.aggregate = aggregate
        assert text is not None
        self.columns = columns
        self.kinds = kinds
        self.fast_binary = {c for c in columns if kinds.get(c) == "binary"}
        self.delimiter = text.delimiter
        self.names = text.columns
        # No invalid_row_handler: Arrow decodes the row's text for it and, when that text is not
        # UTF-8, reports the failure as an "ignored" exception; its error message says as much.
        self.parse_options = pacsv.ParseOptions(delimiter=self.delimiter)
        self._lock = threading.Lock()
        self.options = self._options()

    def _read_options(self, size: int) -> pacsv.ReadOptions:
        # One block for the whole segment: Arrow's own cutting into blocks does not know about
        # line breaks in quoted fields (unless told, at a cost), ours does.
        return pacsv.ReadOptions(column_names=self.names, use_threads=False, block_size=size + 1)

    def _options(self) -> _Options:
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
        # A last record appended to every segment: if the parser does not return it as a row,
        # the segment ended inside a quoted field. NUL never occurs in the text (refused before
        # parsing); fast-path binary columns need a value they can convert. It is looked for in
        # a text column, a group column when there is one (their type never changes).
        text_columns = [c for c in self.columns if c not in self.fast_binary]
        groups = [c for c in text_columns if self.kinds.get(c) == "group"]
        sentinel = (
            self.delimiter.join("0" if c in self.fast_binary else _SENTINEL for c in self.names)
            + "\n"
        ).encode("utf-8")
        convert = pacsv.ConvertOptions(
            include_columns=self.columns,
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            true_values=["1"],
            false_values=["0"],
            null_values=_NULL_SPELLINGS,
        )
        marker = (groups or text_columns)[0] if text_columns else None
        return _Options(convert, sentinel, marker)

    def parse(self, segment: _Segment) -> pa.Table:
        """The segment's rows. Raises ``_MisCut`` when the text ends inside a quoted field."""
        while True:
            options = self.options
            data = bytearray(segment.text)
            if not data.endswith(b"\n"):  # the end of the file
                data += b"\n"
            data += options.sentinel
            try:
                table = pacsv.read_csv(
                    pa.BufferReader(pa.py_buffer(data)),
                    read_options=self._read_options(len(data)),
                    parse_options=self.parse_options,
                    convert_options=options.convert,
                )
            except pa.ArrowInvalid as exc:
                if self._fall_back(str(exc), options):
                    continue
                # a record that swallowed the rest of the segment has too few fields
                if self._open_at_end(segment) != -1:
                    raise self._unbalanced(segment) from None
                raise
            break
        if options.marker is not None:
            last = table.column(options.marker)[-1].as_py() if table.num_rows else None
            if last != _SENTINEL:
                raise self._unbalanced(segment)
        return table.slice(0, table.num_rows - 1)

    def _open_at_end(self, segment: _Segment) -> int:
        """Where (in the segment) a quoted field still open at its end began, or -1."""
        data = np.frombuffer(segment.text, np.uint8)
        quotes = np.flatnonzero(data == _QUOTE).tolist()
        edges = _read_quotes(data, quotes, self.delimiter.encode("utf-8")[-1])
        return int(edges[-1]) if len(edges) % 2 else -1

    def _unbalanced(self, segment: _Segment) -> FairnessInputError | _MisCut:
        """The segment ended inside a quoted field. At the end of the file: a quote never closed.
        Before it: counting quotes cut the text in the wrong place, after a quote inside an
        unquoted value; ``_MisCut`` asks for the text again, cut quote by quote."""
        text = bytes(segment.text)
        if segment.final:
            where = self._open_at_end(segment)
            template = UNCLOSED_QUOTE
        else:
            where = _first_stray_quote(text, self.delimiter.encode("utf-8")[-1])
            template = STRAY_QUOTE
        row = segment.first_line + text.count(b"\n", 0, where) if where != -1 else None
        error = FairnessInputError(template.format(row=row if row else "?"), row=row)
        return error if segment.final else _MisCut(error)

    def _fall_back(self, message: str, tried: _Options) -> bool:
        """Switch, for this and later segments, to slower options that may parse the segment;
        ``False`` if there are none (the error is the file's). ``tried``: the options that failed
        (another thread may have switched since: then try again with the new ones)."""
        if "conversion error to bool" not in message:
            return False
        with self._lock:
            if self.options is not tried:
                return True
            if not self.fast_binary:
                return False
            found = _COLUMN_NUMBER.search(message)
            number = int(found.group(1)) if found else -1
            failed = self.names[number] if 0 <= number < len(self.names) else None
            self.fast_binary -= {failed} if failed in self.fast_binary else set(self.fast_binary)
            self.options = self._options()
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


class _Segment(NamedTuple):
    """Whole records of CSV text: ``lines`` line breaks (0 unless counting), starting on line
    ``first_line``; ``final`` for the last, which ends where the file ends."""

    text: memoryview
    lines: int
    first_line: int
    final: bool


class _SegmentReader:
    """Whole records of the data part (the header line skipped), about ``SEGMENT_SIZE`` at a time.

    Arrow's own streaming reader reads ahead without bound on a fast disk, so memory would grow
    with the file; cutting the text into segments at record ends and parsing each with the
    (multi-threaded) ``read_csv`` keeps memory at a few segments. ``next`` runs in a background
    thread; reading, hashing, decompressing and the numpy scans release the GIL.

    The reader enforces the line limits as it goes: every line of what it holds is checked against
    ``max_line_bytes`` after each read, so a line without end costs at most the limit plus one
    segment; a record still open (inside a quoted field) after ``max_line_bytes`` is refused too.
    It also refuses a NUL byte. ``line`` is the line number of the first byte it holds (the header
    is line 1), kept for those errors and given with each segment.
    """

    def __init__(
        self,
        stream: io.RawIOBase,
        *,
        count_lines: bool,
        size_hint: int | None = None,
        max_line_bytes: int = MAX_LINE_BYTES,
        delimiter: str = ",",
    ) -> None:
        self.stream = stream
        self.count_lines = count_lines
        self.max_line = max_line_bytes
        self.delimiter = delimiter.encode("utf-8")[-1]
        self.carry = b""
        self.header_done = False
        self.done = False
        self.line = 1
        self.exact = False
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

    def next(self) -> _Segment | None:
        """The next segment, or ``None`` at the end."""
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
                    self._check_lines(buffer, 0, filled)
                    self.carry = bytes(buffer[:filled])
                    continue
                self._check_lines(buffer, 0, end if end != -1 else filled)
                begin = end + 1 if end != -1 else filled
                self.header_done = True
                self.line = 2
            self._check_lines(buffer, begin, filled)
            if at_end:  # the rest, which may lack a final line break
                self.done = True
                self.carry = b""
                view = memoryview(buffer)[begin:filled]
                if len(view) <= 4096 and not bytes(view).strip():
                    return None
                self._check_nul(buffer, begin, filled)
                return self._segment(view, final=True)
            cut, opened = _record_end(buffer, begin, filled, self.delimiter, exact=self.exact)
            if cut == -1:
                if filled - begin > self.max_line:  # the record is longer than a line may be
                    if opened != -1:
                        row = self._row(buffer, begin, opened)
                        message = QUOTE_NOT_CLOSED.format(row=row, limit=self.max_line)
                    else:
                        row = self.line
                        message = RECORD_TOO_LONG.format(row=row, limit=self.max_line)
                    raise FairnessInputError(message, row=row)
                self.carry = bytes(buffer[begin:filled])
                continue
            self._check_nul(buffer, begin, cut)
            self.carry = bytes(buffer[cut:filled])
            self.turn = (self.turn + 1) % _BUFFERS
            return self._segment(memoryview(buffer)[begin:cut], final=False)
        return None

    def rewind(self, segments: list[_Segment]) -> None:
        """Take back ``segments`` (the last ones returned, in order) to cut their text again,
        from now on quote by quote (``exact``)."""
        self.carry = b"".join(bytes(s.text) for s in segments) + self.carry
        self.line = segments[0].first_line
        self.done = False
        self.exact = True

    def _row(self, buffer: bytearray, begin: int, position: int) -> int:
        """The line number of ``buffer[position]`` (``buffer[begin]`` is on line ``self.line``)."""
        data = np.frombuffer(buffer, np.uint8, count=position)[begin:]
        return self.line + int(np.count_nonzero(data == _NEWLINE))

    def _check_lines(self, buffer: bytearray, begin: int, end: int) -> None:
        """Refuse a line of ``buffer[begin:end]`` longer than the limit (``begin`` starts a line).

        Each step looks for the last line break within the limit from the current line start,
        so it takes a few steps per segment however short the lines are.
        """
        pos, limit = begin, self.max_line
        while end - pos > limit:
            found = buffer.rfind(b"\n", pos, pos + limit + 1)
            if found == -1:
                row = self._row(buffer, begin, pos)
                raise FairnessInputError(LINE_TOO_LONG.format(row=row, limit=limit), row=row)
            pos = found + 1

    def _check_nul(self, buffer: bytearray, begin: int, end: int) -> None:
        found = buffer.find(b"\x00", begin, end)
        if found != -1:
            row = self._row(buffer, begin, found)
            raise FairnessInputError(NUL_BYTE.format(row=row), row=row)

    def _segment(self, view: memoryview, *, final: bool) -> _Segment:
        """``view`` as the next segment, its line breaks counted into ``line``."""
        lines = int(np.count_nonzero(np.frombuffer(view, np.uint8) == _NEWLINE))
        first, self.line = self.line, self.line + lines
        return _Segment(view, lines if self.count_lines else 0, first, final)


def _boundary(values: np.ndarray, delimiter: int) -> np.ndarray:
    return (values == delimiter) | (values == _NEWLINE) | (values == _RETURN)


def _field_edges(buffer: bytearray, begin: int, end: int, delimiter: int) -> np.ndarray:
    """Where quoted fields open and close in ``buffer[begin:end]`` (``begin`` starts a record),
    relative to ``begin``, in order: a line break lies in a quoted field when an odd number of
    edges precede it, and an odd number in all means a field is still open at ``end``.

    Fast path: when every quote sits where the parser opens a field (at a field's start) or
    closes one (before a delimiter, a line break or ``end``), or is half of an escaped ``""``
    (which then counts as a close and an open), the quotes themselves are the edges. Otherwise
    (a quote inside an unquoted value, which the parser keeps as text, or text after a closing
    quote) the quotes are read one by one.
    """
    data = np.frombuffer(buffer, np.uint8, count=end)[begin:]
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes) == 0:
        return quotes
    n = len(data)
    opens, closes = quotes[0::2], quotes[1::2]
    escaped = opens[1:] == closes[: len(opens) - 1] + 1  # a close right before an open: ""
    open_ok = _boundary(data[np.maximum(opens - 1, 0)], delimiter) | (opens == 0)
    open_ok[1:] |= escaped
    close_ok = _boundary(data[np.minimum(closes + 1, n - 1)], delimiter) | (closes + 1 >= n)
    close_ok[: len(escaped)] |= escaped
    if open_ok.all() and close_ok.all():
        return quotes
    return _read_quotes(data, quotes.tolist(), delimiter)


def _read_quotes(data: np.ndarray, quotes: list[int], delimiter: int) -> np.ndarray:
    """The parser's rule, quote by quote: outside a quoted field, a quote opens one only at the
    start of a field; inside, ``""`` is an escaped quote and any other quote closes it."""
    raw = data.tobytes()
    n = len(raw)
    starts = (delimiter, _NEWLINE, _RETURN)
    edges: list[int] = []
    inside = False
    skip = -1
    for q in quotes:
        if q == skip:
            continue
        if not inside:
            if q == 0 or raw[q - 1] in starts:
                inside = True
                edges.append(q)
        elif q + 1 < n and raw[q + 1] == _QUOTE:
            skip = q + 1
        else:
            inside = False
            edges.append(q)
    return np.array(edges, dtype=np.intp)


def _record_end(
    buffer: bytearray, begin: int, end: int, delimiter: int, *, exact: bool = False
) -> tuple[int, int]:
    """Index just past the last line break in ``buffer[begin:end]`` that ends a record, or -1;
    and, when there is none, where the quoted field still open at ``end`` began (or -1).

    ``begin`` is the start of a record. A line break ends a record when an even number of double
    quotes precedes it (RFC 4180 quoting; an escaped quote ``""`` counts twice). That count is
    wrong after a quote inside an unquoted value (Arrow reads it as text): when it finds no record
    end, the quotes are read as the parser reads them (``_field_edges``). A wrong count that does
    find a record end is caught after parsing (see ``_SegmentParser.parse``); then the reader
    cuts with ``exact`` from there on.
    """
    cut = buffer.rfind(b"\n", begin, end)
    if cut == -1:
        return -1, -1
    if buffer.find(b'"', begin, cut) == -1:
        return cut + 1, -1
    if not exact:
        data = np.frombuffer(buffer, np.uint8, count=end)[begin:]
        if np.count_nonzero(data[: cut - begin] == _QUOTE) % 2 == 0:
            return cut + 1, -1
        quotes = np.flatnonzero(data == _QUOTE)
        breaks = np.flatnonzero(data == _NEWLINE)
        outside = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
        if len(outside):
            return begin + int(outside[-1]) + 1, -1
    edges = _field_edges(buffer, begin, end, delimiter)
    while cut != -1:
        before = int(np.searchsorted(edges, cut - begin))
        if before % 2 == 0:
            return cut + 1, -1
        # in the field opened at edges[before - 1]: try the last line break before it
        cut = buffer.rfind(b"\n", begin, begin + int(edges[before - 1]))
    return -1, (begin + int(edges[-1]) if len(edges) % 2 else -1)


def _first_stray_quote(buffer: bytes, delimiter: int) -> int:
    """The first quote that counting takes for a field's start or end but the parser does not
    (a quote inside an unquoted value, or text after a closing quote), or -1."""
    data = np.frombuffer(buffer, np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    edges = _read_quotes(data, quotes.tolist(), delimiter)
    differ = np.flatnonzero(quotes[: len(edges)] != edges)
    if len(differ):
        return int(quotes[differ[0]])
    return int(quotes[len(edges)]) if len(quotes) > len(edges) else -1


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
    source: Source,
    start: int | None,
    delimiter: str,
    width: int,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> FairnessInputError:
    """The FairnessInputError for a CSV the Arrow reader refused, with its line when findable."""
    line, kind, found = _find_bad_line(source, start, delimiter, width, max_line_bytes)
    if kind == "utf8" or (kind is None and "utf8" in str(exc).lower()):
        return FairnessInputError(NOT_UTF8.format(row=line if line else "?"), row=line)
    counted = _WIDTH.search(str(exc))
    if counted or kind == "width":
        expected, actual = (int(counted[1]), int(counted[2])) if counted else (width, found)
        if kind == "width":
            actual = found
        return FairnessInputError(
            CSV_ROW_WIDTH.format(
                row=line if line else "?", found=actual, expected=expected, delimiter=delimiter
            ),
            row=line,
        )
    # Arrow's message quotes the whole offending row: only an excerpt goes into ours.
    detail = shorten(exc)
    return FairnessInputError(CSV_PARSE.format(row=line if line else "?", detail=detail), row=line)


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


def _scan_records(
    source: Source,
    start: int | None,
    delimiter: str,
    max_line_bytes: int,
    visit: Callable[[int, list[str]], object],
    *,
    strict_utf8: bool = True,
) -> object:
    """Read the file again, record by record, calling ``visit(first line, fields)`` until it
    returns something other than ``None``, and return that. Returns ``("utf8", line)`` at a line
    that is not UTF-8 (with ``strict_utf8``), and ``None`` when the file cannot be read again, ends,
    or has a line longer than ``max_line_bytes`` (each line is read with that bound). Only runs on
    the error path."""
    raw = _reopen(source, start)
    if raw is None:
        return None
    number = 0

    def lines(stream: BinaryIO) -> Iterator[str]:
        nonlocal number
        while data := stream.readline(max_line_bytes + 1):
            if len(data) > max_line_bytes and not data.endswith(b"\n"):
                return  # longer than a line may be
            number += 1
            if number == 1 and data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM) :]
            try:
                yield data.decode("utf-8", errors="strict" if strict_utf8 else "replace")
            except UnicodeDecodeError:
                raise _NotUtf8 from None

    try:
        head = raw.read(2)
        stream: BinaryIO = io.BufferedReader(PrefixedReader(head, raw))  # type: ignore[arg-type]
        if head.startswith(GZIP_MAGIC):
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        first = 1
        for fields in csv.reader(lines(stream), delimiter=delimiter):
            found = visit(first, fields)
            if found is not None:
                return found
            first = number + 1
    except _NotUtf8:
        return ("utf8", number)
    except (OSError, EOFError, zlib.error, csv.Error):
        return None
    finally:
        if isinstance(source, str | os.PathLike):
            raw.close()
    return None


def _find_bad_line(
    source: Source, start: int | None, delimiter: str, width: int, max_line_bytes: int
) -> tuple[int | None, str | None, int]:
    """The first line that is not valid UTF-8, or the first line of the first record with the
    wrong number of fields (a quoted field may span lines): ``(line, kind, fields found)``."""

    def wrong_width(first: int, fields: list[str]) -> tuple[str, int, int] | None:
        blank = len(fields) <= 1 and not "".join(fields).strip()
        if first > 1 and not blank and len(fields) != width:
            return ("width", first, len(fields))
        return None

    found = _scan_records(source, start, delimiter, max_line_bytes, wrong_width)
    if isinstance(found, tuple) and found[0] == "utf8":
        return found[1], "utf8", 0
    if isinstance(found, tuple):
        return found[1], "width", found[2]
    return None, None, 0


def find_line(
    source: Source,
    start: int | None,
    delimiter: str,
    index: int,
    predicate: Callable[[str], bool],
    max_line_bytes: int = MAX_LINE_BYTES,
) -> int | None:
    """The first line of the first data record whose field ``index`` satisfies ``predicate``,
    found by reading the CSV again (the error path only); None when there is none or the source
    cannot be read again."""

    def offending(first: int, fields: list[str]) -> int | None:
        if first > 1 and index < len(fields) and predicate(fields[index]):
            return first
        return None

    found = _scan_records(source, start, delimiter, max_line_bytes, offending, strict_utf8=False)
    return found if isinstance(found, int) else None


def _find_value(
    source: Source,
    start: int | None,
    delimiter: str,
    index: int,
    kind: str,
    check: _ValueCheck,
    max_line_bytes: int,
) -> int | None:
    """The first line of the first record whose field ``index`` has the problem ``kind``."""

    def offending(first: int, fields: list[str]) -> int | None:
        if first > 1 and index < len(fields) and check.matches(kind, fields[index]):
            return first
        return None

    found = _scan_records(source, start, delimiter, max_line_bytes, offending, strict_utf8=False)
    return found if isinstance(found, int) else None
