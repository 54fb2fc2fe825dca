"""Exports: validated against the target's schema or attribute list, and honest about gaps
(the missing required fields are listed in the file itself, never invented)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest
import yaml

from registry.formats import FORMATS, writable_formats
from registry.formats._mapping import load_mapping, load_schema, schema_problems
from registry.formats.hf_model_card import split_front_matter
from registry.formats.uk_atrs import MISSING_COLUMN, flatten
from tests.registry.formats.helpers import get, meta, sample_cards

CARDS = sample_cards()
NL_SCHEMA = "nl_algoritmeregister-1.0.0"


def dutch(card: dict[str, Any]) -> dict[str, Any]:
    """The card as a Dutch agency would hold it (the standard accepts only lang 'nld')."""
    return {**card, "language": "nl"}


# --- the Dutch standard: its JSON Schema ----------------------------------------------------------
#: The standard's required attributes, filled in.
NL_MINIMAL = {
    "name": "Parkeerscan",
    "description_short": "Controleert parkeren.",
    "organization": "Gemeente X",
    "status": "In gebruik",
    "contact_email": "a@x.example",
    "publication_category": "Overige algoritmes",
    "lang": "nld",
}


def test_the_rebuilt_schema_refuses_what_the_standard_refuses() -> None:
    good = dict(NL_MINIMAL)
    assert schema_problems(good, NL_SCHEMA) == []
    bad = {**good, "status": "Actief", "name": "x" * 101, "category": ["A", "B", "C", "D"]}
    problems = schema_problems(bad, NL_SCHEMA)
    assert {p.split(":")[0] for p in problems} == {
        "category",
        *(f"category/{i}" for i in range(4)),
        "name",
        "status",
    }
    assert schema_problems({k: v for k, v in good.items() if k != "lang"}, NL_SCHEMA) == [
        "(record): 'lang' is a required property"
    ]


def test_the_schema_holds_the_registers_api_rules_for_versions_nulls_and_linked_items() -> None:
    """What the register's aanlever-API v1.0 (AlgorithmIn) checks and the attribute list alone
    did not say: standard_version is "1.0", optional attributes may be null, and the items of
    the grouped attributes need their keys (docs/interop.md, where the Dutch schema comes from)."""
    good = {
        **NL_MINIMAL,
        "standard_version": "1.0",
        "goal": None,
        "category": None,
        "lars": None,
        "impacttoetsen_grouping": [{"title": "DPIA", "link": None}],
        "lawful_basis_grouping": [{"title": "Wegenverkeerswet", "link": "https://x.example/w"}],
        "source_data_grouping": [{"title": "BRP", "link": "https://x.example/brp"}],
    }
    assert schema_problems(good, NL_SCHEMA) == []
    bad = {
        **good,
        "standard_version": "1.0.0",
        "impacttoetsen_grouping": [{"link": "https://x.example/dpia"}],
        "lawful_basis_grouping": [{"title": "Wegenverkeerswet"}],
        "source_data_grouping": [{"link": "https://x.example/brp"}],
    }
    assert [p.split(":")[0] for p in schema_problems(bad, NL_SCHEMA)] == [
        "impacttoetsen_grouping/0",
        "lawful_basis_grouping/0",
        "source_data_grouping/0",
        "standard_version",
    ]


def test_a_legal_basis_without_a_link_goes_in_the_text_not_in_the_grouping() -> None:
    card = dutch(CARDS["school-place-ranking"])
    doc = json.loads(FORMATS["nl_algoritmeregister"].write(card, meta=meta()).content)
    assert doc["standard_version"] == "1.0"
    assert all(set(g) == {"title", "link"} and g["link"] for g in doc["lawful_basis_grouping"])
    unlinked = [i for i in card["legal_basis"] if not i.get("url")]
    assert unlinked and all(i["title"] in doc["lawful_basis"] for i in unlinked)


@pytest.mark.parametrize("stem", sorted(CARDS))
def test_a_complete_dutch_card_exports_a_valid_registration(stem: str) -> None:
    card = dutch(CARDS[stem])
    result = FORMATS["nl_algoritmeregister"].write(card, meta=meta())
    doc = json.loads(result.content)
    info = doc.pop("x_registry_export")
    problems = schema_problems(doc, NL_SCHEMA)
    too_long = len(card.get("summary", "")) > 350  # our summary may hold 400 characters
    assert problems == (
        ["description_short: " + repr(card["summary"]) + " is too long"] if too_long else []
    )
    assert info["schema_problems"] == problems
    assert result.missing_required == () and info["missing_required"] == []
    assert set(doc) <= set(load_schema(NL_SCHEMA)["properties"])


def test_an_english_card_says_in_the_file_that_the_standard_wants_dutch() -> None:
    doc = json.loads(
        FORMATS["nl_algoritmeregister"].write(CARDS["benefit-fraud-risk"], meta=meta()).content
    )
    assert doc["lang"] == "eng"
    assert any(
        p.startswith("lang: 'eng' is not one of")
        for p in doc["x_registry_export"]["schema_problems"]
    )


# --- ATRS: its attribute list ---------------------------------------------------------------------
def test_atrs_attribute_list_is_the_v3_table() -> None:
    """The attribute list is the official v3.0 table: 65 attributes, numbered and flagged."""
    attributes = load_mapping("uk_atrs-3.0")["attribute"]
    assert len(attributes) == 65
    assert len({a["ref"] for a in attributes}) == 65 == len({a["path"] for a in attributes})
    by_ref = {a["ref"]: a for a in attributes}
    assert by_ref["2.1.1"]["path"].endswith(".organisation_or_department")
    assert by_ref["1.3"]["path"] == "tier_1.website_url" and by_ref["1.3"]["required"]
    # the table marks these optional, unlike the rest of their sections
    optional = {a["ref"] for a in attributes if not a["required"]}
    assert optional == {
        "2.1.4.1",
        "2.1.4.2",
        "2.1.4.3",
        "2.1.4.4",
        "2.1.4.5",
        "2.2.1",
        "2.2.4",
        "2.2.5",
        "2.3.6",
        "2.4.3.9",
    }
    mapping = load_mapping("uk_atrs-3.0")
    fmt = FORMATS["uk_atrs"]
    for path in [r["path"] for r in mapping["scalar"] + mapping["lines"]] + list(
        mapping["not_mapped"]
    ):
        assert fmt.is_attribute(path.replace("{n}", "1")), path  # type: ignore[attr-defined]


@pytest.mark.parametrize("stem", sorted(CARDS))
def test_atrs_exports_only_attributes_of_the_standard(stem: str) -> None:
    fmt = FORMATS["uk_atrs"]
    doc = json.loads(fmt.write(CARDS[stem], meta=meta()).content)
    doc.pop("x_registry_export")
    unknown = [p for p in flatten(doc) if not fmt.is_attribute(p)]  # type: ignore[attr-defined]
    assert unknown == []


#: Required attributes that no card can fill: they have no place on the card (TOML not_mapped).
UNFILLABLE = (
    "metadata.id",
    "metadata.organisation_type",
    "metadata.function",
    "metadata.capability",
    "metadata.task",
    "metadata.tags",
    "metadata.date_updated",
    "metadata.date_archived",
    "metadata.region",
    "metadata.one_sentence_description",
    "tier_2.decision_making_process.required_training",
    "tier_2.tool_specification.system_architecture",
)


def test_atrs_csv_has_one_row_per_record_and_the_gaps_column() -> None:
    fmt = FORMATS["uk_atrs"]
    scalar = {r["path"]: r["field"] for r in load_mapping("uk_atrs-3.0")["scalar"]}
    items = [(card, meta(f"alg-{i}")) for i, card in enumerate(CARDS.values())]
    result = FORMATS["uk_atrs_csv"].write_many(items)
    rows = list(csv.DictReader(io.StringIO(result.content.decode())))
    assert len(rows) == len(CARDS)
    for row, (card, item_meta) in zip(rows, items, strict=True):
        gaps = row[MISSING_COLUMN].split("; ")
        assert [f"{item_meta.public_id}: {g}" for g in gaps] == [
            g for g in result.missing_required if g.startswith(f"{item_meta.public_id}: ")
        ]
        assert set(UNFILLABLE) <= set(gaps)
        for gap in gaps:
            assert fmt.required(gap), gap  # type: ignore[attr-defined]
            assert row.get(gap, "") == "", gap
            if gap in scalar:  # a gap of a mapped attribute: the card lacks the field
                assert get(card, scalar[gap]) in (None, "", []), gap
    assert [r.importable for r in FORMATS["uk_atrs"].read(result.content)] == [True] * len(CARDS)


# --- honest gaps ----------------------------------------------------------------------------------
SPARSE = {"name": "Queue order", "summary": "Orders the queue.", "language": "en"}


def test_dutch_export_lists_the_missing_required_attributes_in_the_file() -> None:
    result = FORMATS["nl_algoritmeregister"].write(SPARSE, meta=meta())
    doc = json.loads(result.content)
    assert result.missing_required == ("status", "contact_email", "publication_category")
    assert doc["x_registry_export"]["missing_required"] == list(result.missing_required)
    assert "status" not in doc and "contact_email" not in doc  # left out, never invented


@pytest.mark.parametrize("format_id", ["uk_atrs", "uk_atrs_csv"])
def test_atrs_export_lists_the_missing_required_attributes_in_the_file(format_id: str) -> None:
    result = FORMATS[format_id].write(SPARSE, meta=meta())
    data = "tier_2.tool_specification.data_specification.1."
    model = "tier_2.tool_specification.model_specification.1."
    expected = (
        *UNFILLABLE[:8],
        "metadata.phase",  # SPARSE has no status
        *UNFILLABLE[8:10],
        "tier_1.contact_email",
        "tier_2.owner_and_responsibility.team",
        "tier_2.owner_and_responsibility.senior_responsible_owner",
        "tier_2.owner_and_responsibility.external_supplier_involvement",
        "tier_2.description_and_rationale.scope",
        "tier_2.description_and_rationale.benefit",
        "tier_2.decision_making_process.process_integration",
        "tier_2.decision_making_process.provided_information",
        "tier_2.decision_making_process.frequency_and_scale_of_usage",
        "tier_2.decision_making_process.human_decisions_and_review",
        "tier_2.decision_making_process.required_training",
        "tier_2.tool_specification.system_architecture",
        "tier_2.tool_specification.phase",
        "tier_2.tool_specification.maintenance",
        *(
            model + name
            for name in (
                "model_task",
                "model_input",
                "model_output",
                "model_architecture",
                "model_performance",
                "datasets",
                "dataset_purposes",
            )
        ),
        *(
            data + name
            for name in (
                "source_data_name",
                "data_modality",
                "data_description",
                "data_quantities",
                "sensitive_attributes",
                "data_completeness_and_representativeness",
                "source_data_url",
                "data_collection",
                "data_sharing_agreements",
                "data_access_and_storage",
            )
        ),
        "tier_2.risks_mitigations_and_impact_assessments.impact_assessment",
        "tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations",
    )
    assert result.missing_required == expected
    if format_id == "uk_atrs":
        in_file = json.loads(result.content)["x_registry_export"]["missing_required"]
    else:
        in_file = next(csv.DictReader(io.StringIO(result.content.decode())))[MISSING_COLUMN].split(
            "; "
        )
    assert tuple(in_file) == expected


def test_model_card_lists_gaps_and_carries_the_audits_in_its_metadata() -> None:
    result = FORMATS["hf_model_card"].write(SPARSE, meta=meta())
    front = yaml.safe_load(split_front_matter(result.content.decode())[0] or "")
    assert result.missing_required == ("license",)
    assert front["registry_export"]["missing_required"] == ["license"]
    audit = front["registry_export"]["audits"][0]
    assert audit == {
        "title": "Flag rates by age band, 2025 Q1",
        "verdict": "fail",
        "published_on": "2025-04-02",
        "headline": "Younger claimants were flagged more often than older claimants.",
        "url": "https://registry.example/audits/42",
    }
    full = FORMATS["hf_model_card"].write(CARDS["benefit-fraud-risk"], meta=meta())
    metrics = yaml.safe_load(split_front_matter(full.content.decode())[0] or "")["model-index"][0][
        "results"
    ][0]["metrics"]
    assert all(isinstance(m["type"], str) and isinstance(m["value"], float) for m in metrics)


def test_model_cards_in_bulk_are_a_zip_of_readmes() -> None:
    items = [(card, meta(f"alg-{i}")) for i, card in enumerate(CARDS.values())]
    result = FORMATS["hf_model_card"].write_many(items)
    names = zipfile.ZipFile(io.BytesIO(result.content)).namelist()
    assert names == [f"alg-{i}/README.md" for i in range(len(CARDS))]
    assert result.content == FORMATS["hf_model_card"].write_many(items).content  # byte-stable


# --- EU AI Act Annex VIII Section C ---------------------------------------------------------------
def test_eu_registration_fills_section_c_from_the_card_and_names_what_the_register_lacks() -> None:
    card = CARDS["benefit-fraud-risk"]
    result = FORMATS["eu_ai_act_deployer"].write(
        card,
        meta=meta(
            agency_address="12 Quay Street, Harbourside",
            eu_database_url="https://ec.europa.eu/ai-db/123",
        ),
    )
    doc = json.loads(result.content)
    assert doc["deployer"]["name"] == "Harbourside Municipal Social Welfare Bureau"
    assert doc["provider_eu_database_entry_url"] == "https://ec.europa.eu/ai-db/123"
    assert doc["data_protection_impact_assessment_summary"].startswith(
        "Assessed the use of claim history"
    )
    assert result.missing_required == (
        "submitter.name",
        "submitter.address",
        "submitter.contact",
        "fundamental_rights_impact_assessment_summary",
    )
    info = doc["x_registry_export"]
    assert info["missing_required"] == list(result.missing_required)
    assert "never a person's name" in info["why_missing"]["submitter.name"]
    assert info["applies"] is True


def test_eu_registration_of_a_card_that_is_not_high_risk_says_so() -> None:
    result = FORMATS["eu_ai_act_deployer"].write({**SPARSE, "risk_category": "other"}, meta=meta())
    assert json.loads(result.content)["x_registry_export"]["applies"] is False
    assert any(n.field == "risk_category" for n in result.notes)
    assert "provider_eu_database_entry_url" in result.missing_required


# --- China CAC filing summary ---------------------------------------------------------------------
def test_cac_summary_uses_the_chinese_translation_and_flags_what_is_not_chinese() -> None:
    card = CARDS["benefit-fraud-risk"]
    result = FORMATS["cn_cac_filing"].write(
        card, meta=meta(cac_filing_number="网信算备000000000000001号")
    )
    doc = json.loads(result.content)
    assert list(doc)[:9] == [
        "算法名称",
        "备案主体",
        "算法类别",
        "应用产品",
        "应用场景",
        "主要用途",
        "算法基本原理",
        "运行机制",
        "备案编号",
    ]
    assert doc["算法名称"] == card["translations"]["zh-CN"]["name"]
    assert doc["主要用途"] == card["translations"]["zh-CN"]["purpose_and_impact"]
    assert doc["备案编号"] == "网信算备000000000000001号"
    assert result.missing_required == ("算法类别",)  # only a generative model's category is known
    assert "算法基本原理" in doc["x_registry_export"]["not_in_chinese"]


def test_cac_category_of_a_generative_model_is_filled() -> None:
    card = {**SPARSE, "model_type": {"kind": "generative", "self_learning": False}}
    doc = json.loads(FORMATS["cn_cac_filing"].write(card, meta=meta()).content)
    assert doc["算法类别"] == "生成合成类"
    assert (
        doc["备案编号"] is None and "备案编号" not in doc["x_registry_export"]["missing_required"]
    )


@pytest.mark.parametrize("format_id", [f.id for f in writable_formats()])
def test_every_writer_names_its_file_and_handles_an_empty_card(format_id: str) -> None:
    result = FORMATS[format_id].write({}, meta=meta())
    assert result.filename.startswith("alg-0001-v3.")
    assert result.missing_required  # an empty card always lacks something, and says so
    assert result.content


def test_atrs_writes_the_phase_as_gov_uk_spells_it_and_reads_any_case() -> None:
    """GOV.UK's finder (alphagov/specialist-publisher) allows Pre-deployment, Beta/Pilot,
    Production, Retired."""
    allowed = {"Pre-deployment", "Beta/Pilot", "Production", "Retired"}
    assert set(load_mapping("uk_atrs-3.0")["export"]["phase"].values()) == allowed
    card = {**CARDS["benefit-fraud-risk"], "status": "pilot"}
    doc = json.loads(FORMATS["uk_atrs"].write(card, meta=meta()).content)
    assert doc["tier_2"]["tool_specification"]["phase"] == "Beta/Pilot"
    for spelling in ("Beta/Pilot", "beta/pilot"):
        doc["tier_2"]["tool_specification"]["phase"] = spelling
        record = FORMATS["uk_atrs"].read(json.dumps(doc).encode())[0]
        assert record.card["status"] == "pilot"
