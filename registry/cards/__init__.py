"""The model card: schema, validation levels, canonical form, page order and version diffs.

The card schema is the single source of truth: it validates input, generates the JSON Schema, orders
the public page and decides which fields are required for which risk category.
"""

from registry.cards.canonical import canonical_json, card_sha256
from registry.cards.diff import FieldChange, diff_cards
from registry.cards.enums import (
    AutonomyLevel,
    DataSourceRole,
    FavourableOutcome,
    ImpactAssessmentKind,
    LifecycleStatus,
    ModelKind,
    PolicyArea,
    RiskCategory,
    Scenario,
    WithheldReason,
    choice_labels,
)
from registry.cards.fields_meta import FIELD_SPECS, PAYLOAD_FIELDS, Requirement
from registry.cards.schema import CARD_SCHEMA_VERSION, ModelCard, model_card_json_schema
from registry.cards.sections import CardField, Choice, Section, SubField, card_sections
from registry.cards.validation import (
    is_provided,
    missing_required_fields,
    review_overdue,
    validate_draft,
    validate_for_publish,
)

__all__ = [
    "CARD_SCHEMA_VERSION",
    "FIELD_SPECS",
    "PAYLOAD_FIELDS",
    "AutonomyLevel",
    "CardField",
    "Choice",
    "DataSourceRole",
    "FavourableOutcome",
    "FieldChange",
    "ImpactAssessmentKind",
    "LifecycleStatus",
    "ModelCard",
    "ModelKind",
    "PolicyArea",
    "Requirement",
    "RiskCategory",
    "Scenario",
    "Section",
    "SubField",
    "WithheldReason",
    "canonical_json",
    "card_sections",
    "card_sha256",
    "choice_labels",
    "diff_cards",
    "is_provided",
    "missing_required_fields",
    "model_card_json_schema",
    "review_overdue",
    "validate_draft",
    "validate_for_publish",
]
