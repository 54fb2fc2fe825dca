"""What an audit's scores show, per attribute, in the reader's words: calibration within groups,
the groups' ROC AUC compared with DeLong's test, and the Kolmogorov-Smirnov test of the score
distributions (``fairness`` report tables ``calibration``, ``calibration_bins`` and
``score_comparisons``; docs/metrics.md "Score measures").

Pure: a report dict with small cells already suppressed (``services.audits.disclosure``), an
attribute and a language in; sentences, table rows and the input of a reliability diagram out
(drawn by ``registry.pages.svg_charts.render_reliability_chart``). Sentences come before their
numbers; numbers are written by ``registry.pages.numbers``; names come from
``registry.pages.labels``. We describe what the scores did in this sample, never that they are fair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry import i18n
from registry.pages import labels, numbers
from registry.pages.audit_page_types import (
    CalibrationRow,
    ReliabilityChart,
    ReliabilityPoint,
    ReliabilitySeries,
    ScoreComparisonRow,
    ScoreSection,
)

N_ = i18n.N_

CALIBRATION_GAP = N_(
    "Among people given a score near %(score)s, %(low_rate)s of %(low_group)s had the outcome, "
    "against %(high_rate)s of %(high_group)s."
)
CALIBRATION_OFF = N_(
    "For %(group)s, the scores and the outcomes disagree by more than chance would explain "
    "(calibration test, adjusted p %(p)s): a score is on average %(ece)s percentage points away "
    "from the share who had the outcome."
)
CALIBRATION_WITHIN = N_(
    "For no group did the scores and the outcomes disagree by more than chance would explain "
    "(calibration test)."
)
AUC_LESS = N_(
    "The scores separate outcomes less well for %(group)s than for %(reference)s: AUC "
    "%(value)s against %(reference_value)s."
)
AUC_MORE = N_(
    "The scores separate outcomes better for %(group)s than for %(reference)s: AUC %(value)s "
    "against %(reference_value)s."
)
AUC_SAME = N_(
    "The scores separate outcomes equally well for %(group)s and %(reference)s: AUC %(value)s."
)
BEYOND_CHANCE = N_(
    "This difference is larger than chance would explain (%(test)s, adjusted p %(p)s)."
)
WITHIN_CHANCE = N_("This difference could be chance (%(test)s, adjusted p %(p)s).")
DELONG_TEST = N_("DeLong's test")
KS_DIFFERENT = N_(
    "The scores of %(group)s are spread differently from those of %(reference)s: at the score "
    "where they differ most, the shares scoring at or below it differ by %(d)s percentage points "
    "(Kolmogorov-Smirnov test, adjusted p %(p)s)."
)
KS_ALIKE = N_(
    "No difference beyond chance was found between the spread of scores of %(group)s and of "
    "%(reference)s: at most %(d)s percentage points apart (Kolmogorov-Smirnov test, adjusted p "
    "%(p)s)."
)
CHART_TITLE = N_("Calibration by %(attribute)s")
CHART_DESC_GROUP = N_(
    "%(group)s: on average the scores were %(mean)s and %(rate)s had the outcome."
)
CHART_X = N_("Score (bin average)")
CHART_Y = N_("Share with the outcome")
CHART_DIAGONAL = N_("Score = share")

#: Groups drawn in one reliability diagram (the largest first); the table lists every group.
CHART_GROUPS = 6


def _t(lang: str, message: str) -> str:
    return i18n.gettext(lang, message)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # null, or {"suppressed": true, ...}
    return float(value)


def _withheld(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value.get("suppressed"))


def _pct(value: float, lang: str) -> str:
    return numbers.decimal_text(value * 100, 1, lang) + "%"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def score_section(
    report: Mapping[str, Any], attribute: str, lang: str, *, chart_id: str
) -> ScoreSection | None:
    """The score measures of ``attribute`` (``None`` when the report has none for it)."""
    calibration = [r for r in report.get("calibration") or [] if r.get("attribute") == attribute]
    bins = [r for r in report.get("calibration_bins") or [] if r.get("attribute") == attribute]
    compared = [r for r in report.get("score_comparisons") or [] if r.get("attribute") == attribute]
    if not calibration and not compared:
        return None
    spec = report.get("spec") or {}
    alpha = float(spec.get("alpha") or 0.05)
    minimum = float(spec.get("min_denominator") or 0)

    def name(group: str) -> str:
        return labels.group_label(report, attribute, str(group), lang)

    reference = str(compared[0]["reference"]) if compared else None
    sentences: list[str] = []
    gap = _calibration_gap(bins, minimum)
    if gap is not None:
        score, low, high = gap
        sentences.append(
            _t(lang, CALIBRATION_GAP)
            % {
                "score": numbers.decimal_text(score, 2, lang),
                "low_rate": _pct(low[1], lang),
                "low_group": name(low[0]),
                "high_rate": _pct(high[1], lang),
                "high_group": name(high[0]),
            }
        )
    judged = [
        r for r in calibration if r.get("status") == "ok" and _num(r.get("p_adjusted")) is not None
    ]
    off = [r for r in judged if (_num(r.get("p_adjusted")) or 1.0) < alpha]
    for row in off:
        sentences.append(
            _t(lang, CALIBRATION_OFF)
            % {
                "group": name(row["group"]),
                "p": _p(_num(row.get("p_adjusted"))),
                "ece": numbers.points_text((_num(row.get("ece")) or 0.0) * 100, lang),
            }
        )
    if judged and not off:
        sentences.append(_t(lang, CALIBRATION_WITHIN))
    reference_name = name(reference) if reference is not None else None
    rows = _comparison_rows(report, attribute, compared, lang)
    for row in rows:
        sentence = _auc_sentence(row, reference_name or "", alpha, lang)
        if sentence:
            sentences.append(sentence)
    for row in rows:
        if row["withheld"] or row["ks_status"] != "ok" or row["ks_points"] is None:
            continue
        p = row["ks_p_adjusted"]
        sentences.append(
            _t(lang, KS_DIFFERENT if p is not None and p < alpha else KS_ALIKE)
            % {
                "group": row["label"],
                "reference": reference_name,
                "d": numbers.points_text(row["ks_points"], lang),
                "p": _p(p),
            }
        )
    return {
        "reference": reference,
        "reference_label": reference_name,
        "sentences": sentences,
        "calibration": [_calibration_row(report, attribute, r, lang) for r in calibration],
        "chart": _chart(report, attribute, calibration, bins, lang, chart_id),
        "comparisons": rows,
        "has_auc": any(r["measure"] == "roc_auc" for r in compared),
        "has_ks": any(r["measure"] == "ks" for r in compared),
    }


def _calibration_gap(
    bins: list[Mapping[str, Any]], minimum: float
) -> tuple[float, tuple[str, float], tuple[str, float]] | None:
    """The bin where two groups' observed rates differ most (bins shown, of at least
    ``minimum`` people): ``(bin middle, (low group, rate), (high group, rate))``."""
    by_bin: dict[int, list[tuple[str, float]]] = {}
    middle: dict[int, float] = {}
    for row in bins:
        n, rate = _num(row.get("n")), _num(row.get("observed_rate"))
        low, high = _num(row.get("bin_low")), _num(row.get("bin_high"))
        if n is None or rate is None or low is None or high is None or n < max(minimum, 1):
            continue
        by_bin.setdefault(int(row["bin"]), []).append((str(row["group"]), rate))
        middle[int(row["bin"])] = (low + high) / 2
    best = None
    for b, rates in sorted(by_bin.items()):
        if len(rates) < 2:
            continue
        low_pair = min(rates, key=lambda r: r[1])
        high_pair = max(rates, key=lambda r: r[1])
        spread = high_pair[1] - low_pair[1]
        if best is None or spread > best[0]:
            best = (spread, (middle[b], low_pair, high_pair))
    return best[1] if best is not None else None


def _calibration_row(
    report: Mapping[str, Any], attribute: str, row: Mapping[str, Any], lang: str
) -> CalibrationRow:
    return {
        "group": str(row["group"]),
        "label": labels.group_label(report, attribute, str(row["group"]), lang),
        "n": _num(row.get("n")),
        "suppressed": _withheld(row.get("n")) or _withheld(row.get("brier")),
        "mean_score": _num(row.get("mean_score")),
        "observed_rate": _num(row.get("observed_rate")),
        "brier": _num(row.get("brier")),
        "ece": _num(row.get("ece")),
        "p_value": _num(row.get("p_value")),
        "p_adjusted": _num(row.get("p_adjusted")),
        "status": str(row.get("status")),
    }


def _comparison_rows(
    report: Mapping[str, Any], attribute: str, compared: list[Mapping[str, Any]], lang: str
) -> list[ScoreComparisonRow]:
    """One row per compared group: its AUC comparison and its KS test side by side."""
    out: dict[str, ScoreComparisonRow] = {}
    for row in compared:
        group = str(row["group"])
        shown = out.setdefault(
            group,
            {
                "group": group,
                "label": labels.group_label(report, attribute, group, lang),
                "withheld": False,
                "auc": None,
                "reference_auc": None,
                "auc_difference": None,
                "auc_difference_low": None,
                "auc_difference_high": None,
                "auc_p_adjusted": None,
                "auc_status": None,
                "ks_points": None,
                "ks_p_adjusted": None,
                "ks_status": None,
            },
        )
        shown["withheld"] = shown["withheld"] or _withheld(row.get("value"))
        if row.get("measure") == "roc_auc":
            shown["auc"] = _num(row.get("value"))
            shown["reference_auc"] = _num(row.get("reference_value"))
            shown["auc_difference"] = _num(row.get("difference"))
            shown["auc_difference_low"] = _num(row.get("difference_ci_low"))
            shown["auc_difference_high"] = _num(row.get("difference_ci_high"))
            shown["auc_p_adjusted"] = _num(row.get("p_adjusted"))
            shown["auc_status"] = str(row.get("status"))
        elif row.get("measure") == "ks":
            value = _num(row.get("value"))
            shown["ks_points"] = value * 100 if value is not None else None
            shown["ks_p_adjusted"] = _num(row.get("p_adjusted"))
            shown["ks_status"] = str(row.get("status"))
    return list(out.values())


def _auc_sentence(row: ScoreComparisonRow, reference: str, alpha: float, lang: str) -> str | None:
    value, ref = row["auc"], row["reference_auc"]
    if row["withheld"] or row["auc_status"] != "ok" or value is None or ref is None:
        return None
    shown, ref_shown = numbers.ratio_text(value, lang), numbers.ratio_text(ref, lang)
    words = {"group": row["label"], "reference": reference, "value": shown}
    if shown == ref_shown:
        sentence = _t(lang, AUC_SAME) % words
    else:
        template = AUC_LESS if value < ref else AUC_MORE
        sentence = _t(lang, template) % {**words, "reference_value": ref_shown}
    p = row["auc_p_adjusted"]
    if p is None:
        return sentence
    chance = BEYOND_CHANCE if p < alpha else WITHIN_CHANCE
    separator = "" if lang == "zh-CN" else " "
    return sentence + separator + _t(lang, chance) % {"test": _t(lang, DELONG_TEST), "p": _p(p)}


def _chart(
    report: Mapping[str, Any],
    attribute: str,
    calibration: list[Mapping[str, Any]],
    bins: list[Mapping[str, Any]],
    lang: str,
    chart_id: str,
) -> ReliabilityChart | None:
    """The reliability diagram's input: the largest groups shown, each bin shown (not withheld)."""
    shown = [r for r in calibration if _num(r.get("n")) is not None]
    shown.sort(key=lambda r: -(_num(r.get("n")) or 0.0))
    series: list[ReliabilitySeries] = []
    desc: list[str] = []
    for row in shown[:CHART_GROUPS]:
        group = str(row["group"])
        label = labels.group_label(report, attribute, group, lang)
        points: list[ReliabilityPoint] = []
        for b in bins:
            if str(b["group"]) != group:
                continue
            score, rate = _num(b.get("mean_score")), _num(b.get("observed_rate"))
            if score is None or rate is None:
                continue
            points.append(
                {"score": score, "rate": rate, "low": _num(b.get("ci_low")),
                 "high": _num(b.get("ci_high"))}
            )  # fmt: skip
        if not points:
            continue
        series.append({"label": label, "points": points})
        mean, rate = _num(row.get("mean_score")), _num(row.get("observed_rate"))
        if mean is not None and rate is not None:
            desc.append(
                _t(lang, CHART_DESC_GROUP)
                % {"group": label, "mean": _pct(mean, lang), "rate": _pct(rate, lang)}
            )
    if not series:
        return None
    attribute_name = labels.attribute_label(report, attribute, lang)
    return {
        "id": chart_id,
        "title": _t(lang, CHART_TITLE) % {"attribute": attribute_name},
        "desc": ("" if lang == "zh-CN" else " ").join(desc),
        "x_label": _t(lang, CHART_X),
        "y_label": _t(lang, CHART_Y),
        "diagonal_label": _t(lang, CHART_DIAGONAL),
        "series": series,
    }
