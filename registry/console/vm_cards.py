"""View-models of the agency editor's pages: the worklist, the algorithm list and page, the card
editor, the draft's diff, discard and retire. The preview is the public page's own view-model
(``registry.pages.vm_algorithms.draft_preview_page``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from registry.cards import missing_required_fields, review_overdue
from registry.console import card_form
from registry.console import words_cards as w
from registry.console.card_form import IndexMap, Raw, Widget
from registry.console.forms import FormErrors
from registry.models import (
    Algorithm,
    AlgorithmState,
    CardDraft,
    ReviewRequest,
    ReviewState,
    agency_name,
)
from registry.pages import card_view
from registry.pages.diff_view import card_changes, change_groups
from registry.services.cards.drafts import draft_revision
from registry.services.cards.worklist import AlgorithmWork

SKIP_LOC = ("body", "card")
YEAR_MONTH_LENGTH = 7  # YYYY-MM: the only texts of the card this short
# Words, spaces, and each CJK character on its own (Chinese has no spaces between words).
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


# --- states and the worklist -------------------------------------------------------------------


def awaiting_review(draft: CardDraft | None, review: ReviewRequest | None) -> bool:
    """An open review request about the draft as it stands (a request about an older revision
    no longer counts: the author must ask again)."""
    return (
        draft is not None
        and review is not None
        and review.state == ReviewState.open
        and review.revision == draft_revision(draft)
    )


def state_key(
    algorithm: Algorithm, draft: CardDraft | None, review: ReviewRequest | None = None
) -> str:
    """The state an editor sees (a key of ``words_cards.STATE_NAMES``)."""
    state = str(algorithm.state)
    if awaiting_review(draft, review):
        return "awaiting_review"
    if state == AlgorithmState.published.value and draft is not None:
        return "published_with_draft"
    return state


def state_view(key: str, lang: str) -> dict[str, str]:
    tone = {"draft": "warn", "retired": "neutral"}.get(key, "info")
    return {"value": key, "text": w.text(lang, w.STATE_NAMES.get(key, key)), "tone": tone}


def card_of(work: AlgorithmWork) -> dict[str, Any]:
    if work.draft is not None:
        return work.draft.card
    return work.current.card if work.current is not None else {}


def display_name(work: AlgorithmWork) -> str:
    return str(card_of(work).get("name") or work.algorithm.name or work.algorithm.public_id)


def _review_date(work: AlgorithmWork) -> str | None:
    card = work.current.card if work.current is not None else {}
    value = card.get("next_review_date")
    return str(value) if value else None


def _row(work: AlgorithmWork, lang: str, today: dt.date) -> dict[str, Any]:
    missing = missing_required_fields(work.draft.card) if work.draft is not None else None
    published = work.current.card if work.current is not None else None
    return {
        "public_id": work.algorithm.public_id,
        "name": display_name(work),
        "agency": agency_name(work.agency, lang),
        "state": state_view(state_key(work.algorithm, work.draft, work.review), lang),
        "missing": len(missing) if missing is not None else None,
        "review_date": _review_date(work),
        "review_overdue": (
            published is not None
            and str(work.algorithm.state) != "retired"
            and review_overdue(published, today)
        ),
        "awaiting_response": [a.public_id for a in work.awaiting_response],
        "updated_at": work.algorithm.updated_at.isoformat(),
        "review": _review_view(work),
    }


def _review_view(work: AlgorithmWork) -> dict[str, Any] | None:
    """The latest review request where it still matters: open (waiting for a reviewer) or
    returned with a comment the author has not acted on (the draft is the one returned)."""
    review = work.review
    if review is None or work.draft is None:
        return None
    current = review.revision == draft_revision(work.draft)
    if review.state == ReviewState.open:
        return {"id": review.id, "state": "open", "changed": not current}
    if review.state == ReviewState.returned and current:
        return {"id": review.id, "state": "returned", "comment": review.comment, "changed": False}
    return None


def worklist(works: Iterable[AlgorithmWork], lang: str, today: dt.date) -> dict[str, Any]:
    """What awaits the editors: drafts to finish, overdue reviews, audits without a response."""
    rows = [_row(work, lang, today) for work in works]
    return {
        "drafts": [r for r in rows if r["missing"] is not None and r["review"] is None],
        "reviews": [r for r in rows if r["review"] and r["review"]["state"] == "open"],
        "returned": [r for r in rows if r["review"] and r["review"]["state"] == "returned"],
        "overdue": [r for r in rows if r["review_overdue"]],
        "responses": [
            {"public_id": r["public_id"], "name": r["name"], "audit_id": audit_id}
            for r in rows
            for audit_id in r["awaiting_response"]
        ],
    }


def algorithms_page(
    works: list[AlgorithmWork], *, lang: str, today: dt.date, is_admin: bool, can_register: bool
) -> dict[str, Any]:
    rows = [_row(work, lang, today) for work in works]
    return {
        "algorithms": rows,
        "awaits": worklist(works, lang, today),
        "show_agency": is_admin,
        "can_register": can_register,
    }


def notice_text(lang: str, notice: str | None) -> str | None:
    return w.text(lang, w.NOTICES[notice]) if notice in w.NOTICES else None


def algorithm_page(
    work: AlgorithmWork, *, lang: str, today: dt.date, can_edit: bool, notice: str | None
) -> dict[str, Any]:
    """One algorithm: its state, its draft and what the draft still needs, and what can be done."""
    algorithm = work.algorithm
    retired = str(algorithm.state) == "retired"
    published = work.current is not None
    draft = None
    if work.draft is not None:
        card, index = work.draft.card, IndexMap()
        draft = {
            "updated_at": work.draft.updated_at.isoformat(),
            "based_on_version": work.draft.based_on_version,
            "missing": missing_list(card, index, lang),
        }
    return {
        **_row(work, lang, today),
        "notice": notice_text(lang, notice),
        "current_version": algorithm.current_version,
        "draft": draft,
        "retired": retired,
        "retired_reason": algorithm.retired_reason,
        "published": published,
        "can_edit": can_edit and not retired,
        "can_discard": can_edit and draft is not None and published,
        "can_retire": not retired and published and str(algorithm.state) == "published",
        "imported": (
            {
                "standard": algorithm.import_standard,
                "version": algorithm.import_standard_version or "",
                "source_id": algorithm.import_source_id,
            }
            if algorithm.import_standard
            else None
        ),
    }


# --- the card editor ---------------------------------------------------------------------------


def _pick(labels: Mapping[str, str], lang: str) -> str:
    return card_view.pick(dict(labels), lang)


def _help(widget: Widget, lang: str) -> str:
    return widget.help.get(lang, "") if lang != "en" else widget.help.get("en", "")


def _choices(widget: Widget, value: Raw, lang: str) -> list[dict[str, Any]]:
    if widget.kind == "bool":
        options = [(card_form.YES, w.YES), (card_form.NO, w.NO)]
        out = [{"value": v, "label": w.text(lang, t), "checked": value == v} for v, t in options]
        if widget.requirement != "item":
            out.append({"value": "", "label": w.text(lang, w.NOT_STATED), "checked": value == ""})
        return out
    chosen = set(value) if isinstance(value, list) else {value}
    out = [
        {"value": c.value, "label": _pick(c.labels, lang), "checked": c.value in chosen}
        for c in widget.choices
    ]
    known = {c.value for c in widget.choices}
    for extra in sorted(v for v in chosen if v and v not in known):  # keep what was sent
        out.append({"value": extra, "label": extra, "checked": True})
    return out


class _Builder:
    def __init__(self, lang: str, focus: str | None) -> None:
        self.lang = lang
        self.focus = focus
        self.by_id: dict[str, dict[str, Any]] = {}

    def node(
        self, widget: Widget, value: Raw, name: str, label: str | None = None
    ) -> dict[str, Any]:
        lang = self.lang
        node: dict[str, Any] = {
            "id": name,
            "kind": widget.kind,
            "label": label or _pick(widget.labels, lang),
            "help": _help(widget, lang),
            "requirement": (
                w.text(lang, w.REQUIREMENTS[widget.requirement]) if widget.requirement else ""
            ),
            "error": None,
            # No maxlength on month fields: a browser would cut "March 2024" to "March 2" silently.
            "max_length": (
                widget.max_length if (widget.max_length or 0) > YEAR_MONTH_LENGTH else None
            ),
            "autofocus": False,
        }
        self.by_id[name] = node
        if widget.kind in card_form.SCALARS:
            node["value"] = value if isinstance(value, str) else ""
            if widget.kind in ("enum", "bool"):
                node["choices"] = _choices(widget, node["value"], lang)
                node["as_select"] = widget.kind == "enum" and len(widget.choices) > 5
        elif widget.kind == "enum_multi":
            node["choices"] = _choices(widget, value if isinstance(value, list) else [], lang)
            node["order"] = ",".join(value) if isinstance(value, list) else ""
        elif widget.kind == "object":
            data = value if isinstance(value, Mapping) else {}
            node["children"] = [
                self.node(c, data.get(c.key, card_form.empty_raw(c)), f"{name}-{c.key}")
                for c in widget.children
            ]
            for child, spec in zip(node["children"], widget.children, strict=True):
                if spec.requirement == "item":  # a part, not a list item
                    child["requirement"] = w.text(lang, w.REQUIREMENTS["part"])
        else:
            items = value if isinstance(value, list) else []
            node["count"] = len(items)
            node["can_add"] = len(items) < widget.max_items
            node["entries"] = []
            for i, item in enumerate(items):
                item_id = f"{name}-{i}"
                item_label = w.text(lang, w.ITEM, number=i + 1)
                entry: dict[str, Any] = {"id": item_id, "label": item_label, "error": None}
                self.by_id[item_id] = entry
                if widget.kind == "str_list":
                    child = self.node(widget.children[0], item, item_id, label=item_label)
                    child["requirement"] = ""
                    entry["children"] = [child]
                    self.by_id[item_id] = child
                else:
                    data = item if isinstance(item, Mapping) else {}
                    entry["children"] = [
                        self.node(c, data.get(c.key, card_form.empty_raw(c)), f"{item_id}-{c.key}")
                        for c in widget.children
                    ]
                if item_id == self.focus and entry["children"]:
                    entry["children"][0]["autofocus"] = True
                node["entries"].append(entry)
        return node


def id_label(field_id: str, lang: str) -> str:
    """The words for a field id: ``data_sources-1-name`` -> "Data sources › Item 2 › Name"."""
    parts: list[str] = []
    widgets = card_form.card_widgets()
    for token in field_id.split("-"):
        if token.isdigit():
            parts.append(w.text(lang, w.ITEM, number=int(token) + 1))
            continue
        found = next((x for x in widgets if x.key == token), None)
        if found is None:
            parts.append(token)
            continue
        parts.append(_pick(found.labels, lang))
        widgets = found.children
    return " › ".join(parts)


def _keys_of(field_id: str) -> list[str]:
    return [t for t in field_id.split("-") if not t.isdigit()]


def problem_text(detail: Mapping[str, Any], field_id: str, lang: str) -> str:
    """The console's sentence for one validation problem of the draft validation."""
    kind = str(detail.get("type", ""))
    loc = [p for p in detail.get("loc", []) if p not in SKIP_LOC]
    if loc == ["name"] and kind == "missing":
        problem = w.text(lang, w.NAME_NEEDED)
    elif kind in w.PROBLEMS:
        values: dict[str, object] = {}
        if kind == "string_too_long":
            widget = card_form.widget_at(_keys_of(field_id))
            values["max"] = widget.max_length if widget and widget.max_length else "?"
            if values["max"] == YEAR_MONTH_LENGTH:  # a month typed as words is a format problem
                kind = "year_month"
        if kind in ("greater_than", "less_than"):
            found = _NUMBER.search(str(detail.get("msg", "")))
            values["limit"] = found.group() if found else "?"
        problem = w.text(lang, w.PROBLEMS[kind], **values)
    else:
        problem = w.text(lang, w.PROBLEM_OTHER, detail=str(detail.get("msg", kind)))
    return w.text(lang, w.PROBLEM_FORMAT, label=id_label(field_id, lang), problem=problem)


