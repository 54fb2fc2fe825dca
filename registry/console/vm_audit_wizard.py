"""View-models and form parsing of the auditor's upload wizard (one view-model per step).

The steps: 1 algorithm, 2 file (+ version and what the file holds), 3 columns (a proposal from
``registry.services.audits.column_proposal``; for a count table the layout check), 4 checks
(preset or declared checks, reference, favourable outcome, sample description), 5 summary (the
exact spec, in words and as JSON, from the API's ``resolve_spec``); once submitted, the audit's
page shows the run's progress.
Every message is translated here (``words_wizard``); the engine's own messages, which are
English, are shown inside a translated sentence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypedDict

import fairness
from registry.console import words_wizard as W
from registry.console.forms import FormErrors
from registry.errors import DomainError, Invalid
from registry.i18n import gettext
from registry.models import Agency, Algorithm, CardVersion
from registry.services.audits.column_proposal import Proposal, propose_mapping, read_preview
from registry.services.audits.engine import resolve_spec
from registry.services.audits.wizard_choices import Choice
from registry.services.audits.wizard_drafts import WizardDraft, sample_path

MAX_SEARCH = 100
CUSTOM_CHECK_ROWS = 3
MAX_TEXT = 500
#: The longest name of an attribute (the engine's limit for a label, fairness LABEL_MAX).
MAX_NAME = 120
CHECKABLE_METRICS = tuple(m for m in W.METRIC_NAMES if m != "roc_auc")
LABEL_METRICS = {
    "true_positive_rate", "false_positive_rate", "false_negative_rate", "true_negative_rate",
    "precision", "false_discovery_rate", "negative_predictive_value", "false_omission_rate",
    "accuracy",
}  # fmt: skip


def t(lang: str, message: str, **values: object) -> str:
    translated = gettext(lang, message)
    return translated % values if values else translated


def _choices(lang: str, table: dict[str, tuple[str, str]], chosen: str) -> list[dict[str, Any]]:
    return [
        {"value": v, "text": t(lang, label), "hint": t(lang, hint), "checked": v == chosen}
        for v, (label, hint) in table.items()
    ]


def _steps(lang: str, current: str, draft: WizardDraft | None) -> list[dict[str, Any]]:
    return [
        {"key": key, "text": t(lang, text), "current": key == current, "number": i + 1}
        for i, (key, text) in enumerate(W.STEPS)
    ]


def _agency_name(agency: Agency, lang: str) -> str:
    return ((agency.name_translations or {}).get(lang) if lang != "en" else None) or agency.name


class AlgorithmStep(TypedDict):
    steps: list[dict[str, Any]]
    q: str
    algorithms: list[dict[str, Any]]
    chosen: str
    errors: list[dict[str, str]]
    field_errors: dict[str, str]


def algorithm_page(
    choices: list[Choice], *, lang: str, q: str, chosen: str = "", errors: FormErrors | None = None
) -> AlgorithmStep:
    return {
        "steps": _steps(lang, "algorithm", None),
        "q": q,
        "algorithms": [
            {
                "public_id": c.algorithm.public_id,
                "name": c.algorithm.name,
                "agency": _agency_name(c.agency, lang),
                "version": c.algorithm.current_version,
                "checked": c.algorithm.public_id == chosen,
            }
            for c in choices
        ],
        "chosen": chosen,
        **(errors or FormErrors()).view(),  # type: ignore[typeddict-item]
    }


def search_problem(q: str, *, lang: str) -> FormErrors:
    errors = FormErrors()
    if len(q) > MAX_SEARCH:
        errors.add("q", t(lang, W.SEARCH_TOO_LONG, max=MAX_SEARCH))
    return errors


class FileStep(TypedDict):
    steps: list[dict[str, Any]]
    algorithm: dict[str, Any]
    versions: list[dict[str, Any]]
    input_kinds: list[dict[str, Any]]
    max_upload_mb: int
    errors: list[dict[str, str]]
    field_errors: dict[str, str]


def file_page(
    algorithm: Algorithm,
    agency: Agency,
    versions: list[CardVersion],
    *,
    lang: str,
    max_upload_mb: int,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> FileStep:
    form = form or {}
    chosen_version = form.get("version") or str(algorithm.current_version)
    return {
        "steps": _steps(lang, "file", None),
        "algorithm": {
            "public_id": algorithm.public_id,
            "name": algorithm.name,
            "agency": _agency_name(agency, lang),
        },
        "versions": [
            {
                "number": v.number,
                "published_at": v.published_at.isoformat() if v.published_at else None,
                "current": v.number == algorithm.current_version,
                "checked": str(v.number) == chosen_version,
            }
            for v in versions
        ],
        "input_kinds": _choices(lang, W.INPUT_KINDS, form.get("input_kind") or "sample"),
        "max_upload_mb": max_upload_mb,
        **(errors or FormErrors()).view(),  # type: ignore[typeddict-item]
    }


def parse_file_fields(
    fields: dict[str, str], versions: list[CardVersion], *, lang: str
) -> tuple[int | None, str | None, FormErrors]:
    errors = FormErrors()
    numbers = {str(v.number): v.number for v in versions}
    version = numbers.get(fields.get("version", "").strip())
    if version is None:
        errors.add("version", t(lang, W.VERSION_MISSING))
    kind = fields.get("input_kind", "")
    if kind not in W.INPUT_KINDS:
        errors.add("input_kind", t(lang, W.INPUT_KIND_MISSING))
        kind = None  # type: ignore[assignment]
    return version, kind, errors


def upload_refusal(exc: DomainError, *, lang: str, limit_mb: int) -> FormErrors:
    """The file field's message for a refused upload (type, size, empty, cut off)."""
    errors = FormErrors()
    details = getattr(exc, "details", None) or []
    kind = details[0].get("type") if details else None
    if exc.status == 413:
        errors.add("file", t(lang, W.FILE_TOO_LARGE, limit=limit_mb))
    elif kind in ("empty", "missing") and details[0].get("loc") == ["file"]:
        errors.add("file", t(lang, W.FILE_MISSING))
    elif exc.status == 415:
        errors.add("file", t(lang, W.FILE_FORMAT))
    else:
        errors.add("file", t(lang, W.FILE_UNREADABLE, detail=str(exc)))
    return errors


