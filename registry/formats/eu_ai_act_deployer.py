"""EU AI Act Annex VIII Section C: a public-authority deployer's registration. Write only.

Section C asks for five things: the deployer's name, address and contact (C.1), the same for the
person submitting on its behalf (C.2), the URL of the provider's entry in the EU database (C.3),
a summary of the fundamental rights impact assessment (C.4) and of the data protection impact
assessment where applicable (C.5). The points and where each value comes from are data:
``mappings/eu_ai_act_deployer-2024-1689.toml``. What the register does not hold (C.2: it records
roles, never people) is listed in ``x_registry_export.missing_required`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from registry.formats._base import ExportMeta, ImportedRecord, MappingNote, NoteKind
from registry.formats._mapping import load_mapping
from registry.formats._writing import (
    EXPORT_INFO_KEY,
    GAPS_EXPLAINED,
    JsonDocumentWriter,
    get_path,
    provided,
)

MAPPING_NAME = "eu_ai_act_deployer-2024-1689"


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _assessment_summary(card: Mapping[str, Any], kind: str) -> str | None:
    items = [
        i
        for i in card.get("impact_assessments", [])
        if isinstance(i, Mapping) and i.get("kind") == kind
    ]
    lines = []
    for item in items:
        if item.get("not_done_reason"):
            lines.append(f"Not carried out: {item['not_done_reason']}")
            continue
        parts = [str(item.get("summary") or "")]
        if item.get("completed_on"):
            parts.append(f"(completed {item['completed_on']})")
        if item.get("url"):
            parts.append(str(item["url"]))
        lines.append(" ".join(p for p in parts if p))
    return "\n".join(line for line in lines if line) or None


class EuAiActDeployer(JsonDocumentWriter):
    id = "eu_ai_act_deployer"
    title = "EU AI Act Annex VIII Section C: deployer registration (JSON)"
    standard = "EU AI Act Annex VIII Section C (deployer registration)"
    standard_version = "Regulation (EU) 2024/1689"
    can_read = False
    can_write = True
    media_type = "application/json"
    file_suffix = "eu-ai-act-annex-viii-c.json"

    def __init__(self, mapping_name: str = MAPPING_NAME) -> None:
        self.mapping = load_mapping(mapping_name)

    def read(self, data: bytes) -> list[ImportedRecord]:
        raise NotImplementedError("The EU deployer registration is written, never read.")

    def value(self, source: str, card: Mapping[str, Any], meta: ExportMeta) -> Any:
        if not source:
            return None
        where, _, path = source.partition(".")
        if where == "card":
            return get_path(card, path)
        if where == "meta":
            return asdict(meta).get(path)
        if where == "assessment":
            return _assessment_summary(card, path)
        raise ValueError(f"unknown source {source!r} in {MAPPING_NAME}")

    def document(
        self, card: Mapping[str, Any], meta: ExportMeta
    ) -> tuple[dict[str, Any], tuple[str, ...], list[MappingNote]]:
        doc: dict[str, Any] = {}
        missing: list[str] = []
        reasons: dict[str, str] = {}
        notes: list[MappingNote] = []
        personal = any(
            isinstance(s, Mapping) and s.get("personal_data") for s in card.get("data_sources", [])
        )
        for point in self.mapping["point"]:
            value = self.value(point["source"], card, meta)
            _set(doc, point["key"], value if provided(value) else None)
            required = point.get("required", False) or (
                point.get("required_when_personal_data", False) and personal
            )
            if required and not provided(value):
                missing.append(point["key"])
                if point.get("why_empty"):
                    reasons[point["key"]] = point["why_empty"]
        if not provided(get_path(card, "contact.email")) and provided(
            get_path(card, "contact.form_url")
        ):
            missing.remove("deployer.contact_email")
        for key, source in self.mapping["context"].items():
            _set(doc, key, self.value(source, card, meta))
        if card.get("risk_category") != "high_risk":
            notes.append(
                MappingNote(
                    "risk_category",
                    NoteKind.NOT_MAPPED.value,
                    "Section C registration applies to high-risk AI systems; this card is not "
                    "classified high-risk, so the registration is given for information.",
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
            "why_missing": reasons,
            "applies": card.get("risk_category") == "high_risk",
            "audits": [asdict(a) for a in meta.audits],
        }
        return doc, tuple(missing), notes
