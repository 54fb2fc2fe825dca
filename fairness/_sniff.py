"""Judging a file's format from its first bytes: Parquet, gzip-compressed CSV, or CSV text.

The one place that knows the magic bytes and the delimiters. The readers (``_source``) classify an
opened file with ``format_from_magic``; a caller that receives a file in pieces (the registry's
upload) calls ``sniff_format`` on the first bytes to refuse binary garbage, another encoding or a
file without a header line before storing the rest. The name of a file is never consulted.
"""

from __future__ import annotations

import codecs
import re

from fairness._errors import BINARY_DATA, EMPTY_FILE, NO_DELIMITER, NOT_UTF8_BYTE, FileFormatError

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
#: Delimiters a CSV header may use, in order of preference when counts tie.
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
#: The first line ends at the first line break of either convention.
_LINE_BREAK = re.compile(r"[\r\n]")


def format_from_magic(head: bytes) -> str:
    """``"parquet"`` or ``"csv.gz"`` by magic bytes; anything else is to be read as ``"csv"``."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(GZIP_MAGIC):
        return "csv.gz"
    return "csv"


def sniff_format(head: bytes, *, complete: bool = True) -> str:
    """Judge the format of a file from its first bytes: ``"csv"``, ``"csv.gz"`` or ``"parquet"``.

    Parquet (``PAR1``) and gzip (``1f 8b``) are recognised by their magic bytes; their content is
    checked when the file is read. Anything else must be CSV text: UTF-8 (a byte-order mark is
    allowed), no NUL byte, not blank, and a first line holding one of the delimiters ``,`` ``;``
    tab ``|`` (a header needs at least two columns). Only ``head`` is examined, so a caller can
    judge an upload from its first few kilobytes and refuse it before reading the rest.

    Parameters
    ----------
    head:
        The first bytes of the file (64 KiB is plenty), or the whole file.
    complete:
        Whether ``head`` is the whole file. When ``False``, a multi-byte UTF-8 character cut off
        at the end of ``head`` is taken as the edge of the window, not as an encoding error.

    Returns
    -------
    str
        ``"parquet"``, ``"csv.gz"`` or ``"csv"``.

    Raises
    ------
    FileFormatError
        With ``kind`` ``"empty"`` (no bytes, or only blank lines), ``"binary"`` (a NUL byte;
        ``offset`` is its position), ``"encoding"`` (not UTF-8; the message names the byte and
        ``offset`` its position) or ``"delimiter"`` (no delimiter on the first line).

    Examples
    --------
    >>> sniff_format(b"group;label;prediction\\nA;1;0\\n")
    'csv'
    >>> sniff_format(b"PAR1\\x15\\x04", complete=False)
    'parquet'
    >>> try:
    ...     sniff_format(b"group,label\\n\\xff")
    ... except FileFormatError as exc:
    ...     print(exc.kind, exc.offset)
    encoding 12
    """
    if not head:
        raise FileFormatError(EMPTY_FILE, kind="empty")
    source_format = format_from_magic(head)
    if source_format != "csv":
        return source_format
    nul = head.find(b"\x00")
    if nul >= 0:
        raise FileFormatError(BINARY_DATA.format(offset=nul), kind="binary", offset=nul)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError as exc:
        message = NOT_UTF8_BYTE.format(byte=head[exc.start], offset=exc.start)
        raise FileFormatError(message, kind="encoding", offset=exc.start) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise FileFormatError(EMPTY_FILE, kind="empty")
    first_line = _LINE_BREAK.split(text, maxsplit=1)[0]
    if not any(d in first_line for d in CANDIDATE_DELIMITERS):
        raise FileFormatError(NO_DELIMITER, kind="delimiter")
    return "csv"