def unreadable_file(path: Path, source_format: str, *, lang: str) -> FormErrors:
    """The file field's message when the engine cannot read the file's header and first rows
    (duplicate column names, a broken gzip or Parquet file); no problems otherwise."""
    errors = FormErrors()
    try:
        read_preview(path, source_format, rows=10)
    except fairness.FairnessError as exc:
        errors.add("file", t(lang, W.FILE_UNREADABLE, detail=str(exc)))
    except (OSError, EOFError, ValueError) as exc:  # a file pyarrow or gzip cannot open
        errors.add("file", t(lang, W.FILE_UNREADABLE, detail=type(exc).__name__))
    return errors


# --- step 3: columns ------------------------------------------------------------------------------


def proposal_for(uploads_dir: Path, draft: WizardDraft) -> Proposal:
    preview = read_preview(sample_path(uploads_dir, draft), draft.source_format)
    return propose_mapping(preview, input_kind=draft.input_kind)


def _draft_view(draft: WizardDraft, algorithm: Algorithm) -> dict[str, Any]:
    return {
        "id": draft.draft_id,
        "algorithm": algorithm.public_id,
        "algorithm_name": algorithm.name,
        "version": draft.version,
        "input_kind": draft.input_kind,
        "filename": draft.filename or "",
        "size": draft.size,
        "format": draft.source_format,
        "sha256": draft.sha256,
        "expires_at": draft.expires_at,
    }


def proposed_columns(proposal: Proposal) -> dict[str, Any]:
    return {
        "label": proposal.label or "",
        "mode": "score" if proposal.score else "prediction",
        "prediction": proposal.prediction or "",
        "score": proposal.score or "",
        "threshold": "",
        "sensitive_features": list(proposal.sensitive_features),
        "control_features": [],
    }


def _form_from_columns(columns: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": columns.get("label") or "",
        "mode": "score" if columns.get("score") else "prediction",
        "prediction": columns.get("prediction") or "",
        "score": columns.get("score") or "",
        "threshold": columns.get("threshold") or "",
        "sensitive_features": list(columns.get("sensitive_features") or []),
        "control_features": list(columns.get("control_features") or []),
    }


