"""Shared machinery of the readers: decoding a file, building one draft card with its notes.

A reader walks its mapping table and calls ``RecordBuilder`` for each source key; the builder
cleans the value (trims, turns the allowed HTML into text, flags replacement characters and
mis-decoded text), records a note for every key, and ``finish`` checks the card with
``validate_draft``: a value our schema refuses is dropped with a ``needs_person`` note instead of
failing the record. ``mark_duplicates`` then flags repeated entries by content key.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from registry.cards import validate_draft
from registry.cards.canonical import canonical_text
from registry.errors import Invalid
from registry.formats._base import FormatError, ImportedRecord, MappingNote, Msg, NoteKind

REPLACEMENT = "\ufffd"
# UTF-8 read as Latin-1/cp1252 ("Ã©" for "é", "â€™" for "’"): the usual trace of a broken export.
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"Ã[\u0080-\u00bf{_CP1252_HIGH}]|â€.|Â[\u00a0-\u00bf]")
_TAG = re.compile(r"<[^>]{0,200}>")
_BLOCK_TAGS = re.compile(r"</?(p|div|br|ul|ol)\s*/?>", re.IGNORECASE)
_ITEM_TAG = re.compile(r"<li\s*>", re.IGNORECASE)

# ISO 639-2/3 codes and language names seen in registers, to BCP 47.
LANGUAGE_CODES: dict[str, str] = {
    "nld": "nl",
    "dut": "nl",
    "nl": "nl",
    "nl-nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "eng": "en",
    "en": "en",
    "en-gb": "en-GB",
    "en-us": "en-US",
    "english": "en",
    "engels": "en",
    "fry": "fy",
    "fy": "fy",
    "cym": "cy",
    "wel": "cy",
    "cy": "cy",
    "welsh": "cy",
    "zho": "zh-CN",
    "chi": "zh-CN",
    "zh": "zh-CN",
    "zh-cn": "zh-CN",
    "zh-hans": "zh-CN",
    "de": "de",
    "deu": "de",
    "fr": "fr",
    "fra": "fr",
}

_STOPWORDS = {
    "nl": {
        "de",
        "het",
        "een",
        "en",
        "van",
        "is",
        "dat",
        "wordt",
        "voor",
        "met",
        "niet",
        "op",
        "te",
    },
    "en": {"the", "a", "and", "of", "is", "that", "to", "for", "with", "not", "on", "are", "by"},
}


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped); bytes that are not UTF-8 become U+FFFD, flagged per field."""
    return data.decode("utf-8-sig", errors="replace")


