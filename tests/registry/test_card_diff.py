"""Field-by-field differences between card versions."""

from __future__ import annotations

import json
from pathlib import Path

from registry.cards import FieldChange, diff_cards
from registry.cards.diff import KEY_FIELDS, describe_path, readable_order

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "cards"


def test_identical_cards_have_no_changes():
    card = {"name": "A", "risks": [{"name": "Drift", "mitigation": "Monitor"}]}
    assert diff_cards(card, json.loads(json.dumps(card))) == []


def test_scalar_added_removed_and_changed():
    old = {"name": "A", "team": "Unit 1", "summary": "Old"}
    new = {"name": "A", "summary": "New", "license": "MIT"}
    assert diff_cards(old, new) == [
        FieldChange("summary", "changed", "Old", "New"),
        FieldChange("team", "removed", "Unit 1", None),
        FieldChange("license", "added", None, "MIT"),
    ]


def test_list_records_are_matched_by_their_name_with_dotted_paths():
    old = {"data_sources": [{"name": "Claims", "role": "training", "retention": "6 years"}]}
    new = {
        "data_sources": [
            {"name": "Random sample", "role": "training"},
            {"name": "Claims", "role": "training", "retention": "5 years"},
        ]
    }
    assert diff_cards(old, new) == [
        FieldChange(
            "data_sources.0",
            "added",
            None,
            {"name": "Random sample", "role": "training"},
            ("Random sample",),
        ),
        FieldChange("data_sources.1.retention", "changed", "6 years", "5 years", ("Claims",)),
    ]


def test_a_removed_text_item_is_one_removal_not_a_shift_of_the_rest():
    old = {"inputs": ["Income", "Age band", "Address changes"]}
    new = {"inputs": ["Income", "Address changes"]}
    assert [c.to_dict() for c in diff_cards(old, new)] == [
        {"path": "inputs.1", "kind": "removed", "old": "Age band", "new": None},
    ]


def test_an_input_inserted_in_the_middle_is_one_addition_named_by_itself():
    old = {"inputs": ["Income", "Age band", "Address changes"]}
    new = {"inputs": ["Income", "Postcode", "Age band", "Address changes"]}
    assert diff_cards(old, new) == [
        FieldChange("inputs.1", "added", None, "Postcode", ("Postcode",)),
    ]


def test_a_replaced_input_is_a_removal_and_an_addition():
    old = {"inputs": ["Income", "Age band"]}
    new = {"inputs": ["Income", "Postcode"]}
    assert [(c.path, c.kind, c.items) for c in diff_cards(old, new)] == [
        ("inputs.1", "removed", ("Age band",)),
        ("inputs.1", "added", ("Postcode",)),
    ]


def test_items_that_share_a_name_are_compared_by_position():
    old = {"risks": [{"name": "Drift", "mitigation": "A"}, {"name": "Drift", "mitigation": "B"}]}
    new = {"risks": [{"name": "Drift", "mitigation": "A"}, {"name": "Drift", "mitigation": "C"}]}
    assert diff_cards(old, new) == [
        FieldChange("risks.1.mitigation", "changed", "B", "C", ("Drift",)),
    ]


def test_nested_lists_name_every_item_on_the_path():
    old = {"evaluation": {"metrics": [{"name": "AUC", "value": 0.8}]}}
    new = {"evaluation": {"metrics": [{"name": "AUC", "value": 0.85}]}}
    assert diff_cards(old, new) == [
        FieldChange("evaluation.metrics.0.value", "changed", 0.8, 0.85, ("AUC",)),
    ]


def test_changes_that_matter_most_come_first_then_page_order_translations_last():
    old = {
        "name": "A",
        "translations": {"zh-CN": {"summary": "旧"}},
        "appeal_route": "By post.",
        "inputs": ["Income"],
        "license": "MIT",
        "purpose_and_impact": "Old purpose.",
        "risk_category": "other",
        "human_oversight": "None.",
        "autonomy_level": "human_decides",
    }
    new = {
        "name": "B",
        "translations": {"zh-CN": {"summary": "新"}},
        "appeal_route": "By post or online.",
        "inputs": ["Income", "Postcode"],
        "license": "Apache-2.0",
        "purpose_and_impact": "New purpose.",
        "risk_category": "high_risk",
        "human_oversight": "A caseworker checks.",
        "autonomy_level": "automated_with_review",
    }
    ordered = readable_order(diff_cards(old, new))
    assert [c.field for c in ordered] == [*KEY_FIELDS, "name", "license", "translations"]
    assert [c.importance for c in ordered] == ["key"] * 6 + ["normal"] * 2 + ["translation"]
    assert [c.section for c in ordered][-3:] == ["identity", "technical", "identity"]


def test_describe_path_names_fields_items_codes_and_languages():
    card = {"withheld": [{"field": "inputs", "reason": "security"}]}
    steps = describe_path("withheld.0.explanation", card=card)
    assert [s.kind for s in steps] == ["field", "item", "field"]
    assert steps[0].labels == {"en": "Withheld information", "zh-CN": "不予公开的信息"}
    assert steps[1].name == "inputs" and steps[1].name_labels == {"en": "Inputs", "zh-CN": "输入"}
    assert steps[2].labels == {"en": "Explanation", "zh-CN": "说明"}
    translation = describe_path("translations.zh-CN.summary")
    assert [(s.kind, s.key) for s in translation] == [
        ("field", "translations"),
        ("key", "zh-CN"),
        ("field", "summary"),
    ]
    unnamed = describe_path("inputs.5")
    assert unnamed[1].index == 5 and unnamed[1].name is None


def test_false_is_a_value_and_int_to_float_is_a_change():
    old = {"model_type": {"kind": "rules", "self_learning": False}}
    new = {"model_type": {"kind": "rules", "self_learning": True}}
    assert diff_cards(old, new) == [FieldChange("model_type.self_learning", "changed", False, True)]
    assert diff_cards({"x": 1}, {"x": 1.0}) == [FieldChange("x", "changed", 1, 1.0)]


def test_top_level_changes_follow_page_order():
    old = {"withheld": [], "name": "A", "risks": []}
    new = {
        "risks": [{"name": "R"}],
        "name": "B",
        "withheld": [{"field": "inputs", "reason": "security"}],
    }
    changes = diff_cards(old, new)
    assert [c.path for c in changes] == ["name", "risks.0", "withheld.0"]
    assert [c.kind for c in changes] == ["changed", "added", "added"]
    assert [c.items for c in changes] == [(), ("R",), ("inputs",)]


def test_sample_threshold_change_shows_in_the_diff():
    sample = json.loads((SAMPLES / "benefit-fraud-risk.json").read_text(encoding="utf-8"))
    v2, v3 = (v["card"] for v in sample["versions"][1:3])
    changes = {c.path: c for c in diff_cards(v2, v3)}
    assert changes["decision_thresholds.0.value"].old == "0.70"
    assert changes["decision_thresholds.0.value"].new == "0.78"
    assert changes["sensitive_attributes.0.used_as_input"].new is False
