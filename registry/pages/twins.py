"""Machine-readable twins of public pages: JSON and CSV bodies, ``Link`` headers, safe CSV cells.

Every page ``P`` also answers as ``P.json`` (the same view-model the HTML renders) and list/table
pages as ``P.csv``. The home page ``/`` has ``/index.json`` and ``/index.csv``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

CSV_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
READ_ONLY_CORS = {"Access-Control-Allow-Origin": "*"}
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html"}


def twin_path(path: str, fmt: str) -> str:
    """``/algorithms/x`` -> ``/algorithms/x.json``; ``/`` -> ``/index.json``."""
    if fmt == "html":
        return path
    base = "/index" if path == "/" else path.rstrip("/")
    return f"{base}.{fmt}"


def html_path(path: str) -> str:
    """The inverse of :func:`twin_path` for a concrete request path."""
    for fmt in ("json", "csv", "pdf"):
        suffix = f".{fmt}"
        if path.endswith(suffix):
            base = path[: -len(suffix)]
            return "/" if base == "/index" else base
    return path


def with_query(path: str, params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", [])}
    return f"{path}?{urlencode(clean, doseq=True)}" if clean else path


def link_header(path: str, query: dict[str, Any], formats: Sequence[str], current: str) -> str:
    """RFC 8288 ``Link`` header naming the other representations of this page."""
    parts = []
    for fmt in ("html", *formats):
        if fmt == current:
            continue
        rel = "canonical" if fmt == "html" else "alternate"
        target = with_query(twin_path(path, fmt), query)
        parts.append(f'<{target}>; rel="{rel}"; type="{MEDIA_TYPES[fmt].split(";")[0]}"')
    return ", ".join(parts)


def safe_cell(value: Any) -> str:
    """One CSV cell. Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text.startswith(CSV_DANGEROUS_PREFIXES):
        return "'" + text
    return text


# Every CSV the site serves starts with a UTF-8 byte-order mark: spreadsheet programs (Excel above
# all) read a CSV without one in the system's legacy code page, which turns Chinese text into
# mojibake. CSV libraries skip it (pandas; Python's csv with encoding="utf-8-sig"). docs/pages.md.
CSV_BOM = "\ufeff"


def csv_document(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole CSV download: the byte-order mark, the header row and the rows, UTF-8."""
    return (CSV_BOM + csv_text(columns, rows)).encode("utf-8")


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_default, separators=(",", ":")).encode()
