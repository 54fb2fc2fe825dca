"""Two validation levels for a model card, each reporting every problem at once.

*Draft*: the shape is checked (types, formats, controlled values, lengths, unknown fields, withheld
fields left empty), completeness is not. *Publish*: the draft checks plus the requirements: R fields
always, HR fields when ``risk_category`` is ``high_risk`` or ``impactful``, the fields each list
item must carry, and a few conditional rules. A field listed in ``withheld[]`` with a reason counts
as provided. Problems are raised as one ``registry.errors.Invalid`` whose ``details`` hold
``{"loc": ["card", ...], "msg": ..., "type": ...}`` entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from registry.cards import card_parts
from registry.cards.enums import LifecycleStatus, ModelKind, RiskCategory, WithheldReason
from registry.cards.fields_meta import (
    FIELD_SPECS_BY_NAME,
    PAYLOAD_FIELDS,
    WITHHOLDABLE_FIELDS,
    Requirement,
)
from registry.cards.schema import PART_MODELS, ModelCard
from registry.cards.value_types import find_forbidden_character
from registry.errors import Invalid

ROOT = "card"
HIGHER_RISK = frozenset({RiskCategory.HIGH_RISK.value, RiskCategory.IMPACTFUL.value})

ERR_NOT_AN_OBJECT = "expected a JSON object holding the model card fields"
ERR_UNKNOWN_FIELD = "unknown field: the model card has no field with this name"
ERR_DRAFT = "The model card is not valid: {n} problem(s), listed in details."
ERR_PUBLISH = "The model card cannot be published: {n} problem(s), listed in details."
ERR_REQUIRED = "is required before publishing"
ERR_REQUIRED_HIGHER_RISK = "is required before publishing a card whose risk_category is {risk}"
ERR_ITEM_REQUIRED = "is required before publishing, in each item of {field}"
ERR_PART_REQUIRED = "is required before publishing, inside {field}"
ERR_CONTACT_CHANNEL = (
    "is required before publishing: give a generic mailbox (email) or a contact form (form_url)"
)
ERR_RETIRED_UNTIL = "is required before publishing a card whose status is retired"
ERR_OTHER_REASON = "is required when the withheld reason is 'other'"
ERR_WITHHELD_NOT_EMPTY = "is listed in withheld[] and must therefore be left empty"
ERR_WITHHELD_UNKNOWN = "expected the name of a card field that may be withheld, one of: {names}"
ERR_WITHHELD_DUPLICATE = "this field is already listed in withheld[]"
ERR_IN_USE_ORDER = "must not be before in_use_from"
ERR_TRANSLATION_SAME_LANGUAGE = "a translation must not repeat the card's own language"

_PYDANTIC_MESSAGES = {
    "extra_forbidden": ERR_UNKNOWN_FIELD,
    "missing": "is required in this item",
}

Detail = dict[str, Any]


def _detail(loc: list[Any], msg: str, kind: str) -> Detail:
    return {"loc": [ROOT, *loc], "msg": msg, "type": kind}


def is_provided(value: Any) -> bool:
    """False for None, blank text, and lists or objects holding nothing provided."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping):
        return any(is_provided(v) for v in value.values())
    if isinstance(value, list | tuple):
        return len(value) > 0
    return True


def _pydantic_details(exc: ValidationError) -> list[Detail]:
    details = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        msg = _PYDANTIC_MESSAGES.get(kind, err["msg"])
        details.append(_detail(list(err["loc"]), msg, kind))
    return details


