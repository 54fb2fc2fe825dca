"""Form problems in the GOV.UK error-summary shape: a list at the top linking to each field, and
one message next to each field. Messages are already translated when added."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FormErrors:
    items: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)

    def add(self, field_id: str, message: str) -> None:
        if field_id not in self.by_field():  # one message per field: the first problem
            self.items.append((field_id, message))

    def by_field(self) -> dict[str, str]:
        return dict(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def view(self) -> dict[str, Any]:
        return {
            "errors": [{"field": f, "message": m} for f, m in self.items],
            "field_errors": self.by_field(),
        }