def load_json(data: bytes) -> Any:
    """The file's JSON value; ``FormatError`` with the line when it is not JSON at all."""
    text = decode_text(data)
    if not text.strip():
        raise FormatError("The file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"The file is not valid JSON: {exc.msg}.", line=exc.lineno) from exc


def content_key(entry: Any) -> str:
    """sha256 of the canonical JSON of a source entry (key order and spacing do not matter)."""
    import hashlib

    return hashlib.sha256(canonical_text(entry, allow_nan=True).encode("utf-8")).hexdigest()


def html_to_text(value: str) -> str:
    """The few block tags registers allow (p, div, br, ul, ol, li) as line breaks and dashes."""
    text = _ITEM_TAG.sub("\n- ", value)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def guess_language(texts: Iterable[str]) -> str | None:
    """A coarse guess (nl, en or zh-CN) from common words; None when the text is too short."""
    joined = " ".join(texts)
    han = sum(1 for ch in joined if "\u4e00" <= ch <= "\u9fff")
    if han >= 4 and han * 3 >= len(joined.replace(" ", "")):
        return "zh-CN"
    words = re.findall(r"[a-zà-ÿ]+", joined.lower())
    if len(words) < 6:
        return None
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    others = [score for lang, score in scores.items() if lang != best]
    if scores[best] >= 3 and scores[best] >= 2 * max(others, default=0):
        return best
    return None


def language_tag(value: Any) -> str | None:
    """A register's language code or name as BCP 47, or None when it is not one we know."""
    if not isinstance(value, str):
        return None
    return LANGUAGE_CODES.get(value.strip().lower())


def _set_path(card: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = card
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _reason(reason: str) -> str:
    """A mapping file's reason, kept translatable (a message of the catalogs)."""
    return Msg(reason) if "{" not in reason and "}" not in reason else reason


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return len(value) == 0
    return False


class RecordBuilder:
    """Builds one ImportedRecord from one source entry, collecting a note for every key."""

    def __init__(
        self,
        entry: Mapping[str, Any],
        *,
        index: int,
        standard: str,
        standard_version: str,
        content: str,
    ) -> None:
        self.entry = entry
        self.index = index
        self.standard = standard
        self.standard_version = standard_version
        self.content_key = content
        self.card: dict[str, Any] = {}
        self.notes: list[MappingNote] = []
        self.used: set[str] = set()
        self.source_id: str | None = None
        self.agency_name: str | None = None

    # --- notes ------------------------------------------------------------------------------
    def note(self, field: str, kind: NoteKind, message: str, source_key: str = "") -> None:
        self.notes.append(MappingNote.of(field, kind.value, message, source_key))

    # --- values -----------------------------------------------------------------------------
    def raw(self, key: str) -> Any:
        self.used.add(key)
        return self.entry.get(key)

    def clean(self, key: str, value: Any, field: str, *, allow_html: bool = False) -> str | None:
        """A source value as trimmed text, or None when empty; flags broken encodings."""
        if value is None:
            return None
        if isinstance(value, bool | int | float):
            value = str(value)
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value if not _is_empty(v))
        if not isinstance(value, str):
            self.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The source key '{key}' holds a {type_name}, not text; {field_or_it} was left"
                    " empty.",
                    key=key,
                    type_name=type(value).__name__,
                    field_or_it=field or "it",
                ),
                key,
            )
            return None
        text = value.strip()
        if allow_html and "<" in text:
            converted = html_to_text(text)
            if converted != text:
                self.note(
                    field,
                    NoteKind.CONVERTED,
                    Msg(
                        "The HTML markup of '{key}' was turned into plain text for {field}.",
                        key=key,
                        field=field,
                    ),
                    key,
                )
            text = converted
        if not text:
            return None
        if REPLACEMENT in text:
            self.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The source key '{key}' holds {count} replacement character(s) "
                    "(U+FFFD) from a broken encoding; {field} was copied as is and must be"
                    " corrected "
                    "by a person.",
                    key=key,
                    count=text.count(REPLACEMENT),
                    field=field,
                ),
                key,
            )
        elif _MOJIBAKE.search(text):
            self.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The source key '{key}' looks mis-decoded (UTF-8 read as Latin-1, such as"
                    " 'Ã©'); "
                    "{field} was copied as is and must be corrected by a person.",
                    key=key,
                    field=field,
                ),
                key,
            )
        return text

    def text(
        self,
        key: str,
        field: str,
        *,
        required: bool = False,
        allow_html: bool = False,
        value: Any = None,
    ) -> str | None:
        """Copy the source key's text into ``field`` (a dotted path) with a note either way."""
        raw = self.raw(key) if value is None else value
        text = self.clean(key, raw, field, allow_html=allow_html)
        if text is None:
            self.empty(key, field, required=required)
            return None
        _set_path(self.card, field, text)
        if not any(n.field == field and n.source_key == key for n in self.notes):
            self.note(
                field,
                NoteKind.MAPPED,
                Msg("'{key}' was copied into {field}.", key=key, field=field),
                key,
            )
        return text

    def empty(self, key: str, field: str, *, required: bool) -> None:
        if required:
            self.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The source key '{key}' is empty but {standard} requires it; {field} was"
                    " left "
                    "empty for a person to fill.",
                    key=key,
                    standard=self.standard,
                    field=field,
                ),
                key,
            )
        else:
            self.note(
                field,
                NoteKind.EMPTY,
                Msg(
                    "The source key '{key}' is empty; {field} was left empty.", key=key, field=field
                ),
                key,
            )

    def set(self, field: str, value: Any) -> None:
        _set_path(self.card, field, value)

    def vocabulary(
        self,
        key: str,
        field: str,
        table: Mapping[str, str],
        *,
        canonical: Mapping[str, str] | None = None,
        required: bool = False,
        value: Any = None,
    ) -> str | None:
        """Map a controlled value through ``table`` (keys compared case- and space-insensitively).

        ``canonical``: the standard's own spelling for each of our values; a source value equal to
        it is "mapped", any other known spelling is "converted" with a note, an unknown one is left
        empty with a ``needs_person`` note naming it.
        """
        raw = self.raw(key) if value is None else value
        text = self.clean(key, raw, field)
        if text is None:
            self.empty(key, field, required=required)
            return None
        lookup = {_norm(k): v for k, v in table.items()}
        ours = lookup.get(_norm(text))
        if ours is None:
            known = ", ".join(
                sorted({k for k in table if canonical is None or k in canonical.values()})
            )
            self.note(
                field,
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The value '{text}' of '{key}' is not in our vocabulary for {field} (known: "
                    "{known}); it was left empty for a person to choose.",
                    text=text,
                    key=key,
                    field=field,
                    known=known,
                )
                if known
                else Msg(
                    "The value '{text}' of '{key}' is not in our vocabulary for {field}; it was "
                    "left empty for a person to choose.",
                    text=text,
                    key=key,
                    field=field,
                ),
                key,
            )
            return None
        _set_path(self.card, field, ours)
        if canonical is not None and canonical.get(ours) == text:
            self.note(
                field,
                NoteKind.MAPPED,
                Msg(
                    "'{key}' = '{text}' was mapped to {field} = '{ours}'.",
                    key=key,
                    text=text,
                    field=field,
                    ours=ours,
                ),
                key,
            )
        else:
            self.note(
                field,
                NoteKind.CONVERTED,
                Msg(
                    "The variant '{text}' of '{key}' was read as {field} = '{ours}'.",
                    text=text,
                    key=key,
                    field=field,
                    ours=ours,
                ),
                key,
            )
        return ours

    def not_mapped(self, key: str, reason: str) -> None:
        value = self.raw(key)
        if _is_empty(value):
            return
        shown = str(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        self.note(
            "",
            NoteKind.NOT_MAPPED,
            Msg(
                "'{key}' ({shown}) was not imported: {reason}",
                key=key,
                shown=repr(shown),
                reason=_reason(reason),
            ),
            key,
        )

    def unknown_keys(self, known: Iterable[str]) -> None:
        """A note for every key of the entry that the mapping does not know."""
        known_set = set(known) | self.used
        for key in self.entry:
            if key not in known_set and not _is_empty(self.entry[key]):
                self.note(
                    "",
                    NoteKind.NOT_MAPPED,
                    Msg(
                        "'{key}' is not part of {standard} {standard_version}; it was not"
                        " imported.",
                        key=key,
                        standard=self.standard,
                        standard_version=self.standard_version,
                    ),
                    str(key),
                )

    # --- language ---------------------------------------------------------------------------
    def language(self, key: str | None, default: str) -> str:
        """The record's language: the declared one, else a guess from its text, else the default."""
        declared_raw = self.raw(key) if key else None
        declared = language_tag(declared_raw)
        texts = [v for v in self.card_texts()]
        guessed = guess_language(texts)
        if declared_raw not in (None, "") and declared is None:
            self.note(
                "language",
                NoteKind.NEEDS_PERSON,
                Msg(
                    "The language code '{declared_raw}' of '{key}' is not one we know; the"
                    " language "
                    "was taken as '{guessed_or_default}'.",
                    declared_raw=declared_raw,
                    key=key,
                    guessed_or_default=guessed or default,
                ),
                key or "",
            )
        if declared is not None:
            if guessed is not None and guessed.split("-")[0] != declared.split("-")[0]:
                self.note(
                    "language",
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "'{key}' declares '{declared}' but the text reads as '{guessed}'; the"
                        " card keeps "
                        "'{declared}' for a person to check.",
                        key=key,
                        declared=declared,
                        guessed=guessed,
                    ),
                    key or "",
                )
            else:
                self.note(
                    "language",
                    NoteKind.MAPPED,
                    Msg(
                        "'{key}' = '{declared_raw}' was read as language {declared}.",
                        key=key,
                        declared_raw=declared_raw,
                        declared=declared,
                    ),
                    key or "",
                )
            language = declared
        elif guessed is not None:
            language = guessed
            self.note(
                "language",
                NoteKind.CONVERTED,
                Msg(
                    "No language was declared; the text reads as '{guessed}', recorded as the"
                    " card's "
                    "original language.",
                    guessed=guessed,
                ),
            )
        else:
            language = default
            self.note(
                "language",
                NoteKind.CONVERTED,
                Msg(
                    "No language was declared and the text is too short to tell; '{default}'"
                    " (the "
                    "usual language of {standard}) was recorded.",
                    default=default,
                    standard=self.standard,
                ),
            )
        self.card["language"] = language
        return language

    def card_texts(self) -> Iterable[str]:
        for key in ("name", "summary", "purpose_and_impact", "how_it_works", "human_oversight"):
            value = self.card.get(key)
            if isinstance(value, str):
                yield value

    # --- finishing --------------------------------------------------------------------------
    def finish(self) -> ImportedRecord:
        card = self._valid_draft()
        language = str(card.get("language") or "")
        return ImportedRecord(
            index=self.index,
            source_id=self.source_id,
            content_key=self.content_key,
            agency_name=self.agency_name,
            language=language,
            card=card,
            notes=tuple(self.notes),
            standard=self.standard,
            standard_version=self.standard_version,
        )

    def _valid_draft(self) -> dict[str, Any]:
        """The card as ``validate_draft`` returns it; a refused value is dropped with a note.

        A refused item of a list (one risk with a bad field) drops that item only; any other
        refused value drops its top-level field.
        """
        card = self.card
        for _ in range(100):
            try:
                return validate_draft(card)
            except Invalid as exc:
                details = exc.details if isinstance(exc.details, list) else []
                if not self._drop_refused(card, details):
                    break
        return validate_draft({"language": card["language"]} if "language" in card else {})

    def _drop_refused(self, card: dict[str, Any], details: list[Any]) -> bool:
        items: dict[str, set[int]] = {}
        fields: dict[str, str] = {}
        for detail in details:
            loc = detail.get("loc", []) if isinstance(detail, Mapping) else []
            if len(loc) < 2 or loc[1] not in card:
                continue
            top = str(loc[1])
            path = ".".join(str(p) for p in loc[1:])
            message = str(detail.get("msg"))
            value = card[top]
            if len(loc) >= 3 and isinstance(loc[2], int) and isinstance(value, list):
                items.setdefault(top, set()).add(loc[2])
                self.note(
                    top,
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "The value read into {path} was refused by the card schema"
                        " ({message}); item "
                        "{item} of {top} was left out for a person to fill.",
                        path=path,
                        message=message,
                        item=loc[2] + 1,
                        top=top,
                    ),
                )
            elif top not in fields:
                fields[top] = path
                self.note(
                    top,
                    NoteKind.NEEDS_PERSON,
                    Msg(
                        "The value read into {path} was refused by the card schema"
                        " ({message}); {top} was"
                        " left empty for a person to fill.",
                        path=path,
                        message=message,
                        top=top,
                    ),
                )
        for top in fields:
            card.pop(top, None)
        for top, indices in items.items():
            if top in fields:
                continue
            kept = [item for i, item in enumerate(card[top]) if i not in indices]
            if kept:
                card[top] = kept
            else:
                card.pop(top)
        return bool(fields or items)


