"""The audit page's settings and engine notes in the reader's words and language.

The report keeps codes (``"correction": "bh"``, ``"test": "fisher_exact"``) and English notes; a
page says them in words, in English or Chinese, naming attributes and checks by their labels
(``registry.pages.labels``). A note is read back with ``fairness.parse_note``; one the engine
wrote in a form this page does not know is shown as written, marked as English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fairness import parse_note
from registry import i18n
from registry.pages import labels
from registry.pages.audit_page_types import EngineNote, NamedReference, SettingWords, StatSettings

N_ = i18n.N_

CORRECTIONS = {
    "bh": N_("Benjamini-Hochberg false discovery rate control, within the declared checks' tests"),
    "holm": N_(
        "Holm's step-down correction (family-wise error rate), within the declared checks' tests"
    ),
    "none": N_("no correction for many comparisons"),
}
#: Interval methods and tests the engine records per row (``interval``, ``test``, ``method``).
METHODS = {
    "wilson": N_("Wilson score interval for each rate"),
    "clopper_pearson": N_("Clopper-Pearson exact interval for rates built on few cases"),
    "katz": N_("Katz log interval for each ratio to the reference group"),
    "miettinen_nurminen": N_(
        "Miettinen-Nurminen score interval for each ratio to the reference group"
    ),
    "hanley_mcneil": N_("Hanley-McNeil interval for the area under the ROC curve"),
    "jaccard_wilson": N_(
        "F1 score interval: the Wilson interval of TP/(TP+FP+FN), turned into an F1 score"
    ),
    "jaccard_clopper_pearson": N_(
        "F1 score interval on few cases: the Clopper-Pearson interval of TP/(TP+FP+FN), turned "
        "into an F1 score"
    ),
    "newcombe_youden": N_(
        "balanced accuracy interval: Newcombe interval of the true positive rate minus the false "
        "positive rate"
    ),
    "newcombe": N_("Newcombe interval for each difference from the reference group"),
    "two_proportion_z": N_("two-proportion z-test of each group against the reference group"),
    "fisher_exact": N_("Fisher's exact test where counts are small"),
    "chi_square": N_("chi-square test across all groups of an attribute"),
    "multinomial_bootstrap": N_("bootstrap intervals (%(n)s replicates) for between-group gaps"),
    "simultaneous_newcombe": N_(
        "simultaneous Newcombe intervals over every pair of groups for the largest gap"
    ),
    "simultaneous_katz": N_(
        "simultaneous Katz intervals over every pair of groups for the smallest ratio"
    ),
    "simultaneous_score": N_(
        "simultaneous score intervals over every pair of groups for the smallest ratio"
        " (Katz intervals where every count is 30 or more)"
    ),
    "spiegelhalter_z": N_("Spiegelhalter's z test of each group's calibration"),
    "delong": N_("DeLong's test of each group's ROC AUC against the reference group's"),
    "ks_2samp": N_("two-sample Kolmogorov-Smirnov test of each group's scores"),
    "ks_weighted": N_(
        "two-sample Kolmogorov-Smirnov test of each group's scores, with weights (asymptotic)"
    ),
}
PRESETS = {
    "four-fifths": N_("the four-fifths rule (impact ratio of at least 0.8)"),
    "ll144": N_("New York City Local Law 144 bias audit"),
}
DROP_REASONS = {
    "missing_label": N_("no recorded outcome"),
    "missing_prediction": N_("no decision"),
    "missing_score": N_("no score"),
    "missing_weight": N_("no weight"),
    "negative_weight": N_("a negative weight"),
    "unparseable_prediction": N_("a decision that could not be read"),
    "unparseable_score": N_("a score that could not be read"),
    "unparseable_weight": N_("a weight that could not be read"),
}

#: A metric's status (``metrics[].status``) other than ``ok``, as a chart's bar says it.
STATUSES = {
    "insufficient_data": N_("too few cases to judge"),
    "undefined": N_("no estimate: no one in the denominator"),
}
OUTCOME_NOTES = {
    "beneficial": N_(
        "A positive decision is beneficial to the person (for example a benefit or an offer): "
        "groups with higher selection and true positive rates are better off."
    ),
    "adverse": N_(
        "A positive decision is adverse to the person (for example a fraud flag or an "
        "inspection): groups with higher flag and false positive rates are worse off. Ratios "
        "compare the reference group's rate with the group's, so a ratio below the threshold "
        "always means the group is worse off."
    ),
}
CHECK_NOTES = {
    ("ratio", True): N_(
        "“%(check)s” compares each group's %(measure)s with the reference group's as a ratio "
        "(threshold %(threshold)s); a higher rate is better for the person."
    ),
    ("ratio", False): N_(
        "“%(check)s” compares each group's %(measure)s with the reference group's as a ratio "
        "(threshold %(threshold)s); a lower rate is better for the person."
    ),
    ("difference", True): N_(
        "“%(check)s” compares each group's %(measure)s with the reference group's as a gap "
        "(threshold %(threshold)s); a higher rate is better for the person."
    ),
    ("difference", False): N_(
        "“%(check)s” compares each group's %(measure)s with the reference group's as a gap "
        "(threshold %(threshold)s); a lower rate is better for the person."
    ),
}
BAND_NOTE = N_(
    "“%(check)s” is two-sided: a group beyond its threshold in either direction is flagged, "
    "whether it is better or worse off than the reference group (band %(low)s to %(high)s)."
)
INCOMPATIBILITY_NOTE = N_(
    "The base rate differs between groups of %(attributes)s (adjusted p < %(alpha)s). When base "
    "rates differ, equal precision (predictive parity) and equal false positive and false "
    "negative rates cannot all hold unless predictions are perfect; as declared in its spec, "
    "this audit's checks assess: %(measures)s."
)
UNKNOWN_NOTE = N_(
    "Records with no value for %(attribute)s: %(count)s. They are reported as the group "
    "“%(unknown)s”."
)
UNKNOWN_EXCLUDED_NOTE = N_("The unknown group is left out of ratio computations.")
SMALL_NOTE_ONE = N_(
    "%(count)s group holds less than %(share)s of the sample; it is reported with its counts "
    "and rates but left out of ratios, comparisons and checks."
)
SMALL_NOTE_MANY = N_(
    "%(count)s groups hold less than %(share)s of the sample; they are reported with their "
    "counts and rates but left out of ratios, comparisons and checks."
)
CALIBRATION_SKIPPED_NOTE = N_(
    "Calibration was not assessed: it needs scores between 0 and 1 (read as chances of the "
    "outcome), and this sample's scores run from %(low)s to %(high)s."
)
WEIGHTED_NOTE = N_(
    "Counts are sums of weights. Intervals and tests read them as frequency weights (a weight of "
    "3 counts as three people); for survey or sampling weights they are only approximate."
)
FEWER_THAN = N_("fewer than %(k)s")


def _t(lang: str, message: str) -> str:
    return i18n.gettext(lang, message)


def _num(value: float) -> str:
    return f"{value:g}"


def _mid_sentence(name: str, lang: str) -> str:
    """A measure's name inside an English sentence: "False positive rate" -> "false ..."."""
    if lang != "en" or len(name) < 2 or name[1].isupper():
        return name
    return name[0].lower() + name[1:]


