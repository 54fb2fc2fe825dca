"""Display names of an audit's attributes, groups and checks, in the reader's language.

The one place a data code (``age_band``, ``non-eu``, ``fpr_ratio``) becomes the name a reader
sees. Pure functions of a report (its effective spec carries the auditor's ``labels`` block, see
docs/report-format.md), so pages, twins and the services' default wordings share them;
``registry/pages/labels.py`` is the pages' door to it.

Order of choice: the label in the reader's language, then the label in the other language, then
a fallback: an attribute's code written as words in English (``age_band`` -> "Age band") and as
given in Chinese; a group's code as written in the data (the group ``unknown`` in words); a check
named by its measure and kind ("False positive rate ratio"). An intersection (``a & b`` in the
report) joins the names of its parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry import i18n

N_ = i18n.N_

#: How the engine joins the parts of an intersection's attribute and group names.
ENGINE_JOIN = " & "
#: The group the engine reports for rows with no value (``fairness.UNKNOWN``).
UNKNOWN_GROUP = "unknown"
ATTRIBUTE_JOIN = " × "
GROUP_JOIN = " · "
LABEL_LANGUAGES = ("en", "zh-CN")

METRIC_NAMES: dict[str, str] = {
    "selection_rate": N_("Selection rate"),
    "prevalence": N_("Base rate"),
    "true_positive_rate": N_("True positive rate"),
    "false_negative_rate": N_("False negative rate"),
    "false_positive_rate": N_("False positive rate"),
    "true_negative_rate": N_("True negative rate"),
    "precision": N_("Precision"),
    "false_discovery_rate": N_("False discovery rate"),
    "negative_predictive_value": N_("Negative predictive value"),
    "false_omission_rate": N_("False omission rate"),
    "accuracy": N_("Accuracy"),
    "scoring_rate": N_("Scoring rate"),
    "roc_auc": N_("Area under the ROC curve"),
    "f1_score": N_("F1 score"),
    "balanced_accuracy": N_("Balanced accuracy"),
    "positive_share": N_("Share of positive decisions"),
}
CHECK_FALLBACK = {
    "ratio": N_("%(metric)s ratio"),
    "difference": N_("%(metric)s difference"),
}
UNKNOWN_WORDS = N_("Unknown")


def metric_name(metric: str, lang: str) -> str:
    """A metric's name in words (``false_positive_rate`` -> "False positive rate")."""
    if metric in METRIC_NAMES:
        return i18n.gettext(lang, METRIC_NAMES[metric])
    return _words(metric)


def _words(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else code


def _spec(report: Mapping[str, Any] | None) -> Mapping[str, Any]:
    spec = (report or {}).get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _labels(report: Mapping[str, Any] | None, part: str) -> Mapping[str, Any]:
    labels = _spec(report).get("labels")
    found = labels.get(part) if isinstance(labels, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _pick(entry: Any, lang: str) -> str | None:
    """The label in ``lang``, else in the other language; ``None`` when there is none."""
    if not isinstance(entry, Mapping):
        return None
    for code in (lang, *LABEL_LANGUAGES):
        text = entry.get(code)
        if isinstance(text, str) and text:
            return text
    return None


def has_labels(report: Mapping[str, Any] | None) -> bool:
    """Whether the auditor named anything (attributes, groups or checks) in the spec."""
    return any(_labels(report, part) for part in ("attributes", "groups", "checks"))


def attribute_parts(report: Mapping[str, Any] | None, attribute: str) -> list[str]:
    """The columns an attribute is made of: itself, or the parts of an intersection."""
    columns = _spec(report).get("columns")
    features = list((columns or {}).get("sensitive_features") or []) if columns else []
    if attribute in features or ENGINE_JOIN not in attribute:
        return [attribute]
    parts = attribute.split(ENGINE_JOIN)
    if features and not all(p in features for p in parts):
        return [attribute]
    return parts


def _one_attribute(report: Mapping[str, Any] | None, attribute: str, lang: str) -> str:
    label = _pick(_labels(report, "attributes").get(attribute), lang)
    if label is not None:
        return label
    return _words(attribute) if lang == "en" else attribute


def attribute_label(report: Mapping[str, Any] | None, attribute: str, lang: str) -> str:
    """The name of ``attribute`` (a column, or an intersection of columns) in ``lang``."""
    parts = attribute_parts(report, attribute)
    return ATTRIBUTE_JOIN.join(_one_attribute(report, p, lang) for p in parts)


def _one_group(report: Mapping[str, Any] | None, attribute: str, group: str, lang: str) -> str:
    by_attribute = _labels(report, "groups").get(attribute)
    label = _pick(by_attribute.get(group), lang) if isinstance(by_attribute, Mapping) else None
    if label is not None:
        return label
    if group == UNKNOWN_GROUP:
        return i18n.gettext(lang, UNKNOWN_WORDS)
    return group


def group_label(report: Mapping[str, Any] | None, attribute: str, group: str, lang: str) -> str:
    """The name of ``group`` of ``attribute`` in ``lang``."""
    parts = attribute_parts(report, attribute)
    values = group.split(ENGINE_JOIN) if len(parts) > 1 else [group]
    if len(values) != len(parts):
        return _one_group(report, attribute, group, lang)
    return GROUP_JOIN.join(
        _one_group(report, a, g, lang) for a, g in zip(parts, values, strict=True)
    )


def check_label(report: Mapping[str, Any] | None, check_name: str, lang: str) -> str:
    """The name of the check ``check_name`` in ``lang``: the auditor's label, else its measure and
    kind in words ("False positive rate ratio"), else the name as declared."""
    label = _pick(_labels(report, "checks").get(check_name), lang)
    if label is not None:
        return label
    declared = next(
        (
            c
            for c in _spec(report).get("checks") or []
            if isinstance(c, Mapping) and c.get("name") == check_name
        ),
        None,
    )
    if declared and declared.get("kind") in CHECK_FALLBACK and declared.get("metric"):
        metric = metric_name(str(declared["metric"]), lang)
        return i18n.gettext(lang, CHECK_FALLBACK[declared["kind"]]) % {"metric": metric}
    return check_name
