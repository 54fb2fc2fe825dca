"""Opening an input: format by magic bytes (``_sniff``), SHA-256 of the raw bytes, CSV header.

A source is a path or a binary file object. The format is judged from the first bytes, never from
the name: ``PAR1`` is Parquet, ``1f 8b`` is gzip (whose content must be CSV), anything else must be
UTF-8 CSV text (a byte-order mark is allowed). The SHA-256 is computed over the bytes exactly as
read from the source (for gzip: the compressed bytes), while the CSV reader consumes them.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from fairness._errors import (
    BAD_DELIMITER,
    BAD_GZIP,
    BAD_PARQUET,
    DUPLICATE_HEADER,
    EMPTY_FILE,
    NOT_TABULAR,
    FairnessInputError,
)
from fairness._sniff import CANDIDATE_DELIMITERS, UTF8_BOM, format_from_magic

if TYPE_CHECKING:
    import pyarrow.parquet as pq

_READ_SIZE = 1 << 20
#: Control characters other than tab never occur in a CSV header of column names.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_HEADER_BYTES = 4 << 20

Source = str | os.PathLike | BinaryIO


class HashingReader(io.RawIOBase):
    """A read-only raw stream that hashes (SHA-256) and counts every byte it passes on."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._hash = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = _read_into(self._raw, buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])  # releases the GIL on large blocks
        self.bytes_read += n
        return n

    def drain(self) -> None:
        """Read (and hash) whatever the consumer left unread, e.g. a trailing newline."""
        while self.readinto(bytearray(_READ_SIZE)):
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class PrefixedReader(io.RawIOBase):
    """Serves ``prefix`` first, then the rest of ``stream``: lets us peek at the header."""

    def __init__(self, prefix: bytes, stream: BinaryIO | io.RawIOBase) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if len(self._prefix):
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return _read_into(self._stream, buffer)


