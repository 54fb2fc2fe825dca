"""Published versions in other registers' formats (``registry.formats``): one file per version
and format, the links on the algorithm page, and the whole register per format as a zip.

Only published content is ever exported: everything is read through
``registry.services.public.records`` (never a draft). A format that lacks a field its standard
requires writes the gap into the file (each format's own way) and the page says so in words; no
content is invented.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from registry.errors import NotFound
from registry.formats import FORMATS, ExportMeta, ExportResult, PublishedAudit
from registry.lru import LRUCache
from registry.models import Agency, Algorithm, CardVersion
from registry.models.audit import Audit
from registry.pages import findings
from registry.pages.view_types import ExportLink
from registry.services.public import records
from registry.services.public.exports import public_current_versions

ERR_NO_EXPORT_FORMAT = "No export format '{format_id}'. Formats: {choices}."
HEADLINE_LANG = "en"  # the exports' audit headlines (the standards' own language is English)
ZIP_MANIFEST = "missing_required.json"
ERR_NO_VERSION = "Algorithm '{public_id}' has no published version {number}."


def writable_formats() -> dict[str, Any]:
    """Format id -> format, for every format that can be written, in the package's order."""
    return {fid: fmt for fid, fmt in FORMATS.items() if fmt.can_write}


def _format(format_id: str) -> Any:
    fmt = writable_formats().get(format_id)
    if fmt is None:
        choices = ", ".join(writable_formats())
        raise NotFound(ERR_NO_EXPORT_FORMAT.format(format_id=format_id, choices=choices))
    return fmt


def audit_headlines(session: Session, audits: list[Audit], *, k: int) -> dict[int, str | None]:
    """The English headline of each public audit's findings, by row id (for the files)."""
    reports = records.audit_reports(session, [a.id for a in audits if a.id is not None])
    return {
        row_id: findings.headline(report, HEADLINE_LANG, k=k) for row_id, report in reports.items()
    }


def export_url(public_id: str, number: int, format_id: str) -> str:
    return f"/algorithms/{public_id}/versions/{number}/export/{format_id}"


def export_meta(
    algorithm: Algorithm,
    agency: Agency,
    version: CardVersion,
    audits: list[Audit],
    *,
    base_url: str,
    headlines: dict[int, str | None],
) -> ExportMeta:
    """What a format needs besides the card: the registry's record of the published version."""
    page = f"{base_url}/algorithms/{algorithm.public_id}"
    return ExportMeta(
        public_id=algorithm.public_id,
        version=version.number,
        agency_name=agency.name,
        published_on=version.published_at.date().isoformat(),
        page_url=f"{page}/versions/{version.number}",
        json_url=f"{page}/versions/{version.number}.json",
        agency_website=agency.website,
        audits=tuple(
            PublishedAudit(
                title=f"{a.kind} audit {a.public_id}",
                verdict=str(a.verdict or ""),
                published_on=a.published_at.date().isoformat() if a.published_at else "",
                headline=headlines.get(a.id or 0) or "",
                url=f"{base_url}/audits/{a.public_id}",
            )
            for a in audits
            if a.card_version_id == version.id and a.withdrawn_at is None
        ),
        # The card has no field for the provider's EU database entry or a CAC filing number
        # yet: the formats then list them as missing rather than guess.
        eu_database_url=None,
        cac_filing_number=None,
        change_summary=version.change_summary,
    )


#: What a page shows of each written file (its name, type and gaps), by format, version and meta.
_WRITTEN: LRUCache[tuple[Any, ...], ExportResult] = LRUCache(4096)


def _summary(result: ExportResult) -> ExportResult:
    """The written file without its bytes (pages show only the name, type and missing fields)."""
    return ExportResult(
        content=b"",
        media_type=result.media_type,
        filename=result.filename,
        missing_required=tuple(result.missing_required),
    )


def export_links(
    record: records.AlgorithmRecord,
    version: CardVersion,
    *,
    base_url: str,
    headlines: dict[int, str | None],
) -> list[ExportLink]:
    """The version in each writable format, with what each file lacks."""
    meta = export_meta(
        record.algorithm,
        record.agency,
        version,
        record.audits,
        base_url=base_url,
        headlines=headlines,
    )
    links: list[ExportLink] = []
    for fid, fmt in writable_formats().items():
        # A published card never changes, and the meta is a value: write each file once, not on
        # every page view (writing the six formats was half of an algorithm page's time).
        key = (fid, version.id, version.sha256, meta)
        result = _WRITTEN.get(key)
        if result is None:
            result = _summary(fmt.write(version.card, meta=meta))
            _WRITTEN.put(key, result)
        links.append(
            {
                "format": fid,
                "title": fmt.title,
                "standard": fmt.standard,
                "standard_version": fmt.standard_version,
                "url": export_url(record.algorithm.public_id, version.number, fid),
                "filename": result.filename,
                "media_type": result.media_type,
                "register_url": f"/downloads/{bulk_filename(fid)}",
                "missing_required": list(result.missing_required),
            }
        )
    return links


def export_version(
    session: Session, *, public_id: str, number: int, format_id: str, base_url: str, k: int
) -> ExportResult:
    """One published version in one format. 404 for a draft, an unknown version or format."""
    fmt = _format(format_id)
    record = records.algorithm_record(session, public_id)
    version = next((v for v in record.versions if v.number == number), None)
    if version is None:
        raise NotFound(ERR_NO_VERSION.format(public_id=public_id, number=number))
    headlines = audit_headlines(session, record.audits, k=k)
    meta = export_meta(
        record.algorithm,
        record.agency,
        version,
        record.audits,
        base_url=base_url,
        headlines=headlines,
    )
    result: ExportResult = fmt.write(version.card, meta=meta)
    return result


def bulk_filename(format_id: str) -> str:
    return f"register.{format_id}.zip"


def require_format(format_id: str) -> None:
    _format(format_id)


class _Chunks:
    """A write-only file whose bytes are taken out as they come (for a streamed zip)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def stream_register_zip(
    session: Session, *, format_id: str, base_url: str, k: int
) -> Iterator[bytes]:
    """The current published version of every public algorithm in one format, one file each, in
    a zip written as it goes (plus ``missing_required.json``: what each file lacks)."""
    fmt = _format(format_id)
    sink = _Chunks()
    missing: dict[str, list[str]] = {}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for algorithm, agency, version, audits in public_current_versions(session):
            headlines = audit_headlines(session, audits, k=k)
            meta = export_meta(
                algorithm, agency, version, audits, base_url=base_url, headlines=headlines
            )
            result: ExportResult = fmt.write(version.card, meta=meta)
            name = f"{algorithm.public_id}/{result.filename}"
            archive.writestr(name, result.content)
            missing[name] = list(result.missing_required)
            yield sink.take()
        archive.writestr(
            ZIP_MANIFEST,
            json.dumps(
                {
                    "format": format_id,
                    "standard": fmt.standard,
                    "standard_version": fmt.standard_version,
                    "missing_required": missing,
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
    yield sink.take()
