"""The mapping tables of ``docs/interop.md``, generated from the mapping files.

Run ``python -m registry.formats.mapping_tables`` to print them; a test checks that the doc holds
them, so the doc cannot drift from the data.
"""

from __future__ import annotations

from typing import Any

from registry.formats._mapping import load_mapping


def _table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| their attribute | our card field | how |", "|---|---|---|"]
    lines += [f"| `{a}` | {f'`{b}`' if b else '-'} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def _not_mapped(m: dict[str, Any], prefix: str = "") -> list[tuple[str, str, str]]:
    return [
        (prefix + key, "", f"not mapped: {why}") for key, why in m.get("not_mapped", {}).items()
    ]


def nl_algoritmeregister_table() -> str:
    m = load_mapping("nl_algoritmeregister-1.0.0")
    rows = [
        (r["key"], r["field"], "text" + (" (HTML to text)" if r.get("html") else ""))
        for r in m["text"]
    ]
    rows += [
        (r["key"], r["field"], "month (dates read as YYYY-MM; a year alone is not)")
        for r in m["month"]
    ]
    rows += [
        ("organization", "agency", "agency matched or created by name"),
        (
            "contact_email",
            "contact.email",
            "an e-mail address; a web address goes to `contact.form_url`",
        ),
        ("status", "status", "vocabulary; `pilot` is written as 'In gebruik'"),
        ("publication_category", "risk_category", "vocabulary (A/B/C)"),
        (
            "category",
            "policy_areas",
            "vocabulary, at most 3 written; themes without an equivalent noted",
        ),
        ("risks", "risks", "one item per 'name: description (mitigation)' line, else one item"),
        (
            "lawful_basis, lawful_basis_grouping",
            "legal_basis",
            "title + link per item; text lines = references",
        ),
        (
            "impacttoetsen_grouping, impacttoetsen",
            "impact_assessments",
            "DPIA/IAMA by title, link; text = why not done",
        ),
        ("source_data_grouping", "data_summary", "read as lines of data_summary (no role given)"),
        ("provider", "suppliers", "names; 'Intern ontwikkeld' = in-house"),
        (
            "methods_and_models (last line)",
            "model_type",
            "our writers add 'Model type: ...'; else needs a person",
        ),
        ("source_id", "source_id", "lower-case slug"),
        ("lang", "language", "ISO 639-3 to BCP 47"),
        ("standard_version", "", "checked against the mapping's version"),
    ]
    return _table(rows + _not_mapped(m))


def nl_register_export_table() -> str:
    m = load_mapping("nl_register_export-0.x")
    rows = [(r["key"], r["field"], "text") for r in m["text"]]
    rows += [
        (", ".join(spec["keys"]), field, "joined, in this order")
        for field, spec in m["joined"].items()
    ]
    rows += [
        ("organization", "agency", "agency matched or created by name"),
        ("type", "model_type", "vocabulary: " + ", ".join(m["vocabulary"]["type"])),
        ("category", "policy_areas", "vocabulary (comma-separated text or a list)"),
        ("status", "status", "vocabulary: " + ", ".join(m["vocabulary"]["status"])),
        (
            "contact_email",
            "contact.email",
            "an e-mail address; a web address goes to `contact.form_url`",
        ),
        ("risks", "risks", "as in the publication standard"),
        ("lawful_basis", "legal_basis", "one item per line"),
        ("application_url", "application_products", "one product named after the host"),
        ("id", "source_id", "lower-case slug; without it reruns match by content key"),
        ("lang", "language", "ISO 639-3 to BCP 47"),
    ]
    rows += [
        (
            f"{a['flag']}, {a['description']}",
            "impact_assessments",
            f"kind {a['kind']}: yes + summary, or no + reason",
        )
        for a in m["assessment"]
    ]
    return _table(rows + _not_mapped(m))


def uk_atrs_table() -> str:
    m = load_mapping("uk_atrs-3.0")
    rows = [
        (r["path"], r["field"], "text" + (" (required)" if r.get("required") else ""))
        for r in m["scalar"]
    ]
    rows += [(r["path"], r["field"], "one item per line") for r in m["lines"]]
    rows += [
        (
            "tier_1.contact_email",
            "contact.email",
            "an e-mail address; a web address goes to `contact.form_url`",
        ),
        (
            "tier_2.owner_and_responsibility.organisation",
            "agency",
            "agency matched or created by name",
        ),
        (
            "tier_2.tool_specification.phase",
            "status",
            "vocabulary: " + ", ".join(m["vocabulary"]["phase"]),
        ),
        (
            "tier_2.tool_specification.models.1.model_task",
            "model_type",
            "'<kind words> (learns / does not learn in use)'",
        ),
        (
            "tier_2.tool_specification.models.1.model_performance",
            "evaluation",
            "lines 'name: value (low to high, level%) [group]'",
        ),
        (
            "tier_2.tool_specification.models.1.dataset_purposes",
            "data_sources[].role",
            "lines 'name: purpose'",
        ),
    ]
    for spec in m["lists"].values():
        items = ", ".join(f"{a}={b}" for a, b in spec["items"].items())
        rows.append((spec["path"] + "[]", spec["field"] + "[]", items))
    return _table(rows + _not_mapped(m))


def hf_model_card_table() -> str:
    m = load_mapping("hf_model_card-1")
    rows = [("# Model Card for ...", "name", "the title")]
    rows += [(" / ".join(s["headings"]), s["field"], s["kind"]) for s in m["section"]]
    rows += [
        (f"- **{label}:**", field, "detail line") for label, field in m["details"].items() if field
    ]
    rows += [
        ("license / license_name", "license", "an SPDX id, or 'other' + license_name"),
        ("language", "language", "the first; more are noted"),
        ("model-index", "evaluation.metrics", "type, value; the group after ' — ' in the name"),
        ("datasets", "data_summary", "lines (no role given)"),
        ("registry_export", "", "our own export block: source_id, agency, audits"),
    ]
    return _table(rows + _not_mapped(m, "metadata."))


def writer_table(name: str) -> str:
    m = load_mapping(name)
    lines = ["| item | from | required |", "|---|---|---|"]
    for item in m.get("point", m.get("item", [])):
        required = (
            "yes"
            if item.get("required")
            else ("if personal data" if item.get("required_when_personal_data") else "no")
        )
        lines.append(f"| `{item['key']}` | `{item['source'] or '-'}` | {required} |")
    return "\n".join(lines) + "\n"


def all_tables() -> dict[str, str]:
    return {
        "nl_algoritmeregister": nl_algoritmeregister_table(),
        "nl_register_export": nl_register_export_table(),
        "uk_atrs": uk_atrs_table(),
        "hf_model_card": hf_model_card_table(),
        "eu_ai_act_deployer": writer_table("eu_ai_act_deployer-2024-1689"),
        "cn_cac_filing": writer_table("cn_cac_filing-2022"),
    }


if __name__ == "__main__":
    for format_id, table in all_tables().items():
        print(f"<!-- {format_id} -->\n{table}")
