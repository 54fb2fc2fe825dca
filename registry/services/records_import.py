"""Import records from another register's format as DRAFT algorithms, with a per-record report.

``import_records(session, format_id=..., data=..., ...)`` reads a file with one of
:data:`registry.formats.FORMATS` (each entry becomes an :class:`ImportedRecord`), decides for each
record what happens to it and, unless ``dry_run``, creates each importable one as a draft
algorithm of its agency, ONE transaction per record: a record either imports whole (agency if
new, algorithm, draft card, ledger event) or not at all, and a failure of one record never stops
the others. Nothing is ever published here: an imported draft is published only through the
four-eyes review like any other.

What a record becomes (its ``outcome``):

* ``created`` (``would_create`` in a dry run): a new draft algorithm;
* ``already_imported``: an algorithm imported earlier from the same standard with the same source
  id, or with the same content key (the sha256 of the source entry), exists; nothing is written.
  Rerunning a file therefore creates nothing twice;
* ``skipped``: the format marked the entry as not a record (a metadata row, a duplicate in the
  file), its agency could not be resolved, or its card could not be stored; ``reason`` says why.

Agencies: ``agency`` (a slug) puts every record into that agency. Otherwise each record's source
organisation is looked up in ``agency_map`` (source name -> slug), then matched by name against the
existing agencies (case, spacing and NFKC aside, ``registry.spoofing.name_key``), and created when
none matches (admin or the command line only).

Provenance is kept on the algorithm (``import_standard``, ``import_standard_version``,
``import_source_id``, ``import_content_key``) and in the ``algorithm.created`` event's payload.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from registry.cards import missing_required_fields
from registry.errors import DomainError, Forbidden, Invalid, NotFound
from registry.formats import FORMATS, FormatError, ImportedRecord, MappingNote
from registry.formats._base import Msg
from registry.models import Account, Agency, AgencyCreate, Algorithm, Role
from registry.services.cards.agencies import add_agency, get_agency
from registry.services.cards.algorithms import stage_new_algorithm, validated_draft_card
from registry.spoofing import name_key

#: A record's outcomes, in report order.
OUTCOMES = ("created", "would_create", "already_imported", "skipped")
#: Note kinds shown as "needs a person" and "left empty" (the formats' NoteKind values).
NEEDS_PERSON = "needs_person"
LEFT_EMPTY = "empty"
#: A card field the store refused, dropped so the rest of the record can still import.
DROPPED = "dropped"
MAX_DROP_ROUNDS = 5
#: Lengths of the provenance columns (registry.models.Algorithm.import_*).
MAX_STANDARD = 200
MAX_SOURCE_ID = 500
MAX_REASON = 300


def N_(message: str) -> str:
    """Marks a message for the interface's catalogs (the console shows it translated, from the
    template a :class:`~registry.formats._base.Msg` keeps); the text itself stays English here."""
    return message


ERR_UNKNOWN_FORMAT = "Unknown format '{format_id}'. Choose one of: {choices}."
ERR_CANNOT_READ = "The format '{format_id}' can only be written, not imported."
ERR_FILE_UNREADABLE = "The file could not be read as {title}: {message}"
ERR_AGENCY_AND_MAP = "Give either an agency or an agency map, not both."
ERR_MAP_SLUG = "The agency map names the agency '{slug}', which does not exist."
ERR_NO_AGENCY_NAME = N_(
    "The record names no organisation and no agency was chosen: choose an agency for the import."
)
ERR_CREATE_AGENCY_ADMIN = N_(
    "No agency named '{name}' exists and only an admin may create one: map it to an existing "
    "agency or ask an admin to import this file."
)
ERR_EDITOR_OTHER_AGENCY = N_("You may import only into your own agency ('{slug}').")
ERR_NOT_IMPORTER = "Only an admin or an agency editor may import records."
ERR_NO_EDITOR = (
    "Name the account to record as the drafts' last editor (an admin or an editor of the agency)."
)
ERR_EDITOR_NOT_OF_AGENCY = N_(
    "The editor '{email}' is not an admin nor an editor of the agency '{slug}'; the draft would "
    "have no one who may work on it."
)
ERR_STORE_FAILED = N_("The card could not be stored: {message}")
ERR_NO_NAME = N_("The record has no name (title) to register it under.")
MSG_DROPPED = N_("The registry refused this value ({message}); it was left empty for a person.")
MSG_DUPLICATE_IN_FILE = N_("The same record appears earlier in this file (record {n}).")
MSG_ALREADY = N_("Already imported as {public_id}; nothing was changed.")
MSG_NEW_AGENCY = N_("A new agency '{name}' (slug '{slug}') is created for it.")
MSG_LONG_SOURCE_ID = N_(
    "The record's id in the source is longer than {limit} characters and is not kept; reruns "
    "recognise the record by its content instead."
)


@dataclass
class RecordReport:
    """What happened to one record of the file."""

    index: int
    title: str
    outcome: str
    reason: str | None = None
    #: ``reason`` as a catalog message and its values (see registry.formats._base.Msg); empty
    #: when the reason has none
    reason_template: str = ""
    reason_values: dict[str, Any] = field(default_factory=dict)
    source_id: str | None = None
    content_key: str = ""
    source_organisation: str | None = None
    agency: str | None = None  # the slug it went (or would go) to
    new_agency: bool = False
    language: str | None = None
    public_id: str | None = None
    mapped_fields: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def set_reason(self, reason: str) -> None:
        self.reason = str(reason)
        self.reason_template = reason.template if isinstance(reason, Msg) else ""
        self.reason_values = reason.values if isinstance(reason, Msg) else {}

    def notes_by_kind(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for note in self.notes:
            grouped[note["kind"]].append(note)
        return dict(grouped)

    @property
    def needs_person(self) -> bool:
        """Some note asks a person to decide or fill something (counted for the drafts only)."""
        return any(n["kind"] in (NEEDS_PERSON, DROPPED) for n in self.notes)


@dataclass
class ImportReport:
    """The whole import: one entry per record of the file, in file order."""

    format: str
    standard: str
    standard_version: str
    dry_run: bool
    records: list[RecordReport] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for record in self.records:
            out[record.outcome] += 1
        out["needs_person"] = sum(
            1 for r in self.records if r.needs_person and r.outcome in ("created", "would_create")
        )
        return out

    def as_json(self) -> dict[str, Any]:
        """The full report (``registry import-records --report``; stable keys)."""
        return {
            "format": self.format,
            "standard": self.standard,
            "standard_version": self.standard_version,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "records": [
                {**asdict(r), "needs_person": r.needs_person, "notes_by_kind": r.notes_by_kind()}
                for r in self.records
            ],
        }


def readable_formats() -> dict[str, str]:
    """Format id -> title of every format that can be imported."""
    return {fid: fmt.title for fid, fmt in FORMATS.items() if fmt.can_read}


def read_file(format_id: str, data: bytes) -> tuple[Any, list[ImportedRecord]]:
    """The format and the file's records. 422 naming the format when the file cannot be read."""
    fmt = FORMATS.get(format_id)
    if fmt is None:
        msg = ERR_UNKNOWN_FORMAT.format(
            format_id=format_id, choices=", ".join(sorted(readable_formats()))
        )
        raise Invalid(msg, details=[{"loc": ["format"], "msg": msg, "type": "unknown_format"}])
    if not fmt.can_read:
        msg = ERR_CANNOT_READ.format(format_id=format_id)
        raise Invalid(msg, details=[{"loc": ["format"], "msg": msg, "type": "write_only"}])
    try:
        return fmt, fmt.read(data)
    except FormatError as exc:
        msg = ERR_FILE_UNREADABLE.format(title=fmt.title, message=str(exc))
        raise Invalid(msg, details=[{"loc": ["file"], "msg": msg, "type": "unreadable"}]) from None