def _norm(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


def skipped_record(
    index: int,
    entry: Any,
    *,
    reason: str,
    standard: str,
    standard_version: str,
    default_language: str,
) -> ImportedRecord:
    """An entry that is not a record (a metadata row, a stray value): reported, never imported."""
    return ImportedRecord(
        index=index,
        source_id=None,
        content_key=content_key(entry),
        agency_name=None,
        language=default_language,
        card={},
        notes=(MappingNote.of("", NoteKind.NOT_MAPPED.value, reason),),
        standard=standard,
        standard_version=standard_version,
        skipped=reason,
    )


def mark_duplicates(records: list[ImportedRecord]) -> list[ImportedRecord]:
    """Every later entry with the content key (or source id) of an earlier one is skipped."""
    first_by_key: dict[str, int] = {}
    first_by_id: dict[str, int] = {}
    out: list[ImportedRecord] = []
    for record in records:
        if not record.importable:
            out.append(record)
            continue
        earlier = first_by_key.get(record.content_key)
        reason = Msg(
            "Entry {index} has the same content as entry {earlier}; it is reported as a "
            "duplicate and not imported again.",
            index=record.index,
            earlier=earlier,
        )
        if earlier is None and record.source_id:
            earlier = first_by_id.get(record.source_id)
            reason = Msg(
                "Entry {index} has the same source id '{source_id}' as entry {earlier}; it is "
                "reported as a duplicate and not imported again.",
                index=record.index,
                source_id=record.source_id,
                earlier=earlier,
            )
        if earlier is not None:
            note = MappingNote.of("", NoteKind.NOT_MAPPED.value, reason)
            out.append(
                replace(record, skipped=reason, duplicate_of=earlier, notes=(*record.notes, note))
            )
            continue
        first_by_key[record.content_key] = record.index
        if record.source_id:
            first_by_id[record.source_id] = record.index
        out.append(record)
    return out


def slug_of(value: str) -> str | None:
    """A source id as our card's slug (lower case, '-' for other characters), or None."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", value.strip().lower()).strip("-._")
    return slug[:100] or None
