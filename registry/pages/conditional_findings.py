"""Conditional parity on the audit page: whether a disparity remains within comparable cases.

Pure, like ``findings``: a report (small cells already suppressed) and a language in, sentences and
table rows out. An audit whose spec names ``columns.control_features`` has a ``conditional``
table (``fairness._stratified``): each comparison made again within the strata of the control
features (cases of the same region, say) and pooled by Mantel-Haenszel. The page says, for the
measures of the declared checks:

  "By sex, within comparable cases (same region), people were flagged 1.90 times as often in
  “f” as in “m” (between 1.60 and 2.20 times). The gap differed between region categories
  (adjusted p = 0.010)."

and counts the categories where a comparison was impossible. A ratio is the group's rate over
the reference's; numbers are written by ``registry.pages.numbers`` as the table's cells are.
Control features are named by the spec's labels (``labels.attributes``) like attributes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from registry import i18n
from registry.pages import audit_words, labels, numbers
from registry.pages.audit_page_types import ConditionalRow, ConditionalSection
from registry.pages.findings import phrase

N_ = i18n.N_

WITHIN_RATIO = N_(
    "By %(attribute)s, within comparable cases (same %(controls)s), %(who)s %(verb)s "
    "%(ratio)s times as often in “%(group)s” as in “%(reference)s” (%(interval)s)."
)
RATIO_INTERVAL = N_("between %(low)s and %(high)s times")
GAP_DIFFERED = N_("The gap differed between %(controls)s categories (%(p)s).")
GAP_STEADY = N_("No difference in the gap between %(controls)s categories was found (%(p)s).")
INTRO = N_(
    "Each comparison is made again among cases with the same %(controls)s, and the results are "
    "pooled (Mantel-Haenszel). This shows whether a gap remains when %(controls)s is held "
    "constant, or comes from groups being spread differently across %(controls)s categories."
)
P_BELOW = N_("adjusted p < 0.001")
P_EQUALS = N_("adjusted p = %(p)s")
CONTROL_SEPARATOR = N_(", ")
#: The reference of the ``overall`` policy: within cases, a group is compared with everyone else.
EVERYONE_ELSE = N_("everyone else")
OVERALL_REFERENCE = "overall"


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _withheld(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value.get("suppressed"))


def _distance(ratio: Any) -> float:
    """How far a ratio is from parity, either way (|log ratio|); 0 when unknown or withheld."""
    value = _num(ratio)
    return abs(math.log(value)) if value is not None and value > 0 else 0.0


def _mid_sentence(name: str, lang: str) -> str:
    """A label inside an English sentence: "Region" -> "region" (not "NUTS" -> "nUTS")."""
    if lang != "en" or len(name) < 2 or name[1].isupper():
        return name
    return name[0].lower() + name[1:]


def p_text(value: float, lang: str) -> str:
    """``adjusted p < 0.001`` or ``adjusted p = 0.012``, as the tables' p cells write it."""
    if value < 0.001:
        return i18n.gettext(lang, P_BELOW)
    return i18n.gettext(lang, P_EQUALS) % {"p": f"{value:.3f}"}


def controls_label(report: Mapping[str, Any], lang: str) -> str:
    """The control features by name ("Region", "Region, Age band")."""
    columns = (report.get("spec") or {}).get("columns") or {}
    controls = [str(c) for c in columns.get("control_features") or []]
    separator = i18n.gettext(lang, CONTROL_SEPARATOR)
    return separator.join(labels.attribute_label(report, c, lang) for c in controls)


