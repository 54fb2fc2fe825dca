"""An audit's findings in plain sentences, in the reader's language, from its report.

Pure: a report dict (small cells already suppressed, ``services.audits.disclosure``) and a
language in, sentences out. The audit page opens with them, its twin carries them, and the
algorithm and agency pages show the headline.

- One sentence per comparison beyond its declared threshold, the way people read a disparity:
  "By age band, people who had done nothing wrong were flagged 2.48 times as often in “18-24” as
  in “35-49” (between 2.31 and 2.67 times)." A ratio is the group's rate over the reference's
  (never the check's oriented impact ratio), a difference is the gap in percentage points; both
  come from the report's comparison rows and are written by ``registry.pages.numbers``, the
  formatter of the table cells, so a sentence's numbers are the text of its table's cells.
- The headline is the first of them (worst first within each declared check, single attributes
  before intersections), or, when none failed, that no disparity beyond the declared thresholds
  was found in the checks run: never that the algorithm is fair.
- One line for what was within the threshold and one for what could not be judged, and why.

Names come only from ``registry.pages.labels``; a check is named by its measure, never its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fairness
from registry import i18n
from registry.pages import labels, numbers
from registry.pages.audit_page_types import FailedComparison, Findings
from registry.services.audits.disclosure import suppress_report

N_ = i18n.N_

#: Who a measure counts, by favourable outcome ("adverse" first, then "beneficial").
WHO: dict[str, tuple[str, str]] = {
    "people": (N_("people"), N_("people")),
    "positives": (N_("people who had done something wrong"), N_("people who qualified")),
    "negatives": (N_("people who had done nothing wrong"), N_("people who did not qualify")),
    "positive_decisions": (N_("flags"), N_("selections")),
    "negative_decisions": (N_("decisions not to flag"), N_("decisions not to select")),
    "decisions": (N_("decisions"), N_("decisions")),
    "scores": (N_("scores"), N_("scores")),
}
#: What happened to them, by favourable outcome ("adverse" first, then "beneficial").
VERB: dict[str, tuple[str, str]] = {
    "positive": (N_("were flagged"), N_("were selected")),
    "negative": (N_("were not flagged"), N_("were not selected")),
    "correct": (N_("were correct"), N_("were correct")),
    "wrong": (N_("were wrong"), N_("were wrong")),
    "above_median": (N_("scored above the median"), N_("scored above the median")),
    "ranked": (
        N_("ranked a positive case above a negative one"),
        N_("ranked a positive case above a negative one"),
    ),
}
#: Each checkable metric as "who" + "verb": the false positive rate is how often people who had
#: done nothing wrong were flagged.
PHRASES: dict[str, tuple[str, str]] = {
    "selection_rate": ("people", "positive"),
    "scoring_rate": ("people", "above_median"),
    "true_positive_rate": ("positives", "positive"),
    "false_negative_rate": ("positives", "negative"),
    "false_positive_rate": ("negatives", "positive"),
    "true_negative_rate": ("negatives", "negative"),
    "precision": ("positive_decisions", "correct"),
    "false_discovery_rate": ("positive_decisions", "wrong"),
    "negative_predictive_value": ("negative_decisions", "correct"),
    "false_omission_rate": ("negative_decisions", "wrong"),
    "accuracy": ("decisions", "correct"),
    "roc_auc": ("scores", "ranked"),
}
TWO_SIDED = "two-sided"

RATIO_SENTENCE = N_(
    "By %(attribute)s, %(who)s %(verb)s %(ratio)s times as often in “%(group)s” as in "
    "“%(reference)s” (%(interval)s)."
)
RATIO_SENTENCE_ABOUT = N_(
    "By %(attribute)s, %(who)s %(verb)s %(about)s in “%(group)s” as in “%(reference)s” "
    "(%(ratio)s times; %(interval)s)."
)
RATIO_INTERVAL = N_("between %(low)s and %(high)s times")
RATIO_INTERVAL_OPEN = N_("at least %(low)s times")
GAP_MORE = N_(
    "By %(attribute)s, %(who)s %(verb)s more often in “%(group)s” than in “%(reference)s”: a "
    "gap of %(gap)s percentage points (between %(low)s and %(high)s)."
)
GAP_LESS = N_(
    "By %(attribute)s, %(who)s %(verb)s less often in “%(group)s” than in “%(reference)s”: a "
    "gap of %(gap)s percentage points (between %(low)s and %(high)s)."
)
WITHHELD_MORE = N_(
    "By %(attribute)s, %(who)s %(verb)s more often in “%(group)s” than in “%(reference)s”, "
    "beyond the declared threshold. The numbers are withheld to protect the people of a small "
    "group."
)
WITHHELD_LESS = N_(
    "By %(attribute)s, %(who)s %(verb)s less often in “%(group)s” than in “%(reference)s”, "
    "beyond the declared threshold. The numbers are withheld to protect the people of a small "
    "group."
)
#: Round ratios a reader knows by name: (value, words). Used when the shown ratio is within
#: ``ABOUT_TOLERANCE`` of one; the exact ratio is still given beside the words.
ABOUT: tuple[tuple[float, str], ...] = (
    (0.2, N_("about a fifth as often")),
    (0.25, N_("about a quarter as often")),
    (1 / 3, N_("about a third as often")),
    (0.5, N_("about half as often")),
    (2 / 3, N_("about two thirds as often")),
    (0.75, N_("about three quarters as often")),
    (2.0, N_("about twice as often")),
    (3.0, N_("about three times as often")),
)
ABOUT_TOLERANCE = 0.02
#: A two-sided check's finding: the comparison's sentence, then which edge of the band it passed.
BAND_SENTENCE = N_("%(sentence)s — %(band)s.")
BAND_ABOVE = N_("above the band of %(low)s to %(high)s")
BAND_BELOW = N_("below the band of %(low)s to %(high)s")
BAND_GAP = N_("more than the %(points)s percentage points allowed either way")
WITHHELD_BAND = N_(
    "By %(attribute)s, how often %(who)s %(verb)s in “%(group)s” lies outside the declared band "
    "around “%(reference)s”. The numbers are withheld to protect the people of a small group."
)
NOTHING_BEYOND = N_("No disparity beyond the declared thresholds was found in the checks run.")
NOTHING_COMPARED = N_("No comparison could be made, so nothing was assessed.")
#: Why a comparison could not be judged (from the comparison's status, as the check's reason says).
TOO_FEW = N_("because a group had too few people to judge (%(groups)s)")
UNDEFINED = N_("because a rate or ratio could not be computed (no one it applies to)")
STRADDLES = N_("because the uncertainty range spans the threshold, so this sample cannot tell")
REASON_COUNT = N_("%(n)s %(reason)s")
REASON_SEPARATOR = N_("; ")
LIST_SEPARATOR = N_(", ")
AND_MORE = N_("%(names)s and %(n)s more")
GROUPS_NAMED = 6


#: A sentence and the numbers it quotes (value, low, high), as the table writes them.
_Cells = tuple[str, str | None, str | None, str | None]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _withheld(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value.get("suppressed"))


def _outcome_index(report: Mapping[str, Any]) -> int:
    spec = report.get("spec") or {}
    return 0 if spec.get("favourable_outcome") == "adverse" else 1


def phrase(report: Mapping[str, Any], metric: str, lang: str) -> tuple[str, str]:
    """(who, verb) of ``metric`` in ``lang``: ("people who had done nothing wrong", "were
    flagged"). A metric without a phrase reads as its name ("the precision" ... "was")."""
    t = i18n.translations(lang)
    index = _outcome_index(report)
    if metric not in PHRASES:
        return metric.replace("_", " "), t.gettext(VERB["positive"][index])
    who, verb = PHRASES[metric]
    return t.gettext(WHO[who][index]), t.gettext(VERB[verb][index])


def _worse_is_higher(report: Mapping[str, Any], metric: str) -> bool:
    favourable = (report.get("spec") or {}).get("favourable_outcome") or "beneficial"
    return fairness.higher_is_better(metric, favourable) is False


def _about(shown: str, lang: str) -> str | None:
    """Words for a round ratio ("about half as often"), judged on the ratio as shown."""
    value = float(shown.replace(",", ""))
    for target, words in ABOUT:
        if value > 0 and abs(value - target) <= ABOUT_TOLERANCE:
            return i18n.gettext(lang, words)
    return None


def _ratio_sentence(base: dict[str, str], comparison: Mapping[str, Any], lang: str) -> _Cells:
    ratio = _num(comparison.get("ratio"))
    low = _num(comparison.get("ratio_ci_low"))
    high = _num(comparison.get("ratio_ci_high"))
    assert ratio is not None and low is not None
    shown, low_shown = numbers.ratio_text(ratio, lang), numbers.ratio_text(low, lang)
    high_shown = numbers.ratio_text(high, lang) if high is not None else None
    if high_shown is None:
        interval = i18n.gettext(lang, RATIO_INTERVAL_OPEN) % {"low": low_shown}
    else:
        interval = i18n.gettext(lang, RATIO_INTERVAL) % {"low": low_shown, "high": high_shown}
    about = _about(shown, lang)
    values = {**base, "ratio": shown, "interval": interval}
    if about:
        text = i18n.gettext(lang, RATIO_SENTENCE_ABOUT) % {**values, "about": about}
    else:
        text = i18n.gettext(lang, RATIO_SENTENCE) % values
    return text, shown, low_shown, high_shown


def _gap_sentence(base: dict[str, str], comparison: Mapping[str, Any], lang: str) -> _Cells:
    diff = _num(comparison.get("difference"))
    low = _num(comparison.get("difference_ci_low"))
    high = _num(comparison.get("difference_ci_high"))
    assert diff is not None and low is not None and high is not None
    # The table shows group minus reference, signed; the sentence says "more" or "less" and
    # gives the same numbers unsigned, the interval's ends in increasing size.
    cells = [numbers.points_text(v * 100, lang) for v in (diff, low, high)]
    gap, a, b = (c.lstrip("-−") for c in cells)
    more = diff > 0
    low_shown, high_shown = (a, b) if more else (b, a)
    template = GAP_MORE if more else GAP_LESS
    text = i18n.gettext(lang, template) % {
        **base,
        "gap": gap,
        "low": low_shown,
        "high": high_shown,
    }
    return text, gap, low_shown, high_shown


def _severity(row: Mapping[str, Any]) -> float:
    """Sort key: the worst comparison first (lowest impact ratio, largest gap; for a two-sided
    check the farthest from parity either way)."""
    value = _num(row.get("value"))
    if value is None:
        return float("inf")
    if row.get("band") == TWO_SIDED:
        if row.get("kind") == "ratio":
            return min(value, 1 / value) if value > 0 else 0.0
        return -abs(value)
    return value if row.get("kind") == "ratio" else -value


def _band_sentence(
    text: str, row: Mapping[str, Any], comparison: Mapping[str, Any], lang: str
) -> str:
    """A two-sided check's sentence: the comparison, then the edge of the band it passed."""
    t = _num(row.get("threshold"))
    if t is None or t <= 0:
        return text
    if row.get("kind") == "ratio":
        ratio = _num(comparison.get("ratio"))
        edges = {"low": numbers.short_text(t, lang), "high": numbers.short_text(1 / t, lang)}
        above = ratio is not None and ratio > 1
        band = i18n.gettext(lang, BAND_ABOVE if above else BAND_BELOW) % edges
    else:
        band = i18n.gettext(lang, BAND_GAP) % {"points": numbers.short_text(t * 100, lang)}
    sentence = text.rstrip(".。")
    return i18n.gettext(lang, BAND_SENTENCE) % {"sentence": sentence, "band": band}


def failed_comparisons(
    report: Mapping[str, Any], lang: str, *, limit: int | None = None
) -> list[FailedComparison]:
    """Every comparison beyond its declared threshold as a sentence (the first ``limit`` of
    them): declared checks in order, single attributes before intersections, the worst first."""
    spec = report.get("spec") or {}
    singles = list((spec.get("columns") or {}).get("sensitive_features") or [])
    comparisons = {
        (c.get("attribute"), c.get("metric"), str(c.get("group"))): c
        for c in report.get("comparisons") or []
    }
    order = {c.get("name"): i for i, c in enumerate(spec.get("checks") or [])}
    failed = [c for c in report.get("checks") or [] if c.get("verdict") == "fail"]
    failed.sort(
        key=lambda c: (
            order.get(c.get("name"), len(order)),
            c.get("attribute") not in singles,
            _severity(c),
        )
    )
    out: list[FailedComparison] = []
    for row in failed[:limit]:
        attribute, metric = str(row.get("attribute")), str(row.get("metric"))
        group, reference = str(row.get("group")), str(row.get("reference"))
        comparison = comparisons.get((attribute, metric, group)) or {}
        who, verb = phrase(report, metric, lang)
        base = {
            "attribute": labels.attribute_label(report, attribute, lang),
            "group": labels.group_label(report, attribute, group, lang),
            "reference": labels.group_label(report, attribute, reference, lang),
            "who": who,
            "verb": verb,
        }
        kind = str(row.get("kind"))
        field = "ratio" if kind == "ratio" else "difference"
        withheld = _num(comparison.get(field)) is None
        two_sided = row.get("band") == TWO_SIDED
        value_text = low_text = high_text = None
        if withheld and two_sided:  # which way it left the band would say more than withheld
            text = i18n.gettext(lang, WITHHELD_BAND) % base
        elif withheld:
            more = _worse_is_higher(report, metric)
            text = i18n.gettext(lang, WITHHELD_MORE if more else WITHHELD_LESS) % base
        elif kind == "ratio":
            text, value_text, low_text, high_text = _ratio_sentence(base, comparison, lang)
        else:
            text, value_text, low_text, high_text = _gap_sentence(base, comparison, lang)
        if two_sided and not withheld:
            text = _band_sentence(text, row, comparison, lang)
        out.append(
            {
                "check": str(row.get("name")),
                "metric": metric,
                "kind": kind,
                "attribute": attribute,
                "group": group,
                "reference": reference,
                "withheld": withheld,
                "value_text": value_text,
                "low_text": low_text,
                "high_text": high_text,
                "text": text,
            }
        )
    return out


def _within_line(lang: str, n: int, total: int) -> str:
    t = i18n.translations(lang)
    return t.ngettext(
        "%(n)s of the %(total)s comparisons was within the declared threshold.",
        "%(n)s of the %(total)s comparisons were within the declared threshold.",
        n,
    ) % {"n": n, "total": total}


def _not_judged_text(lang: str, n: int, reasons: str, *, mixed: bool) -> str:
    t = i18n.translations(lang)
    if mixed:
        template = t.ngettext(
            "%(n)s comparison could not be judged: %(reasons)s.",
            "%(n)s comparisons could not be judged: %(reasons)s.",
            n,
        )
    else:
        template = t.ngettext(
            "%(n)s comparison could not be judged %(reasons)s.",
            "%(n)s comparisons could not be judged %(reasons)s.",
            n,
        )
    return template % {"n": n, "reasons": reasons}


def _group_list(report: Mapping[str, Any], names: list[tuple[str, str]], lang: str) -> str:
    shown = [
        f"“{labels.group_label(report, attribute, group, lang)}”" for attribute, group in names
    ]
    separator = i18n.gettext(lang, LIST_SEPARATOR)
    if len(shown) <= GROUPS_NAMED:
        return separator.join(shown)
    return i18n.gettext(lang, AND_MORE) % {
        "names": separator.join(shown[: GROUPS_NAMED - 1]),
        "n": len(shown) - GROUPS_NAMED + 1,
    }


def _small_side(report: Mapping[str, Any], row: Mapping[str, Any]) -> tuple[str, str]:
    """The group of an insufficient comparison that is too small: the group unless only the
    reference is."""
    attribute, metric = str(row.get("attribute")), str(row.get("metric"))
    status = {
        str(m.get("group")): m.get("status")
        for m in report.get("metrics") or []
        if m.get("attribute") == attribute and m.get("metric") == metric
    }
    group, reference = str(row.get("group")), str(row.get("reference"))
    if status.get(group) != "insufficient_data" and status.get(reference) == "insufficient_data":
        return attribute, reference
    return attribute, group


def not_judged_line(report: Mapping[str, Any], lang: str) -> str | None:
    """How many comparisons could not be judged, and why; None when every one was."""
    status = {
        (c.get("attribute"), c.get("metric"), str(c.get("group"))): c.get("status")
        for c in report.get("comparisons") or []
    }
    too_few: list[Mapping[str, Any]] = []
    undefined = straddles = 0
    for row in report.get("checks") or []:
        if row.get("verdict") != "inconclusive":
            continue
        state = status.get((row.get("attribute"), row.get("metric"), str(row.get("group"))))
        if state == "insufficient_data":
            too_few.append(row)
        elif state == "undefined" or (
            _num(row.get("value")) is None and not _withheld(row.get("value"))
        ):
            undefined += 1
        else:
            straddles += 1
    total = len(too_few) + undefined + straddles
    if not total:
        return None
    reasons: list[tuple[int, str]] = []
    if too_few:
        names: list[tuple[str, str]] = []
        for row in too_few:
            side = _small_side(report, row)
            if side not in names:
                names.append(side)
        groups = _group_list(report, names, lang)
        reasons.append((len(too_few), i18n.gettext(lang, TOO_FEW) % {"groups": groups}))
    if undefined:
        reasons.append((undefined, i18n.gettext(lang, UNDEFINED)))
    if straddles:
        reasons.append((straddles, i18n.gettext(lang, STRADDLES)))
    if len(reasons) == 1:
        return _not_judged_text(lang, total, reasons[0][1], mixed=False)
    joined = i18n.gettext(lang, REASON_SEPARATOR).join(
        i18n.gettext(lang, REASON_COUNT) % {"n": n, "reason": why} for n, why in reasons
    )
    return _not_judged_text(lang, total, joined, mixed=True)


def findings(report: Mapping[str, Any], lang: str) -> Findings:
    """The findings of ``report`` (small cells already suppressed) in ``lang``."""
    failed = failed_comparisons(report, lang)
    rows = report.get("checks") or []
    total = len(rows)
    passed = sum(1 for r in rows if r.get("verdict") == "pass")
    if failed:
        headline = failed[0]["text"]
    elif total:
        headline = i18n.gettext(lang, NOTHING_BEYOND)
    else:
        headline = i18n.gettext(lang, NOTHING_COMPARED)
    return {
        "headline": headline,
        "failed": failed,
        "within": _within_line(lang, passed, total) if total else None,
        "not_judged": not_judged_line(report, lang),
    }


def headline(report: Mapping[str, Any] | None, lang: str, *, k: int) -> str | None:
    """Just the headline of a stored report (small cells not yet suppressed); None without one.

    For lists: it suppresses and reads only the failed comparisons, with their groups' and
    references' rates, so a headline costs a fraction of the whole page's findings.
    """
    if not report:
        return None
    rows = report.get("checks") or []
    failed = [r for r in rows if r.get("verdict") == "fail"]
    if not failed:
        return i18n.gettext(lang, NOTHING_BEYOND if rows else NOTHING_COMPARED)
    keys = {(r.get("attribute"), r.get("metric"), str(r.get("group"))) for r in failed}
    sides = keys | {(r.get("attribute"), r.get("metric"), str(r.get("reference"))) for r in failed}
    mini = {
        "spec": report.get("spec") or {},
        "checks": failed,
        "comparisons": [
            c
            for c in report.get("comparisons") or []
            if (c.get("attribute"), c.get("metric"), str(c.get("group"))) in keys
        ],
        "metrics": [
            m
            for m in report.get("metrics") or []
            if (m.get("attribute"), m.get("metric"), str(m.get("group"))) in sides
        ],
    }
    return failed_comparisons(suppress_report(mini, k=k), lang, limit=1)[0]["text"]