def _read_into(stream: BinaryIO | io.RawIOBase, buffer) -> int:  # type: ignore[no-untyped-def]
    """``stream.readinto(buffer)`` (no intermediate copy) when the stream has it."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(buffer) or 0
    data = stream.read(len(buffer))
    buffer[: len(data)] = data
    return len(data)


@dataclass
class CsvText:
    """An opened CSV source: header, delimiter and a stream of decompressed bytes."""

    columns: list[str]
    delimiter: str
    stream: io.RawIOBase
    source_format: str  # "csv" or "csv.gz"


@dataclass
class Opened:
    """An opened source of either format."""

    source_format: str  # "csv", "csv.gz", "parquet"
    hasher: HashingReader
    total_bytes: int | None
    csv: CsvText | None = None
    parquet: pq.ParquetFile | None = None
    columns: list[str] = field(default_factory=list)

    def sha256(self) -> str:
        self.hasher.drain()
        return self.hasher.hexdigest()


def normalize_delimiter(delimiter: str | None) -> str | None:
    """Accept one character, or the words ``tab`` / ``\\t`` for a tab."""
    if delimiter is None:
        return None
    if delimiter in ("\\t", "tab", "TAB"):
        return "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '\r\n"':
        raise FairnessInputError(BAD_DELIMITER.format(value=delimiter), field="delimiter")
    return delimiter


def detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often outside quotes in the header line."""
    counts = dict.fromkeys(CANDIDATE_DELIMITERS, 0)
    in_quotes = False
    for ch in header_line:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(CANDIDATE_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def parse_header(header_line: str, delimiter: str) -> list[str]:
    """Column names of a header line, stripped; unnamed columns get a placeholder name.

    Raises
    ------
    FairnessInputError
        When a name occurs twice.
    """
    names = next(csv.reader([header_line], delimiter=delimiter))
    columns = [
        name.strip() or f"(unnamed column {position})" for position, name in enumerate(names, 1)
    ]
    check_unique(columns)
    return columns


def _magic_hex(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data[:8]) or "(none)"


def _read_header_prefix(stream: BinaryIO) -> bytes:
    """Read from ``stream`` until the first line break (or EOF); returns the bytes read."""
    chunks: list[bytes] = []
    size = 0
    while size < _MAX_HEADER_BYTES:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or b"\r" in chunk:
            break
    return b"".join(chunks)


def _header_line(prefix: bytes) -> str:
    """Decode the first line of CSV text, or explain why this is not CSV text."""
    body = prefix[len(UTF8_BOM) :] if prefix.startswith(UTF8_BOM) else prefix
    end = len(body)
    for sep in (b"\n", b"\r"):
        pos = body.find(sep)
        if pos != -1:
            end = min(end, pos)
    line = body[:end]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise FairnessInputError(NOT_TABULAR.format(magic=_magic_hex(prefix))) from None
    if b"\x00" in prefix or _CONTROL.search(text):
        raise FairnessInputError(NOT_TABULAR.format(magic=_magic_hex(prefix)))
    if not text.strip():
        raise FairnessInputError(EMPTY_FILE)
    return text


@contextmanager
def _raw_stream(source: Source) -> Iterator[tuple[BinaryIO, int | None]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            yield f, os.fstat(f.fileno()).st_size
        return
    total: int | None = None
    try:
        if source.seekable():
            here = source.tell()
            total = source.seek(0, io.SEEK_END) - here
            source.seek(here)
    except (OSError, AttributeError, ValueError):
        total = None
    yield source, total


@contextmanager
def open_source(source: Source, *, delimiter: str | None = None) -> Iterator[Opened]:
    """Open ``source`` and yield an ``Opened`` whose format, header and stream are ready.

    Raises
    ------
    FairnessInputError
        Empty file, binary content that is neither CSV nor Parquet, a broken gzip stream, a bad
        delimiter or a duplicate column name.
    """
    delimiter = normalize_delimiter(delimiter)
    with ExitStack() as stack:
        raw, total = stack.enter_context(_raw_stream(source))
        hasher = HashingReader(raw)
        head = hasher.read(4) or b""
        if not head:
            raise FairnessInputError(EMPTY_FILE)
        source_format = format_from_magic(head)
        if source_format == "parquet":
            yield _open_parquet(source, raw, hasher, head, total, stack)
            return
        rest = PrefixedReader(head, hasher)
        if source_format == "csv.gz":
            text_stream: BinaryIO = gzip.GzipFile(fileobj=rest, mode="rb")  # type: ignore[assignment]
        else:
            text_stream = rest  # type: ignore[assignment]
        try:
            prefix = _read_header_prefix(text_stream)
        except (OSError, EOFError, zlib.error) as exc:
            raise FairnessInputError(BAD_GZIP.format(detail=exc)) from None
        if not prefix:
            raise FairnessInputError(EMPTY_FILE)
        line = _header_line(prefix)
        sep = delimiter or detect_delimiter(line)
        columns = parse_header(line, sep)
        text = CsvText(columns, sep, PrefixedReader(prefix, text_stream), source_format)
        yield Opened(source_format, hasher, total, csv=text, columns=columns)


def _open_parquet(
    source: Source,
    raw: BinaryIO,
    hasher: HashingReader,
    head: bytes,
    total: int | None,
    stack: ExitStack,
) -> Opened:
    """Parquet needs random access: hash the whole file first, then read it by row groups."""
    import tempfile

    import pyarrow.parquet as pq

    target: str | BinaryIO
    if isinstance(source, str | os.PathLike):
        hasher.drain()
        target = os.fspath(source)
    elif raw.seekable() and raw.tell() == len(head):
        hasher.drain()
        target = raw
    else:  # a pipe, or a stream that does not start at offset 0: copy it aside
        spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        spool.write(head)
        while chunk := hasher.read(_READ_SIZE):
            spool.write(chunk)
        spool.seek(0)
        target = spool  # type: ignore[assignment]
    try:
        parquet = pq.ParquetFile(target)
        names = list(parquet.schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for a corrupt footer
        raise FairnessInputError(BAD_PARQUET.format(detail=exc)) from None
    check_unique(names)
    return Opened("parquet", hasher, total, parquet=parquet, columns=names)


def check_unique(columns: list[str]) -> None:
    """Refuse a header in which a name occurs twice."""
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise FairnessInputError(
                DUPLICATE_HEADER.format(column=name, columns=", ".join(map(repr, columns))),
                column=name,
            )
        seen.add(name)


def read_header(source: Source, *, delimiter: str | None = None) -> list[str]:
    """Column names of a CSV (plain or gzip) or Parquet source, reading only the start of it.

    The registry uses this to check a test spec against an upload before queueing the audit.

    Parameters
    ----------
    source:
        A path or a binary file object (read from its current position).
    delimiter:
        The CSV delimiter; detected from the header line when ``None``.

    Returns
    -------
    list of str
        The column names, in file order, with surrounding whitespace removed.

    Raises
    ------
    FairnessInputError
        Empty file, not CSV or Parquet, broken gzip, or a duplicate column name.

    Examples
    --------
    >>> import io
    >>> read_header(io.BytesIO(b"group;label;prediction\\nA;1;0\\n"))
    ['group', 'label', 'prediction']
    """
    with open_source(source, delimiter=delimiter) as opened:
        return list(opened.columns)


def start_position(source: Source) -> int | None:
    """Where the file begins in ``source`` (0 for a path), to read it again on an error."""
    if isinstance(source, str | os.PathLike):
        return 0
    try:
        return source.tell() if source.seekable() else None
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
