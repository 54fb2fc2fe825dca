"""View-models of the explanatory pages: how we test (methods) and about/API."""

from __future__ import annotations

from registry import i18n
from registry.pages import words
from registry.pages.page_types import AboutPage, MethodsPage

N_ = i18n.N_

# (metric, formula, denominator, what it tells a reader)
METRICS: tuple[tuple[str, str, str, str], ...] = (
    (
        "selection_rate",
        "(TP+FP)/N",
        N_("everyone"),
        N_(
            "How often the algorithm says yes (selects, flags, grants) for the group. "
            "Compares representation in decisions, whatever the truth."
        ),
    ),
    (
        "prevalence",
        "(TP+FN)/N",
        N_("everyone"),
        N_(
            "How often the real outcome happened in the group. Shown for context; it is "
            "not a check."
        ),
    ),
    (
        "true_positive_rate",
        "TP/(TP+FN)",
        N_("people whose real outcome was yes"),
        N_("Of those who should have been selected, the share who were."),
    ),
    (
        "false_negative_rate",
        "FN/(TP+FN)",
        N_("people whose real outcome was yes"),
        N_("Of those who should have been selected, the share who were missed."),
    ),
    (
        "false_positive_rate",
        "FP/(FP+TN)",
        N_("people whose real outcome was no"),
        N_(
            "Of those who should not have been selected, the share who were. For a fraud "
            "flag, this is the share of innocent people flagged."
        ),
    ),
    (
        "true_negative_rate",
        "TN/(FP+TN)",
        N_("people whose real outcome was no"),
        N_("Of those who should not have been selected, the share correctly left alone."),
    ),
    (
        "precision",
        "TP/(TP+FP)",
        N_("people the algorithm selected"),
        N_("Of those selected, the share who really had the outcome."),
    ),
    (
        "false_discovery_rate",
        "FP/(TP+FP)",
        N_("people the algorithm selected"),
        N_("Of those selected, the share who did not have the outcome."),
    ),
    (
        "negative_predictive_value",
        "TN/(TN+FN)",
        N_("people the algorithm did not select"),
        N_("Of those not selected, the share who really did not have the outcome."),
    ),
    (
        "false_omission_rate",
        "FN/(TN+FN)",
        N_("people the algorithm did not select"),
        N_("Of those not selected, the share who did have the outcome."),
    ),
    (
        "accuracy",
        "(TP+TN)/N",
        N_("everyone"),
        N_("The share of all decisions that matched the real outcome."),
    ),
    (
        "scoring_rate",
        "score > median",
        N_("everyone"),
        N_(
            "The share of the group scoring above the whole sample's median score (New "
            "York City Local Law 144)."
        ),
    ),
    (
        "roc_auc",
        "P(score+ > score−)",
        N_("people with each real outcome"),
        N_(
            "How well scores separate the two real outcomes within the group (0.5 is "
            "chance, 1 is perfect)."
        ),
    ),
    (
        "f1_score",
        "2TP/(2TP+FP+FN)",
        N_("people whose real outcome was yes, or whom the algorithm selected"),
        N_(
            "Precision and the true positive rate in one number from 0 to 1: 1 when everyone "
            "who should have been selected was, and no one else. Described for each group, not "
            "compared with a threshold."
        ),
    ),
    (
        "balanced_accuracy",
        "(TPR+TNR)/2",
        N_("people with each real outcome"),
        N_(
            "The average of the true positive and true negative rates: 0.5 is chance, 1 is "
            "perfect, and always predicting the more common outcome does not raise it. "
            "Described for each group, not compared with a threshold."
        ),
    ),
    (
        "positive_share",
        "(TP+FP)/Σ(TP+FP)",
        N_("all positive decisions"),
        N_(
            "Of all the positive decisions, the share that went to the group; compare it with "
            "the group's share of the sample. Described for each group, not compared."
        ),
    ),
)


def methods_page(*, lang: str) -> MethodsPage:
    return {
        "lang": lang,
        "metrics": [
            {
                "name": name,
                "title": words.metric_name(name, lang),
                "formula": formula,
                "denominator": i18n.gettext(lang, den),
                "meaning": i18n.gettext(lang, meaning),
            }
            for name, formula, den, meaning in METRICS
        ],
        "verdicts": [
            words.verdict_view(key, lang)
            for key in ("pass", "fail", "inconclusive", "not_assessed")
        ],
    }


def about_page(*, lang: str, base_url: str) -> AboutPage:
    base = base_url.rstrip("/")
    endpoints = [
        (
            "/index.json",
            N_(
                "Search results and facet counts (same query parameters as the home page); "
                "next_url links to the next page."
            ),
        ),
        ("/index.csv", N_("The same search results as CSV.")),
        (
            "/algorithms/{public_id}.json",
            N_("One algorithm's public record, as shown on its page."),
        ),
        ("/algorithms/{public_id}/versions.json", N_("Every published version of one card.")),
        (
            "/algorithms/{public_id}/diff.json?from=1&to=2",
            N_("Field-by-field changes between two versions."),
        ),
        ("/audits/{id}.json", N_("One published audit with its per-group tables.")),
        ("/audits/{id}.csv", N_("The per-group tables of one audit as CSV.")),
        (
            "/audits.json",
            N_(
                "Published audits across the register (filters: agency, scenario, verdict, "
                "kind, published_from, published_to); also /audits.csv."
            ),
        ),
        ("/agencies/{slug}.json", N_("One agency, its scorecard, algorithms and audits.")),
        (
            "/compare/agencies.json",
            N_("Every agency's scorecard side by side (sort, order); also .csv."),
        ),
        ("/feed.atom", N_("Atom feed of every change to the register.")),
        ("/downloads/register.json", N_("The whole register with every current card, streamed.")),
        ("/downloads/register.csv", N_("The whole register, one row per algorithm.")),
        ("/downloads/history.json", N_("Every published version of every card, streamed.")),
        (
            "/downloads/audits.csv",
            N_(
                "Every check of every published audit, one row per group checked (small "
                "groups withheld); also audits.json."
            ),
        ),
        (
            "/api/v1/openapi.json",
            N_("The JSON API for agencies and auditors (OpenAPI description)."),
        ),
    ]
    return {
        "lang": lang,
        "base_url": base,
        "endpoints": [
            {"path": path, "description": i18n.gettext(lang, text)} for path, text in endpoints
        ],
    }
