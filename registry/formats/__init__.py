"""Other registers' and regulators' formats: read their records into draft cards, write ours out.

Pure: no database, no web. Depends on ``registry.cards`` (the card schema and its draft
validation) and nothing else of the registry; the import pipeline (CLI, console review) and the
export links are built on top of this package.

The contract (stable; a new format or a new version of a standard adds to it, never changes it):

``FORMATS: dict[str, Format]``
    Every format by id. ``Format`` has ``id``, ``title``, ``standard``, ``standard_version``,
    ``can_read``, ``can_write``, ``media_type`` and:

``read(data: bytes) -> list[ImportedRecord]``
    Every entry of the file, in file order, one ``ImportedRecord`` each. Raises ``FormatError``
    (with ``line`` and/or ``record``) only when the FILE cannot be read at all (not JSON / CSV /
    Markdown with front matter, or the wrong top-level shape). A messy record never raises:
    * its ``card`` is a DRAFT that ``registry.cards.validate_draft`` accepts (a value our schema
      refuses is dropped, with a ``needs_person`` note); nothing is invented: an empty required
      field stays empty with a ``needs_person`` note;
    * its ``notes`` say, per source key, what was ``mapped``, ``converted`` (vocabulary variants,
      a URL moved out of an e-mail field, HTML turned into text, dates into months),
      left ``empty``, ``not_mapped`` (no place on our card) or ``needs_person`` (unknown
      vocabulary, replacement characters U+FFFD or mis-decoded text, over-long values);
    * ``language`` is the record's original language (declared, else guessed from its text, else
      the standard's usual language) and is also the card's ``language``: Dutch stays Dutch;
    * an entry that must not be imported (a metadata row of the flat export, a non-record, a
      duplicate by content key or source id of an earlier entry) has ``skipped`` set to the reason
      and an empty card (a duplicate keeps its card, for the report); ``duplicate_of`` names the
      earlier entry. ``importable`` is
      ``skipped is None``.
    * ``content_key`` is the sha256 of the canonical JSON of the source entry (for reruns);
      ``source_id`` the source's own id (raw), ``agency_name`` the responsible body's name, and
      ``standard`` / ``standard_version`` the mapping used (record them on the imported draft).

``write(card, *, meta: ExportMeta) -> ExportResult``
    One published version as the target's file. ``meta`` carries what is not on the card (public
    id, version number, agency name, publication date, page and JSON URLs, published audits'
    results, EU database link, CAC filing number). ``missing_required`` lists the target's
    required fields we could not fill; the same list is written INTO the file (JSON: the
    ``x_registry_export`` object; CSV: a trailing ``x_registry_missing_required`` column;
    Markdown: ``registry_export.missing_required`` in the front matter). ``notes`` say what could
    not be carried over.

``report_rows(records)`` / ``report_text(records)``
    The per-entry mapping report (outcome, counts of notes by kind, what needs a person).

``write_many(items) -> ExportResult``
    A bulk download of many published versions in one file of the format.

The field mappings are data (``registry/formats/mappings/*.toml``), one file per standard
version; ``docs/interop.md`` describes each format, its mapping and what cannot be mapped.
"""

from __future__ import annotations

from registry.formats._base import (
    ExportMeta,
    ExportResult,
    Format,
    FormatError,
    ImportedRecord,
    MappingNote,
    NoteKind,
    PublishedAudit,
)
from registry.formats.cn_cac_filing import CnCacFiling
from registry.formats.eu_ai_act_deployer import EuAiActDeployer
from registry.formats.hf_model_card import HfModelCard
from registry.formats.nl_algoritmeregister import NlAlgoritmeregister
from registry.formats.nl_register_export import NlRegisterExport
from registry.formats.report import ReportRow, report_rows, report_text
from registry.formats.uk_atrs import UkAtrs, UkAtrsCsv


def _formats() -> dict[str, Format]:
    found: list[Format] = [
        NlAlgoritmeregister(),
        NlRegisterExport(),
        UkAtrs(),
        UkAtrsCsv(),
        HfModelCard(),
        EuAiActDeployer(),
        CnCacFiling(),
    ]
    return {f.id: f for f in found}


FORMATS: dict[str, Format] = _formats()


def readable_formats() -> list[Format]:
    return [f for f in FORMATS.values() if f.can_read]


def writable_formats() -> list[Format]:
    return [f for f in FORMATS.values() if f.can_write]


__all__ = [
    "FORMATS",
    "ExportMeta",
    "ExportResult",
    "Format",
    "FormatError",
    "ImportedRecord",
    "MappingNote",
    "NoteKind",
    "PublishedAudit",
    "ReportRow",
    "readable_formats",
    "report_rows",
    "report_text",
    "writable_formats",
]