class ColumnsStep(TypedDict):
    steps: list[dict[str, Any]]
    draft: dict[str, Any]
    counts: bool
    columns: list[dict[str, Any]]
    form: dict[str, Any]
    proposed: bool
    modes: list[dict[str, Any]]
    layout: str | None
    count_columns: list[str]
    identifiers: list[str]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]


def columns_page(
    draft: WizardDraft,
    algorithm: Algorithm,
    proposal: Proposal,
    *,
    lang: str,
    form: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
) -> ColumnsStep:
    proposed = form is None and draft.columns is None
    if form is None:
        form = _form_from_columns(draft.columns) if draft.columns else proposed_columns(proposal)
    if errors is None:
        errors = _stored_problems(draft, "columns")
    return {
        "steps": _steps(lang, "columns", draft),
        "draft": _draft_view(draft, algorithm),
        "counts": draft.input_kind == "counts",
        "columns": [
            {
                "name": p.name,
                "examples": p.examples,
                "distinct": p.distinct,
                "kind_text": t(lang, W.COLUMN_KINDS[p.kind]),
                "warning": t(lang, W.IDENTIFIER_WARNINGS[p.identifier]) if p.identifier else None,
                "is_count": p.name in proposal.count_columns,
                "attribute": p.name in form["sensitive_features"],
                "control": p.name in form.get("control_features", []),
            }
            for p in proposal.profiles
        ],
        "form": form,
        "proposed": proposed,
        "modes": _choices(lang, W.OUTCOME_MODES, form["mode"]),
        "layout": proposal.layout,
        "count_columns": proposal.count_columns,
        "identifiers": proposal.identifiers,
        **errors.view(),  # type: ignore[typeddict-item]
    }


def parse_columns(
    raw: dict[str, Any], proposal: Proposal, *, counts: bool, lang: str
) -> tuple[dict[str, Any], dict[str, Any] | None, FormErrors]:
    """(the form as entered, the spec's ``columns`` or None, problems per field)."""
    names = [p.name for p in proposal.profiles]
    attrs = [a for a in raw.get("sensitive_features", []) if isinstance(a, str)]
    controls = [a for a in raw.get("control_features", []) if isinstance(a, str)]
    form: dict[str, Any] = {
        "label": str(raw.get("label", "")).strip(),
        "mode": str(raw.get("mode", "")),
        "prediction": str(raw.get("prediction", "")).strip(),
        "score": str(raw.get("score", "")).strip(),
        "threshold": str(raw.get("threshold", "")).strip()[:MAX_TEXT],
        "sensitive_features": attrs,
        "control_features": controls,
    }
    errors = FormErrors()

    def known(field_id: str, column: str) -> bool:
        if column and column not in names:
            errors.add(field_id, t(lang, W.COLUMN_NOT_IN_FILE, column=column[:100]))
            return False
        return True

    columns: dict[str, Any] = {}
    roles: dict[str, str] = {}
    if not counts:
        if form["mode"] not in W.OUTCOME_MODES:
            errors.add("mode", t(lang, W.OUTCOME_MODE_MISSING))
        elif form["mode"] == "prediction":
            if not form["prediction"]:
                errors.add("prediction", t(lang, W.PREDICTION_MISSING))
            elif known("prediction", form["prediction"]):
                columns["prediction"] = roles["prediction"] = form["prediction"]
        else:
            if not form["score"]:
                errors.add("score", t(lang, W.SCORE_MISSING))
            elif known("score", form["score"]):
                columns["score"] = roles["score"] = form["score"]
            if not form["threshold"]:
                errors.add("threshold", t(lang, W.THRESHOLD_MISSING))
            else:
                try:
                    rule = fairness.ThresholdRule.parse(form["threshold"])
                except fairness.FairnessInputError:
                    errors.add("threshold", t(lang, W.THRESHOLD_INVALID))
                else:
                    columns["threshold"] = rule.to_str()
        if form["label"] and known("label", form["label"]):
            outcome = roles.get("prediction") or roles.get("score")
            if form["label"] == outcome:
                role = "prediction" if "prediction" in roles else "score"
                errors.add("label", t(lang, W.SAME_COLUMN_TWICE, role=t(lang, W.ROLE_WORDS[role])))
            else:
                columns["label"] = roles["label"] = form["label"]
    if not attrs:
        errors.add("sensitive_features", t(lang, W.ATTRIBUTES_MISSING))
    for attr in attrs:
        if not known("sensitive_features", attr):
            break
        role_of = next((r for r, c in roles.items() if c == attr), None)
        profile = proposal.profile(attr)
        if role_of is not None:
            role_text = t(lang, W.ROLE_WORDS[role_of])
            message = t(lang, W.ATTRIBUTE_HAS_ROLE, column=attr, role=role_text)
            errors.add("sensitive_features", message)
        elif profile is not None and profile.identifier:
            errors.add("sensitive_features", t(lang, W.ATTRIBUTE_IS_IDENTIFIER, column=attr))
        elif counts and attr in proposal.count_columns:
            errors.add("sensitive_features", t(lang, W.COUNT_LAYOUT, detail=attr))
    for control in controls:
        if not known("control_features", control):
            break
        role_of = next((r for r, c in roles.items() if c == control), None)
        profile = proposal.profile(control)
        if control in attrs:
            errors.add("control_features", t(lang, W.CONTROL_IS_ATTRIBUTE, column=control))
        elif role_of is not None:
            role_text = t(lang, W.ROLE_WORDS[role_of])
            message = t(lang, W.CONTROL_HAS_ROLE, column=control, role=role_text)
            errors.add("control_features", message)
        elif profile is not None and profile.identifier:
            errors.add("control_features", t(lang, W.ATTRIBUTE_IS_IDENTIFIER, column=control))
        elif counts and control in proposal.count_columns:
            errors.add("control_features", t(lang, W.COUNT_LAYOUT, detail=control))
    if counts and attrs and not {"sensitive_features", "control_features"} & set(errors.by_field()):
        try:
            fairness.count_table_layout(names, [*attrs, *controls])
        except fairness.FairnessInputError as exc:
            errors.add("sensitive_features", t(lang, W.COUNT_LAYOUT, detail=exc.message))
    columns["sensitive_features"] = attrs
    if controls:  # left out when none, so the spec keeps its form
        columns["control_features"] = controls
    return form, (None if errors else columns), errors


