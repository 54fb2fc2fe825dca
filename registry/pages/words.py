"""Interface words for states and verdicts, marked for translation.

Status is always shown in words; the ``tone`` only picks a colour that reinforces the words.
Verdict wording assesses and discloses disparities; it never says an algorithm is "fair".
"""

from __future__ import annotations

from registry import audit_labels, i18n
from registry.pages.view_types import AuditKindView, StateView, Tone, VerdictView

N_ = i18n.N_
#: Metric names in words (defined with the audit labels, which name checks by them too).
METRIC_NAMES = audit_labels.METRIC_NAMES

VERDICTS: dict[str, tuple[str, str, Tone]] = {
    # value: (short words, longer explanation, tone)
    "pass": (
        N_("Within the declared threshold"),
        N_(
            "Every group comparison tested stayed within the threshold declared before the "
            "test, allowing for uncertainty."
        ),
        "ok",
    ),
    "fail": (
        N_("Disparity beyond the declared threshold"),
        N_(
            "At least one group comparison was beyond the declared threshold, even "
            "allowing for uncertainty."
        ),
        "bad",
    ),
    "inconclusive": (
        N_("Inconclusive"),
        N_(
            "The data could not settle at least one comparison: too few cases, or the "
            "uncertainty range crosses the threshold."
        ),
        "warn",
    ),
    "not_assessed": (
        N_("Not assessed"),
        N_("No declared check could be applied to this data."),
        "neutral",
    ),
    "not_audited": (
        N_("No published audit"),
        N_("No audit of this algorithm has been published yet."),
        "neutral",
    ),
}

STATES: dict[str, tuple[str, Tone]] = {
    "published": (N_("Published"), "info"),
    "retired": (N_("Retired"), "neutral"),
}

AUDIT_KINDS: dict[str, tuple[str, str]] = {
    "independent": (N_("Independent audit"), N_("Run by an auditor independent of the agency.")),
    "self_assessment": (
        N_("Agency self-assessment"),
        N_("Run by the agency that uses the algorithm."),
    ),
}


FACET_TITLES: dict[str, str] = {
    "scenario": N_("Scenario"),
    "agency": N_("Agency"),
    "risk_category": N_("Risk category"),
    "lifecycle_status": N_("Status"),
    "latest_verdict": N_("Latest audit"),
}
NO_VALUE = N_("Not stated")


def verdict_view(verdict: str | None, lang: str) -> VerdictView:
    key = verdict if verdict in VERDICTS else "not_assessed"
    words, explanation, tone = VERDICTS[key]
    return {
        "value": key,
        "text": i18n.gettext(lang, words),
        "explanation": i18n.gettext(lang, explanation),
        "tone": tone,
    }


def state_view(state: str, lang: str) -> StateView:
    words, tone = STATES.get(state, (state, "neutral"))
    return {"value": state, "text": i18n.gettext(lang, words), "tone": tone}


def audit_kind_view(kind: str, lang: str) -> AuditKindView:
    words, explanation = AUDIT_KINDS.get(kind, (kind, ""))
    return {
        "value": kind,
        "text": i18n.gettext(lang, words),
        "explanation": i18n.gettext(lang, explanation) if explanation else "",
    }


def metric_name(metric: str, lang: str) -> str:
    return audit_labels.metric_name(metric, lang)
