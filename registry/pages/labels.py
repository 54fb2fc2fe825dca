"""Display names of an audit's attributes, groups and checks, in the reader's language.

The pages' door to ``registry.audit_labels`` (shared with the services, which name checks in the
agency's default response): the one place a page, a twin or a sentence turns a data code
(``age_band``, ``non-eu``, ``fpr_ratio``) into the name a reader sees. The audit spec's labels
(when the auditor gave them) come first; see ``registry.audit_labels`` for the fallbacks.
"""

from __future__ import annotations

from registry.audit_labels import (
    attribute_label,
    attribute_parts,
    check_label,
    group_label,
    has_labels,
    metric_name,
)

__all__ = [
    "attribute_label",
    "attribute_parts",
    "check_label",
    "group_label",
    "has_labels",
    "metric_name",
]
