"""A small format that follows the ``registry.formats`` contract, for the import and export tests
(the real formats have their own tests; these test what the registry does with any format).

The file is a JSON list; each entry ``{"id", "org", "name", "lang", "summary", ...}`` becomes a
record. ``{"meta": true}`` entries are skipped like a flat export's metadata rows, a repeated
entry is a duplicate, and an entry's ``"card"`` (if given) is used as the card as is, so a test can
hand the store something it refuses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from registry.formats import (
    ExportMeta,
    ExportResult,
    FormatError,
    ImportedRecord,
    MappingNote,
    NoteKind,
)

FAKE_ID = "fake"
REQUIRED = ("name", "summary", "source_code_url")


class FakeFormat:
    id = FAKE_ID
    title = "Fake register format"
    standard = "fake-standard"
    standard_version = "1.0"
    can_read = True
    can_write = True
    media_type = "application/json"

    def read(self, data: bytes) -> list[ImportedRecord]:
        try:
            entries = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormatError(f"not JSON: {exc}") from None
        if not isinstance(entries, list):
            raise FormatError("the file must hold a JSON list")
        out: list[ImportedRecord] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            key = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
            common: dict[str, Any] = {
                "index": index,
                "content_key": key,
                "standard": self.standard,
                "standard_version": self.standard_version,
            }
            if not isinstance(entry, dict) or entry.get("meta"):
                out.append(
                    ImportedRecord(
                        source_id=None,
                        agency_name=None,
                        language="en",
                        card={},
                        notes=(),
                        skipped="A metadata row, not a record.",
                        **common,
                    )
                )
                continue
            if key in seen:
                out.append(
                    ImportedRecord(
                        source_id=entry.get("id"),
                        agency_name=entry.get("org"),
                        language="en",
                        card={},
                        notes=(),
                        skipped="Duplicate entry.",
                        duplicate_of=seen[key],
                        **common,
                    )
                )
                continue
            seen[key] = index
            notes = []
            card = entry.get("card")
            if card is None:
                card = {"name": entry.get("name"), "summary": entry.get("summary") or None}
                card = {k: v for k, v in card.items() if v is not None}
                notes.append(MappingNote("name", NoteKind.MAPPED, "name -> name", "name"))
                if not entry.get("summary"):
                    notes.append(
                        MappingNote(
                            "summary", NoteKind.EMPTY, "The source left it empty.", "summary"
                        )
                    )
                if entry.get("email_is_url"):
                    notes.append(
                        MappingNote(
                            "contact.email",
                            NoteKind.NEEDS_PERSON,
                            "A web address where an e-mail address belongs.",
                            "contact_email",
                        )
                    )
            out.append(
                ImportedRecord(
                    source_id=entry.get("id"),
                    agency_name=entry.get("org"),
                    language=entry.get("lang", "en"),
                    card=card,
                    notes=tuple(notes),
                    **common,
                )
            )
        return out

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        missing = tuple(f for f in REQUIRED if not card.get(f))
        body = {
            "id": meta.public_id,
            "version": meta.version,
            "organisation": meta.agency_name,
            "name": card.get("name"),
            "missing_required": list(missing),
        }
        return ExportResult(
            content=json.dumps(body, ensure_ascii=False).encode(),
            media_type=self.media_type,
            filename=f"{meta.public_id}-v{meta.version}.fake.json",
            missing_required=missing,
        )

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult:
        raise NotImplementedError


def fake_file(*entries: dict[str, Any]) -> bytes:
    return json.dumps(list(entries), ensure_ascii=False).encode()
