"""Text that could pass for something it is not: bidirectional controls, lookalike names, email
addresses. Pure functions (no web, no database), used by the input models and the card schema.

- **Bidirectional override and isolate characters** (U+202A-U+202E, U+2066-U+2069) make text
  display in another order than it is stored: ``"Invoice\\u202egnp.exe"`` shows as
  ``Invoiceexe.png``. They are refused in names and URLs (``refuse_bidi_controls``). The
  right-to-left and left-to-right *marks* (U+200E, U+200F) only nudge neutral characters and
  are left alone, as is every other character of right-to-left scripts.
- **Lookalike names.** Two names are lookalikes when their *skeletons* are equal: each character
  replaced by the prototype Unicode's ``confusables.txt`` gives it (``0`` and ``O``, Cyrillic
  ``а`` and Latin ``a``, ``m`` and ``rn``), the way UTS #39 section 4 defines it, compared
  ignoring case and spacing. The confusables data comes from ``confusable_homoglyphs``.
- **Mixed scripts.** A name mixing scripts whose letters look alike (a Cyrillic ``е`` among Latin
  letters) is refused; the combinations UTS #39 calls highly restrictive (Latin with Han, Kana or
  Hangul) are normal writing and pass (``mixed_script_confusables``).
- **Email addresses** are checked by ``email-validator`` (syntax, internationalised domains,
  special-use domains such as ``.test``), without a DNS lookup.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

import email_validator
from confusable_homoglyphs import categories, confusables
from pydantic_core import PydanticCustomError

#: LRE, RLE, PDF, LRO, RLO, and LRI, RLI, FSI, PDI.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

ERR_BIDI = (
    "must not contain bidirectional control characters (U+202A to U+202E, U+2066 to U+2069), "
    "which make text display in another order than it is stored; found {found}"
)
ERR_MIXED_SCRIPT = (
    "mixes scripts with letters that look alike ({examples}); write the name in one script "
    "(other languages go in name_translations)"
)
ERR_EMAIL = "expected an email address such as name@agency.example: {reason}"

#: Characters of no particular script: digits, punctuation, spaces, combining marks.
_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})
#: Script combinations that are one writing system (UTS #39, "highly restrictive").
_ONE_WRITING_SYSTEM = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")


# --- bidirectional controls -----------------------------------------------------------------------


def find_bidi_controls(text: str) -> list[str]:
    """Each bidirectional control in ``text``, as ``"U+202E at position 3"`` (1-based)."""
    return [
        f"U+{ord(char):04X} at position {index}"
        for index, char in enumerate(text, start=1)
        if char in BIDI_CONTROLS
    ]


def refuse_bidi_controls(value: str) -> str:
    """A pydantic after-validator: refuse a value holding a bidirectional control character."""
    found = find_bidi_controls(value)
    if found:
        raise PydanticCustomError("bidi_control", ERR_BIDI, {"found": ", ".join(found)})
    return value


# --- lookalikes -----------------------------------------------------------------------------------


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, from the library's confusables graph.

    The library stores ``confusables.txt`` as an undirected graph: a prototype is linked to each
    of its sources, a source only to its prototype. So a node with more than one neighbour is a
    prototype; in a lone pair either one serves (the longer, else the lower code point), since
    only equality of skeletons matters.
    """
    graph: dict[str, set[str]] = {}
    for key, entries in confusables.confusables_data.items():
        node = key.translate(_DIRECTION_MARKS)
        graph.setdefault(node, set()).update(e["c"].translate(_DIRECTION_MARKS) for e in entries)
    mapping: dict[str, str] = {}
    for node, neighbours in graph.items():
        if len(node) != 1:
            continue
        if len(neighbours) > 1:
            continue  # a prototype: maps to itself
        (other,) = neighbours
        if len(graph.get(other, ())) > 1:
            mapping[node] = other
        else:
            pair = sorted((node, other), key=lambda s: (-len(s), [ord(c) for c in s]))
            if pair[0] != node:
                mapping[node] = pair[0]
    return mapping


def _skeleton(text: str) -> str:
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(prototypes.get(c, c) for c in decomposed))


def name_key(name: str) -> str:
    """What makes two names the same name: NFKC, case-folded, spacing collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def lookalike_keys(name: str) -> tuple[str, str]:
    """What makes two names look the same: their skeletons, ignoring case and spacing.

    Two keys, because case and lookalikes interact: ``I`` looks like ``l`` but ``i`` does not
    (so ``PayPaI`` needs the skeleton before case-folding), while ``CITY`` is ``City`` only once
    folded (so it needs case-folding first).
    """
    text = unicodedata.normalize("NFKC", name)
    folded_first = _skeleton(text.casefold()).casefold()
    skeleton_first = _skeleton(text).casefold()
    return " ".join(folded_first.split()), " ".join(skeleton_first.split())


def looks_alike(first: str, second: str) -> bool:
    """Whether the two names could be mistaken for one another (or are the same name)."""
    return any(a == b for a, b in zip(lookalike_keys(first), lookalike_keys(second), strict=True))


# --- mixed scripts --------------------------------------------------------------------------------


def _scripts(text: str) -> Counter[str]:
    return Counter(alias for alias in map(categories.alias, text) if alias not in _NEUTRAL_SCRIPTS)


def mixed_script_confusables(name: str) -> list[str]:
    """Letters of ``name`` that look like letters of its main script but belong to another.

    Empty for a name in one script or in one writing system (Latin with Han, Kana or Hangul).
    Each entry reads ``"'е' (CYRILLIC) looks like LATIN"``.
    """
    scripts = _scripts(name)
    if len(scripts) <= 1 or any(set(scripts) <= system for system in _ONE_WRITING_SYSTEM):
        return []
    letters = "".join(c for c in name if categories.alias(c) not in _NEUTRAL_SCRIPTS)
    # The name reads as its main script; letters of another script that look like letters of
    # the main one are the impostors (a Greek letter that looks like no Latin one is just Greek).
    top = max(scripts.values())
    for script in sorted(s for s, count in scripts.items() if count == top):
        hits = confusables.is_confusable(letters, greedy=True, preferred_aliases=[script]) or []
        if hits:
            return [f"'{h['character']}' ({h['alias']}) looks like {script}" for h in hits]
    return []


def refuse_mixed_script_confusables(value: str) -> str:
    """A pydantic after-validator: refuse a name mixing scripts with lookalike letters."""
    found = mixed_script_confusables(value)
    if found:
        raise PydanticCustomError("mixed_script", ERR_MIXED_SCRIPT, {"examples": "; ".join(found)})
    return value


def normalise_text(value: str) -> str:
    """A pydantic after-validator for other names (translations): no bidi controls, NFKC."""
    refuse_bidi_controls(value)
    return unicodedata.normalize("NFKC", value).strip()


def normalise_name(value: str) -> str:
    """A pydantic after-validator for names that identify: no bidi controls, NFKC, trimmed, and no
    lookalike letters from a second script."""
    refuse_bidi_controls(value)
    value = unicodedata.normalize("NFKC", value).strip()
    return refuse_mixed_script_confusables(value)


# --- email addresses ------------------------------------------------------------------------------


def validate_email_address(value: str) -> str:
    """A pydantic after-validator: a deliverable-looking address (no DNS lookup), normalised
    (the domain lower-cased and IDNA-normalised)."""
    refuse_bidi_controls(value)
    try:
        result = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise PydanticCustomError("email", ERR_EMAIL, {"reason": str(exc)}) from exc
    return result.normalized
