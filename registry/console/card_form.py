"""The card editor's form, generated from the card schema: widgets, flat field names, parsing.

Every card field becomes a widget chosen from its JSON Schema (``ModelCard.model_json_schema``):
controlled values are radios, a select or checkboxes; dates are date inputs; long text is a
textarea; lists of text and lists of objects repeat their item with "Add another" and "Remove"
buttons (plain submit buttons: no JavaScript). Labels, help and requirement levels come from
``registry.cards.sections`` (top-level fields) and the nested models' titles and ``x-label-zh-CN``.

Field names are flat and double as element ids::

    purpose_and_impact            a top-level field
    contact-email                 a field of a sub-object
    data_sources-0-name           a field of list item 0 (with ``data_sources-count`` = items)
    inputs-2                      item 2 of a list of text
    translations-0-lang           a translation's language (the map is edited as a list)

The form is read into a *raw* tree (strings as typed, lists of items) which is what the page
re-renders after a problem, and turned into a card with :func:`raw_to_card`. That card goes to the
same draft service and validation as the API's; :func:`loc_to_id` maps a problem's ``loc`` back
to the field it belongs to (list items left empty are dropped from the card, so indexes differ).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from registry.cards import card_parts, enums
from registry.cards.enums import choice_labels
from registry.cards.fields_meta import FIELD_SPECS_BY_NAME, WITHHOLDABLE_FIELDS
from registry.cards.schema import ModelCard
from registry.cards.sections import Choice, card_sections

SCALARS = frozenset({"text", "textarea", "date", "number", "bool", "enum"})
LISTS = frozenset({"str_list", "object_list", "map"})
TEXTAREA_FROM = (
    200  # texts allowed longer than a short line (summaries, descriptions) get a textarea
)
MAX_LIST_ITEMS = 500  # the longest list of the card schema (evaluation metrics)
COUNT = "count"
ORDER = "order"
YES, NO = "yes", "no"
LANG_KEY = "lang"
_INDEX = re.compile(r"^\d{1,4}$")

Raw = Any  # str | list[str] | dict[str, Raw] | list[dict[str, Raw]]


@dataclass(frozen=True)
class Widget:
    """One field of the form. ``requirement``: R, HR, O (top level); ``item`` (an item cannot
    exist without it), ``publish`` (needed before publishing) or "" (inside items)."""

    key: str
    kind: str
    labels: dict[str, str]
    help: dict[str, str]
    requirement: str = ""
    choices: tuple[Choice, ...] = ()
    children: tuple[Widget, ...] = ()
    max_length: int | None = None
    max_items: int = MAX_LIST_ITEMS
    section: str = ""


@dataclass
class IndexMap:
    """For each list (by its path in the card), the form index of each card item; for the
    translations map, the form index of each language key."""

    lists: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)
    keys: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    #: Field ids of map keys given twice (a second translation in the same language), which a
    #: card cannot hold: the form is refused rather than one of them dropped.
    duplicates: list[str] = field(default_factory=list)


# --- the widget tree ---------------------------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    return ModelCard.model_json_schema(mode="validation")


def _resolve(prop: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The schema of a property without its ``null`` option, and the ``$defs`` name it refers to."""
    core: Mapping[str, Any] = prop
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        core = options[0] if options else {}
    ref = core.get("$ref")
    if ref:
        name = str(ref).rsplit("/", 1)[-1]
        return dict(_schema()["$defs"][name]), name
    return dict(core), None


def _enum_choices(ref: str | None) -> tuple[Choice, ...]:
    enum = getattr(enums, ref, None) if ref else None
    if enum is None:
        return ()
    return tuple(Choice(member.value, choice_labels(member)) for member in enum)


def _withholdable_choices() -> tuple[Choice, ...]:
    return tuple(
        Choice(spec.name, {"en": spec.label_en, "zh-CN": spec.label_zh})
        for spec in FIELD_SPECS_BY_NAME.values()
        if spec.name in WITHHOLDABLE_FIELDS
    )


def _children(
    model_schema: Mapping[str, Any], ref: str | None, path: tuple[str, ...]
) -> tuple[Widget, ...]:
    model = getattr(card_parts, ref, None) if ref else None
    publish = set(getattr(model, "PUBLISH_REQUIRED", ()))
    required = set(model_schema.get("required", ()))
    out = []
    for key, prop in model_schema.get("properties", {}).items():
        requirement = "item" if key in required else "publish" if key in publish else ""
        labels = {"en": str(prop.get("title") or key), "zh-CN": str(prop.get("x-label-zh-CN", ""))}
        helps = {"en": str(prop.get("description") or ""), "zh-CN": ""}
        out.append(_widget(key, prop, labels, helps, requirement, (*path, key)))
    return tuple(out)


