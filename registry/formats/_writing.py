"""Shared machinery of the writers: card values out, required gaps collected, files assembled."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from registry.formats._base import ExportMeta, ExportResult, MappingNote, NoteKind

EXPORT_INFO_KEY = "x_registry_export"
GAPS_EXPLAINED = (
    "Fields the target standard requires that this register's record does not hold. They are "
    "left empty rather than invented."
)


def get_path(card: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a card (``contact.email``), or None."""
    node: Any = card
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def provided(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict | tuple):
        return len(value) > 0
    return True


class ExportBuilder:
    """Collects an export's values in order, its missing required fields and its notes."""

    def __init__(self, required: tuple[str, ...] = ()) -> None:
        self.values: dict[str, Any] = {}
        self.required = required
        self.notes: list[MappingNote] = []

    def put(self, key: str, value: Any) -> None:
        self.values[key] = value if provided(value) else None

    def note(self, field: str, kind: NoteKind, message: str, target_key: str = "") -> None:
        self.notes.append(MappingNote(field, kind.value, message, target_key))

    def missing(self) -> tuple[str, ...]:
        return tuple(key for key in self.required if not provided(self.values.get(key)))


def filename_part(public_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", public_id).strip("-") or "record"


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def join_items(items: Any, *parts: str, sep: str = ": ") -> str | None:
    """A list of card items as lines of text (``name: description``), or None when empty."""
    if not isinstance(items, list) or not items:
        return None
    lines = []
    for item in items:
        if isinstance(item, Mapping):
            values = [str(item[p]) for p in parts if provided(item.get(p))]
            if values:
                lines.append(sep.join(values))
        elif provided(item):
            lines.append(str(item))
    return "\n".join(lines) or None


def model_type_words(card: Mapping[str, Any], words: Mapping[str, str]) -> str | None:
    kind = get_path(card, "model_type.kind")
    return words.get(str(kind)) if kind else None


class JsonDocumentWriter:
    """``write`` and ``write_many`` of a format whose record is one JSON document.

    The format gives ``document`` (the record's document, its missing required fields and its
    notes), ``media_type`` and ``file_suffix``: one record is written to
    ``<public id>-v<version>.<file_suffix>`` with its notes, many to ``register.<file_suffix>`` as a
    JSON array, each gap prefixed with its record's public id.
    """

    media_type: str
    file_suffix: str

    def document(
        self, card: Mapping[str, Any], meta: ExportMeta
    ) -> tuple[dict[str, Any], tuple[str, ...], list[MappingNote]]:
        raise NotImplementedError

    def write(self, card: dict[str, Any], *, meta: ExportMeta) -> ExportResult:
        doc, missing, notes = self.document(card, meta)
        return ExportResult(
            content=json_bytes(doc),
            media_type=self.media_type,
            filename=f"{filename_part(meta.public_id)}-v{meta.version}.{self.file_suffix}",
            missing_required=missing,
            notes=tuple(notes),
        )

    def write_many(self, items: Sequence[tuple[dict[str, Any], ExportMeta]]) -> ExportResult:
        docs, missing = [], []
        for card, meta in items:
            doc, gaps, _ = self.document(card, meta)
            docs.append(doc)
            missing += [f"{meta.public_id}: {g}" for g in gaps]
        return ExportResult(
            content=json_bytes(docs),
            media_type=self.media_type,
            filename=f"register.{self.file_suffix}",
            missing_required=tuple(missing),
        )