def _withheld_entries(data: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    withheld = data.get("withheld")
    if isinstance(withheld, list):
        for index, entry in enumerate(withheld):
            if isinstance(entry, Mapping):
                yield index, entry


def withheld_fields(data: Mapping[str, Any]) -> set[str]:
    """Names of the fields validly withheld: a withholdable field with a known reason."""
    reasons = {r.value for r in WithheldReason}
    return {
        str(entry.get("field", "")).strip()
        for _, entry in _withheld_entries(data)
        if str(entry.get("field", "")).strip() in WITHHOLDABLE_FIELDS
        and entry.get("reason") in reasons
    }


def _consistency_details(data: Mapping[str, Any]) -> list[Detail]:
    """Rules between fields, checked on the raw input so they are reported with type errors."""
    details: list[Detail] = []
    seen: set[str] = set()
    names = ", ".join(sorted(WITHHOLDABLE_FIELDS))
    for index, entry in _withheld_entries(data):
        field = entry.get("field")
        if not isinstance(field, str) or not field.strip() or find_forbidden_character(field):
            continue  # reported by the model (missing, blank, or a forbidden character)
        field = field.strip()
        loc = ["withheld", index, "field"]
        if field not in WITHHOLDABLE_FIELDS:
            details.append(_detail(loc, ERR_WITHHELD_UNKNOWN.format(names=names), "withheld_field"))
        elif field in seen:
            details.append(_detail(loc, ERR_WITHHELD_DUPLICATE, "duplicate"))
        else:
            seen.add(field)
            if is_provided(data.get(field)):
                details.append(_detail([field], ERR_WITHHELD_NOT_EMPTY, "withheld_not_empty"))
    start, end = data.get("in_use_from"), data.get("in_use_until")
    if isinstance(start, str) and isinstance(end, str) and "" < end.strip() < start.strip():
        details.append(_detail(["in_use_until"], ERR_IN_USE_ORDER, "in_use_order"))
    language, translations = data.get("language"), data.get("translations")
    if isinstance(language, str) and isinstance(translations, Mapping):
        for key in translations:
            if isinstance(key, str) and key.strip().lower() == language.strip().lower():
                details.append(
                    _detail(["translations", key], ERR_TRANSLATION_SAME_LANGUAGE, "translation")
                )
    return details


def _draft_check(data: Any) -> tuple[ModelCard | None, list[Detail]]:
    if not isinstance(data, Mapping):
        return None, [{"loc": [ROOT], "msg": ERR_NOT_AN_OBJECT, "type": "object_type"}]
    details = _consistency_details(data)
    try:
        card = ModelCard.model_validate(dict(data))
    except ValidationError as exc:
        return None, _pydantic_details(exc) + details
    return (card if not details else None), details


def _required_level(field: str, data: Mapping[str, Any]) -> str | None:
    """Why ``field`` is required for this card ('R', a risk category), or None if it is not."""
    spec = FIELD_SPECS_BY_NAME[field]
    if spec.requirement is Requirement.REQUIRED:
        return "R"
    if spec.requirement is not Requirement.HIGH_RISK:
        return None
    risk = data.get("risk_category")
    if risk not in HIGHER_RISK:
        return None
    model_type = data.get("model_type")
    is_rules = isinstance(model_type, Mapping) and model_type.get("kind") == ModelKind.RULES.value
    if field == "training" and is_rules:
        return None  # a rules-based system is written, not trained
    return str(risk)


def _item_details(field: str, value: Any) -> list[Detail]:
    """The fields each item (or the single object) of ``field`` must carry before publishing."""
    model = PART_MODELS.get(field)
    if model is None:
        return []
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    details = []
    for index, item in items:
        if not isinstance(item, Mapping):
            continue
        base = [field] if index is None else [field, index]
        for sub in model.PUBLISH_REQUIRED:
            if not is_provided(item.get(sub)):
                template = ERR_PART_REQUIRED if index is None else ERR_ITEM_REQUIRED
                msg = template.format(field=field)
                details.append(_detail([*base, sub], msg, "missing"))
        other_reason = item.get("reason") == WithheldReason.OTHER.value
        if (
            model is card_parts.Withholding
            and other_reason
            and not is_provided(item.get("explanation"))
        ):
            details.append(_detail([*base, "explanation"], ERR_OTHER_REASON, "missing"))
    return details


def _publish_details(data: Mapping[str, Any]) -> list[Detail]:
    details: list[Detail] = []
    withheld = withheld_fields(data)
    for field in PAYLOAD_FIELDS:
        value = data.get(field)
        level = _required_level(field, data)
        if level and not is_provided(value) and field not in withheld:
            msg = ERR_REQUIRED if level == "R" else ERR_REQUIRED_HIGHER_RISK.format(risk=level)
            details.append(_detail([field], msg, "missing"))
        if is_provided(value):
            details += _item_details(field, value)
    contact = data.get("contact")
    has_channel = isinstance(contact, Mapping) and (
        is_provided(contact.get("email")) or is_provided(contact.get("form_url"))
    )
    if is_provided(contact) and not has_channel:
        details.append(_detail(["contact", "email"], ERR_CONTACT_CHANNEL, "missing"))
    if data.get("status") == LifecycleStatus.RETIRED.value and not is_provided(
        data.get("in_use_until")
    ):
        details.append(_detail(["in_use_until"], ERR_RETIRED_UNTIL, "missing"))
    return details


def _prune(value: Any) -> Any:
    """Drop None, empty lists and empty objects, recursively (False and 0 are kept)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def normalise(card: ModelCard) -> dict[str, Any]:
    """The card as stored: JSON types, trimmed text, no None and no empty lists or objects."""
    return _prune(card.model_dump(mode="json"))


def validate_draft(data: Any) -> dict[str, Any]:
    """Check the card's shape, not its completeness; return the normalised card."""
    card, details = _draft_check(data)
    if card is None:
        raise Invalid(ERR_DRAFT.format(n=len(details)), details=details)
    return normalise(card)


def validate_for_publish(data: Any) -> dict[str, Any]:
    """Check shape and completeness; raise ``Invalid`` listing every problem; return the card."""
    card, details = _draft_check(data)
    if isinstance(data, Mapping):
        details += _publish_details(data)
    if card is None or details:
        raise Invalid(ERR_PUBLISH.format(n=len(details)), details=details)
    return normalise(card)


def missing_required_fields(data: Any) -> list[str]:
    """Dotted paths (``risks.0.mitigation``) of what must still be filled before publishing."""
    if not isinstance(data, Mapping):
        raise Invalid(ERR_DRAFT.format(n=1), details=_draft_check(data)[1])
    return [
        ".".join(str(part) for part in d["loc"][1:])
        for d in _publish_details(data)
        if d["type"] == "missing"
    ]


def review_overdue(card: Mapping[str, Any], today: dt.date) -> bool:
    """True when the card's next_review_date has passed (pages show this publicly)."""
    value = card.get("next_review_date")
    if not isinstance(value, str):
        return False
    try:
        return dt.date.fromisoformat(value) < today
    except ValueError:
        return False


__all__ = [
    "is_provided",
    "missing_required_fields",
    "normalise",
    "review_overdue",
    "validate_draft",
    "validate_for_publish",
    "withheld_fields",
]
