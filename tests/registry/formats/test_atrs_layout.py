"""ATRS 3.0: the parts of our layout that are not one attribute to one card field."""

from __future__ import annotations

import json
from typing import Any

from registry.formats import FORMATS
from registry.formats.uk_atrs import unflatten
from tests.registry.formats.helpers import meta

BASE = {
    "tier_1.name": "Queue order",
    "tier_1.description": "Orders the queue.",
    "tier_1.contact_email": "queue@council.example",
    "tier_2.owner_and_responsibility.organisation_or_department": "Y Council",
    "tier_2.tool_specification.phase": "Production",
}


def read(flat: dict[str, Any]) -> Any:
    return FORMATS["uk_atrs"].read(json.dumps(unflatten({**BASE, **flat})).encode())[0]


def test_risks_written_as_labelled_blocks_read_back() -> None:
    risks = [
        {"name": "Wrong address", "description": "Ranks wrongly.\nTwice.", "mitigation": "Check."},
        {"name": "Stale data"},
    ]
    card = {"name": "Queue order", "summary": "Orders the queue.", "risks": risks}
    doc = json.loads(FORMATS["uk_atrs"].write(card, meta=meta()).content)
    text = doc["tier_2"]["risks_mitigations_and_impact_assessments"]["risks_and_mitigations"]
    assert text.startswith("Risk: Wrong address\nDescription: Ranks wrongly.\nTwice.\n")
    assert FORMATS["uk_atrs"].read(json.dumps(doc).encode())[0].card["risks"] == risks


def test_free_text_risks_are_left_for_a_person() -> None:
    record = read(
        {"tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations": "Bias. Errors."}
    )
    assert "risks" not in record.card
    assert any(
        n.kind == "needs_person" and "not in labelled lines" in n.message for n in record.notes
    )


def test_only_the_first_model_specification_is_read() -> None:
    model = "tier_2.tool_specification.model_specification"
    record = read({f"{model}.1.model_input": "- Address", f"{model}.2.model_input": "- Age"})
    assert record.card["inputs"] == ["Address"]
    assert any(
        n.source_key == f"{model}.2.model_input" and "model specification 2" in n.message
        for n in record.notes
    )


def test_v21_names_are_not_taken_for_v30_attributes() -> None:
    record = read({"tier_1.website": "https://council.example", "tier_2.x": "y"})
    unknown = {n.source_key for n in record.notes if "is not part of" in n.message}
    assert unknown == {"tier_1.website", "tier_2.x"}


def test_one_representativeness_text_is_written_per_dataset_and_read_once() -> None:
    card = {
        "name": "Queue order",
        "summary": "Orders the queue.",
        "representativeness": "Rural areas are under-represented.",
        "data_sources": [
            {"name": "Applications", "role": "operational_input"},
            {"name": "Addresses", "role": "reference"},
        ],
    }
    result = FORMATS["uk_atrs"].write(card, meta=meta())
    data = json.loads(result.content)["tier_2"]["tool_specification"]["data_specification"]
    assert [d["data_completeness_and_representativeness"] for d in data] == [
        card["representativeness"]
    ] * 2
    back = FORMATS["uk_atrs"].read(result.content)[0].card
    assert back["representativeness"] == card["representativeness"]
    # every dataset written is checked for the standard's required attributes
    gaps = [g for g in result.missing_required if ".data_specification." in g]
    assert "tier_2.tool_specification.data_specification.2.data_modality" in gaps


def test_the_metadata_copy_is_read_when_the_attribute_is_empty() -> None:
    record = FORMATS["uk_atrs"].read(
        json.dumps(
            unflatten(
                {
                    "metadata.title": "Queue order",
                    "metadata.organisation_name": "Y Council",
                    "metadata.phase": "Beta/Pilot",
                    "tier_1.description": "Orders the queue.",
                }
            )
        ).encode()
    )[0]
    assert record.card["name"] == "Queue order" and record.card["status"] == "pilot"
    assert record.agency_name == "Y Council"
    assert any(
        n.source_key == "metadata.phase" and "read in its place" in n.message for n in record.notes
    )
    assert not any(
        n.source_key == "metadata.title" and "not imported" in n.message for n in record.notes
    )
