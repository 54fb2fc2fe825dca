"""A readable card diff: labels instead of paths, list items by name, the changes that matter
most first, grouped by card section, word-level highlighting inside changed text, translations
last. Shared by the public version diff page (``vm_algorithms.diff_page``), the console's draft
diff (``console/vm_cards.draft_diff_page``) and the console's review page.

The structural diff and the order are ``registry.cards.diff`` (no web); this module turns them
into words in the reader's language.

Word-level highlighting: ``difflib.SequenceMatcher`` over tokens, where a token is a run of
non-space characters, a run of spaces, or a single Han/CJK character (Chinese has no spaces
between words; a character is the unit a reader of Chinese sees changed). One short unchanged word
(at most three characters) between two changes is folded into them, so a rewritten sentence reads
as one change rather than as a comb of one-character islands. When nothing but spaces is left
unchanged the whole value is shown as removed and added instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError

from registry import i18n
from registry.cards.diff import (
    FieldChange,
    PathStep,
    describe_path,
    diff_cards,
    readable_order,
)
from registry.cards.fields_meta import SECTION_TITLES
from registry.cards.sections import CardField, card_sections
from registry.pages import card_view
from registry.pages.page_types import CardChange, ChangeGroup, TextDiff, TextSegment
from registry.pages.view_types import DisplayValue

N_ = i18n.N_
SEPARATOR = " › "
KEY_GROUP = "key"
TRANSLATIONS_GROUP = "translations"
KEY_GROUP_TITLE = N_("The changes that matter most")
ITEM_NUMBER = N_("item %(number)s")
KIND_WORDS = {"added": N_("Added"), "removed": N_("Removed"), "changed": N_("Changed")}
FOLD_MAX_CHARS = 3
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+|\\s+")


# --- labels ---------------------------------------------------------------------------------------


def _language_name(tag: str, lang: str) -> str:
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(i18n.babel_locale(lang))
    except (ValueError, UnknownLocaleError):
        return tag
    return name or tag


def _step_text(step: PathStep, lang: str) -> str:
    if step.kind == "field":
        return card_view.pick(step.labels, lang) if step.labels else step.key
    if step.kind == "key":
        return _language_name(step.key, lang)
    if step.name_labels:
        return card_view.pick(step.name_labels, lang)
    if step.name:
        return step.name
    assert step.index is not None
    return i18n.gettext(lang, ITEM_NUMBER) % {"number": step.index + 1}


def path_label(
    path: str,
    lang: str,
    *,
    card: Mapping[str, Any] | None = None,
    items: Sequence[str | None] = (),
) -> str:
    """``data_sources.1.retention`` -> "Data sources › Claims database › Retention": field labels
    in ``lang``, a list item by its name (from ``items``, else looked up in ``card``; "item 2"
    when it has none), a translation by its language's name."""
    steps = describe_path(path, card=dict(card) if card is not None else None, items=items)
    return SEPARATOR.join(_step_text(step, lang) for step in steps)


# --- word-level differences -----------------------------------------------------------------------


def _foldable(tokens: Sequence[str]) -> bool:
    """An unchanged stretch too small to stand between two changes on its own: spaces, or one
    short word ("a", "of", "的") with the spaces around it."""
    words = [t for t in tokens if t.strip()]
    return not words or (len(words) == 1 and len(words[0]) <= FOLD_MAX_CHARS)