# --- step 4: checks -------------------------------------------------------------------------------


def _default_choices(card: dict[str, Any]) -> dict[str, Any]:
    favourable = card.get("favourable_outcome")
    return {
        "favourable_outcome": favourable if favourable in W.FAVOURABLE else "",
        "check_mode": "default",
        "reference": "most_favoured",
        "checks": [{"metric": "", "kind": "", "threshold": ""} for _ in range(CUSTOM_CHECK_ROWS)],
        "sample_period": "",
        "sample_population": "",
        "sample_kind": "",
        "attribute_labels": {},
    }


def _named_columns(columns: dict[str, Any]) -> list[str]:
    """The columns readers see by name: the group attributes, then the control features."""
    return [
        *(columns.get("sensitive_features") or []),
        *(columns.get("control_features") or []),
    ]


def _attribute_names(draft: WizardDraft, form: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per group attribute (and control feature): the names readers will see in English
    and Chinese."""
    given = form.get("attribute_labels") or {}
    return [
        {
            "i": i,
            "attribute": attribute,
            "en": (given.get(attribute) or {}).get("en", ""),
            "zh": (given.get(attribute) or {}).get("zh-CN", ""),
        }
        for i, attribute in enumerate(_named_columns(draft.columns or {}), 1)
    ]


class ChecksStep(TypedDict):
    steps: list[dict[str, Any]]
    draft: dict[str, Any]
    form: dict[str, Any]
    favourable: list[dict[str, Any]]
    check_modes: list[dict[str, Any]]
    references: list[dict[str, Any]]
    metrics: list[dict[str, str]]
    check_kinds: list[dict[str, str]]
    sample_kinds: list[dict[str, str]]
    attribute_names: list[dict[str, Any]]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]


def checks_page(
    draft: WizardDraft,
    algorithm: Algorithm,
    card: dict[str, Any],
    *,
    lang: str,
    form: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
) -> ChecksStep:
    form = form or draft.choices or _default_choices(card)
    if errors is None:
        errors = _stored_problems(draft, "checks")
    return {
        "steps": _steps(lang, "checks", draft),
        "draft": _draft_view(draft, algorithm),
        "form": form,
        "favourable": _choices(lang, W.FAVOURABLE, form["favourable_outcome"]),
        "check_modes": _choices(lang, W.CHECK_MODES, form["check_mode"]),
        "references": _choices(lang, W.REFERENCES, form["reference"]),
        "metrics": [{"value": m, "text": t(lang, W.METRIC_NAMES[m])} for m in CHECKABLE_METRICS],
        "check_kinds": [{"value": k, "text": t(lang, v)} for k, v in W.CHECK_KINDS.items()],
        "sample_kinds": [{"value": k, "text": t(lang, v)} for k, v in W.SAMPLE_KINDS.items()],
        "attribute_names": _attribute_names(draft, form),
        **errors.view(),  # type: ignore[typeddict-item]
    }


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if 0 < value <= 1 else None


def parse_checks(
    raw: dict[str, str], draft: WizardDraft, *, lang: str
) -> tuple[dict[str, Any], FormErrors]:
    columns = draft.columns or {}
    form: dict[str, Any] = {
        "favourable_outcome": raw.get("favourable_outcome", ""),
        "check_mode": raw.get("check_mode", ""),
        "reference": raw.get("reference", ""),
        "checks": [
            {
                "metric": raw.get(f"check_{i}_metric", ""),
                "kind": raw.get(f"check_{i}_kind", ""),
                "threshold": raw.get(f"check_{i}_threshold", "").strip()[:50],
            }
            for i in range(1, CUSTOM_CHECK_ROWS + 1)
        ],
        "sample_period": raw.get("sample_period", "").strip()[:MAX_TEXT],
        "sample_population": raw.get("sample_population", "").strip()[:MAX_TEXT],
        "sample_kind": raw.get("sample_kind", ""),
        "attribute_labels": {
            attribute: {
                "en": raw.get(f"name_{i}_en", "").strip()[:MAX_NAME],
                "zh-CN": raw.get(f"name_{i}_zh", "").strip()[:MAX_NAME],
            }
            for i, attribute in enumerate(_named_columns(columns), 1)
        },
    }
    errors = FormErrors()
    if form["favourable_outcome"] not in W.FAVOURABLE:
        errors.add("favourable_outcome", t(lang, W.FAVOURABLE_MISSING))
    if form["check_mode"] not in W.CHECK_MODES:
        errors.add("check_mode", t(lang, W.CHECK_MODE_MISSING))
    elif form["check_mode"] == "ll144" and form["favourable_outcome"] == "adverse":
        errors.add("check_mode", t(lang, W.LL144_ADVERSE))
    if form["reference"] not in W.REFERENCES:
        errors.add("reference", t(lang, W.REFERENCE_MISSING))
    if form["sample_kind"] not in ("", *W.SAMPLE_KINDS):
        form["sample_kind"] = ""
    if form["check_mode"] == "custom":
        seen: set[tuple[str, str]] = set()
        declared = 0
        counts = draft.input_kind == "counts"
        for i, row in enumerate(form["checks"], start=1):
            if not row["metric"]:
                continue
            declared += 1
            if row["metric"] not in CHECKABLE_METRICS:
                row["metric"] = ""
                errors.add(f"check_{i}_metric", t(lang, W.CUSTOM_CHECKS_MISSING))
                continue
            metric_text = t(lang, W.METRIC_NAMES[row["metric"]])
            if row["metric"] in LABEL_METRICS and not counts and not columns.get("label"):
                errors.add(f"check_{i}_metric", t(lang, W.CHECK_NEEDS_LABEL, metric=metric_text))
            if row["metric"] == "scoring_rate" and not columns.get("score"):
                errors.add(f"check_{i}_metric", t(lang, W.CHECK_NEEDS_SCORE, metric=metric_text))
            if row["kind"] not in W.CHECK_KINDS:
                errors.add(f"check_{i}_kind", t(lang, W.CHECK_KIND_MISSING))
            if _number(row["threshold"]) is None:
                errors.add(f"check_{i}_threshold", t(lang, W.CHECK_THRESHOLD_INVALID))
            key = (row["metric"], row["kind"])
            if key in seen:
                errors.add(f"check_{i}_metric", t(lang, W.CHECK_METRIC_DUPLICATE))
            seen.add(key)
        if declared == 0:
            errors.add("check_1_metric", t(lang, W.CUSTOM_CHECKS_MISSING))
    return form, errors


def spec_document(draft: WizardDraft) -> dict[str, Any]:
    """The spec the wizard's answers make (before ``resolve_spec`` fills in the defaults)."""
    choices = draft.choices or {}
    spec: dict[str, Any] = {"columns": dict(draft.columns or {})}
    if choices.get("favourable_outcome"):
        spec["favourable_outcome"] = choices["favourable_outcome"]
    if choices.get("reference"):
        spec["reference"] = choices["reference"]
    mode = choices.get("check_mode")
    if mode in ("four-fifths", "ll144"):
        spec["preset"] = mode
    elif mode == "custom":
        spec["checks"] = [
            {
                "name": f"{row['metric']}_{row['kind']}",
                "metric": row["metric"],
                "kind": row["kind"],
                "threshold": _number(row["threshold"]),
            }
            for row in choices.get("checks", [])
            if row.get("metric")
        ]
    sample = {
        key: choices.get(f"sample_{key}")
        for key in ("period", "population", "kind")
        if choices.get(f"sample_{key}")
    }
    if sample:
        spec["sample"] = sample
    names = {
        attribute: {lang: text for lang, text in given.items() if text}
        for attribute, given in (choices.get("attribute_labels") or {}).items()
        if attribute in _named_columns(spec["columns"]) and any(given.values())
    }
    if names:
        spec["labels"] = {"attributes": names}
    return spec


# --- step 5: summary ------------------------------------------------------------------------------

#: Where each part of a spec is set in the wizard: (step, field id).
_SPEC_FIELDS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("columns.threshold", ("columns", "threshold")),
    ("columns.label", ("columns", "label")),
    ("columns.prediction", ("columns", "prediction")),
    ("columns.score", ("columns", "score")),
    ("columns.sensitive_features", ("columns", "sensitive_features")),
    ("columns.control_features", ("columns", "control_features")),
    ("columns", ("columns", "sensitive_features")),
    ("favourable_outcome", ("checks", "favourable_outcome")),
    ("reference", ("checks", "reference")),
    ("preset", ("checks", "check_mode")),
    ("checks", ("checks", "check_mode")),
    ("sample", ("checks", "sample_period")),
    ("labels", ("checks", "name_1_en")),
    ("file", ("columns", "sensitive_features")),
    ("version", ("file", "version")),
)


