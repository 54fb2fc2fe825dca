"""Field-by-field differences between two card versions, for the version diff page and the console.

Paths are dotted, with list indexes: ``data_sources.1.retention``. List items are matched by what
identifies them, not by position: a plain list (``inputs``) by the text of each item, a list of
records by the item's identifying field (the first field its model requires even in a draft: a
data source's ``name``, an affected group's ``group``). So an input inserted in the middle shows as
one input added, not as every later input changed. An item's index in a path is its index in the
new card (in the old card for a removed item). When items cannot be told apart that way (no
identifying value, or two items share one), the list is compared position by position.

Each change also says how much it matters to a reader (:attr:`FieldChange.importance`): the fields
in ``KEY_FIELDS`` first (what it is for, its risk category, its inputs, who oversees it and how to
appeal), translations last. :func:`readable_order` sorts changes that way.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args, get_origin

from registry.cards.fields_meta import FIELD_SPECS_BY_NAME, PAYLOAD_FIELDS

ChangeKind = Literal["added", "removed", "changed"]
Importance = Literal["key", "normal", "translation"]
_FIELD_ORDER = {name: i for i, name in enumerate(PAYLOAD_FIELDS)}
# The changes a reader should see first, in this order.
KEY_FIELDS: tuple[str, ...] = (
    "purpose_and_impact",
    "risk_category",
    "inputs",
    "autonomy_level",
    "human_oversight",
    "appeal_route",
)
TRANSLATION_FIELDS: frozenset[str] = frozenset({"translations"})


@dataclass(frozen=True)
class FieldChange:
    """One difference. ``old`` is None when added, ``new`` is None when removed.

    ``items`` names the list items along the path, one per index in it (the item's identifying
    value as text, or ``None`` when it has none), so a page can say "Inputs › Postcode" rather
    than "Inputs › item 6".
    """

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    items: tuple[str | None, ...] = ()

    @property
    def field(self) -> str:
        """The top-level card field the change belongs to."""
        return self.path.split(".", 1)[0]

    @property
    def section(self) -> str:
        """The card section of the field (``identity`` for a field the card schema lacks)."""
        spec = FIELD_SPECS_BY_NAME.get(self.field)
        return spec.section if spec is not None else "identity"

    @property
    def importance(self) -> Importance:
        if self.field in KEY_FIELDS:
            return "key"
        if self.field in TRANSLATION_FIELDS:
            return "translation"
        return "normal"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


# --- the shape of the card: which model each nested value follows ---------------------------------


@dataclass(frozen=True)
class _Shape:
    """What a value at some path is: a model's record (``model``), a list or map of them."""

    model: type | None = None
    container: Literal["record", "list", "map", "leaf"] = "leaf"
    vocabulary: type | None = None  # a list of controlled values (policy_areas): their enum


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; ``Annotated[X, ...]`` -> ``X``."""
    while True:
        args = [a for a in get_args(annotation) if a is not type(None)]
        origin = get_origin(annotation)
        if origin is not None and origin not in (list, dict) and len(args) >= 1:
            annotation = args[0]
            continue
        return annotation


@cache
def _child_shape(model: type, key: str) -> _Shape:
    from enum import StrEnum

    from registry.cards.card_parts import CardPart
    from registry.cards.schema import find_type

    info = getattr(model, "model_fields", {}).get(key)
    if info is None:
        return _Shape()
    annotation = _unwrap(info.annotation)
    part = find_type(info.annotation, CardPart)
    origin = get_origin(annotation)
    if origin is list:
        return _Shape(part, "list", None if part else find_type(info.annotation, StrEnum))
    if origin is dict:
        return _Shape(part, "map")
    if part is not None:
        return _Shape(part, "record")
    return _Shape()


def _card_shape() -> _Shape:
    from registry.cards.schema import ModelCard

    return _Shape(ModelCard, "record")


@cache
def identity_field(model: type) -> str | None:
    """The field that names an item of ``model``: the first one it requires even in a draft."""
    for name, info in getattr(model, "model_fields", {}).items():
        if info.is_required():
            return str(name)
    return None


def item_name(item: Any, model: type | None) -> str | None:
    """What identifies a list item, as text: a plain item itself, a record's identifying value."""
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return str(item).strip() or None
    if isinstance(item, dict) and model is not None:
        key = identity_field(model)
        value = item.get(key) if key else None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value).strip() or None
    return None


