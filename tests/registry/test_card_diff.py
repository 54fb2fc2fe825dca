"""Field-by-field differences between card versions."""

from __future__ import annotations

import json
from pathlib import Path

from registry.cards import FieldChange, diff_cards

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


def test_nested_list_items_are_compared_by_position_with_dotted_paths():
    old = {"data_sources": [{"name": "Claims", "role": "training", "retention": "6 years"}]}
    new = {
        "data_sources": [
            {"name": "Claims", "role": "training", "retention": "5 years"},
            {"name": "Random sample", "role": "training"},
        ]
    }
    assert diff_cards(old, new) == [
        FieldChange("data_sources.0.retention", "changed", "6 years", "5 years"),
        FieldChange("data_sources.1", "added", None, {"name": "Random sample", "role": "training"}),
    ]


def test_lists_of_text_and_removed_items():
    old = {"inputs": ["Income", "Age band", "Address changes"]}
    new = {"inputs": ["Income", "Address changes"]}
    assert [c.to_dict() for c in diff_cards(old, new)] == [
        {"path": "inputs.1", "kind": "changed", "old": "Age band", "new": "Address changes"},
        {"path": "inputs.2", "kind": "removed", "old": "Address changes", "new": None},
    ]


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
    assert [c.path for c in changes] == ["name", "risks", "withheld"]
    assert [c.kind for c in changes] == ["changed", "added", "added"]


def test_sample_threshold_change_shows_in_the_diff():
    sample = json.loads((SAMPLES / "benefit-fraud-risk.json").read_text(encoding="utf-8"))
    v2, v3 = (v["card"] for v in sample["versions"][1:3])
    changes = {c.path: c for c in diff_cards(v2, v3)}
    assert changes["decision_thresholds.0.value"].old == "0.70"
    assert changes["decision_thresholds.0.value"].new == "0.78"
    assert changes["sensitive_attributes.0.used_as_input"].new is False
