"""The types every format shares: what a read gives, what a write needs and gives, the protocol.

Pure: no database, no web. See the package docstring (``registry/formats/__init__.py``) for the
contract in words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class NoteKind(StrEnum):
    """What happened to one source field (or one card field) during a read or a write."""

    MAPPED = "mapped"  # copied as is
    EMPTY = "empty"  # the source left it empty; left empty on our side too
    NEEDS_PERSON = "needs_person"  # something a person must decide or fill: never guessed
    NOT_MAPPED = "not_mapped"  # the other side has no place for it
    CONVERTED = "converted"  # carried over, but changed on the way (vocabulary, moved, reshaped)


class Msg(str):
    """An English sentence that keeps its template and values, so that an interface can show it
    in the reader's language: ``Msg("'{key}' is empty.", key="goal")`` is the text
    ``"'goal' is empty."`` with ``template`` ``"'{key}' is empty."`` (a message of the gettext
    catalogs, ``str.format`` placeholders) and ``values`` ``{"key": "goal"}``. A value that is
    itself a ``Msg`` (a reason kept in a mapping file) is kept as ``{"template", "values"}`` and
    translated too; other values (the standards' keys, the source's text) are shown as they are.
    The formats stay free of the interface's languages: ``registry.console.vm_import`` translates.
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Msg:
        text = super().__new__(cls, template.format(**{k: str(v) for k, v in values.items()}))
        text.template = template
        text.values = {k: _kept(v) for k, v in values.items()}
        return text


def _kept(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"template": value.template, "values": value.values}
    return str(value)


@dataclass(frozen=True)
class MappingNote:
    """One line of a record's mapping report.

    ``field`` is our card field as a dotted path (``contact.email``; ``""`` for the record as a
    whole); ``source_key`` the other standard's key (``""`` when none); ``message`` an English
    sentence naming both. ``template`` and ``values`` (see :class:`Msg`; empty for a sentence
    that has none) let an interface show the message in another language.
    """

    field: str
    kind: str
    message: str
    source_key: str = ""
    template: str = ""
    values: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, field: str, kind: str, message: str, source_key: str = "") -> MappingNote:
        """A note whose message keeps its template when it is a :class:`Msg`."""
        if isinstance(message, Msg):
            return cls(field, kind, str(message), source_key, message.template, message.values)
        return cls(field, kind, str(message), source_key)


@dataclass(frozen=True)
class ImportedRecord:
    """One entry of a source file, read into a DRAFT card (valid under ``validate_draft``).

    Every entry of the file gives one ImportedRecord, in file order (``index``, counted from 0), so
    nothing is dropped silently. An entry that must not become a card (a metadata row of the flat
    export, something that is not a record, a duplicate of an earlier entry) carries the reason in
    ``skipped`` and an empty ``card`` (a duplicate keeps its card, for the report);
    ``duplicate_of`` then names the earlier entry's index.
    """

    index: int
    source_id: str | None
    content_key: str  # sha256 of the canonical JSON of the source entry: stable across reruns
    agency_name: str | None
    language: str  # BCP 47, e.g. "nl", "en", "zh-CN": the card's original language
    card: dict[str, Any]
    notes: tuple[MappingNote, ...]
    standard: str
    standard_version: str
    skipped: str | None = None
    duplicate_of: int | None = None

    @property
    def importable(self) -> bool:
        return self.skipped is None

    def notes_of_kind(self, kind: str) -> list[MappingNote]:
        return [note for note in self.notes if note.kind == kind]


@dataclass(frozen=True)
class PublishedAudit:
    """A published audit of the exported version, as its page states it."""

    title: str
    verdict: str  # "pass" | "fail" | "inconclusive" | ... as the audit page words it (a code)
    published_on: str  # ISO date
    headline: str  # the first finding, a sentence
    url: str | None = None


@dataclass(frozen=True)
class ExportMeta:
    """What an export needs beyond the card: the registry's record of the published version."""

    public_id: str
    version: int
    agency_name: str
    published_on: str  # ISO date of the version's publication
    page_url: str | None = None  # the public page of the algorithm
    json_url: str | None = None  # the JSON twin of that page
    agency_website: str | None = None
    agency_address: str | None = None  # postal address of the agency (EU Annex VIII C.1)
    audits: tuple[PublishedAudit, ...] = ()
    eu_database_url: str | None = None  # the provider's entry in the EU database, when known
    cac_filing_number: str | None = None  # 备案编号, when known
    change_summary: str | None = None


@dataclass(frozen=True)
class ExportResult:
    """One exported file; ``missing_required`` is also written into ``content`` (per format)."""

    content: bytes
    media_type: str
    filename: str
    missing_required: tuple[str, ...]
    notes: tuple[MappingNote, ...] = field(default=())


class FormatError(ValueError):
    """The FILE cannot be read at all (not JSON, not UTF-8, wrong top-level shape).

    A messy record never raises: it becomes an ImportedRecord with notes.
    """

    def __init__(self, message: str, *, line: int | None = None, record: int | None = None):
        where = []
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)
        self.message = message
        self.line = line
        self.record = record


@runtime_checkable
class Format(Protocol):
    """One external standard (one layout of it)."""

    id: str
    title: str
    standard: str
    standard_version: str
    can_read: bool
    can_write: bool
    media_type: str

    def read(self, data: bytes) -> list[ImportedRecord]: ...

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult: ...

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult: ...