def _nearest(field_id: str, known: Mapping[str, Any]) -> str:
    parts = field_id.split("-")
    while parts:
        candidate = "-".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return "name"


def problems(
    details: Sequence[Mapping[str, Any]], index: IndexMap, lang: str, known: Mapping[str, Any]
) -> FormErrors:
    errors = FormErrors()
    for detail in details:
        loc = [p for p in detail.get("loc", []) if p not in SKIP_LOC]
        field_id = _nearest(card_form.loc_to_id(loc, index), known)
        errors.add(field_id, problem_text(detail, field_id, lang))
    return errors


def missing_list(card: Mapping[str, Any], index: IndexMap, lang: str) -> list[dict[str, str]]:
    """What the card still needs before it can be published, each linking to its field."""
    out = []
    for path in missing_required_fields(card):
        field_id = card_form.loc_to_id(card_form.path_to_loc(path), index)
        out.append({"id": field_id, "label": id_label(field_id, lang)})
    return out


def editor_page(
    raw: Mapping[str, Raw],
    *,
    lang: str,
    public_id: str | None,
    name: str,
    revision: str,
    details: Sequence[Mapping[str, Any]] = (),
    extra_errors: Sequence[tuple[str, str]] = (),
    notice: str | None = None,
    stale: bool = False,
    unsaved: bool = False,
    focus: str | None = None,
) -> dict[str, Any]:
    """The card editor: every field in its section, problems at the top and next to each field,
    and what is still needed before publishing (a list that does not block saving)."""
    builder = _Builder(lang, focus)
    by_section: dict[str, list[dict[str, Any]]] = {}
    for widget in card_form.card_widgets():
        value = raw.get(widget.key, card_form.empty_raw(widget))
        by_section.setdefault(widget.section, []).append(builder.node(widget, value, widget.key))
    from registry.cards.sections import card_sections

    sections = [
        {"key": s.key, "title": _pick(s.labels, lang), "fields": by_section.get(s.key, [])}
        for s in card_sections()
        if by_section.get(s.key)
    ]
    card, index = card_form.raw_to_card(raw)
    errors = problems(details, index, lang, builder.by_id)
    for field_id, message in extra_errors:
        errors.add(field_id, message)
    for field_id in index.duplicates:
        problem = w.text(lang, w.DUPLICATE_LANGUAGE)
        errors.add(
            field_id,
            w.text(lang, w.PROBLEM_FORMAT, label=id_label(field_id, lang), problem=problem),
        )
    for field_id, message in errors.items:
        if field_id in builder.by_id:
            builder.by_id[field_id]["error"] = message
    return {
        "public_id": public_id,
        "name": name,
        "is_new": public_id is None,
        "revision": revision,
        "sections": sections,
        "missing": missing_list(card, index, lang),
        "notice": notice_text(lang, notice),
        "stale": w.text(lang, w.STALE_DRAFT) if stale else None,
        "unsaved": w.text(lang, w.NOT_YET_SAVED) if unsaved else None,
        **errors.view(),
    }


