"""JSON Merge Patch (RFC 7396): apply a patch document to a JSON value, without mutating either.

Hand-written rather than taken from PyPI: the one package there (``json-merge-patch``) follows the
obsoleted RFC 7386 and merges into its first argument in place, which would change a card loaded
from a JSON column behind SQLAlchemy's back. The algorithm is the RFC's own pseudocode (section 2);
tests/registry/test_api_draft_patch.py runs every example of its Appendix A.
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """The result of applying ``patch`` to ``target``: an object patch merges member by member
    (``null`` removes a member, an object recurses, anything else, arrays included, replaces);
    any other patch replaces the target whole."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
