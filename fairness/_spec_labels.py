"""The spec's ``labels`` block: the names readers see for attributes, groups and checks.

A report keeps data codes (``age_band``, ``non-eu``, ``fpr_ratio``) in its tables; the labels say
what a page shows instead, in English (``en``) and Simplified Chinese (``zh-CN``)::

    "labels": {
      "attributes": {"age_band": {"en": "Age band", "zh-CN": "年龄段"}},
      "groups": {"age_band": {"18-24": {"en": "18 to 24", "zh-CN": "18至24岁"}}},
      "checks": {"fpr_ratio": {"en": "False positive rate ratio", "zh-CN": "误报率比值"}}
    }

Every part is optional, and so is each language. Intersections are not labelled: a reader's page
joins the labels of their parts. Validation collects every problem with its path
(``labels.attributes.agee: not a sensitive feature of this spec ...``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from fairness._policies import FAVOURABLE_OUTCOMES, PRESETS, default_checks, preset_checks

#: The languages a label may be given in.
LABEL_LANGUAGES = ("en", "zh-CN")
#: The parts of the ``labels`` block.
LABEL_PARTS = ("attributes", "groups", "checks")
#: The longest label, in characters.
LABEL_MAX = 120

LABEL_NOT_TEXT = "{path}: expected a non-empty string of at most {max} characters, got {value!r}"
LABEL_CONTROL = "{path}: must not contain control or formatting characters"
LABEL_LANGUAGE = "{path}: unknown language; expected one of {expected}"
LABEL_NO_LANGUAGE = "{path}: give the label in at least one language ({expected})"
LABEL_UNKNOWN_ATTRIBUTE = (
    "{path}: {name!r} is not a sensitive feature of this spec; expected one of {expected}"
)
LABEL_UNKNOWN_CHECK = "{path}: {name!r} is not a check of this spec; expected one of {expected}"
LABEL_NOT_A_MAPPING = "{path}: expected a table/object, got {kind}"
LABEL_UNKNOWN_PART = "{path}: unknown key; expected one of {expected}"


def possible_check_names(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The names the spec's checks can have: the declared ones, else every name the preset or
    the defaults may give (which of them runs depends on the data: labels, scores)."""
    declared = data.get("checks")
    if isinstance(declared, list | tuple):
        return tuple(c["name"] for c in declared if isinstance(c, Mapping) and "name" in c)
    preset = data.get("preset")
    if preset in PRESETS:
        templates = [*preset_checks(preset, has_scores=False)]
        templates += preset_checks(preset, has_scores=True)
    else:
        outcome = data.get("favourable_outcome")
        outcomes = (outcome,) if outcome in FAVOURABLE_OUTCOMES else FAVOURABLE_OUTCOMES
        templates = [
            t
            for o in outcomes
            for has_labels in (True, False)
            for t in default_checks(o, has_labels=has_labels, has_scores=False)
        ]
    return tuple(dict.fromkeys(t.name for t in templates))


class _Labels:
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def mapping(self, path: str, value: Any) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.errors.append(LABEL_NOT_A_MAPPING.format(path=path, kind=type(value).__name__))
        return None

    def text(self, path: str, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip() or len(value) > LABEL_MAX:
            self.errors.append(LABEL_NOT_TEXT.format(path=path, max=LABEL_MAX, value=value))
            return None
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            self.errors.append(LABEL_CONTROL.format(path=path))
            return None
        return value.strip()

    def by_language(self, path: str, value: Any) -> dict[str, str] | None:
        """``{"en": ..., "zh-CN": ...}``: at least one language, each a short text."""
        data = self.mapping(path, value)
        if data is None:
            return None
        expected = ", ".join(LABEL_LANGUAGES)
        out: dict[str, str] = {}
        for lang, text in data.items():
            if lang not in LABEL_LANGUAGES:
                self.errors.append(LABEL_LANGUAGE.format(path=f"{path}.{lang}", expected=expected))
                continue
            checked = self.text(f"{path}.{lang}", text)
            if checked is not None:
                out[lang] = checked
        if not data:
            self.errors.append(LABEL_NO_LANGUAGE.format(path=path, expected=expected))
        return out or None

    def named(
        self, path: str, value: Any, known: Iterable[str] | None, unknown_message: str
    ) -> dict[str, Any]:
        """A table keyed by attribute or check name; a name outside ``known`` is an error
        (``known=None``: the spec names no sensitive feature yet, any name is accepted)."""
        data = self.mapping(path, value)
        if data is None:
            return {}
        allowed = None if known is None else tuple(known)
        good: dict[str, Any] = {}
        for name, item in data.items():
            if allowed is not None and name not in allowed:
                self.errors.append(
                    unknown_message.format(
                        path=f"{path}.{name}",
                        name=name,
                        expected=", ".join(allowed) or "(none)",
                    )
                )
                continue
            good[name] = item
        return good

    def named_labels(
        self, path: str, value: Any, known: Iterable[str] | None, unknown_message: str
    ) -> dict[str, dict[str, str]]:
        """A ``named`` table of labels by language (``attributes``, ``checks``); a name whose
        label has no usable language is left out."""
        return {
            name: text
            for name, item in self.named(path, value, known, unknown_message).items()
            if (text := self.by_language(f"{path}.{name}", item)) is not None
        }


def validate_labels(
    raw: Any, *, sensitive_features: tuple[str, ...], check_names: tuple[str, ...]
) -> tuple[dict[str, Any], list[str]]:
    """Check a ``labels`` block; return it normalised (empty parts left out) and the errors.

    Attribute and group tables must name sensitive features of the spec (any name is accepted
    while the spec names none: the caller gives the columns later), check labels the spec's
    checks (``check_names``)."""
    errors: list[str] = []
    c = _Labels(errors)
    data = c.mapping("labels", raw)
    if data is None:
        return {}, errors
    for key in data:
        if key not in LABEL_PARTS:
            errors.append(
                LABEL_UNKNOWN_PART.format(path=f"labels.{key}", expected=", ".join(LABEL_PARTS))
            )
    features = sensitive_features or None
    out: dict[str, Any] = {}
    if "attributes" in data:
        attributes = c.named_labels(
            "labels.attributes", data["attributes"], features, LABEL_UNKNOWN_ATTRIBUTE
        )
        if attributes:
            out["attributes"] = attributes
    if "groups" in data:
        table = c.named("labels.groups", data["groups"], features, LABEL_UNKNOWN_ATTRIBUTE)
        groups: dict[str, dict[str, dict[str, str]]] = {}
        for name, item in table.items():
            values = c.mapping(f"labels.groups.{name}", item)
            for group, labels in (values or {}).items():
                text = c.by_language(f"labels.groups.{name}.{group}", labels)
                if text is not None:
                    groups.setdefault(name, {})[str(group)] = text
        if groups:
            out["groups"] = groups
    if "checks" in data:
        checks = c.named_labels("labels.checks", data["checks"], check_names, LABEL_UNKNOWN_CHECK)
        if checks:
            out["checks"] = checks
    return out, errors