def import_records(
    session: Session,
    *,
    format_id: str,
    data: bytes,
    actor: Account | None,
    now: datetime,
    agency: str | None = None,
    agency_map: Mapping[str, str] | None = None,
    editor: Account | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Read ``data`` as ``format_id`` and import each record (see the module docstring).

    ``actor`` None is the trusted operator at the command line, who must name the ``editor``
    recorded as each draft's last editor (a console import records the signed-in account).
    Raises (before writing anything) for an unknown format, an unreadable file, an unknown agency
    or one the actor may not import into; each record's own problems end up in its report.
    """
    if agency and agency_map:
        raise Invalid(ERR_AGENCY_AND_MAP)
    if actor is not None and actor.role not in (Role.admin, Role.agency_editor):
        raise Forbidden(ERR_NOT_IMPORTER)
    fmt, records = read_file(format_id, data)
    editor = actor if actor is not None else editor
    fixed = _fixed_agency(session, actor, agency)
    mapped = _mapped_agencies(session, agency_map or {})
    if editor is None and not dry_run:
        raise Invalid(ERR_NO_EDITOR, details=[{"loc": ["editor"], "msg": ERR_NO_EDITOR}])
    report = ImportReport(
        format=format_id,
        standard=fmt.standard,
        standard_version=fmt.standard_version,
        dry_run=dry_run,
    )
    session.rollback()  # start every record from a clean transaction
    planned: dict[str, str] = {}  # name key -> slug of agencies a dry run would create
    for record in records:
        entry = _safe_record_report(record)
        report.records.append(entry)
        try:
            _import_one(
                session,
                record,
                entry,
                actor=actor,
                editor=editor,
                fixed=fixed,
                mapped=mapped,
                planned=planned,
                now=now,
                dry_run=dry_run,
            )
        except IntegrityError:
            # Another import created the same record meanwhile (the content key is unique).
            session.rollback()
            existing = _already_imported(session, record)
            if existing is None:
                _skip(entry, Msg(ERR_STORE_FAILED, message="a uniqueness rule refused it"))
            else:
                _mark_already(session, entry, existing)
        except DomainError as exc:
            session.rollback()
            _skip(entry, _domain_message(exc))
        except Exception as exc:  # one record must never stop the others
            session.rollback()
            first_line = (str(exc).splitlines() or [""])[0][:MAX_REASON]
            _skip(entry, Msg(ERR_STORE_FAILED, message=type(exc).__name__ + ": " + first_line))
    return report


def _safe_record_report(record: ImportedRecord) -> RecordReport:
    card = record.card if isinstance(record.card, dict) else {}
    title = card.get("name") if isinstance(card.get("name"), str) else None
    return RecordReport(
        index=record.index,
        title=title or record.source_id or f"#{record.index + 1}",
        outcome="skipped",
        source_id=record.source_id,
        content_key=record.content_key,
        source_organisation=record.agency_name,
        language=record.language or card.get("language"),
        mapped_fields=sorted(k for k, v in card.items() if v not in (None, "", [], {})),
        notes=[_note(n) for n in record.notes],
    )


def _note(note: MappingNote) -> dict[str, Any]:
    return {
        "field": note.field,
        "kind": str(note.kind),
        "message": note.message,
        "source_key": getattr(note, "source_key", ""),
        "template": getattr(note, "template", ""),
        "values": dict(getattr(note, "values", {}) or {}),
    }


def _service_note(field_name: str, kind: str, message: Msg) -> dict[str, Any]:
    return _note(MappingNote.of(field_name, kind, message))


def _forget_new_agency(entry: RecordReport) -> None:
    """The record's new agency was not created after all (rolled back or not needed)."""
    entry.new_agency = False
    entry.notes = [n for n in entry.notes if n["kind"] != "new_agency"]


def _skip(entry: RecordReport, reason: str) -> None:
    entry.outcome, entry.public_id = "skipped", None
    entry.set_reason(reason)
    _forget_new_agency(entry)


def _domain_message(exc: DomainError) -> str:
    if isinstance(exc.message, Msg) and not exc.details:
        return exc.message  # keeps its template for the console
    parts = [exc.message]
    for detail in exc.details[:5]:
        loc = ".".join(str(p) for p in detail.get("loc", []) if p not in ("body", "card"))
        msg = detail.get("msg")
        if msg and msg != exc.message:
            parts.append(f"{loc}: {msg}" if loc else str(msg))
    return " ".join(parts)


def _import_one(
    session: Session,
    record: ImportedRecord,
    entry: RecordReport,
    *,
    actor: Account | None,
    editor: Account | None,
    fixed: Agency | None,
    mapped: dict[str, Agency],
    planned: dict[str, str],
    now: datetime,
    dry_run: bool,
) -> None:
    if record.skipped is not None:
        reason = record.skipped
        if record.duplicate_of is not None:
            reason = Msg(
                "{reason} {duplicate}",
                reason=reason,
                duplicate=Msg(MSG_DUPLICATE_IN_FILE, n=record.duplicate_of + 1),
            )
        _skip(entry, reason)
        return
    existing = _already_imported(session, record)
    if existing is not None:
        _mark_already(session, entry, existing)
        return
    card = dict(record.card)
    if record.language and not card.get("language"):
        card["language"] = record.language
    card = _storable_card(card, entry)
    entry.missing_required = missing_required_fields(card)
    target = _target_agency(
        session,
        record,
        entry,
        actor=actor,
        fixed=fixed,
        mapped=mapped,
        planned=planned,
        now=now,
        dry_run=dry_run,
    )
    if editor is not None and target is not None:
        _require_editor_may_work_on(editor, target)
    if dry_run:
        entry.outcome = "would_create"
        return
    assert target is not None  # a real run always has (or has just staged) the agency
    source_id = record.source_id
    if source_id is not None and len(source_id) > MAX_SOURCE_ID:
        source_id = None
        entry.notes.append(
            _service_note("", NEEDS_PERSON, Msg(MSG_LONG_SOURCE_ID, limit=MAX_SOURCE_ID))
        )
    algorithm = stage_new_algorithm(
        session,
        agency=target,
        editor_id=editor.id if editor else None,
        card=card,
        now=now,
        provenance={
            "standard": record.standard[:MAX_STANDARD],
            "standard_version": record.standard_version[:MAX_STANDARD],
            "source_id": source_id,
            "content_key": record.content_key,
        },
    )
    session.commit()
    entry.outcome, entry.public_id = "created", algorithm.public_id


def _mark_already(session: Session, entry: RecordReport, existing: Algorithm) -> None:
    entry.outcome = "already_imported"
    _forget_new_agency(entry)
    entry.public_id = existing.public_id
    entry.set_reason(Msg(MSG_ALREADY, public_id=existing.public_id))
    found = session.get(Agency, existing.agency_id)
    entry.agency = found.slug if found else None


def _already_imported(session: Session, record: ImportedRecord) -> Algorithm | None:
    conditions = [Algorithm.import_content_key == record.content_key]
    if record.source_id and len(record.source_id) <= MAX_SOURCE_ID:
        conditions.append(
            (Algorithm.import_standard == record.standard[:MAX_STANDARD])
            & (Algorithm.import_source_id == record.source_id)
        )
    query = select(Algorithm).where(or_(*conditions)).order_by(Algorithm.id)  # type: ignore[arg-type]
    return session.exec(query).first()


def _storable_card(card: dict[str, Any], entry: RecordReport) -> dict[str, Any]:
    """The card as the draft store takes it. A top-level field the store refuses is dropped and
    noted (for a person), so one bad value does not cost the whole record; no name is fatal."""
    for _ in range(MAX_DROP_ROUNDS):
        try:
            return validated_draft_card(card)
        except Invalid as exc:
            fields = {
                str(loc[2]): str(d.get("msg"))
                for d in exc.details
                if len(loc := list(d.get("loc", []))) > 2 and loc[:2] == ["body", "card"]
            }
            if not fields or "name" in fields or not card.get("name"):
                if not card.get("name"):
                    raise Invalid(Msg(ERR_NO_NAME)) from None
                raise
            card = {k: v for k, v in card.items() if k not in fields}
            for name, message in fields.items():
                entry.notes.append(_service_note(name, DROPPED, Msg(MSG_DROPPED, message=message)))
    return validated_draft_card(card)


def _fixed_agency(session: Session, actor: Account | None, slug: str | None) -> Agency | None:
    if actor is not None and actor.role == Role.agency_editor:
        own = session.get(Agency, actor.agency_id) if actor.agency_id is not None else None
        if own is None:
            raise Forbidden(ERR_NOT_IMPORTER)
        if slug and slug != own.slug:
            raise Forbidden(Msg(ERR_EDITOR_OTHER_AGENCY, slug=own.slug))
        return own
    return get_agency(session, slug) if slug else None


def _mapped_agencies(session: Session, agency_map: Mapping[str, str]) -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    for name, slug in agency_map.items():
        try:
            out[name_key(name)] = get_agency(session, slug)
        except NotFound:
            msg = ERR_MAP_SLUG.format(slug=slug)
            raise Invalid(msg, details=[{"loc": ["agency_map", name], "msg": msg}]) from None
    return out


def _target_agency(
    session: Session,
    record: ImportedRecord,
    entry: RecordReport,
    *,
    actor: Account | None,
    fixed: Agency | None,
    mapped: dict[str, Agency],
    planned: dict[str, str],
    now: datetime,
    dry_run: bool,
) -> Agency | None:
    """The record's agency (staged if new; None only in a dry run that would create it)."""
    if fixed is not None:
        entry.agency = fixed.slug
        return fixed
    name = (record.agency_name or "").strip()
    if not name:
        raise Invalid(Msg(ERR_NO_AGENCY_NAME))
    key = name_key(name)
    found = mapped.get(key) or _agency_named(session, key)
    if found is not None:
        entry.agency = found.slug
        return found
    if actor is not None and actor.role != Role.admin:
        raise Forbidden(Msg(ERR_CREATE_AGENCY_ADMIN, name=name))
    slug = planned.get(key) or _free_slug(session, name, taken=set(planned.values()))
    entry.agency, entry.new_agency = slug, True
    entry.notes.append(_service_note("", "new_agency", Msg(MSG_NEW_AGENCY, name=name, slug=slug)))
    if dry_run:
        planned[key] = slug
        return None
    return add_agency(session, actor=actor, data=AgencyCreate(slug=slug, name=name), now=now)


def _agency_named(session: Session, key: str) -> Agency | None:
    for agency in session.exec(select(Agency).order_by(Agency.id)):  # type: ignore[arg-type]
        if name_key(agency.name) == key:
            return agency
    return None


def _free_slug(session: Session, name: str, *, taken: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:56].strip("-") or "agency"
    slug, n = base, 1
    while slug in taken or session.exec(select(Agency.id).where(Agency.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _require_editor_may_work_on(editor: Account, agency: Agency) -> None:
    if editor.role == Role.admin:
        return
    if editor.role == Role.agency_editor and (agency.id is None or editor.agency_id == agency.id):
        return
    raise Forbidden(Msg(ERR_EDITOR_NOT_OF_AGENCY, email=editor.email, slug=agency.slug))
