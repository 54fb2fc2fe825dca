"""Field-by-field differences between two card versions, for the version diff page and the feed.

Paths are dotted, with list indexes: ``data_sources.1.retention``. Lists are compared position by
position, so an inserted item shows as changes to the items after it plus one item added at the end;
that is what a reader comparing two numbered lists expects to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from registry.cards.fields_meta import PAYLOAD_FIELDS

ChangeKind = Literal["added", "removed", "changed"]
_FIELD_ORDER = {name: i for i, name in enumerate(PAYLOAD_FIELDS)}


@dataclass(frozen=True)
class FieldChange:
    """One difference. ``old`` is None when added, ``new`` is None when removed."""

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None

    @property
    def field(self) -> str:
        """The top-level card field the change belongs to."""
        return self.path.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or value == []
        or value == {}
        or (isinstance(value, str) and not value.strip())
    )


def _walk(path: str, old: Any, new: Any, out: list[FieldChange]) -> None:
    if _is_empty(old) and _is_empty(new):
        return
    if _is_empty(old):
        out.append(FieldChange(path, "added", None, new))
        return
    if _is_empty(new):
        out.append(FieldChange(path, "removed", old, None))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        for key in _ordered(keys, top=not path):
            _walk(f"{path}.{key}" if path else str(key), old.get(key), new.get(key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            left = old[index] if index < len(old) else None
            right = new[index] if index < len(new) else None
            _walk(f"{path}.{index}", left, right, out)
        return
    if old != new or type(old) is not type(new):
        out.append(FieldChange(path, "changed", old, new))


def _ordered(keys: list[str], *, top: bool) -> list[str]:
    if not top:
        return keys
    return sorted(keys, key=lambda k: (_FIELD_ORDER.get(k, len(_FIELD_ORDER)), k))


def diff_cards(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Every difference from ``old`` to ``new``, top-level fields in page order."""
    changes: list[FieldChange] = []
    _walk("", old or {}, new or {}, changes)
    return changes
