"""HTTP transport for an audit upload: multipart parsing, size cap, sha256 and content sniffing.

Why a streaming parser rather than Starlette's ``request.form()``: ``form()`` spools every file
part to a temporary file before the handler sees it, so the size cap could only be checked
afterwards and a 2 GB upload would be written twice. Here python-multipart's ``MultipartParser`` is
fed the request body chunk by chunk; the ``file`` part goes straight to a staging file under
``<uploads_dir>/.staging/``, hashed on the way, and

* the cap (``max_upload_mb``) is enforced while streaming: the first byte beyond it stops the read
  with 413 and the partial file is removed;
* the type is judged by content as soon as the first 64 KiB have arrived, by
  ``fairness.sniff_format`` (gzip magic, Parquet ``PAR1``, else UTF-8 text whose first line holds
  a delimiter), so binary garbage is refused with 415 without reading the rest;
* a body that ends before the closing multipart boundary (a cut-off upload) is refused with 400.

Any error removes the staging file. Disk writes and hashing run in a worker thread in 1 MiB
batches so the event loop is never blocked on I/O. This module does not touch the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from fairness import FileFormatError, sniff_format
from registry.cards.value_types import ERR_FORBIDDEN_CHARACTER, find_forbidden_character
from registry.errors import DomainError, Invalid, PayloadTooLarge, UnsupportedMediaType
from registry.services.audits.staging import StagedUpload, staging_dir

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MIB = 1024 * 1024
SNIFF_BYTES = 64 * 1024
FLUSH_BYTES = MIB
MAX_FIELD_BYTES = MIB  # the spec JSON and other text fields
#: multipart framing and the text fields may add this much to the body beyond the file itself
FRAMING_ALLOWANCE = MAX_FIELD_BYTES + 64 * 1024

ERR_NOT_MULTIPART = (
    "Expected a multipart/form-data body with a 'file' part (the sample) and a 'spec' part "
    "(the audit spec as JSON); got Content-Type {content_type!r}."
)
ERR_NO_BOUNDARY = "The multipart Content-Type header has no boundary parameter."
ERR_TOO_LARGE = "The file is larger than the limit of {limit_mb} MiB (REGISTRY_MAX_UPLOAD_MB)."
ERR_TRUNCATED = (
    "The upload was cut off: the body ended after {received} bytes, before the closing multipart "
    "boundary. Send the whole request again."
)
ERR_MALFORMED = "The multipart body cannot be parsed: {detail}"
ERR_NO_FILE = (
    "The form has no 'file' part: attach the sample (CSV, gzip-compressed CSV or Parquet)."
)
ERR_NO_FIELD = "The form has no {name!r} part: {hint}"
ERR_DUPLICATE_PART = "The form has more than one {name!r} part; send each part once."
ERR_UNKNOWN_PART = "Unexpected form part {name!r}; expected one of: {expected}."
ERR_FIELD_TOO_LARGE = "The form part {name!r} is larger than {limit} bytes."
ERR_FIELD_NOT_UTF8 = "The form part {name!r} is not UTF-8 text."


class IncompleteUpload(DomainError):
    status = 400
    code = "incomplete_upload"


def judge_format(head: bytes, *, complete: bool) -> str:
    """The file's format by content (``fairness.sniff_format``), its refusals as HTTP errors.

    An empty file is 422 (``Invalid``); binary data, another encoding than UTF-8 or a first line
    without a delimiter is 415 (``UnsupportedMediaType``). Either names ``["file"]`` in its details.
    """
    try:
        return sniff_format(head, complete=complete)
    except FileFormatError as exc:
        if exc.kind == "empty":
            details = [{"loc": ["file"], "msg": exc.message, "type": "empty"}]
            raise Invalid(exc.message, details=details) from exc
        details = [{"loc": ["file"], "msg": exc.message, "type": "format"}]
        raise UnsupportedMediaType(exc.message, details=details) from exc


def _field_error(name: str, message: str, kind: str = "missing") -> Invalid:
    return Invalid(message, details=[{"loc": [name], "msg": message, "type": kind}])


class _FormReader:
    """Collects parts from python-multipart callbacks; the file part is buffered for flushing."""

    def __init__(self, *, file_field: str, text_fields: dict[str, str], max_bytes: int) -> None:
        self.file_field = file_field
        self.text_fields = text_fields  # name -> hint shown when missing
        self.max_bytes = max_bytes
        self.ended = False
        self.fields: dict[str, bytearray] = {}
        self.filename: str | None = None
        self.file_seen = False
        self.file_size = 0
        self.pending = bytearray()
        self.error: DomainError | None = None
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._current: str | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._current = None

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).decode("latin-1").lower()] = bytes(
            self._header_value
        )
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        expected = [self.file_field, *self.text_fields]
        if name not in expected:
            self._fail(
                _field_error(
                    name,
                    ERR_UNKNOWN_PART.format(name=name, expected=", ".join(expected)),
                    "unknown",
                )
            )
            return
        if name in self.fields or (name == self.file_field and self.file_seen):
            self._fail(_field_error(name, ERR_DUPLICATE_PART.format(name=name), "duplicate"))
            return
        self._current = name
        if name == self.file_field:
            self.file_seen = True
            raw = params.get(b"filename")
            self.filename = raw.decode("utf-8", "replace")[:255] if raw else None
        else:
            self.fields[name] = bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None or self._current is None:
            return
        if self._current == self.file_field:
            self.file_size += end - start
            if self.file_size > self.max_bytes:
                limit_mb = self.max_bytes // MIB
                self._fail(PayloadTooLarge(ERR_TOO_LARGE.format(limit_mb=limit_mb)))
                return
            self.pending.extend(data[start:end])
        else:
            buf = self.fields[self._current]
            buf.extend(data[start:end])
            if len(buf) > MAX_FIELD_BYTES:
                name = self._current
                self._fail(
                    _field_error(
                        name,
                        ERR_FIELD_TOO_LARGE.format(name=name, limit=MAX_FIELD_BYTES),
                        "too_large",
                    )
                )

    def _end(self) -> None:
        self.ended = True

    def _fail(self, error: DomainError) -> None:
        if self.error is None:
            self.error = error


class _Sink:
    """Staging file with sha256 on the way; content is sniffed once the first 64 KiB are in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hasher = hashlib.sha256()
        self.fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.head = bytearray()
        self.source_format: str | None = None

    def write(self, data: bytes) -> None:
        if self.source_format is None:
            self.head.extend(data[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self.source_format = judge_format(bytes(self.head), complete=False)
        self.hasher.update(data)
        self.fh.write(data)

    def finish(self) -> str:
        if self.source_format is None:
            self.source_format = judge_format(bytes(self.head), complete=True)
        self.fh.flush()
        return self.source_format

    def close(self) -> None:
        self.fh.close()


async def receive_multipart(
    chunks: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: int | None,
    uploads_dir: Path,
    max_bytes: int,
    text_fields: dict[str, str],
    file_field: str = "file",
    required_fields: tuple[str, ...] = ("spec",),
) -> StagedUpload:
    """Stream a multipart body to a staging file under ``uploads_dir``. See the module docstring.

    ``text_fields`` maps each accepted text part to the hint shown when a required one is missing.
    On success the caller owns the staging file (``StagedUpload.discard()`` removes it); on any
    error it has already been removed.
    """
    mime, params = parse_options_header(content_type or "")
    if mime != b"multipart/form-data":
        raise UnsupportedMediaType(ERR_NOT_MULTIPART.format(content_type=content_type or ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise UnsupportedMediaType(ERR_NO_BOUNDARY)
    if content_length is not None and content_length > max_bytes + FRAMING_ALLOWANCE:
        raise PayloadTooLarge(ERR_TOO_LARGE.format(limit_mb=max_bytes // MIB))

    reader = _FormReader(file_field=file_field, text_fields=text_fields, max_bytes=max_bytes)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
    except Exception as exc:  # a boundary python-multipart refuses
        raise UnsupportedMediaType(ERR_MALFORMED.format(detail=exc)) from exc
    path = staging_dir(uploads_dir) / f"{uuid.uuid4().hex}.part"
    sink = await anyio.to_thread.run_sync(_Sink, path)
    received = 0
    try:
        try:
            async for chunk in chunks:
                received += len(chunk)
                try:
                    parser.write(chunk)
                except MultipartParseError as exc:
                    raise IncompleteUpload(ERR_MALFORMED.format(detail=exc)) from exc
                if reader.error is not None:
                    raise reader.error
                if len(reader.pending) >= FLUSH_BYTES:
                    data, reader.pending = bytes(reader.pending), bytearray()
                    await anyio.to_thread.run_sync(sink.write, data)
        except DomainError:
            raise
        except Exception as exc:  # client disconnect and friends: the body never completed
            raise IncompleteUpload(ERR_TRUNCATED.format(received=received)) from exc
        if not reader.ended:
            raise IncompleteUpload(ERR_TRUNCATED.format(received=received))
        if not reader.file_seen:
            raise _field_error(file_field, ERR_NO_FILE)
        for name in required_fields:
            if name not in reader.fields:
                raise _field_error(name, ERR_NO_FIELD.format(name=name, hint=text_fields[name]))
        fields: dict[str, str] = {}
        for name, raw in reader.fields.items():
            try:
                fields[name] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _field_error(name, ERR_FIELD_NOT_UTF8.format(name=name), "encoding") from exc
            if (found := find_forbidden_character(fields[name])) is not None:
                message = ERR_FORBIDDEN_CHARACTER.format(found=found.describe())
                raise _field_error(name, message, "forbidden_character")
        data = bytes(reader.pending)
        reader.pending = bytearray()
        await anyio.to_thread.run_sync(sink.write, data)
        source_format = await anyio.to_thread.run_sync(sink.finish)
        sink.close()
        return StagedUpload(
            path=path,
            sha256=sink.hasher.hexdigest(),
            size=reader.file_size,
            source_format=source_format,
            filename=reader.filename,
            fields=fields,
        )
    except BaseException:
        sink.close()
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise
