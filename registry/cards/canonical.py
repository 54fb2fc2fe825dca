"""Canonical JSON of a card, and its sha256: the content hash stored with each version.

Sorted keys, compact separators, UTF-8 without ASCII escaping, so the same card always gives the
same bytes whatever the key order it arrived in. Floats use Python's shortest round-trip form;
NaN and infinities are refused (they are not JSON).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> bytes:
    """The card as canonical JSON bytes."""
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def card_sha256(data: Any) -> str:
    """Hex sha256 of ``canonical_json(data)``."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
