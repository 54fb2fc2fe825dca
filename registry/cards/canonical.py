"""Canonical JSON of a card, and its sha256: the content hash stored with each version.

Sorted keys, compact separators, UTF-8 without ASCII escaping, so the same card always gives the
same bytes whatever the key order it arrived in. Floats use Python's shortest round-trip form;
NaN and infinities are refused (they are not JSON).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any


def canonical_text(
    data: Any, *, default: Callable[[Any], Any] | None = None, allow_nan: bool = False
) -> str:
    """Canonical JSON text: sorted keys, compact separators, no ASCII escaping.

    ``default`` serialises types JSON lacks (the ledger passes one for timestamps).
    """
    return json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=allow_nan,
        default=default,
    )


def canonical_json(data: Any) -> bytes:
    """The card as canonical JSON bytes."""
    return canonical_text(data).encode("utf-8")


def card_sha256(data: Any) -> str:
    """Hex sha256 of ``canonical_json(data)``."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
