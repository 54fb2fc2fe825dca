"""View-models of the console's records import: the upload form, and the report of a dry run
(review, then confirm) or of the import itself (what was created)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from typing_extensions import TypedDict

from registry import i18n
from registry.console import words_import as W
from registry.console.forms import FormErrors
from registry.models import Agency, agency_name
from registry.pages.card_view import original_language
from registry.pages.diff_view import path_label
from registry.services.records_import import ImportReport, RecordReport

MAX_IMPORT_MB = 2
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024


class Choice(TypedDict):
    value: str
    label: str
    selected: bool


class NoteView(TypedDict):
    field: str
    """The card field's label in the reader's language (empty for the record as a whole)."""
    message: str
    """In the reader's language when the catalogs translate it, else the English sentence."""
    message_lang: str


class NoteGroup(TypedDict):
    kind: str
    label: str
    open: bool
    notes: list[NoteView]


class RecordRow(TypedDict):
    number: int
    title: str
    title_lang: str | None
    outcome: str
    outcome_text: str
    reason: str | None
    reason_lang: str
    agency: str | None
    """The agency's name in the reader's language (a new one: the name the record gives)."""
    new_agency: bool
    language: str | None
    language_name: str | None
    public_id: str | None
    source_id: str | None
    needs_person: bool
    missing_required: list[str]
    """Labels of the fields to fill before publishing."""
    note_groups: list[NoteGroup]