def word_diff(old: str, new: str) -> TextDiff | None:
    """``old`` with its removed words marked and ``new`` with its added words marked; None when
    the texts share no word (then the whole value is shown as removed and added)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    ops: list[list[Any]] = []  # [equal?, old tokens, new tokens]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        ops.append([op == "equal", a[i1:i2], b[j1:j2]])
    for k in range(1, len(ops) - 1):
        if ops[k][0] and not ops[k - 1][0] and not ops[k + 1][0] and _foldable(ops[k][1]):
            ops[k][0] = False
    merged: list[list[Any]] = []
    for equal, left, right in ops:
        if merged and not equal and not merged[-1][0]:
            merged[-1][1] = merged[-1][1] + left
            merged[-1][2] = merged[-1][2] + right
        else:
            merged.append([equal, list(left), list(right)])
    if not any(equal and "".join(left).strip() for equal, left, _ in merged):
        return None
    before: list[TextSegment] = []
    after: list[TextSegment] = []
    for equal, left, right in merged:
        if equal:
            before.append({"op": "equal", "text": "".join(left)})
            after.append({"op": "equal", "text": "".join(right)})
            continue
        if left:
            before.append({"op": "delete", "text": "".join(left)})
        if right:
            after.append({"op": "insert", "text": "".join(right)})
    return {"old": before, "new": after}


# --- changes --------------------------------------------------------------------------------------


@cache
def _specs() -> dict[str, CardField]:
    return {f.name: f for s in card_sections() for f in s.fields}


def _show(
    change: FieldChange, value: Any, spec: CardField | None, lang: str
) -> DisplayValue | None:
    """A value as the record page would show it: controlled values and yes/no in words."""
    if value is None:
        return None
    parts = change.path.split(".")
    if parts[0] == "withheld":
        value = _withheld_in_words(value, parts, lang)
    if spec is None:
        return card_view.render_value(value, lang)
    if len(parts) == 1:
        return card_view.field_value(spec, value, lang)
    subfields = {s.name: s for s in spec.subfields}
    if len(parts) == 2 and isinstance(value, dict) and spec.subfields:
        return card_view.field_value(spec, value, lang)  # one item of a list or map field
    if len(parts) == 2 and parts[1].isdigit():  # one item of a list of plain values
        return card_view.render_value(value, lang, choices=spec.choices, name=spec.name)
    last = parts[-1]
    if last in subfields and (len(parts) == 2 or (len(parts) == 3 and parts[1].isdigit())):
        sub = subfields[last]
        return card_view.render_value(value, lang, choices=sub.choices, name=sub.name)
    return card_view.render_value(value, lang)


def _field_label(name: Any, lang: str) -> Any:
    spec = _specs().get(name) if isinstance(name, str) else None
    return card_view.pick(spec.labels, lang) if spec is not None else name


def _withheld_in_words(value: Any, parts: list[str], lang: str) -> Any:
    """A withholding names the field it withholds by its code: show the field's label."""
    if parts[-1] == "field":
        return _field_label(value, lang)
    if isinstance(value, dict) and "field" in value:
        return {**value, "field": _field_label(value["field"], lang)}
    if isinstance(value, list):
        return [_withheld_in_words(v, [*parts, "0"], lang) for v in value]
    return value


def _group(change: FieldChange) -> str:
    if change.importance == "key":
        return KEY_GROUP
    if change.importance == "translation":
        return TRANSLATIONS_GROUP
    return change.section


def card_changes(old: Mapping[str, Any], new: Mapping[str, Any], lang: str) -> list[CardChange]:
    """Every change from card ``old`` to card ``new`` in reading order (the changes that matter
    most, then by section in page order, translations last), labelled in ``lang``."""
    specs = _specs()
    changes: list[CardChange] = []
    for change in readable_order(diff_cards(dict(old), dict(new))):
        spec = specs.get(change.field)
        shown_old, shown_new = (
            _show(change, change.old, spec, lang),
            _show(change, change.new, spec, lang),
        )
        text_diff = None
        if (
            change.kind == "changed"
            and isinstance(change.old, str)
            and isinstance(change.new, str)
            and shown_old is not None
            and shown_new is not None
            and shown_old["kind"] == shown_new["kind"] == "text"
        ):
            text_diff = word_diff(change.old, change.new)
        steps = describe_path(change.path, items=change.items)
        item_steps = [step for step in steps if step.kind == "item"]
        section = change.section
        changes.append(
            {
                "path": change.path,
                "field": change.field,
                "label": SEPARATOR.join(_step_text(step, lang) for step in steps),
                "item": _step_text(item_steps[-1], lang) if item_steps else None,
                "section": section,
                "section_title": card_view.pick(_section_titles(section), lang),
                "group": _group(change),
                "importance": change.importance,
                "kind": change.kind,
                "kind_text": i18n.gettext(lang, KIND_WORDS[change.kind]),
                "old": shown_old,
                "new": shown_new,
                "text_diff": text_diff,
            }
        )
    return changes


def _section_titles(section: str) -> dict[str, str]:
    en, zh = SECTION_TITLES.get(section, (section, section))
    return {"en": en, "zh-CN": zh}


def change_groups(changes: Sequence[CardChange], lang: str) -> list[ChangeGroup]:
    """The headed groups of ``changes``, in the order they come (changes are already ordered)."""
    groups: list[ChangeGroup] = []
    for change in changes:
        if groups and groups[-1]["key"] == change["group"]:
            groups[-1]["count"] += 1
            continue
        if change["group"] == KEY_GROUP:
            title = i18n.gettext(lang, KEY_GROUP_TITLE)
        elif change["group"] == TRANSLATIONS_GROUP:
            title = card_view.pick(_translations_label(), lang)
        else:
            title = change["section_title"]
        groups.append({"key": change["group"], "title": title, "count": 1})
    return groups


def _translations_label() -> dict[str, str]:
    spec = _specs().get("translations")
    return spec.labels if spec is not None else {"en": "Translations", "zh-CN": "译文"}
