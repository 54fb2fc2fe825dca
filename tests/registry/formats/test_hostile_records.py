"""No record, however odd its values, makes a reader raise: hypothesis fills every known key of
each format with arbitrary JSON values (wrong types, empty, nested, control characters)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.cards import validate_draft
from registry.formats import FORMATS
from registry.formats._mapping import load_schema
from registry.formats.nl_register_export import KEYS
from registry.formats.uk_atrs import unflatten

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["", "  ", "In gebruik", "2023-01", "a@b.example", "https://x.example", "\ufffd", "\x00"]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["title", "link", "name"]), inner, max_size=3)
    ),
    max_leaves=6,
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(format_id: str, data: bytes) -> None:
    for record in FORMATS[format_id].read(data):
        if record.importable:
            assert validate_draft(record.card) == record.card


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(sorted(load_schema("nl_algoritmeregister-1.0.0")["properties"])), VALUES
    )
)
def test_dutch_standard_never_raises_on_a_record(record: dict[str, Any]) -> None:
    check("nl_algoritmeregister", json.dumps([record]).encode())


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), VALUES))
def test_flat_export_never_raises_on_a_record(record: dict[str, Any]) -> None:
    check("nl_register_export", json.dumps([record]).encode())


ATRS_PATHS = [
    "metadata.title",
    "metadata.phase",
    "tier_1.name",
    "tier_1.contact_email",
    "tier_2.owner_and_responsibility.organisation_or_department",
    "tier_2.tool_specification.phase",
    "tier_2.tool_specification.model_specification.1.model_task",
    "tier_2.tool_specification.model_specification.1.model_performance",
    "tier_2.tool_specification.model_specification.1.dataset_purposes",
    "tier_2.tool_specification.model_specification.1.model_input",
    "tier_2.tool_specification.model_specification.2.model_name",
    "tier_2.tool_specification.data_specification.1.source_data_name",
    "tier_2.tool_specification.data_specification.1.data_description",
    "tier_2.tool_specification.data_specification.1.data_modality",
    "tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations",
    "tier_2.risks_mitigations_and_impact_assessments.impact_assessment",
    "tier_2.owner_and_responsibility.external_suppliers.1.external_supplier",
    "tier_2.description_and_rationale.scope",
]


@SETTINGS
@given(st.dictionaries(st.sampled_from(ATRS_PATHS), VALUES, min_size=1))
def test_atrs_never_raises_on_a_record(flat: dict[str, Any]) -> None:
    check("uk_atrs", json.dumps(unflatten(flat)).encode())


FRONT_KEYS = [
    "license",
    "license_name",
    "language",
    "datasets",
    "model-index",
    "tags",
    "registry_export",
]
HEADINGS = [
    "Model Description",
    "Direct Use",
    "Out-of-Scope Use",
    "Risks",
    "Limitations",
    "Model Card Contact",
    "Results",
]


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(FRONT_KEYS), VALUES),
    st.dictionaries(st.sampled_from(HEADINGS), st.text(max_size=60)),
    st.text(max_size=30),
)
def test_model_card_never_raises(
    front: dict[str, Any], sections: dict[str, str], title: str
) -> None:
    body = "".join(f"## {h}\n\n{t}\n\n" for h, t in sections.items())
    head = f"---\n{yaml.safe_dump(front)}---\n# Model Card for {title}\n\n"
    text = f"{head}- **Model type:** {title}\n\n{body}"
    check("hf_model_card", text.encode())