# --- diff against the published version --------------------------------------------------------


def draft_diff_page(
    *,
    public_id: str,
    name: str,
    published: Mapping[str, Any] | None,
    published_number: int | None,
    draft: Mapping[str, Any],
    lang: str,
) -> dict[str, Any]:
    """The draft against the last published version: the public diff page's changes (reading
    order, groups, labels, word-level highlighting; ``registry.pages.diff_view``)."""
    changes = card_changes(dict(published or {}), dict(draft), lang)
    return {
        "public_id": public_id,
        "name": name,
        "published_number": published_number,
        "changes": changes,
        "groups": change_groups(changes, lang),
    }


# --- discard and retire ------------------------------------------------------------------------


def discard_page(work: AlgorithmWork, *, lang: str, problem: str | None = None) -> dict[str, Any]:
    draft = work.draft
    return {
        "public_id": work.algorithm.public_id,
        "name": display_name(work),
        "current_version": work.algorithm.current_version,
        "draft_updated_at": draft.updated_at.isoformat() if draft else None,
        "revision": draft_revision(draft) if draft else "",
        "problem": problem,
    }


RETIRE_MAX = 2000


def retire_page(
    work: AlgorithmWork, *, lang: str, reason: str = "", errors: FormErrors | None = None
) -> dict[str, Any]:
    return {
        "public_id": work.algorithm.public_id,
        "name": display_name(work),
        "current_version": work.algorithm.current_version,
        "reason": reason,
        "max_reason": RETIRE_MAX,
        **(errors or FormErrors()).view(),
    }


def retire_reason_errors(reason: str, *, lang: str) -> FormErrors:
    errors = FormErrors()
    if not reason.strip():
        errors.add("reason", w.text(lang, w.RETIRE_REASON_MISSING))
    elif len(reason.strip()) > RETIRE_MAX:
        errors.add("reason", w.text(lang, w.RETIRE_REASON_TOO_LONG, max=RETIRE_MAX))
    return errors
