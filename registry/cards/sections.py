"""The card as the public page orders it: sections, then fields, with bilingual labels and help.

``card_sections()`` is what the page renderer and the docs walk; it is built from ``FIELD_SPECS``
and the pydantic models, so the page, the JSON Schema and the docs cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic.fields import FieldInfo

from registry.cards.enums import choice_labels
from registry.cards.fields_meta import FIELD_SPECS, SECTION_TITLES, Requirement, Tier
from registry.cards.schema import PART_MODELS, find_type


@dataclass(frozen=True)
class Choice:
    """One controlled value and the words shown for it."""

    value: str
    labels: dict[str, str]


@dataclass(frozen=True)
class SubField:
    """A field inside a list item or sub-object (``data_sources[].role``)."""

    name: str
    labels: dict[str, str]
    help: dict[str, str]
    required_to_publish: bool
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class CardField:
    name: str
    requirement: Requirement
    tier: Tier
    labels: dict[str, str]
    help: dict[str, str]
    sources: tuple[str, ...]
    in_payload: bool
    withholdable: bool
    detail_tier: bool
    is_list: bool
    subfields: tuple[SubField, ...] = ()
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    labels: dict[str, str]
    fields: tuple[CardField, ...]


def _choices(annotation: Any) -> tuple[Choice, ...]:
    enum = find_type(annotation, StrEnum)
    if enum is None or not issubclass(enum, StrEnum):
        return ()
    return tuple(Choice(member.value, choice_labels(member)) for member in enum)


def _subfields(field: str) -> tuple[SubField, ...]:
    model = PART_MODELS.get(field)
    if model is None:
        return ()
    publish_required = set(model.PUBLISH_REQUIRED)
    return tuple(
        _subfield(name, info, name in publish_required or info.is_required())
        for name, info in model.model_fields.items()
    )


def _subfield(name: str, info: FieldInfo, required: bool) -> SubField:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    description = info.description or ""
    return SubField(
        name=name,
        labels={"en": info.title or name, "zh-CN": str(extra.get("x-label-zh-CN", ""))},
        help={"en": description, "zh-CN": ""},
        required_to_publish=required,
        choices=_choices(info.annotation),
    )


@cache
def _build() -> tuple[Section, ...]:
    from registry.cards.schema import ModelCard

    sections = []
    for key, (title_en, title_zh) in SECTION_TITLES.items():
        fields = []
        for spec in (s for s in FIELD_SPECS if s.section == key):
            info = ModelCard.model_fields.get(spec.name)
            annotation = info.annotation if info is not None else None
            fields.append(
                CardField(
                    name=spec.name,
                    requirement=spec.requirement,
                    tier=spec.tier,
                    labels={"en": spec.label_en, "zh-CN": spec.label_zh},
                    help={"en": spec.help_en, "zh-CN": spec.help_zh},
                    sources=spec.sources,
                    in_payload=spec.in_payload,
                    withholdable=spec.withholdable,
                    detail_tier=spec.detail_tier,
                    is_list=info is not None and info.default_factory is list,
                    subfields=_subfields(spec.name),
                    choices=_choices(annotation) if annotation is not None else (),
                )
            )
        sections.append(Section(key, {"en": title_en, "zh-CN": title_zh}, tuple(fields)))
    return tuple(sections)


def card_sections() -> list[Section]:
    """Ordered sections, each with its ordered fields and their metadata."""
    return list(_build())
