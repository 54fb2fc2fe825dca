"""The model card: one pydantic model, the single source of truth for the card's shape.

Every field is optional here, which is the *draft* level: types, formats, controlled values and
lengths are checked, completeness is not. ``registry.cards.validation`` adds the publishing rules
(required fields by risk category, withheld fields, conditional fields).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from registry.cards.card_parts import (
    AffectedGroup,
    ApplicationProduct,
    CardPart,
    CardTranslation,
    Contact,
    DataSource,
    Evaluation,
    ExplanationAvailability,
    ImpactAssessment,
    LegalBasis,
    Limitation,
    ModelType,
    OutOfScopeUse,
    Risk,
    SensitiveAttribute,
    Supplier,
    Threshold,
    Training,
    Withholding,
)
from registry.cards.enums import (
    AutonomyLevel,
    FavourableOutcome,
    LifecycleStatus,
    PolicyArea,
    RiskCategory,
    Scenario,
)
from registry.cards.fields_meta import FIELD_SPECS_BY_NAME, SOURCES
from registry.cards.value_types import (
    ItemText,
    LanguageTag,
    LongText,
    MediumText,
    NameText,
    OptionalLanguageTag,
    ShortText,
    Slug,
    SummaryText,
    Url,
    YearMonth,
)

CARD_SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://registry.example/api/v1/schema/model-card"

ERR_DUPLICATE = "expected unique values; this value is already listed"

SCHEMA_DESCRIPTION = (
    "A model card for an algorithm used by a public body. All fields are optional in a draft; "
    "publishing requires the fields marked x-requirement R, and also HR when risk_category is "
    "high_risk or impactful. A field named in withheld[] (with a reason) counts as provided and "
    "must be left empty. Not part of the card payload: public_id and agency (set by the registry "
    "from the algorithm record) and change_summary (given when a version is published and stored "
    "with that version). No text may hold control characters other than tab, line feed and "
    "carriage return, lone surrogates, U+FFFE or U+FFFF. Lists and texts have the maxItems and "
    "maxLength given here. Source codes in x-sources: "
    + "; ".join(f"{code} = {text}" for code, text in SOURCES.items())
    + "."
)


def meta(name: str, **kwargs: Any) -> Any:
    """A card field whose title, description and JSON Schema extras come from FIELD_SPECS."""
    spec = FIELD_SPECS_BY_NAME[name]
    extra: JsonDict = {
        "x-requirement": spec.requirement.value,
        "x-tier": spec.tier,
        "x-section": spec.section,
        "x-sources": list(spec.sources),
        "x-label-zh-CN": spec.label_zh,
        "x-help-zh-CN": spec.help_zh,
    }
    if "default_factory" not in kwargs:
        kwargs["default"] = None
    return Field(title=spec.label_en, description=spec.help_en, json_schema_extra=extra, **kwargs)


class ModelCard(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        title="Model card",
        json_schema_extra={"description": SCHEMA_DESCRIPTION},
    )

    # Identity and lifecycle
    name: NameText = meta("name")
    summary: SummaryText = meta("summary")
    scenario: Scenario | None = meta("scenario")
    policy_areas: list[PolicyArea] = meta(
        "policy_areas", default_factory=list, max_length=len(PolicyArea)
    )
    risk_category: RiskCategory | None = meta("risk_category")
    status: LifecycleStatus | None = meta("status")
    in_use_from: YearMonth = meta("in_use_from")
    in_use_until: YearMonth = meta("in_use_until")
    language: OptionalLanguageTag = meta("language")
    translations: dict[LanguageTag, CardTranslation] = meta(
        "translations", default_factory=dict, max_length=20
    )
    source_id: Slug = meta("source_id")
    next_review_date: dt.date | None = meta("next_review_date")
    # Responsibility
    team: ShortText = meta("team")
    accountable_role: ShortText = meta("accountable_role")
    contact: Contact | None = meta("contact")
    appeal_route: LongText = meta("appeal_route")
    suppliers: list[Supplier] = meta("suppliers", default_factory=list, max_length=50)
    # Purpose and use
    purpose_and_impact: LongText = meta("purpose_and_impact")
    affected_groups: list[AffectedGroup] = meta(
        "affected_groups", default_factory=list, max_length=50
    )
    out_of_scope_uses: list[OutOfScopeUse] = meta(
        "out_of_scope_uses", default_factory=list, max_length=50
    )
    alternatives_and_proportionality: LongText = meta("alternatives_and_proportionality")
    legal_basis: list[LegalBasis] = meta("legal_basis", default_factory=list, max_length=50)
    application_products: list[ApplicationProduct] = meta(
        "application_products", default_factory=list, max_length=50
    )
    frequency_and_scale: MediumText = meta("frequency_and_scale")
    # Decision process and human oversight
    autonomy_level: AutonomyLevel | None = meta("autonomy_level")
    human_oversight: LongText = meta("human_oversight")
    process_integration: LongText = meta("process_integration")
    explanation_available: ExplanationAvailability | None = meta("explanation_available")
    # Technical
    model_type: ModelType | None = meta("model_type")
    how_it_works: LongText = meta("how_it_works")
    inputs: list[ItemText] = meta("inputs", default_factory=list, max_length=200)
    outputs: list[ItemText] = meta("outputs", default_factory=list, max_length=100)
    decision_thresholds: list[Threshold] = meta(
        "decision_thresholds", default_factory=list, max_length=100
    )
    training: Training | None = meta("training")
    evaluation: Evaluation | None = meta("evaluation")
    maintenance_and_monitoring: LongText = meta("maintenance_and_monitoring")
    source_code_url: Url = meta("source_code_url")
    license: ShortText = meta("license")
    # Data
    data_summary: LongText = meta("data_summary")
    data_sources: list[DataSource] = meta("data_sources", default_factory=list, max_length=100)
    sensitive_attributes: list[SensitiveAttribute] = meta(
        "sensitive_attributes", default_factory=list, max_length=50
    )
    representativeness: LongText = meta("representativeness")
    # Risk and fairness
    favourable_outcome: FavourableOutcome | None = meta("favourable_outcome")
    risks: list[Risk] = meta("risks", default_factory=list, max_length=100)
    limitations: list[Limitation] = meta("limitations", default_factory=list, max_length=100)
    impact_assessments: list[ImpactAssessment] = meta(
        "impact_assessments", default_factory=list, max_length=50
    )
    withheld: list[Withholding] = meta("withheld", default_factory=list, max_length=100)

    @field_validator("policy_areas")
    @classmethod
    def _unique_policy_areas(cls, value: list[PolicyArea]) -> list[PolicyArea]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("duplicate", ERR_DUPLICATE)
        return value


def find_type(annotation: Any, base: type) -> type | None:
    """The first subclass of ``base`` inside an annotation such as ``list[X]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, base):
        return annotation
    for arg in get_args(annotation):
        found = find_type(arg, base)
        if found is not None:
            return found
    return None


# The nested model behind each field holding an object, a list of objects or a map of objects.
PART_MODELS: dict[str, type[CardPart]] = {
    name: model
    for name, info in ModelCard.model_fields.items()
    if (model := find_type(info.annotation, CardPart)) is not None
}


def model_card_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a card, served at GET /api/v1/schema/model-card."""
    schema = ModelCard.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "x-card-schema-version": CARD_SCHEMA_VERSION,
        **schema,
    }
