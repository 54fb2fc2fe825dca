"""China CAC algorithm filing summary (算法备案): name, category, products and scenarios, main use,
basic principle, operating mechanism, filing number when known. Write only.

Texts come from the card's zh-CN translation where it has one (the tier-1 fields), else from the
card's own language; a value not in Chinese is listed in ``x_registry_export.not_in_chinese``, for a
person to translate before filing. The items and their sources are data:
``mappings/cn_cac_filing-2022.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from registry.cards.enums import AutonomyLevel, PolicyArea, Scenario, choice_labels
from registry.formats._base import ExportMeta, ImportedRecord, MappingNote, NoteKind
from registry.formats._mapping import load_mapping
from registry.formats._writing import (
    EXPORT_INFO_KEY,
    GAPS_EXPLAINED,
    JsonDocumentWriter,
    get_path,
    provided,
)

MAPPING_NAME = "cn_cac_filing-2022"
CHINESE = "zh-CN"


def _is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


class CnCacFiling(JsonDocumentWriter):
    id = "cn_cac_filing"
    title = "China CAC algorithm filing summary (算法备案, JSON)"
    standard = "CAC algorithm filing summary (算法备案)"
    standard_version = "2022"
    can_read = False
    can_write = True
    media_type = "application/json"
    file_suffix = "cac-filing.json"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping = load_mapping(mapping_name)

    def read(self, data: bytes) -> list[ImportedRecord]:
        raise NotImplementedError("The CAC filing summary is written, never read.")

    def value(self, source: str, card: Mapping[str, Any], meta: ExportMeta) -> tuple[Any, bool]:
        """The value and whether it is in Chinese (True for values that are not text)."""
        language = str(card.get("language") or "")
        own_chinese = _is_chinese(language)
        where, _, path = source.partition(".")
        if where == "text":
            translated = get_path(card, f"translations.{CHINESE}.{path}")
            if provided(translated):
                return translated, True
            return card.get(path), own_chinese
        if where == "card":
            return get_path(card, path), own_chinese
        if where == "meta":
            return asdict(meta).get(path), True
        if source == "category":
            kind = get_path(card, "model_type.kind")
            return self.mapping["category"].get(str(kind)), True
        if source == "products":
            products = [p for p in card.get("application_products", []) if isinstance(p, Mapping)]
            lines = [" ".join(str(p[k]) for k in ("name", "url") if p.get(k)) for p in products]
            return ("\n".join(lines) or None), own_chinese
        if source == "scenario":
            words = []
            if card.get("scenario"):
                words.append(choice_labels(Scenario(card["scenario"]))["zh-CN"])
            words += [choice_labels(PolicyArea(a))["zh-CN"] for a in card.get("policy_areas", [])]
            return ("、".join(words) or None), True
        if source == "mechanism":
            parts = []
            if card.get("autonomy_level"):
                parts.append(choice_labels(AutonomyLevel(card["autonomy_level"]))["zh-CN"] + "。")
            integration = card.get("process_integration")
            oversight_zh = get_path(card, f"translations.{CHINESE}.human_oversight")
            oversight = oversight_zh or card.get("human_oversight")
            chinese = own_chinese or (not integration and bool(oversight_zh))
            parts += [str(p) for p in (integration, oversight) if p]
            return ("\n".join(parts) or None), chinese
        raise ValueError(f"unknown source {source!r} in {MAPPING_NAME}")

    def document(
        self, card: Mapping[str, Any], meta: ExportMeta
    ) -> tuple[dict[str, Any], tuple[str, ...], list[MappingNote]]:
        doc: dict[str, Any] = {}
        missing: list[str] = []
        not_chinese: list[str] = []
        notes: list[MappingNote] = []
        for item in self.mapping["item"]:
            value, chinese = self.value(item["source"], card, meta)
            doc[item["key"]] = value if provided(value) else None
            if item.get("required") and not provided(value):
                missing.append(item["key"])
            elif provided(value) and not chinese:
                not_chinese.append(item["key"])
        if "算法类别" in missing:
            notes.append(
                MappingNote(
                    "model_type",
                    NoteKind.NEEDS_PERSON.value,
                    "The CAC category (push, ranking, search/filtering, scheduling/decision) "
                    "depends on how the service uses the output; only a generative model's "
                    "category follows from the card, so a person chooses.",
                )
            )
        doc[EXPORT_INFO_KEY] = {
            "standard": self.standard,
            "standard_version": self.standard_version,
            "public_id": meta.public_id,
            "version": meta.version,
            "published_on": meta.published_on,
            "missing_required": missing,
            "missing_required_explained": GAPS_EXPLAINED,
            "not_in_chinese": not_chinese,
            "card_language": card.get("language"),
            "audits": [asdict(a) for a in meta.audits],
        }
        return doc, tuple(missing), notes
