"""The field crosswalk table of ``docs/model-card.md``, generated from the field metadata.

Run ``python -m registry.cards.crosswalk`` to print it; a test checks that the doc holds it.
"""

from __future__ import annotations

from typing import Any

from registry.cards.enums import CARD_ENUMS, choice_labels
from registry.cards.schema import PART_MODELS, model_card_json_schema
from registry.cards.sections import card_sections


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def crosswalk_markdown() -> str:
    """One Markdown table per section: field, labels, requirement, tier, sources, meaning."""
    parts = []
    for section in card_sections():
        parts.append(f"### {section.labels['en']} ({section.labels['zh-CN']})\n")
        parts.append("| field | label | req | tier | sources | meaning |")
        parts.append("|---|---|---|---|---|---|")
        for field in section.fields:
            tier = "1/2" if field.detail_tier else str(field.tier)
            name = f"`{field.name}`" + ("[]" if field.is_list else "")
            if not field.in_payload:
                name += " (system)"
            subfields = ", ".join(f"`{sub.name}`" for sub in field.subfields)
            meaning = field.help["en"] + (f" Parts: {subfields}." if subfields else "")
            if field.withholdable:
                meaning += " May be withheld."
            row = [
                name,
                f"{field.labels['en']} / {field.labels['zh-CN']}",
                field.requirement.value,
                tier,
                " ".join(field.sources),
                meaning,
            ]
            parts.append("| " + " | ".join(_cell(c) for c in row) + " |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def vocabulary_markdown() -> str:
    """Each controlled vocabulary: machine value, English and Chinese words."""
    parts = []
    for enum in CARD_ENUMS:
        parts.append(
            f"**{enum.__name__}**: "
            + "; ".join(
                f"`{m.value}` ({choice_labels(m)['en']} / {choice_labels(m)['zh-CN']})"
                for m in enum
            )
        )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def item_requirements_markdown() -> str:
    """The parts each list item or sub-object must carry: always (even in a draft) or to publish."""
    rows = ["| field | required even in a draft | required to publish |", "|---|---|---|"]
    for field, model in PART_MODELS.items():
        always = [n for n, info in model.model_fields.items() if info.is_required()]
        publish = list(model.PUBLISH_REQUIRED)
        if always or publish:
            rows.append(
                f"| `{field}` | {', '.join(f'`{n}`' for n in always) or '-'} | "
                f"{', '.join(f'`{n}`' for n in publish) or '-'} |"
            )
    return "\n".join(rows) + "\n"


def card_limits() -> dict[str, str]:
    """Every limit stated by the card's JSON Schema, by path (``suppliers[].name``).

    Lists: ``maxItems``; maps: ``maxProperties``; texts: ``maxLength`` (controlled values and dates
    have none: their form bounds them).
    """
    schema = model_card_json_schema()
    defs = schema.get("$defs", {})
    limits: dict[str, str] = {}

    def walk(node: dict[str, Any], path: str) -> None:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        for option in node.get("anyOf", []):
            walk(option, path)
        if "maxItems" in node:
            limits[path] = f"{node['maxItems']} items"
            walk(node["items"], path + "[]")
        if "maxProperties" in node:
            limits[path] = f"{node['maxProperties']} entries"
        if "maxLength" in node:
            limits[path] = f"{node['maxLength']} characters"
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{name}" if path else name)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], path + ".*")

    walk(schema, "")
    return limits


def limits_markdown() -> str:
    """The table of list and text limits in ``docs/model-card.md``."""
    rows = ["| field | at most |", "|---|---|"]
    rows += [f"| `{path}` | {limit} |" for path, limit in card_limits().items()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(crosswalk_markdown())
    print(item_requirements_markdown())
    print(limits_markdown())
    print(vocabulary_markdown(), end="")