def _list(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh-CN" else ", ").join(items)


def _words(table: Mapping[str, str], value: Any, lang: str) -> SettingWords | None:
    if value is None:
        return None
    key = str(value)
    return {"value": key, "text": _t(lang, table[key]) if key in table else key}


def statistical_settings(
    report: Mapping[str, Any], spec: Mapping[str, Any], lang: str
) -> StatSettings:
    """Significance level, correction, the interval methods and tests used, the preset: words."""
    used: list[str] = []
    for table, column in (
        ("metrics", "interval"),
        ("comparisons", "test"),
        ("omnibus", "test"),
        ("summaries", "method"),
        ("calibration", "test"),
        ("score_comparisons", "test"),
    ):
        for row in report.get(table) or []:
            value = row.get(column) if isinstance(row, Mapping) else None
            if isinstance(value, str) and value not in used:
                used.append(value)
    if any(r.get("ratio_ci_low") is not None for r in report.get("comparisons") or []):
        # reports made before the provenance recorded it used the Katz log interval
        used.append((report.get("provenance") or {}).get("ratio_interval") or "katz")
    if any(r.get("difference_ci_low") is not None for r in report.get("comparisons") or []):
        used.append("newcombe")
    order = list(METHODS)
    methods: list[SettingWords] = []
    replicates = (report.get("provenance") or {}).get("bootstrap_replicates")
    for method in sorted(used, key=lambda m: order.index(m) if m in order else len(order)):
        text = _t(lang, METHODS[method]) if method in METHODS else method
        if method == "multinomial_bootstrap":
            text = text % {"n": replicates if replicates is not None else "?"}
        methods.append({"value": method, "text": text})
    return {
        "alpha": spec.get("alpha"),
        "correction": _words(CORRECTIONS, spec.get("correction"), lang),
        "methods": methods,
        "preset": _words(PRESETS, spec.get("preset"), lang),
    }


def drop_reason(reason: str, lang: str) -> str:
    """Why rows were left out, in words (``missing_label`` -> "no recorded outcome")."""
    return _t(lang, DROP_REASONS[reason]) if reason in DROP_REASONS else reason.replace("_", " ")


def status_words(status: str, lang: str) -> str:
    """A metric's status in words (``insufficient_data`` -> "too few cases to judge")."""
    return _t(lang, STATUSES[status]) if status in STATUSES else status.replace("_", " ")


def named_references(
    report: Mapping[str, Any], named: Mapping[str, str], lang: str
) -> list[NamedReference]:
    """The reference groups named in advance, each with its attribute's and its own name."""
    return [
        {
            "attribute": attribute,
            "attribute_label": labels.attribute_label(report, attribute, lang),
            "group": group,
            "group_label": labels.group_label(report, attribute, group, lang),
        }
        for attribute, group in sorted(named.items())
    ]


def _count(value: float, k: int, lang: str) -> str:
    if 0 < value < k:
        return _t(lang, FEWER_THAN) % {"k": k}
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _note(report: Mapping[str, Any], parsed: dict[str, Any], lang: str, k: int) -> str | None:
    code, p = parsed["code"], parsed["params"]
    if code == "outcome" and p["favourable_outcome"] in OUTCOME_NOTES:
        return _t(lang, OUTCOME_NOTES[p["favourable_outcome"]])
    if code == "check" and (p["kind"], p["higher_is_better"]) in CHECK_NOTES:
        measure = _mid_sentence(labels.metric_name(p["metric"], lang), lang)
        return _t(lang, CHECK_NOTES[(p["kind"], p["higher_is_better"])]) % {
            "check": labels.check_label(report, p["name"], lang),
            "measure": measure,
            "threshold": _num(p["threshold"]),
        }
    if code == "band":
        return _t(lang, BAND_NOTE) % {
            "check": labels.check_label(report, p["name"], lang),
            "low": _num(p["low"]),
            "high": _num(p["high"]),
        }
    if code == "incompatibility":
        names = [labels.attribute_label(report, a, lang) for a in p["attributes"]]
        measures = [_mid_sentence(labels.metric_name(m, lang), lang) for m in p["metrics"]]
        return _t(lang, INCOMPATIBILITY_NOTE) % {
            "attributes": _list(names, lang),
            "alpha": _num(p["alpha"]),
            "measures": _list(measures, lang),
        }
    if code == "unknown":
        attribute = p["attribute"]
        text = _t(lang, UNKNOWN_NOTE) % {
            "attribute": labels.attribute_label(report, attribute, lang),
            "count": _count(p["count"], k, lang),
            "unknown": labels.group_label(report, attribute, "unknown", lang),
        }
        if p["excluded"]:
            text += " " + _t(lang, UNKNOWN_EXCLUDED_NOTE)
        return text
    if code == "small_categories":
        share = f"{p['share']:.0%}"
        message = i18n.ngettext(lang, SMALL_NOTE_ONE, SMALL_NOTE_MANY, p["count"])
        return message % {"count": p["count"], "share": share}
    if code == "weighted":
        return _t(lang, WEIGHTED_NOTE)
    if code == "calibration_skipped":
        return _t(lang, CALIBRATION_SKIPPED_NOTE) % {
            "low": _num(p["low"]),
            "high": _num(p["high"]),
        }
    return None


def engine_notes(report: Mapping[str, Any], lang: str, k: int) -> list[EngineNote]:
    """The report's notes in ``lang``, naming attributes and checks by their labels; a count
    below ``k`` in a note is "fewer than k", as everywhere on the page."""
    out: list[EngineNote] = []
    for note in report.get("notes") or []:
        parsed = parse_note(str(note))
        text = _note(report, parsed, lang, k) if parsed else None
        if text is None:
            out.append({"code": None, "text": str(note), "lang": "en"})
        else:
            out.append({"code": parsed["code"] if parsed else None, "text": text, "lang": lang})
    return out
