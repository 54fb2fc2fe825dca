"""Canonical JSON and sha256 for ledger payloads: sorted keys, no spaces, UTF-8, ISO times."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from registry.cards.canonical import canonical_text


def iso(value: datetime) -> str:
    """A timestamp as ISO 8601 in UTC with microseconds, the one textual form the ledger uses."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_dumps(value: Any) -> str:
    """The card encoder's canonical form, with timestamps as ``iso`` text."""
    return canonical_text(value, default=_default, allow_nan=True)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_safe(value: Any) -> Any:
    """``value`` with timestamps turned into strings, exactly as it will be stored and hashed."""
    return json.loads(canonical_dumps(value))
