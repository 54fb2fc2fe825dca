"""Turn a stored model card into display-ready sections, in the reader's language.

Every value becomes a small typed structure (``text``, ``choice``, ``link``, ``list``, ``record``)
that both the HTML macros and the JSON twin carry, so the page and its twin cannot disagree. Each
field also says whether it was provided, withheld (with the agency's stated reason) or not provided,
and which language its text is shown in.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from registry import i18n
from registry.cards import card_sections, is_provided
from registry.cards.enums import (
    AutonomyLevel,
    FavourableOutcome,
    LifecycleStatus,
    RiskCategory,
    Scenario,
    WithheldReason,
    choice_labels,
)
from registry.cards.sections import CardField, Choice
from registry.pages.view_types import (
    CardSection,
    ChoiceValue,
    DisplayField,
    DisplayValue,
    OriginalLanguage,
    RecordEntry,
    RecordValue,
    WithheldField,
    WithheldInfo,
)

N_ = i18n.N_
YES, NO = N_("Yes"), N_("No")
SAFE_SCHEMES = ("http://", "https://")
META_FIELDS = frozenset(
    {"public_id", "language", "translations", "source_id", "withheld", "agency", "change_summary"}
)
TRANSLATABLE = (
    "name",
    "summary",
    "purpose_and_impact",
    "accountable_role",
    "appeal_route",
    "human_oversight",
    "data_summary",
)
VOCABULARIES: dict[str, type[StrEnum]] = {
    "scenario": Scenario,
    "risk_category": RiskCategory,
    "lifecycle_status": LifecycleStatus,
    "autonomy_level": AutonomyLevel,
    "favourable_outcome": FavourableOutcome,
    "withheld_reason": WithheldReason,
}


def pick(labels: dict[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), "")


def vocabulary_label(vocabulary: str, value: str | None, lang: str) -> str | None:
    """The words for a controlled value (``scenario``, ``risk_category``...), or None if unknown."""
    if not value:
        return None
    enum = VOCABULARIES[vocabulary]
    try:
        return pick(choice_labels(enum(value)), lang)
    except ValueError:
        return value


def safe_url(value: Any) -> str | None:
    """Only web addresses are ever made into links (never ``javascript:`` or ``data:``)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(SAFE_SCHEMES) else None


_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _date_text(text: str, lang: str) -> str | None:
    """Dates and months (``2024-05-01``, ``2024-05``) in the reader's words, else None."""
    if not _DATE.match(text):
        return None
    try:
        day = dt.date.fromisoformat(text if len(text) == 10 else text + "-01")
    except ValueError:
        return None
    pattern = ("MMMM y" if lang == "en" else "y年M月") if len(text) == 7 else "long"
    return format_date(day, pattern, locale=i18n.babel_locale(lang))


def _choice_value(value: Any, choices: tuple[Choice, ...], lang: str) -> ChoiceValue | None:
    for choice in choices:
        if choice.value == value:
            return {"kind": "choice", "value": value, "text": pick(choice.labels, lang)}
    return None


def _other_lang(text_lang: str | None, lang: str) -> str | None:
    """``text_lang`` when the agency's text is in it and the reader reads another language."""
    return text_lang if text_lang and i18n.normalise(text_lang) != lang else None


def render_value(
    value: Any,
    lang: str,
    *,
    choices: tuple[Choice, ...] = (),
    name: str = "",
    text_lang: str | None = None,
) -> DisplayValue:
    """One card value as a typed display structure. ``text_lang`` is the language the agency's
    free text is in: each text (in lists and records too) shown to a reader of another language
    carries it, so the page can mark it with ``lang``."""
    if isinstance(value, bool):
        return {"kind": "choice", "value": value, "text": i18n.gettext(lang, YES if value else NO)}
    if isinstance(value, list):
        return {
            "kind": "list",
            "items": [
                render_value(v, lang, choices=choices, name=name, text_lang=text_lang)
                for v in value
            ],
        }
    if isinstance(value, dict):
        return {
            "kind": "record",
            "entries": [
                {"name": k, "label": k, "value": render_value(v, lang, text_lang=text_lang)}
                for k, v in value.items()
            ],
        }
    if choices:
        chosen = _choice_value(value, choices, lang)
        if chosen:
            return chosen
    text = "" if value is None else str(value)
    when = _date_text(text, lang)
    if when is not None:
        return {"kind": "date", "value": text, "text": when}
    if name == "email" and "@" in text:
        return {"kind": "link", "url": "mailto:" + text, "text": text}
    url = safe_url(text)
    if url:
        return {"kind": "link", "url": url, "text": text}
    return {"kind": "text", "text": text, "lang": _other_lang(text_lang, lang)}


def _record(
    value: dict[str, Any], spec: CardField, lang: str, text_lang: str | None
) -> RecordValue:
    entries: list[RecordEntry] = []
    for sub in spec.subfields:
        if sub.name in value and is_provided(value[sub.name]):
            entries.append(
                {
                    "name": sub.name,
                    "label": pick(sub.labels, lang),
                    "value": render_value(
                        value[sub.name],
                        lang,
                        choices=sub.choices,
                        name=sub.name,
                        text_lang=text_lang,
                    ),
                }
            )
    known = {s.name for s in spec.subfields}
    for key, raw in value.items():
        if key not in known and is_provided(raw):
            shown = render_value(raw, lang, name=key, text_lang=text_lang)
            entries.append({"name": key, "label": key, "value": shown})
    return {"kind": "record", "entries": entries}