def _widget(
    key: str,
    prop: Mapping[str, Any],
    labels: dict[str, str],
    helps: dict[str, str],
    requirement: str,
    path: tuple[str, ...],
    section: str = "",
) -> Widget:
    core, ref = _resolve(prop)
    common = {"labels": labels, "help": helps, "requirement": requirement, "section": section}
    if path == ("withheld", "field"):
        return Widget(key, "enum", choices=_withholdable_choices(), **common)  # type: ignore[arg-type]
    if "enum" in core:
        return Widget(key, "enum", choices=_enum_choices(ref), **common)  # type: ignore[arg-type]
    kind = core.get("type")
    if kind == "array":
        items, item_ref = _resolve(core.get("items", {}))
        max_items = int(core.get("maxItems", MAX_LIST_ITEMS))
        if "enum" in items:
            return Widget(key, "enum_multi", choices=_enum_choices(item_ref), **common)  # type: ignore[arg-type]
        if items.get("type") == "object":
            children = _children(items, item_ref, path)
            return Widget(key, "object_list", children=children, max_items=max_items, **common)  # type: ignore[arg-type]
        item = Widget("", "text", labels, helps, max_length=items.get("maxLength"))
        return Widget(key, "str_list", children=(item,), max_items=max_items, **common)  # type: ignore[arg-type]
    if kind == "object":
        if "properties" not in core and isinstance(core.get("additionalProperties"), dict):
            value, value_ref = _resolve(core["additionalProperties"])
            lang = Widget(
                LANG_KEY,
                "text",
                {"en": "Language", "zh-CN": "语言"},
                {"en": "A language tag such as en or zh-CN.", "zh-CN": "语言标签，如en或zh-CN。"},
                requirement="item",
                max_length=35,
            )
            children = (lang, *_children(value, value_ref, path))
            max_items = int(core.get("maxProperties", 20))
            return Widget(key, "map", children=children, max_items=max_items, **common)  # type: ignore[arg-type]
        return Widget(key, "object", children=_children(core, ref, path), **common)  # type: ignore[arg-type]
    if kind == "string":
        if core.get("format") == "date":
            return Widget(key, "date", **common)  # type: ignore[arg-type]
        length = core.get("maxLength")
        wide = length is not None and int(length) > TEXTAREA_FROM
        return Widget(key, "textarea" if wide else "text", max_length=length, **common)  # type: ignore[arg-type]
    if kind in ("number", "integer"):
        return Widget(key, "number", **common)  # type: ignore[arg-type]
    if kind == "boolean":
        return Widget(key, "bool", **common)  # type: ignore[arg-type]
    return Widget(key, "text", **common)  # type: ignore[arg-type]


@cache
def card_widgets() -> tuple[Widget, ...]:
    """Every card field in page order (sections, then fields), as widgets."""
    properties = _schema()["properties"]
    out = []
    for section in card_sections():
        for spec in section.fields:
            if not spec.in_payload:
                continue
            out.append(
                _widget(
                    spec.name,
                    properties[spec.name],
                    dict(spec.labels),
                    dict(spec.help),
                    spec.requirement.value,
                    (spec.name,),
                    section.key,
                )
            )
    return tuple(out)


def widget_at(path: Sequence[str]) -> Widget | None:
    """The widget at a path of keys (indexes left out): ``("data_sources", "name")``."""
    widgets = card_widgets()
    found: Widget | None = None
    for key in path:
        found = next((w for w in widgets if w.key == key), None)
        if found is None:
            return None
        widgets = found.children
    return found


# --- form <-> raw ------------------------------------------------------------------------------


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    """The field's first value; line breaks as the card stores them (browsers send a textarea's
    as CR LF)."""
    values = form.get(name) or []
    return str(values[0]).replace("\r\n", "\n") if values else ""


def _count(form: Mapping[str, Sequence[str]], name: str, widget: Widget) -> int:
    text = _first(form, f"{name}-{COUNT}").strip()
    number = int(text) if text.isdigit() and len(text) < 5 else 0
    return max(0, min(number, widget.max_items + 1))


def _read(widget: Widget, form: Mapping[str, Sequence[str]], name: str) -> Raw:
    if widget.kind in SCALARS:
        return _first(form, name)
    if widget.kind == "enum_multi":
        # Checkboxes arrive in page order; the card's own order is kept (``-order``), so that
        # saving an unchanged card changes nothing.
        chosen = [str(v) for v in (form.get(name) or [])][: len(widget.choices) + 1]
        order = _first(form, f"{name}-{ORDER}").split(",")
        rank = {v: i for i, v in enumerate(order) if v}
        return sorted(chosen, key=lambda v: rank.get(v, len(rank)))
    if widget.kind == "object":
        return {c.key: _read(c, form, f"{name}-{c.key}") for c in widget.children}
    count = _count(form, name, widget)
    if widget.kind == "str_list":
        return [_first(form, f"{name}-{i}") for i in range(count)]
    return [
        {c.key: _read(c, form, f"{name}-{i}-{c.key}") for c in widget.children}
        for i in range(count)
    ]