def _shown_metrics(report: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> list[str]:
    """The measures of the declared checks that the table has (else the selection rate)."""
    present = {r.get("metric") for r in rows}
    checks = (report.get("spec") or {}).get("checks") or []
    wanted = [c.get("metric") for c in checks if c.get("metric") in present]
    return list(dict.fromkeys(wanted)) or (
        ["selection_rate"] if "selection_rate" in present else []
    )


def _sentence(
    report: Mapping[str, Any], row: Mapping[str, Any], base: dict[str, str], lang: str
) -> tuple[str | None, dict[str, str | None]]:
    ratio, low, high = (_num(row.get(k)) for k in ("ratio", "ratio_ci_low", "ratio_ci_high"))
    texts: dict[str, str | None] = {
        "ratio_text": numbers.ratio_text(ratio, lang) if ratio is not None else None,
        "ratio_low_text": numbers.ratio_text(low, lang) if low is not None else None,
        "ratio_high_text": numbers.ratio_text(high, lang) if high is not None else None,
    }
    if row.get("status") != "ok" or None in texts.values():
        return None, texts
    interval = i18n.gettext(lang, RATIO_INTERVAL) % {
        "low": texts["ratio_low_text"],
        "high": texts["ratio_high_text"],
    }
    parts = [
        i18n.gettext(lang, WITHIN_RATIO)
        % {**base, "ratio": texts["ratio_text"], "interval": interval}
    ]
    homogeneity = _num(row.get("homogeneity_p_adjusted"))
    if homogeneity is not None:
        alpha = _num((report.get("spec") or {}).get("alpha")) or 0.05
        template = GAP_DIFFERED if homogeneity < alpha else GAP_STEADY
        parts.append(
            i18n.gettext(lang, template)
            % {"controls": base["controls"], "p": p_text(homogeneity, lang)}
        )
    return ("" if lang == "zh-CN" else " ").join(parts), texts


def _skipped_text(n: int, total: int, controls: str, lang: str) -> str | None:
    if not n:
        return None
    t = i18n.translations(lang)
    return t.ngettext(
        "%(n)s of the %(total)s %(controls)s categories was left out: one of the two groups "
        "had no cases there to compare.",
        "%(n)s of the %(total)s %(controls)s categories were left out: one of the two groups "
        "had no cases there to compare.",
        n,
    ) % {"n": n, "total": total, "controls": controls}


def conditional_section(report: Mapping[str, Any], lang: str) -> ConditionalSection | None:
    """The page's "Within comparable cases" section; None when the audit named no control
    feature (or its report predates them). Rows: the declared checks' measures in order, single
    attributes before intersections, the ratio farthest from parity first."""
    rows = [r for r in report.get("conditional") or [] if isinstance(r, Mapping)]
    if not rows:
        return None
    shown_metrics = _shown_metrics(report, rows)
    spec = report.get("spec") or {}
    singles = list((spec.get("columns") or {}).get("sensitive_features") or [])
    name = controls_label(report, lang)
    mid = _mid_sentence(name, lang)
    picked = [r for r in rows if r.get("metric") in shown_metrics]
    picked.sort(
        key=lambda r: (
            shown_metrics.index(str(r.get("metric"))),
            r.get("attribute") not in singles,
            -_distance(r.get("ratio")),
        )
    )
    out: list[ConditionalRow] = []
    for row in picked:
        attribute, metric = str(row.get("attribute")), str(row.get("metric"))
        group, reference = str(row.get("group")), str(row.get("reference"))
        who, verb = phrase(report, metric, lang)
        base = {
            "attribute": labels.attribute_label(report, attribute, lang),
            "group": labels.group_label(report, attribute, group, lang),
            "reference": i18n.gettext(lang, EVERYONE_ELSE)
            if reference == OVERALL_REFERENCE
            else labels.group_label(report, attribute, reference, lang),
            "controls": mid,
            "who": who,
            "verb": verb,
        }
        withheld = _withheld(row.get("ratio"))
        text, texts = (None, {}) if withheld else _sentence(report, row, base, lang)
        difference = [_num(row.get(k)) for k in ("difference", "difference_ci_low",
                                                 "difference_ci_high")]  # fmt: skip
        strata = int(_num(row.get("strata")) or 0)
        used = int(_num(row.get("strata_used")) or 0)
        association = _num(row.get("association_p_adjusted"))
        homogeneity = _num(row.get("homogeneity_p_adjusted"))
        status = str(row.get("status") or "")
        out.append(
            {
                "attribute": attribute,
                "attribute_label": base["attribute"],
                "metric": metric,
                "metric_text": labels.metric_name(metric, lang),
                "group": group,
                "group_label": base["group"],
                "reference": reference,
                "reference_label": base["reference"],
                "withheld": withheld,
                "ratio_text": texts.get("ratio_text"),
                "ratio_low_text": texts.get("ratio_low_text"),
                "ratio_high_text": texts.get("ratio_high_text"),
                "difference_pp_text": None
                if withheld or difference[0] is None
                else numbers.points_text(difference[0] * 100, lang),
                "difference_pp_low_text": None
                if withheld or difference[1] is None
                else numbers.points_text(difference[1] * 100, lang),
                "difference_pp_high_text": None
                if withheld or difference[2] is None
                else numbers.points_text(difference[2] * 100, lang),
                "association_p": association,
                "homogeneity_p": homogeneity,
                "strata": strata,
                "strata_used": used,
                "skipped_text": _skipped_text(strata - used, strata, mid, lang),
                "status": status,
                "status_text": None
                if status in ("", "ok")
                else audit_words.status_words(status, lang),
                "text": text,
            }
        )
    return {
        "controls": list((spec.get("columns") or {}).get("control_features") or []),
        "controls_label": name,
        "intro": i18n.gettext(lang, INTRO) % {"controls": mid},
        "sentences": [r["text"] for r in out if r["text"]],
        "rows": out,
    }