def spec_field_of(loc: list[Any]) -> tuple[str, str]:
    """The wizard step and field where the spec part at ``loc`` (an error's ``loc``) is set."""
    path = ".".join(str(p) for p in loc[1:] if p != "spec") if loc and loc[0] == "spec" else ""
    path = re.sub(r"\[\d+\]", "", path)
    if loc and loc[0] == "file":
        return ("columns", "sensitive_features")
    if loc and loc[0] == "version":
        return ("file", "version")
    for prefix, target in _SPEC_FIELDS:
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return target
    return ("checks", "check_mode")


def refusal_problems(exc: Invalid, *, lang: str) -> list[dict[str, str]]:
    """Each detail of a refused submission: the step and field to fix, and the message."""
    problems = []
    for detail in exc.details or [{"loc": ["spec"], "msg": str(exc)}]:
        step, field_id = spec_field_of(list(detail.get("loc") or []))
        problems.append(
            {
                "step": step,
                "field": field_id,
                "message": t(lang, W.SPEC_PROBLEM, detail=str(detail.get("msg", exc))),
            }
        )
    return problems


def resolved_spec(draft: WizardDraft, card: dict[str, Any]) -> dict[str, Any]:
    """The complete spec (``resolve_spec``, as the API stores it); raises ``Invalid``."""
    return resolve_spec(json.dumps(spec_document(draft)), card=card, input_kind=draft.input_kind)