def _keys(items: Sequence[Any], model: type | None) -> list[Hashable] | None:
    keys: list[Hashable] = []
    for item in items:
        name = item_name(item, model)
        if name is None:
            return None
        keys.append(name)
    return keys if len(set(keys)) == len(keys) else None


# --- the walk -------------------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or value == []
        or value == {}
        or (isinstance(value, str) and not value.strip())
    )


class _Walk:
    def __init__(self) -> None:
        self.out: list[FieldChange] = []

    def add(self, path: str, kind: ChangeKind, old: Any, new: Any, items: tuple) -> None:
        self.out.append(FieldChange(path, kind, old, new, items))

    def value(
        self, path: str, old: Any, new: Any, shape: _Shape, items: tuple[str | None, ...]
    ) -> None:
        if _is_empty(old) and _is_empty(new):
            return
        if shape.container == "list" and isinstance(old or new, list):
            # A list that appears or disappears whole is shown item by item, each by its name,
            # and a map (translations) key by key.
            self.sequence(path, old or [], new or [], shape, items)
            return
        if shape.container == "map" and isinstance(old or new, dict):
            self.mapping(path, old or {}, new or {}, shape, items)
            return
        if _is_empty(old):
            self.add(path, "added", None, new, items)
            return
        if _is_empty(new):
            self.add(path, "removed", old, None, items)
            return
        if isinstance(old, dict) and isinstance(new, dict):
            self.mapping(path, old, new, shape, items)
            return
        if isinstance(old, list) and isinstance(new, list):
            self.sequence(path, old, new, shape, items)
            return
        if old != new or type(old) is not type(new):
            self.add(path, "changed", old, new, items)

    def mapping(
        self, path: str, old: dict, new: dict, shape: _Shape, items: tuple[str | None, ...]
    ) -> None:
        keys = list(old) + [k for k in new if k not in old]
        for key in _ordered(keys, top=not path):
            if shape.container == "map":
                child = _Shape(shape.model, "record")
            elif shape.model is not None:
                child = _child_shape(shape.model, str(key))
            else:
                child = _Shape()
            sub = f"{path}.{key}" if path else str(key)
            self.value(sub, old.get(key), new.get(key), child, items)

    def sequence(
        self, path: str, old: list, new: list, shape: _Shape, items: tuple[str | None, ...]
    ) -> None:
        model = shape.model
        item_shape = _Shape(model, "record" if model is not None else "leaf")
        old_keys, new_keys = _keys(old, model), _keys(new, model)
        if old_keys is None or new_keys is None:
            for index in range(max(len(old), len(new))):
                left = old[index] if index < len(old) else None
                right = new[index] if index < len(new) else None
                name = item_name(right if right is not None else left, model)
                self.value(f"{path}.{index}", left, right, item_shape, (*items, name))
            return
        matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    name = item_name(new[j], model)
                    self.value(f"{path}.{j}", old[i], new[j], item_shape, (*items, name))
                continue
            for i in range(i1, i2):
                name = item_name(old[i], model)
                self.value(f"{path}.{i}", old[i], None, item_shape, (*items, name))
            for j in range(j1, j2):
                name = item_name(new[j], model)
                self.value(f"{path}.{j}", None, new[j], item_shape, (*items, name))


def _ordered(keys: list[str], *, top: bool) -> list[str]:
    if not top:
        return keys
    return sorted(keys, key=lambda k: (_FIELD_ORDER.get(k, len(_FIELD_ORDER)), k))


