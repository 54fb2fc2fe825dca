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


#: ATRS attributes we write on export but do not read back (their reason is in not_mapped).
_ATRS_WRITTEN = {
    "metadata.standard_version": "3.0",
    "metadata.date_of_completion": "the version's publication date",
    "metadata.title": "`name`",
    "metadata.organisation_name": "the agency's name",
    "metadata.phase": "`status` (as 2.4.1.2)",
    "tier_1.website_url": "the algorithm's public page",
    "tier_2.owner_and_responsibility.external_supplier_involvement": "Yes or No from `suppliers`",
    "tier_2.decision_making_process.provided_information": "`outputs`, one per line",
    "tier_2.tool_specification.models": "`name`",
    "tier_2.tool_specification.model_specification.1.model_name": "`name`",
    "tier_2.tool_specification.model_specification.1.model_version": "the version number",
}


def uk_atrs_table() -> str:
    """Every attribute of the ATRS 3.0 table, in its order: where it goes on the card and how."""
    m = load_mapping("uk_atrs-3.0")
    model = "tier_2.tool_specification.model_specification.1."
    how: dict[str, tuple[str, str]] = {r["path"]: (r["field"], "text") for r in m["scalar"]}
    how |= {r["path"]: (r["field"], "one item per line") for r in m["lines"]}
    how |= {
        "tier_1.contact_email": (
            "contact.email",
            "an e-mail address; a web address goes to `contact.form_url`",
        ),
        "tier_2.owner_and_responsibility.organisation_or_department": (
            "agency",
            "agency matched or created by name",
        ),
        "tier_2.tool_specification.phase": (
            "status",
            "vocabulary: " + ", ".join(m["vocabulary"]["phase"]),
        ),
        "tier_2.description_and_rationale.scope": (
            "out_of_scope_uses",
            "lines 'Not for: use — reason'; other text is not imported",
        ),
        model + "model_task": (
            "model_type",
            "'<kind words> (learns / does not learn in use)'",
        ),
        model + "model_performance": (
            "evaluation",
            "lines 'name: value (low to high, level%) [group]'",
        ),
        model + "dataset_purposes": ("data_sources[].role", "lines 'name: purpose'"),
    }
    for spec in m["lists"].values():
        for theirs, ours in spec["items"].items():
            how[f"{spec['path']}.{{n}}.{theirs}"] = (f"{spec['field']}[].{ours}", "text")
    data = m["lists"]["data_sources"]["path"] + ".{n}."
    how[data + "data_description"] = (
        "data_sources[]",
        "lines 'Personal data: yes/no', 'Collected: YYYY-MM to YYYY-MM'",
    )
    how[data + "data_completeness_and_representativeness"] = (
        "representativeness",
        "the card's one text in every dataset; read back once",
    )
    for spec in m["blocks"].values():
        labels = " / ".join(f"'{label}:'" for label in spec["labels"])
        how[spec["path"]] = (f"{spec['field']}[]", f"blocks of lines {labels}")
    rows = []
    for attribute in m["attribute"]:
        path = attribute["path"]
        flag = "required" if attribute["required"] else "optional"
        key = path.replace(".{n}.", ".1.") if path.startswith(model[:-2]) else path
        reason = m["not_mapped"].get(key) or m["not_mapped"].get(path)
        if path in how or key in how:
            field, text = how.get(path) or how[key]
        elif reason:
            field = ""
            written = _ATRS_WRITTEN.get(key)
            text = f"export writes {written}; import: " if written else ""
            text += f"not mapped: {reason}"
        else:
            raise ValueError(f"{path} has no mapping and no reason in uk_atrs-3.0.toml")
        rows.append((path, field, f"{attribute['ref']}, {flag}; {text}"))
    return _table(rows)


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