def parse_form(form: Mapping[str, Sequence[str]]) -> dict[str, Raw]:
    """The raw tree of a submitted form (``{name: [values]}``), every value as typed."""
    return {w.key: _read(w, form, w.key) for w in card_widgets()}


def _flatten(widget: Widget, value: Raw, name: str, out: dict[str, list[str]]) -> None:
    if widget.kind in SCALARS:
        out[name] = [value]
    elif widget.kind == "enum_multi":
        known = {c.value for c in widget.choices}
        out[name] = [c.value for c in widget.choices if c.value in value]  # page order
        out[name] += [v for v in value if v not in known]
        out[f"{name}-{ORDER}"] = [",".join(value)]
    elif widget.kind == "object":
        for c in widget.children:
            _flatten(c, value.get(c.key, empty_raw(c)), f"{name}-{c.key}", out)
    elif widget.kind == "str_list":
        out[f"{name}-{COUNT}"] = [str(len(value))]
        for i, item in enumerate(value):
            out[f"{name}-{i}"] = [item]
    else:
        out[f"{name}-{COUNT}"] = [str(len(value))]
        for i, item in enumerate(value):
            for c in widget.children:
                _flatten(c, item.get(c.key, empty_raw(c)), f"{name}-{i}-{c.key}", out)


def raw_to_form(raw: Mapping[str, Raw]) -> dict[str, list[str]]:
    """The form fields a browser would send for ``raw`` (what the page shows)."""
    out: dict[str, list[str]] = {}
    for w in card_widgets():
        _flatten(w, raw.get(w.key, empty_raw(w)), w.key, out)
    return out


def empty_raw(widget: Widget) -> Raw:
    if widget.kind in SCALARS:
        return ""
    if widget.kind == "object":
        return {c.key: empty_raw(c) for c in widget.children}
    return []


def empty_item(widget: Widget) -> Raw:
    """A new, empty item of a list widget."""
    if widget.kind == "str_list":
        return ""
    return {c.key: empty_raw(c) for c in widget.children}


# --- card <-> raw ------------------------------------------------------------------------------


def _to_raw(widget: Widget, value: Any) -> Raw:
    if widget.kind in SCALARS:
        if value is None:
            return ""
        if widget.kind == "bool":
            return YES if value is True else NO if value is False else str(value)
        return str(value)
    if widget.kind == "enum_multi":
        return [str(v) for v in value] if isinstance(value, list) else []
    if widget.kind == "object":
        data = value if isinstance(value, Mapping) else {}
        return {c.key: _to_raw(c, data.get(c.key)) for c in widget.children}
    if widget.kind == "str_list":
        return [str(v) for v in value] if isinstance(value, list) else []
    if widget.kind == "map":
        data = value if isinstance(value, Mapping) else {}
        return [
            {
                c.key: (str(k) if c.key == LANG_KEY else _to_raw(c, (v or {}).get(c.key)))
                for c in widget.children
            }
            for k, v in data.items()
        ]
    items = value if isinstance(value, list) else []
    return [
        {
            c.key: _to_raw(c, item.get(c.key) if isinstance(item, Mapping) else None)
            for c in widget.children
        }
        for item in items
    ]


def card_to_raw(card: Mapping[str, Any]) -> dict[str, Raw]:
    """The raw tree the form shows for a card."""
    return {w.key: _to_raw(w, card.get(w.key)) for w in card_widgets()}


def _clean(widget: Widget, value: Raw, loc: tuple[Any, ...], index: IndexMap) -> Any:
    """The card value of a raw value, or None when nothing was entered."""
    if widget.kind in SCALARS:
        text = value if isinstance(value, str) else ""
        if not text.strip():
            return None
        if widget.kind == "bool":
            return True if text == YES else False if text == NO else text
        return text
    if widget.kind == "enum_multi":
        return [v for v in value if v] or None
    if widget.kind == "object":
        data = {}
        for c in widget.children:
            cleaned = _clean(c, value.get(c.key, ""), (*loc, c.key), index)
            if cleaned is not None:
                data[c.key] = cleaned
        return data or None
    if widget.kind == "map":
        result: dict[str, Any] = {}
        keys: dict[str, int] = {}
        for i, item in enumerate(value):
            lang = str(item.get(LANG_KEY, ""))
            body = _clean(_without_lang(widget), item, (*loc, lang.strip()), index)
            if body is None and not lang.strip():
                continue
            if lang.strip() in keys:
                index.duplicates.append("-".join(str(p) for p in (*loc, i, LANG_KEY)))
                continue
            keys[lang.strip()] = i
            result[lang.strip()] = body or {}
        index.keys[loc] = keys
        return result or None
    kept: list[Any] = []
    positions: list[int] = []
    for i, item in enumerate(value):
        item_widget = widget.children[0] if widget.kind == "str_list" else _as_object(widget)
        cleaned = _clean(item_widget, item, (*loc, len(kept)), index)
        if cleaned is not None:
            kept.append(cleaned)
            positions.append(i)
    index.lists[loc] = positions
    return kept or None


