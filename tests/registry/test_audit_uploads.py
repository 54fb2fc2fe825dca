"""The streaming multipart reader: cap, sha256, sniffing, truncation; nothing left behind."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import anyio
import pytest

from fairness import FileFormatError, sniff_format
from registry.api import uploads as uploads
from registry.api.uploads import IncompleteUpload, receive_multipart
from registry.errors import DomainError, Invalid, PayloadTooLarge, UnsupportedMediaType
from registry.services.audits.staging import OWNER_LOCK_NAME

BOUNDARY = "testboundary1234"
FIELDS = {"spec": "attach the audit spec as JSON.", "version": "the card version."}


def _body(parts: list[tuple[str, bytes, str | None]], *, close: bool = True) -> bytes:
    out = bytearray()
    for name, data, filename in parts:
        out += f"--{BOUNDARY}\r\n".encode()
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"Content-Disposition: {disp}\r\n\r\n".encode()
        out += data + b"\r\n"
    if close:
        out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


def _receive(
    body: bytes,
    uploads_dir: Path,
    *,
    max_bytes: int = 10 * uploads.MIB,
    chunk: int = 7_001,
    content_type: str | None = None,
):
    async def chunks():
        for i in range(0, len(body), chunk):
            yield body[i : i + chunk]

    async def run():
        return await receive_multipart(
            chunks(),
            content_type=content_type or f"multipart/form-data; boundary={BOUNDARY}",
            content_length=len(body),
            uploads_dir=uploads_dir,
            max_bytes=max_bytes,
            text_fields=FIELDS,
        )

    return anyio.run(run)


def _leftovers(uploads_dir: Path) -> list[Path]:
    return [p for p in uploads_dir.rglob("*") if p.is_file() and p.name != OWNER_LOCK_NAME]


CSV = b"group,prediction,label\n" + b"a,1,0\nb,0,1\n" * 50_000


def test_streams_file_to_staging_with_sha256(tmp_path: Path) -> None:
    staged = _receive(_body([("spec", b'{"a": 1}', None), ("file", CSV, "x.txt")]), tmp_path)
    assert staged.path.read_bytes() == CSV
    assert staged.sha256 == hashlib.sha256(CSV).hexdigest()
    assert staged.size == len(CSV)
    assert staged.source_format == "csv"  # judged by content, not by the ".txt" name
    assert staged.filename == "x.txt"
    assert staged.fields == {"spec": '{"a": 1}'}
    staged.discard()
    assert _leftovers(tmp_path) == []


def test_gzip_and_parquet_are_recognised_by_magic_bytes(tmp_path: Path) -> None:
    staged = _receive(
        _body([("file", gzip.compress(CSV), "sample.csv"), ("spec", b"{}", None)]), tmp_path
    )
    assert staged.source_format == "csv.gz"
    staged.discard()
    assert sniff_format(b"PAR1\x15\x04", complete=False) == "parquet"


@pytest.mark.parametrize(
    ("data", "error", "needle"),
    [
        (b"", Invalid, "The file is empty"),
        (b"\n\n", Invalid, "The file is empty"),
        (
            b"\x00\x01\x02garbage" * 10_000,
            UnsupportedMediaType,
            "binary data (byte 0x00 at offset 0)",
        ),
        (
            b"group,pred\n\xff\xfe\xfa",
            UnsupportedMediaType,
            "byte 0xff at offset 11 is not valid UTF-8",
        ),
        (b"just one long line without any separator\n1\n", UnsupportedMediaType, "no delimiter"),
    ],
)
def test_bad_content_is_refused_and_nothing_is_left(tmp_path: Path, data, error, needle) -> None:
    with pytest.raises(error) as info:
        _receive(_body([("spec", b"{}", None), ("file", data, "f.csv")]), tmp_path)
    assert needle in info.value.message
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "status", "kind"),
    [
        (b"", 422, "empty"),
        (b"PK\x03\x04\x00\x00zip", 415, "format"),
        (b"a,b\n\xe9\n", 415, "format"),
        (b"no delimiter here\n", 415, "format"),
    ],
    ids=["empty", "binary", "encoding", "delimiter"],
)
def test_sniffing_refusals_keep_their_status_and_point_at_the_file_part(
    tmp_path: Path, data: bytes, status: int, kind: str
) -> None:
    """fairness judges the content; the upload answers 422 for an empty file, 415 otherwise."""
    with pytest.raises(DomainError) as info:
        _receive(_body([("spec", b"{}", None), ("file", data, "f.csv")]), tmp_path)
    with pytest.raises(FileFormatError) as judged:
        sniff_format(data)
    assert info.value.status == status
    assert info.value.message == judged.value.message
    assert info.value.details == [{"loc": ["file"], "msg": judged.value.message, "type": kind}]
    assert _leftovers(tmp_path) == []


def test_binary_garbage_is_refused_before_the_whole_body_is_read(tmp_path: Path) -> None:
    seen = []

    async def chunks():
        yield _body([("spec", b"{}", None)], close=False)
        yield f"--{BOUNDARY}\r\n".encode()
        yield b'Content-Disposition: form-data; name="file"; filename="g"\r\n\r\n'
        for _ in range(1_000):
            seen.append(1)
            yield b"\x00" * 65_536

    async def run():
        return await receive_multipart(
            chunks(),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            content_length=None,
            uploads_dir=tmp_path,
            max_bytes=1024 * uploads.MIB,
            text_fields=FIELDS,
        )

    with pytest.raises(UnsupportedMediaType):
        anyio.run(run)
    assert len(seen) < 40  # stopped at the first flush (about 1 MiB), not after 64 MiB
    assert _leftovers(tmp_path) == []


def test_over_the_cap_is_413_while_streaming(tmp_path: Path) -> None:
    body = _body([("spec", b"{}", None), ("file", CSV, "f.csv")])
    with pytest.raises(PayloadTooLarge) as info:
        _receive(body, tmp_path, max_bytes=100_000)
    assert "larger than the limit" in info.value.message
    assert _leftovers(tmp_path) == []


def test_declared_content_length_over_the_cap_is_refused_up_front(tmp_path: Path) -> None:
    async def never():
        raise AssertionError("the body must not be read")
        yield b""  # pragma: no cover

    async def run():
        return await receive_multipart(
            never(),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            content_length=50 * uploads.MIB,
            uploads_dir=tmp_path,
            max_bytes=10 * uploads.MIB,
            text_fields=FIELDS,
        )

    with pytest.raises(PayloadTooLarge):
        anyio.run(run)


def test_cut_off_upload_is_400_and_partial_file_removed(tmp_path: Path) -> None:
    body = _body([("spec", b"{}", None), ("file", CSV, "f.csv")])
    with pytest.raises(IncompleteUpload) as info:
        _receive(body[: len(body) // 2], tmp_path)
    assert info.value.status == 400
    assert "cut off" in info.value.message
    assert _leftovers(tmp_path) == []


def test_client_disconnect_mid_body_is_treated_as_cut_off(tmp_path: Path) -> None:
    body = _body([("spec", b"{}", None), ("file", CSV, "f.csv")])

    async def chunks():
        yield body[:200_000]
        raise OSError("client went away")

    async def run():
        return await receive_multipart(
            chunks(),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            content_length=None,
            uploads_dir=tmp_path,
            max_bytes=10 * uploads.MIB,
            text_fields=FIELDS,
        )

    with pytest.raises(IncompleteUpload):
        anyio.run(run)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("parts", "needle"),
    [
        ([("spec", b"{}", None)], "no 'file' part"),
        ([("file", CSV, "f.csv")], "no 'spec' part"),
        (
            [("spec", b"{}", None), ("file", CSV, "f"), ("file", CSV, "g")],
            "more than one 'file' part",
        ),
        (
            [("spec", b"{}", None), ("file", CSV, "f"), ("colour", b"red", None)],
            "Unexpected form part 'colour'",
        ),
        ([("spec", b"\xff\xfe", None), ("file", CSV, "f")], "'spec' is not UTF-8"),
    ],
)
def test_form_shape_errors_name_the_part(tmp_path: Path, parts, needle) -> None:
    with pytest.raises(Invalid) as info:
        _receive(_body(parts), tmp_path)
    assert needle in info.value.message
    assert _leftovers(tmp_path) == []


def test_non_multipart_body_is_415(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        _receive(CSV, tmp_path, content_type="text/csv")
    assert "multipart/form-data" in info.value.message
