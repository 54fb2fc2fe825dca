"""The model card schema: draft and publish levels, errors, canonical form, schema, sections."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from registry.cards import (
    CARD_SCHEMA_VERSION,
    PAYLOAD_FIELDS,
    FavourableOutcome,
    LifecycleStatus,
    ModelCard,
    RiskCategory,
    Scenario,
    WithheldReason,
    canonical_json,
    card_sections,
    card_sha256,
    choice_labels,
    missing_required_fields,
    model_card_json_schema,
    validate_draft,
    validate_for_publish,
)
from registry.cards.crosswalk import crosswalk_markdown
from registry.cards.enums import CARD_ENUMS
from registry.cards.fields_meta import FIELD_SPECS, SOURCES, Requirement
from registry.cards.validation import (
    ERR_CONTACT_CHANNEL,
    ERR_RETIRED_UNTIL,
    ERR_UNKNOWN_FIELD,
    ERR_WITHHELD_NOT_EMPTY,
)
from registry.cards.value_types import ERR_EMAIL, ERR_URL, ERR_YEAR_MONTH
from registry.errors import Invalid

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "cards"


def sample_card(source_id: str = "benefit-fraud-risk", version: int = 1) -> dict:
    data = json.loads((SAMPLES / f"{source_id}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(data["versions"][version - 1]["card"])


def errors_of(data: dict, *, publish: bool = True) -> list[dict]:
    check = validate_for_publish if publish else validate_draft
    with pytest.raises(Invalid) as info:
        check(data)
    assert info.value.status == 422
    return info.value.details


def locs(details: list[dict]) -> list[tuple]:
    return [tuple(d["loc"]) for d in details]


def hr_fields() -> set[str]:
    return {s.name for s in FIELD_SPECS if s.in_payload and s.requirement is Requirement.HIGH_RISK}


def r_fields() -> set[str]:
    return {s.name for s in FIELD_SPECS if s.in_payload and s.requirement is Requirement.REQUIRED}


# Draft level


def test_empty_draft_is_valid_and_normalises_to_empty():
    assert validate_draft({}) == {}


def test_draft_trims_text_and_drops_blank_values():
    card = validate_draft(
        {"name": "  Fraud flag  ", "summary": "   ", "policy_areas": [], "team": ""}
    )
    assert card == {"name": "Fraud flag"}


def test_draft_normalises_language_tags():
    card = validate_draft({"language": "zh-cn", "translations": {"EN": {"name": "Ranking"}}})
    assert card["language"] == "zh-CN"
    assert list(card["translations"]) == ["en"]


def test_draft_reports_every_problem_at_once_with_paths():
    details = errors_of(
        {
            "name": "x" * 101,
            "scenario": "space_travel",
            "in_use_from": "2024-13",
            "contact": {"email": "not-an-address", "form_url": "ftp://agency.example/form"},
            "data_sources": [{"name": "Claims", "role": "guesswork"}],
            "next_review_date": "soon",
        },
        publish=False,
    )
    found = {tuple(d["loc"]): d for d in details}
    assert set(found) == {
        ("card", "name"),
        ("card", "scenario"),
        ("card", "in_use_from"),
        ("card", "contact", "email"),
        ("card", "contact", "form_url"),
        ("card", "data_sources", 0, "role"),
        ("card", "next_review_date"),
    }
    assert "100" in found[("card", "name")]["msg"]
    assert "government_services" in found[("card", "scenario")]["msg"]
    assert found[("card", "in_use_from")]["msg"] == ERR_YEAR_MONTH
    assert found[("card", "contact", "email")]["msg"] == ERR_EMAIL
    assert found[("card", "contact", "form_url")]["msg"] == ERR_URL
    assert "operational_input" in found[("card", "data_sources", 0, "role")]["msg"]


def test_unknown_fields_are_rejected_with_their_path():
    details = errors_of(
        {"nmae": "typo", "risks": [{"name": "Drift", "severity": "high"}]}, publish=False
    )
    assert ("card", "nmae") in locs(details)
    assert ("card", "risks", 0, "severity") in locs(details)
    assert all(d["msg"] == ERR_UNKNOWN_FIELD for d in details)


def test_item_without_its_identifying_field_is_rejected_even_in_a_draft():
    details = errors_of({"risks": [{"name": "   ", "mitigation": "Review"}]}, publish=False)
    assert locs(details) == [("card", "risks", 0, "name")]


def test_non_object_card_is_rejected():
    assert locs(errors_of(["not", "a", "card"], publish=False)) == [("card",)]  # type: ignore[arg-type]


def test_in_use_until_before_in_use_from_is_rejected():
    details = errors_of({"in_use_from": "2024-05", "in_use_until": "2023-01"}, publish=False)
    assert locs(details) == [("card", "in_use_until")]


def test_evaluation_interval_must_contain_the_value():
    metric = {"name": "roc_auc", "value": 0.9, "interval_low": 0.6, "interval_high": 0.8}
    details = errors_of({"evaluation": {"metrics": [metric]}}, publish=False)
    assert locs(details) == [("card", "evaluation", "metrics", 0)]


# Publishing level


def test_publish_of_a_complete_card_returns_the_normalised_card():
    card = sample_card()
    published = validate_for_publish(card)
    assert published == validate_draft(card)
    assert published["risk_category"] == RiskCategory.HIGH_RISK


def test_publish_requires_r_fields_for_a_low_risk_card_but_not_hr_fields():
    details = errors_of({"risk_category": "other"})
    missing = {d["loc"][1] for d in details if d["type"] == "missing"}
    assert missing == r_fields() - {"risk_category"}
    assert not missing & hr_fields()


@pytest.mark.parametrize("risk", ["high_risk", "impactful"])
def test_publish_requires_hr_fields_for_higher_risk_cards(risk):
    details = errors_of(
        {"risk_category": risk, "model_type": {"kind": "statistical", "self_learning": False}}
    )
    missing = {d["loc"][1] for d in details if d["type"] == "missing"}
    assert hr_fields() <= missing
    assert any(risk in d["msg"] for d in details if d["loc"][1] == "suppliers")


def test_dropping_an_hr_field_blocks_publishing_only_for_higher_risk():
    card = sample_card()
    del card["representativeness"]
    assert locs(errors_of(card)) == [("card", "representativeness")]
    card["risk_category"] = "other"
    validate_for_publish(card)


def test_rules_based_system_needs_no_training_section():
    card = sample_card("housing-allocation-queue")
    assert card["model_type"]["kind"] == "rules" and "training" not in card
    validate_for_publish(card)
    card["model_type"]["kind"] = "statistical"
    assert locs(errors_of(card)) == [("card", "training")]


def test_whitespace_only_required_field_counts_as_missing():
    card = sample_card()
    card["appeal_route"] = "   \n  "
    details = errors_of(card)
    assert locs(details) == [("card", "appeal_route")]
    assert details[0]["type"] == "missing"


def test_publish_reports_type_errors_and_missing_fields_together():
    card = sample_card()
    card["status"] = "live"
    del card["data_summary"]
    assert set(locs(errors_of(card))) == {("card", "status"), ("card", "data_summary")}


def test_list_items_must_be_complete_before_publishing():
    card = sample_card()
    del card["risks"][1]["mitigation"]
    del card["data_sources"][0]["retention"]
    assert set(locs(errors_of(card))) == {
        ("card", "risks", 1, "mitigation"),
        ("card", "data_sources", 0, "retention"),
    }
    assert missing_required_fields(card) == ["data_sources.0.retention", "risks.1.mitigation"]


def test_contact_needs_a_mailbox_or_a_form_and_an_offline_route():
    card = sample_card()
    card["contact"] = {"email": "", "form_url": None}
    details = errors_of(card)
    assert set(locs(details)) == {("card", "contact")}
    card["contact"] = {"offline_route": "Counter 3, City Hall"}
    details = errors_of(card)
    assert [(d["loc"], d["msg"]) for d in details] == [
        (["card", "contact", "email"], ERR_CONTACT_CHANNEL)
    ]


def test_retired_card_needs_the_month_it_went_out_of_use():
    card = sample_card()
    card["status"] = LifecycleStatus.RETIRED.value
    details = errors_of(card)
    assert [(d["loc"], d["msg"]) for d in details] == [
        (["card", "in_use_until"], ERR_RETIRED_UNTIL)
    ]


# Withheld fields


def test_withheld_field_with_a_reason_satisfies_its_requirement():
    card = sample_card()
    del card["suppliers"]
    assert locs(errors_of(card)) == [("card", "suppliers")]
    card["withheld"].append({"field": "suppliers", "reason": "commercial"})
    assert validate_for_publish(card)["withheld"][-1] == {
        "field": "suppliers",
        "reason": "commercial",
    }


def test_withheld_entry_needs_a_reason():
    card = sample_card()
    del card["suppliers"]
    card["withheld"].append({"field": "suppliers"})
    assert set(locs(errors_of(card))) == {("card", "withheld", 1, "reason"), ("card", "suppliers")}


def test_withheld_field_must_be_left_empty():
    card = sample_card()
    card["withheld"].append({"field": "suppliers", "reason": "commercial"})
    details = errors_of(card, publish=False)
    assert [(d["loc"], d["msg"]) for d in details] == [
        (["card", "suppliers"], ERR_WITHHELD_NOT_EMPTY)
    ]


def test_core_fields_cannot_be_withheld():
    card = sample_card()
    card["withheld"].append({"field": "appeal_route", "reason": "security"})
    assert locs(errors_of(card, publish=False)) == [("card", "withheld", 1, "field")]


def test_other_reason_needs_an_explanation_before_publishing():
    card = sample_card()
    del card["suppliers"]
    card["withheld"].append({"field": "suppliers", "reason": "other"})
    assert missing_required_fields(card) == ["withheld.1.explanation"]


# Missing fields for a draft


def test_missing_required_fields_lists_dotted_paths_in_page_order():
    missing = missing_required_fields(
        {"risk_category": "impactful", "contact": {"email": "a@b.example"}}
    )
    assert missing[:3] == ["name", "summary", "scenario"]
    assert "contact.offline_route" in missing and "contact.email" not in missing
    assert "suppliers" in missing
    assert missing_required_fields(sample_card()) == []


# Canonical form


def test_canonical_json_is_stable_across_key_order():
    card = sample_card("school-place-ranking")
    reordered = json.loads(json.dumps(card, sort_keys=True))
    reordered = dict(reversed(list(reordered.items())))
    assert canonical_json(card) == canonical_json(reordered)
    assert card_sha256(card) == card_sha256(reordered)


def test_canonical_json_is_compact_sorted_utf8():
    raw = canonical_json({"b": 1, "a": {"d": "临江", "c": [1, 2]}})
    assert raw == '{"a":{"c":[1,2],"d":"临江"},"b":1}'.encode()


def test_sha_changes_when_content_changes():
    card = sample_card()
    changed = copy.deepcopy(card)
    changed["decision_thresholds"][0]["value"] = "0.71"
    assert card_sha256(card) != card_sha256(changed)
    assert len(card_sha256(card)) == 64


def test_normalised_card_hash_ignores_blank_values_and_padding():
    card = sample_card()
    padded = copy.deepcopy(card)
    padded["name"] = f"  {card['name']} "
    padded["source_code_url"] = "   "  # withheld, and blank counts as empty
    padded["policy_areas"] = card["policy_areas"]
    padded["application_products"][0]["url"] = ""
    assert card_sha256(validate_draft(padded)) == card_sha256(validate_draft(card))


# JSON Schema


def test_json_schema_describes_every_field_with_enums_and_requirements():
    schema = model_card_json_schema()
    assert schema["x-card-schema-version"] == CARD_SCHEMA_VERSION
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == list(PAYLOAD_FIELDS)
    assert "public_id" in schema["description"] and "change_summary" in schema["description"]
    text = json.dumps(schema)
    for enum in (Scenario, RiskCategory, LifecycleStatus, FavourableOutcome):
        for member in enum:
            assert f'"{member.value}"' in text
    assert schema["properties"]["suppliers"]["x-requirement"] == "HR"
    assert schema["properties"]["name"]["x-label-zh-CN"] == "名称"
    assert (
        schema["$defs"]["Withholding"]["properties"]["reason"]["$ref"] == "#/$defs/WithheldReason"
    )


# Sections and metadata


def test_sections_cover_every_card_field_once_in_the_fields_md_order():
    sections = card_sections()
    assert [s.key for s in sections] == [
        "identity",
        "responsibility",
        "purpose",
        "decision",
        "technical",
        "data",
        "risk",
    ]
    names = [f.name for s in sections for f in s.fields]
    assert len(names) == len(set(names))
    assert [n for n in names if n in ModelCard.model_fields] == list(ModelCard.model_fields)
    assert {n for n in names if n not in ModelCard.model_fields} == {
        "public_id",
        "agency",
        "change_summary",
    }


def test_every_field_subfield_and_choice_has_english_and_chinese_labels():
    for section in card_sections():
        assert section.labels["en"] and section.labels["zh-CN"]
        for field in section.fields:
            assert field.labels["en"] and field.labels["zh-CN"], field.name
            assert field.help["en"] and field.help["zh-CN"], field.name
            assert set(field.sources) <= set(SOURCES), field.name
            for sub in field.subfields:
                assert sub.labels["en"] and sub.labels["zh-CN"], (field.name, sub.name)
            for choice in field.choices + tuple(c for s in field.subfields for c in s.choices):
                assert choice.labels["en"] and choice.labels["zh-CN"], choice.value


def test_each_controlled_value_has_its_own_words_even_when_values_repeat_across_enums():
    for enum in CARD_ENUMS:
        english = [choice_labels(member)["en"] for member in enum]
        assert len(set(english)) == len(english), enum.__name__
    assert choice_labels(RiskCategory.OTHER) == {"en": "Other", "zh-CN": "其他"}
    assert choice_labels(WithheldReason.SECURITY)["en"] == "Security"


def test_sections_carry_requirement_tier_and_choices():
    fields = {f.name: f for s in card_sections() for f in s.fields}
    assert fields["name"].requirement is Requirement.REQUIRED and fields["name"].tier == 1
    assert (
        fields["public_id"].requirement is Requirement.SYSTEM and not fields["public_id"].in_payload
    )
    assert [c.value for c in fields["scenario"].choices] == [s.value for s in Scenario]
    role = {s.name: s for s in fields["data_sources"].subfields}["role"]
    assert "operational_input" in [c.value for c in role.choices]
    assert fields["data_sources"].is_list and not fields["contact"].is_list


def test_docs_describe_every_schema_field_with_the_generated_crosswalk():
    doc = (ROOT / "docs" / "model-card.md").read_text(encoding="utf-8")
    for spec in FIELD_SPECS:
        assert f"`{spec.name}`" in doc, spec.name
    assert crosswalk_markdown() in doc, "regenerate: python -m registry.cards.crosswalk"