def upload_page(
    *,
    formats: dict[str, str],
    agencies: list[Agency],
    own_agency: Agency | None,
    lang: str,
    chosen_format: str = "",
    chosen_agency: str = "",
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """The upload form: format, agency (an editor's own, fixed; an admin's choice), file."""
    return {
        "formats": [
            {"value": fid, "label": title, "selected": fid == chosen_format}
            for fid, title in formats.items()
        ],
        "agencies": [{"value": "", "label": i18n.gettext(lang, W.ANY_AGENCY), "selected": False}]
        + [
            {"value": a.slug, "label": agency_name(a, lang), "selected": a.slug == chosen_agency}
            for a in agencies
        ],
        "own_agency": agency_name(own_agency, lang) if own_agency else None,
        "max_mb": MAX_IMPORT_MB,
        **(errors or FormErrors()).view(),
    }


OPEN_KINDS = ("needs_person", "dropped", "new_agency")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _has_words(template: str) -> bool:
    """A template with words of its own (not only placeholders, such as "{reason} {duplicate}")."""
    return any(c.isalpha() for c in _PLACEHOLDER.sub("", template))


def translated(template: str, values: dict[str, Any], text: str, lang: str) -> tuple[str, str]:
    """A note or reason in the reader's language, and the language it is shown in: the
    catalogs' translation of its ``template`` filled with its ``values`` (a value that is itself a
    message, ``{"template", "values"}``, translated the same way; the standards' keys and the
    source's text as they are), else the English ``text``."""
    if not template or lang == "en":
        return text, "en"
    wanted = i18n.gettext(lang, template)
    if wanted == template and _has_words(template):
        return text, "en"  # not translated (yet): the English sentence, marked as English
    filled: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            inner = value.get("template", "")
            shown, _ = translated(inner, value.get("values") or {}, str(inner), lang)
            filled[key] = shown
        else:
            filled[key] = str(value)
    try:
        return wanted.format(**filled), lang
    except (KeyError, IndexError, ValueError):
        return text, "en"  # a translation that does not fit its values must not break the page


def _label(path: str, lang: str) -> str:
    return path_label(path, lang) if path else ""


def _groups(record: RecordReport, lang: str) -> list[NoteGroup]:
    """The notes by kind, what needs a person first (and open, unless the record is skipped)."""
    by_kind = record.notes_by_kind()
    order = [k for k in W.NOTE_KINDS if k in by_kind] + sorted(
        k for k in by_kind if k not in W.NOTE_KINDS
    )
    return [
        {
            "kind": kind,
            "label": i18n.gettext(lang, W.NOTE_KINDS.get(kind, W.OTHER_KIND)),
            "open": kind in OPEN_KINDS and record.outcome != "skipped",
            "notes": [_note_view(n, lang) for n in by_kind[kind]],
        }
        for kind in order
    ]


def _note_view(note: dict[str, Any], lang: str) -> NoteView:
    message, message_lang = translated(
        note.get("template", ""), note.get("values") or {}, note["message"], lang
    )
    return {"field": _label(note["field"], lang), "message": message, "message_lang": message_lang}


def _row(record: RecordReport, lang: str, agency_names: dict[str, str]) -> RecordRow:
    language = record.language
    slug = record.agency
    reason, reason_lang = translated(
        record.reason_template, record.reason_values, record.reason or "", lang
    )
    agency = agency_names.get(slug or "") or (record.source_organisation if slug else None)
    return {
        "number": record.index + 1,
        "title": record.title,
        "title_lang": language if language and i18n.normalise(language) != lang else None,
        "outcome": record.outcome,
        "outcome_text": i18n.gettext(lang, W.OUTCOMES[record.outcome]),
        "reason": reason,
        "reason_lang": reason_lang,
        "agency": agency or slug,
        "new_agency": record.new_agency,
        "language": language,
        "language_name": _language_name(language, lang),
        "public_id": record.public_id,
        "source_id": record.source_id,
        "needs_person": record.needs_person,
        "missing_required": [_label(p, lang) for p in record.missing_required],
        "note_groups": _groups(record, lang),
    }


def _language_name(tag: str | None, lang: str) -> str | None:
    if not tag:
        return None
    other = original_language(tag, lang)
    return f"{other['name']} ({tag})" if other else tag


class MapRow(TypedDict):
    index: int
    name: str
    """The organisation as the file names it."""
    options: list[Choice]
    error: str | None


def organisations(report: ImportReport) -> list[str]:
    """The organisations the file's records name, in file order (each once)."""
    seen: dict[str, None] = {}
    for record in report.records:
        name = (record.source_organisation or "").strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def agency_map_rows(
    report: ImportReport,
    *,
    agencies: list[Agency],
    chosen: dict[str, str],
    field_errors: dict[str, str],
    lang: str,
) -> list[MapRow]:
    """One select per organisation named in the file: an existing agency, or (the default) an
    agency of the same name, created when there is none."""
    rows: list[MapRow] = []
    for index, name in enumerate(organisations(report)):
        slug = chosen.get(name, "")
        options: list[Choice] = [
            {"value": "", "label": i18n.gettext(lang, W.MAP_AUTO), "selected": not slug}
        ]
        options += [
            {"value": a.slug, "label": agency_name(a, lang), "selected": a.slug == slug}
            for a in agencies
        ]
        rows.append(
            {
                "index": index,
                "name": name,
                "options": options,
                "error": field_errors.get(f"map_agency_{index}"),
            }
        )
    return rows


def report_page(
    report: ImportReport,
    *,
    lang: str,
    format_title: str,
    data: bytes,
    agency: str,
    filename: str,
    agency_names: dict[str, str],
    map_agencies: list[Agency] | None = None,
    agency_map: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """The per-record report; a dry run carries the file on to the confirm form.

    ``map_agencies`` (an admin's review without one agency for every record): the agencies each
    organisation named in the file can be put into; ``agency_map`` the choices made so far
    (organisation -> slug), carried on to the confirm form. With ``errors`` the page shows them
    and offers no confirmation."""
    counts = report.counts()
    errors = errors or FormErrors()
    chosen = agency_map or {}
    return {
        **errors.view(),
        "map_rows": (
            agency_map_rows(
                report,
                agencies=map_agencies,
                chosen=chosen,
                field_errors=errors.by_field(),
                lang=lang,
            )
            if report.dry_run and map_agencies is not None
            else []
        ),
        "agency_map": [{"name": k, "slug": v} for k, v in chosen.items() if v],
        "can_confirm": not errors,
        "dry_run": report.dry_run,
        "format": report.format,
        "format_title": format_title,
        "standard": report.standard,
        "standard_version": report.standard_version,
        "filename": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
        "counts": [
            {"outcome": k, "text": i18n.gettext(lang, W.OUTCOMES[k]), "n": counts[k]}
            for k in W.OUTCOMES
            if counts[k]
        ],
        "needs_person": counts["needs_person"],
        "to_create": counts["would_create"],
        "records": [_row(r, lang, agency_names) for r in report.records],
        "data": base64.b64encode(data).decode("ascii") if report.dry_run else "",
        "agency": agency,
    }


def decode_data(text: str) -> bytes | None:
    """The file carried by the review form, or None if it did not survive the round trip."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    return data if 0 < len(data) <= MAX_IMPORT_BYTES else None
