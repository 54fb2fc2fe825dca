"""Streaming record batches out of an opened source, with CSV errors turned into line numbers.

CSV text is cut at line breaks into segments of about ``SEGMENT_SIZE`` bytes, each parsed by
``pyarrow.csv.read_csv`` (every needed column as text, the other columns skipped); Parquet is read
by ``ParquetFile.iter_batches``. Either way memory is a few segments, whatever the number of rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from fairness._errors import BAD_GZIP, CSV_PARSE, CSV_ROW_WIDTH, NOT_UTF8, FairnessInputError
from fairness._source import GZIP_MAGIC, UTF8_BOM, Opened, PrefixedReader, Source

SEGMENT_SIZE = 4 << 20
PARQUET_BATCH_ROWS = 1 << 17


def iter_batches(
    opened: Opened, columns: list[str], source: Source, start: int | None
) -> Iterator[tuple[pa.RecordBatch, int]]:
    """Yield ``(batch, line of the batch's first row)`` with only ``columns``.

    ``source`` and ``start`` (the stream position where the file began) let a CSV error be traced
    back to its line by reading the file again; without them the error names no line.
    """
    if opened.parquet is not None:
        line = 2
        for batch in opened.parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            yield batch, line
            line += batch.num_rows
        return
    assert opened.csv is not None
    text = opened.csv
    width_problem: list[tuple[int, int]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        width_problem.append((row.expected_columns, row.actual_columns))
        return "error"

    options = {
        "read_options": pacsv.ReadOptions(column_names=text.columns, use_threads=True),
        "parse_options": pacsv.ParseOptions(
            delimiter=text.delimiter, invalid_row_handler=on_invalid_row
        ),
        "convert_options": pacsv.ConvertOptions(
            include_columns=columns,
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }
    line = 2
    try:
        for segment in _segments(text.stream):
            table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(segment)), **options)
            for batch in table.to_batches():
                yield batch, line
                line += batch.num_rows
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None
    except pa.ArrowInvalid as exc:
        raise _located(exc, width_problem, source, start, text.delimiter, len(text.columns))
    except OSError as exc:  # e.g. a truncated gzip stream
        raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None


def _segments(stream: io.RawIOBase) -> Iterator[bytes | memoryview]:
    """Whole lines of the data part (the header line skipped), about ``SEGMENT_SIZE`` at a time.

    Arrow's own streaming reader reads ahead without bound on a fast disk, so memory would grow
    with the file; cutting the text into segments at line breaks and parsing each with the
    (multi-threaded) ``read_csv`` keeps memory at a few segments. Records never span lines
    (quoted line breaks are not supported), so a cut at a line break is a cut between records.
    """
    carry = b""
    header_done = False
    while True:
        chunk = _read_full(stream, SEGMENT_SIZE)
        data = carry + chunk if carry else chunk
        if not header_done:
            end = data.find(b"\n")
            if end == -1 and chunk:
                carry = data
                continue
            data = data[end + 1 :] if end != -1 else b""
            header_done = True
        if not chunk:  # end of stream: the rest, which may lack a final line break
            if data.strip():
                yield data
            return
        cut = data.rfind(b"\n")
        if cut == -1:
            carry = data
            continue
        view = memoryview(data)
        carry = bytes(view[cut + 1 :])
        yield view[: cut + 1]


def _read_full(stream: io.RawIOBase, size: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < size:
        part = stream.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


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


def _find_bad_line(
    source: Source, start: int | None, delimiter: str, width: int
) -> tuple[int | None, str | None, int]:
    """Read the file again, line by line, to find the first line that is not valid UTF-8 or has
    the wrong number of fields. Only runs on the error path."""
    raw = _reopen(source, start)
    if raw is None:
        return None, None, 0
    try:
        head = raw.read(2)
        stream: BinaryIO = io.BufferedReader(PrefixedReader(head, raw))  # type: ignore[arg-type]
        if head.startswith(GZIP_MAGIC):
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        for number, data in enumerate(stream, start=1):
            if number == 1 and data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM) :]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return number, "utf8", 0
            if number == 1 or not text.strip():
                continue
            fields = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
            if len(fields) != width:
                return number, "width", len(fields)
    except (OSError, EOFError, zlib.error):
        return None, None, 0
    finally:
        if isinstance(source, str | os.PathLike):
            raw.close()
    return None, None, 0