def _spec_in_words(spec: dict[str, Any], lang: str) -> list[dict[str, str]]:
    columns = spec["columns"]
    terms = W.SUMMARY_TERMS
    out = [
        {"term": t(lang, terms[role]), "value": str(columns[role])}
        for role in ("label", "prediction", "score", "threshold")
        if columns.get(role)
    ]
    names = (spec.get("labels") or {}).get("attributes") or {}
    out.append(
        {
            "term": t(lang, terms["sensitive_features"]),
            "value": ", ".join(
                t(lang, W.ATTRIBUTE_NAMED, column=a, names=" / ".join(names[a].values()))
                if a in names
                else a
                for a in columns["sensitive_features"]
            ),
        }
    )
    if columns.get("control_features"):
        out.append(
            {
                "term": t(lang, terms["control_features"]),
                "value": ", ".join(
                    t(lang, W.ATTRIBUTE_NAMED, column=a, names=" / ".join(names[a].values()))
                    if a in names
                    else a
                    for a in columns["control_features"]
                ),
            }
        )
    named = (
        ("favourable_outcome", W.FAVOURABLE),
        ("reference", W.REFERENCES),
        ("preset", W.CHECK_MODES),
    )
    for key, table in named:
        value = spec.get(key)
        if value in table:
            out.append({"term": t(lang, terms[key]), "value": t(lang, table[value][0])})
    sample = spec.get("sample") or {}
    for key in ("period", "population"):
        if sample.get(key):
            out.append({"term": t(lang, terms[f"sample_{key}"]), "value": str(sample[key])})
    if sample.get("kind") in W.SAMPLE_KINDS:
        out.append(
            {
                "term": t(lang, terms["sample_kind"]),
                "value": t(lang, W.SAMPLE_KINDS[sample["kind"]]),
            }
        )
    return out