def field_value(
    spec: CardField, value: Any, lang: str, *, text_lang: str | None = None
) -> DisplayValue:
    if spec.subfields and isinstance(value, list):
        return {
            "kind": "list",
            "items": [
                _record(v, spec, lang, text_lang)
                if isinstance(v, dict)
                else render_value(v, lang, text_lang=text_lang)
                for v in value
            ],
        }
    if spec.subfields and isinstance(value, dict):
        return _record(value, spec, lang, text_lang)
    return render_value(value, lang, choices=spec.choices, name=spec.name, text_lang=text_lang)


def has_original_text(value: DisplayValue) -> bool:
    """Whether any text in ``value`` (nested lists and records too) is shown in the agency's
    language rather than the reader's."""
    if value["kind"] == "text":
        return value["lang"] is not None
    if value["kind"] == "list":
        return any(has_original_text(v) for v in value["items"])
    if value["kind"] == "record":
        return any(has_original_text(e["value"]) for e in value["entries"])
    return False


def _withheld(card: dict[str, Any], lang: str) -> dict[str, WithheldInfo]:
    out: dict[str, WithheldInfo] = {}
    for entry in card.get("withheld") or []:
        if not isinstance(entry, dict) or not entry.get("field"):
            continue
        field = str(entry["field"]).split(".", 1)[0]
        out[field] = {
            "reason": entry.get("reason"),
            "reason_text": vocabulary_label("withheld_reason", entry.get("reason"), lang),
            "explanation": entry.get("explanation"),
            "legal_reference": entry.get("legal_reference"),
        }
    return out


def card_language(card: dict[str, Any]) -> str:
    return str(card.get("language") or "en")


def original_language(tag: str, lang: str) -> OriginalLanguage | None:
    """The card's language ``tag`` named in the reader's ``lang``, when the two differ (a Dutch
    card read in English or Chinese); None when the reader reads the card's own language."""
    if i18n.normalise(tag) == lang:
        return None
    try:
        name = Locale.parse(tag, sep="-").get_display_name(i18n.babel_locale(lang))
    except (ValueError, TypeError, UnknownLocaleError):
        name = None
    return {"tag": tag, "name": name or tag}


def translated_text(card: dict[str, Any], field: str, lang: str) -> tuple[Any, str, bool]:
    """(value, language tag of the value, shown_in_original) for a tier-1 text field."""
    original = card_language(card)
    value = card.get(field)
    if i18n.normalise(original) == lang:
        return value, original, False
    for tag, translation in (card.get("translations") or {}).items():
        if (
            i18n.normalise(tag) == lang
            and isinstance(translation, dict)
            and is_provided(translation.get(field))
        ):
            return translation[field], tag, False
    return value, original, is_provided(value)


@cache
def _specs() -> dict[str, CardField]:
    return {f.name: f for s in card_sections() for f in s.fields}


def display_field(
    card: dict[str, Any], name: str, lang: str, withheld: dict[str, WithheldInfo] | None = None
) -> DisplayField:
    """One field ready to show: label, help, state (provided/withheld/not_provided), value."""
    spec = _specs()[name]
    withheld = _withheld(card, lang) if withheld is None else withheld
    if name in TRANSLATABLE:
        raw, value_lang, original = translated_text(card, name, lang)
    else:
        raw, value_lang, original = card.get(name), card_language(card), False
        is_words = isinstance(raw, str) and not spec.choices and not _DATE.match(raw)
        if is_words and i18n.normalise(value_lang) != lang:
            original = is_provided(raw)
    item: DisplayField = {
        "name": name,
        "label": pick(spec.labels, lang),
        "help": pick(spec.help, lang),
        "tier": spec.tier,
        "value_lang": value_lang,
        "shown_in_original_language": bool(original),
        "withheld": withheld.get(name),
        "state": "not_provided",
        "value": None,
    }
    if is_provided(raw):
        shown = field_value(spec, raw, lang, text_lang=value_lang)
        item["state"], item["value"] = "provided", shown
        if not original and has_original_text(shown):  # a list or record of the agency's words
            item["shown_in_original_language"] = True
    elif name in withheld:
        item["state"] = "withheld"
    return item


def card_sections_view(card: dict[str, Any], lang: str) -> list[CardSection]:
    """Every section of the card with every field, in page order (meta fields left out)."""
    withheld = _withheld(card, lang)
    sections: list[CardSection] = []
    for section in card_sections():
        fields = [
            display_field(card, f.name, lang, withheld)
            for f in section.fields
            if f.name not in META_FIELDS and f.in_payload
        ]
        sections.append({"key": section.key, "title": pick(section.labels, lang), "fields": fields})
    return sections


def withheld_view(card: dict[str, Any], lang: str) -> list[WithheldField]:
    specs = _specs()
    return [
        {
            "field": field,
            "label": pick(specs[field].labels, lang) if field in specs else field,
            **info,
        }
        for field, info in _withheld(card, lang).items()
    ]