def diff_cards(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Every difference from ``old`` to ``new``, top-level fields in page order."""
    walk = _Walk()
    walk.mapping("", old or {}, new or {}, _card_shape(), ())
    return walk.out


def readable_order(changes: Sequence[FieldChange]) -> list[FieldChange]:
    """The changes a reader should see first: ``KEY_FIELDS`` in that order, then every other
    field in page order (so grouped by section), translations last. Stable within a field."""

    def rank(change: FieldChange) -> tuple[int, int]:
        if change.importance == "key":
            return 0, KEY_FIELDS.index(change.field)
        if change.importance == "translation":
            return 2, 0
        return 1, _FIELD_ORDER.get(change.field, len(_FIELD_ORDER))

    return sorted(changes, key=rank)


# --- what a path names, for labels ----------------------------------------------------------------


@dataclass(frozen=True)
class PathStep:
    """One part of a path: a field (with its ``labels`` by language), a list item (its
    ``index`` and ``name``) or a key of a map (``translations.zh-CN``: the language tag)."""

    kind: Literal["field", "item", "key"]
    key: str
    labels: dict[str, str] | None = None
    index: int | None = None
    name: str | None = None
    name_labels: dict[str, str] | None = None
    """The words for ``name`` when it is a code: a controlled value, or a field a withholding
    names (``inputs`` -> Inputs / 输入)."""


def _name_labels(shape: _Shape, name: str | None) -> dict[str, str] | None:
    """Words for an item's identifying value when that value is a code, else None."""
    from enum import StrEnum

    from registry.cards.card_parts import Withholding
    from registry.cards.schema import find_type

    model = shape.model
    if name is None:
        return None
    if model is None:
        return _choice(shape.vocabulary, name)
    if model is Withholding:
        spec = FIELD_SPECS_BY_NAME.get(name)
        return {"en": spec.label_en, "zh-CN": spec.label_zh} if spec is not None else None
    key = identity_field(model)
    info = getattr(model, "model_fields", {}).get(key) if key else None
    return _choice(find_type(info.annotation, StrEnum) if info is not None else None, name)


def _choice(enum: type | None, value: str) -> dict[str, str] | None:
    from enum import StrEnum

    from registry.cards.enums import choice_labels

    if enum is None or not issubclass(enum, StrEnum):
        return None
    member = next((m for m in enum if m.value == value), None)
    return choice_labels(member) if member is not None else None


def _field_labels(model: type, key: str) -> dict[str, str] | None:
    info = getattr(model, "model_fields", {}).get(key)
    if info is None:
        return None
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return {"en": info.title or key, "zh-CN": str(extra.get("x-label-zh-CN") or info.title or key)}


def describe_path(
    path: str, *, card: dict[str, Any] | None = None, items: Sequence[str | None] = ()
) -> list[PathStep]:
    """The steps of ``path``. Item names come from ``items`` (a change's own), else from ``card``
    (the item at that index), else are None."""
    steps: list[PathStep] = []
    shape = _card_shape()
    value: Any = card
    names = iter(items)
    for part in path.split("."):
        if shape.container == "list" and part.isdigit():
            index = int(part)
            value = value[index] if isinstance(value, list) and index < len(value) else None
            given = next(names, None)
            name = given if given is not None else item_name(value, shape.model)
            steps.append(
                PathStep(
                    "item",
                    part,
                    index=index,
                    name=name,
                    name_labels=_name_labels(shape, name),
                )
            )
            shape = _Shape(shape.model, "record" if shape.model is not None else "leaf")
            continue
        value = value.get(part) if isinstance(value, dict) else None
        if shape.container == "map":
            steps.append(PathStep("key", part))
            shape = _Shape(shape.model, "record")
            continue
        model = shape.model
        labels = _field_labels(model, part) if model is not None else None
        steps.append(PathStep("field", part, labels=labels))
        shape = _child_shape(model, part) if model is not None else _Shape()
    return steps