def _checks_in_words(spec: dict[str, Any], lang: str) -> list[str]:
    lines = []
    for check in spec.get("checks") or []:
        metric = t(lang, W.METRIC_NAMES.get(check["metric"], check["metric"]))
        line = W.CHECK_RATIO_LINE if check["kind"] == "ratio" else W.CHECK_DIFFERENCE_LINE
        lines.append(t(lang, line, metric=metric, threshold=check["threshold"]))
    if not lines:  # a preset's or the standard checks, bound when the audit runs
        preset = spec.get("preset")
        mode = preset if isinstance(preset, str) and preset in W.CHECK_MODES else "default"
        lines.append(t(lang, W.CHECK_MODES[mode][1]))
    return lines


class SummaryStep(TypedDict):
    steps: list[dict[str, Any]]
    draft: dict[str, Any]
    spec_json: str | None
    in_words: list[dict[str, str]]
    checks: list[str]
    problems: list[dict[str, str]]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]


def summary_page(
    draft: WizardDraft,
    algorithm: Algorithm,
    card: dict[str, Any],
    *,
    lang: str,
    step_url: Any,
    refused: Invalid | None = None,
) -> SummaryStep:
    """``step_url(step, field)`` links a problem to the field of the step where it is set."""
    problems: list[dict[str, str]] = []
    spec = None
    if draft.columns is None or draft.choices is None:
        step = "columns" if draft.columns is None else "checks"
        problems.append({"step": step, "field": "", "message": t(lang, W.STEPS_FIRST)})
    else:
        try:
            spec = resolved_spec(draft, card)
        except Invalid as exc:
            problems = refusal_problems(exc, lang=lang)
    if refused is not None:
        problems = refusal_problems(refused, lang=lang)
    errors = [{"href": step_url(p["step"], p["field"]), "message": p["message"]} for p in problems]
    return {
        "steps": _steps(lang, "summary", draft),
        "draft": _draft_view(draft, algorithm),
        "spec_json": json.dumps(spec, indent=2, ensure_ascii=False) if spec else None,
        "in_words": _spec_in_words(spec, lang) if spec else [],
        "checks": _checks_in_words(spec, lang) if spec else [],
        "problems": problems,
        "errors": errors,
        "field_errors": {},
    }


def store_problems(draft: WizardDraft, problems: list[dict[str, str]]) -> None:
    """Keep a refusal's messages so each step shows them next to its field."""
    draft.problems = {f"{p['step']}:{p['field']}": p["message"] for p in problems if p["field"]}


def _stored_problems(draft: WizardDraft, step: str) -> FormErrors:
    errors = FormErrors()
    for key, message in draft.problems.items():
        problem_step, _, field_id = key.partition(":")
        if problem_step == step:
            errors.add(field_id, message)
    return errors