def _as_object(widget: Widget) -> Widget:
    return Widget(widget.key, "object", widget.labels, widget.help, children=widget.children)


def _without_lang(widget: Widget) -> Widget:
    children = tuple(c for c in widget.children if c.key != LANG_KEY)
    return Widget(widget.key, "object", widget.labels, widget.help, children=children)


def raw_to_card(raw: Mapping[str, Raw]) -> tuple[dict[str, Any], IndexMap]:
    """The card for a raw tree (blank values and empty list items left out), and the index map
    that leads problems back to the form's fields."""
    index = IndexMap()
    card = {}
    for w in card_widgets():
        cleaned = _clean(w, raw.get(w.key, empty_raw(w)), (w.key,), index)
        if cleaned is not None:
            card[w.key] = cleaned
    return card, index


def form_to_card(form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The card a submitted form describes."""
    return raw_to_card(parse_form(form))[0]


# --- problems back to fields -------------------------------------------------------------------


def loc_to_id(loc: Sequence[Any], index: IndexMap | None = None) -> str:
    """The form field id of a problem's ``loc`` (without ``body``/``card``): card indexes are
    turned into the form's, a dict key into its item, pydantic's ``[key]`` into the language."""
    index = index or IndexMap()
    parts: list[str] = []
    card_path: tuple[Any, ...] = ()
    for part in loc:
        if card_path in index.keys and not isinstance(part, int):
            position = index.keys[card_path].get(str(part).strip())
            parts.append(str(position) if position is not None else "0")
        elif isinstance(part, int) or (isinstance(part, str) and _INDEX.match(part)):
            number = int(part)
            positions = index.lists.get(card_path)
            parts.append(
                str(positions[number] if positions and number < len(positions) else number)
            )
            part = number
        elif part == "[key]":
            parts.append(LANG_KEY)
        else:
            parts.append(str(part))
        card_path = (*card_path, part)
    return "-".join(parts)


def path_to_loc(path: str) -> list[Any]:
    """A dotted path (``risks.0.mitigation``, from ``missing_required_fields``) as a loc."""
    return [int(p) if _INDEX.match(p) else p for p in path.split(".") if p]


# --- add and remove ----------------------------------------------------------------------------


def _walk(raw: Mapping[str, Raw], tokens: Sequence[str]) -> tuple[Widget, Raw] | None:
    """The widget and raw value at a field id's tokens, or None if there is none."""
    widgets = card_widgets()
    widget: Widget | None = None
    value: Raw = raw
    for token in tokens:
        if _INDEX.match(token):
            if widget is None or widget.kind not in LISTS or not isinstance(value, list):
                return None
            number = int(token)
            if number >= len(value):
                return None
            value = value[number]
            continue
        widget = next((w for w in widgets if w.key == token), None)
        if widget is None or not isinstance(value, Mapping):
            return None
        value = value.get(token)
        widgets = widget.children
    return (widget, value) if widget is not None else None


def apply_action(raw: dict[str, Raw], action: str) -> tuple[bool, str | None]:
    """Apply ``add:<list id>`` or ``remove:<item id>`` to ``raw`` in place.

    Returns (applied, the id of the new item for an add). Unknown or impossible actions do nothing.
    """
    verb, _, target = action.partition(":")
    tokens = target.split("-") if target else []
    if verb == "add":
        found = _walk(raw, tokens)
        if found is None:
            return False, None
        widget, value = found
        if (
            widget.kind not in LISTS
            or not isinstance(value, list)
            or len(value) >= widget.max_items
        ):
            return False, None
        value.append(empty_item(widget))
        return True, f"{target}-{len(value) - 1}"
    if verb == "remove" and tokens and _INDEX.match(tokens[-1]):
        found = _walk(raw, tokens[:-1])
        if found is None:
            return False, None
        widget, value = found
        number = int(tokens[-1])
        if widget.kind not in LISTS or not isinstance(value, list) or number >= len(value):
            return False, None
        del value[number]
        return True, None
    return False, None
