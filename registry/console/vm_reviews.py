"""View-models of the four-eyes review pages: the agency's review queue, one request (the diff
against the last published version, what is missing, publish or return), and the author's
"Ask for review" page of an algorithm."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session
from typing_extensions import TypedDict

from registry import i18n
from registry.cards import missing_required_fields
from registry.console import words, words_review
from registry.console.forms import FormErrors
from registry.errors import DomainError, Invalid
from registry.models import Account, Agency, Algorithm, ReviewState, agency_name
from registry.models.review import REVIEW_NOTE_MAX
from registry.pages.diff_view import card_changes, path_label
from registry.pages.page_types import CardChange
from registry.services.cards import drafts, reviews
from registry.services.cards.reviews import ReviewContext, ReviewSummary

N_ = i18n.N_


class MissingField(TypedDict):
    path: str
    label: str


class RequestRow(TypedDict):
    id: int
    public_id: str
    name: str
    state: str
    state_text: str
    requested_by: str
    requested_at: datetime
    age_days: int
    note: str
    draft_changed: bool
    is_own: bool
    decided_by: str | None
    decided_at: datetime | None
    comment: str
    published_version: int | None


class DraftView(TypedDict):
    exists: bool
    revision: str
    last_editor: str
    updated_at: datetime | None
    first_version: bool
    published_number: int | None
    changes: list[CardChange]
    missing: list[MissingField]


class QueuePage(TypedDict):
    agency: str
    four_eyes: bool
    rule_text: str
    waiting: list[RequestRow]
    own: list[RequestRow]
    notice: str | None


class ReviewPage(TypedDict):
    request: RequestRow
    agency: str
    draft: DraftView
    rule_text: str
    can_decide: bool
    can_withdraw: bool
    reviewers: list[str]
    note_max: int
    form: dict[str, str]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]
    notice: str | None


class AskPage(TypedDict):
    public_id: str
    name: str
    agency: str
    draft: DraftView
    open_request: RequestRow | None
    history: list[RequestRow]
    latest_returned: RequestRow | None
    rule_text: str
    four_eyes: bool
    may_publish: bool
    can_ask: bool
    reviewers: list[str]
    note_max: int
    form: dict[str, str]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]
    notice: str | None


def age_days(then: datetime, now: datetime) -> int:
    """How long a request has waited, in whole days (the template words it)."""
    return max((now - then).days, 0)


def _name(algorithm: Algorithm, draft_card: dict[str, Any] | None) -> str:
    if draft_card and isinstance(draft_card.get("name"), str) and draft_card["name"].strip():
        return str(draft_card["name"])
    return algorithm.name


def request_row(summary: ReviewSummary, *, viewer: Account, lang: str, now: datetime) -> RequestRow:
    request = summary.request
    return {
        "id": request.id,  # type: ignore[typeddict-item]
        "public_id": summary.algorithm.public_id,
        "name": _name(summary.algorithm, summary.draft.card if summary.draft else None),
        "state": request.state.value,
        "state_text": i18n.gettext(lang, words_review.STATE_NAMES[request.state.value]),
        "requested_by": summary.requested_by.display_name,
        "requested_at": request.requested_at,
        "age_days": age_days(request.requested_at, now),
        "note": request.note,
        "draft_changed": request.state == ReviewState.open and summary.draft_changed,
        "is_own": request.requested_by_id == viewer.id,
        "decided_by": summary.decided_by.display_name if summary.decided_by else None,
        "decided_at": request.decided_at,
        "comment": request.comment,
        "published_version": request.published_version,
    }


def draft_view(context: ReviewContext, lang: str) -> DraftView:
    """The draft against the last published version (every field "added" before the first)."""
    draft, published = context.draft, context.published
    if draft is None:
        return {
            "exists": False,
            "revision": "",
            "last_editor": "",
            "updated_at": None,
            "first_version": published is None,
            "published_number": published.number if published else None,
            "changes": [],
            "missing": [],
        }
    editor = context.last_editor.display_name if context.last_editor else ""
    return {
        "exists": True,
        "revision": drafts.draft_revision(draft),
        "last_editor": editor,
        "updated_at": draft.updated_at,
        "first_version": published is None,
        "published_number": published.number if published else None,
        # Before the first version every field is "added", one row each (a diff from {} would be
        # one change of the whole card).
        "changes": card_changes(
            published.card if published else dict.fromkeys(draft.card), draft.card, lang
        ),
        "missing": [
            {"path": p, "label": path_label(p, lang, card=draft.card)}
            for p in missing_required_fields(draft.card)
        ],
    }


def _agency(agency: Agency, lang: str) -> str:
    return agency_name(agency, lang)


def _rule_text(context: ReviewContext, *, viewer: Account, four_eyes: bool, lang: str) -> str:
    agency = _agency(context.agency, lang)
    if not four_eyes:
        return i18n.gettext(lang, words_review.FOUR_EYES_OFF)
    draft = context.draft
    if draft is None or draft.last_editor_id == viewer.id:
        return i18n.gettext(lang, words_review.FOUR_EYES_OWN) % {"agency": agency}
    author = context.last_editor.display_name if context.last_editor else ""
    return i18n.gettext(lang, words_review.FOUR_EYES_REVIEWER) % {
        "agency": agency,
        "author": author,
    }


def _reviewer_names(context: ReviewContext, viewer: Account) -> list[str]:
    return [a.display_name for a in context.reviewers if a.id != viewer.id]


def _notice(notice: str | None, lang: str, cache_seconds: int = 0) -> str | None:
    """The notice after a decision; "published" also says how long the public pages' cache may
    show the previous version (``cache_seconds``: REGISTRY_PAGE_MAX_AGE)."""
    if notice not in words_review.NOTICES:
        return None
    text = i18n.gettext(lang, words_review.NOTICES[notice])
    if notice == "published" and cache_seconds > 0:
        minutes = -(-cache_seconds // 60)
        delay = i18n.ngettext(lang, *words_review.CACHE_DELAY, minutes) % {"n": minutes}
        text = f"{text} {delay}"
    return text


def queue_page(
    session: Session,
    *,
    actor: Account,
    lang: str,
    now: datetime,
    four_eyes: bool,
    notice: str | None = None,
    cache_seconds: int = 0,
) -> QueuePage:
    """The agency's open requests: those the viewer may review, and the viewer's own."""
    assert actor.agency_id is not None
    summaries = reviews.open_reviews_for_agency(session, actor.agency_id)
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None
    rows = [request_row(s, viewer=actor, lang=lang, now=now) for s in summaries]
    rule = words_review.FOUR_EYES_OWN if four_eyes else words_review.FOUR_EYES_OFF
    return {
        "agency": _agency(agency, lang),
        "four_eyes": four_eyes,
        "rule_text": i18n.gettext(lang, rule)
        % ({"agency": _agency(agency, lang)} if four_eyes else {}),
        "waiting": [r for r in rows if not r["is_own"]],
        "own": [r for r in rows if r["is_own"]],
        "notice": _notice(notice, lang, cache_seconds),
    }


def review_page(
    session: Session,
    *,
    actor: Account,
    request_id: int,
    lang: str,
    now: datetime,
    four_eyes: bool,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
) -> ReviewPage:
    """One request: the draft's changes and missing fields; publish / return for reviewers."""
    summary = reviews.find_request(session, actor=actor, request_id=request_id)
    context = reviews.review_context(
        session, actor=actor, algorithm=summary.algorithm, four_eyes=four_eyes
    )
    row = request_row(summary, viewer=actor, lang=lang, now=now)
    is_open = summary.request.state == ReviewState.open
    may = context.draft is not None and drafts.may_publish(
        context.draft, actor, four_eyes=four_eyes
    )
    return {
        "request": row,
        "agency": _agency(context.agency, lang),
        "draft": draft_view(context, lang),
        "rule_text": _rule_text(context, viewer=actor, four_eyes=four_eyes, lang=lang),
        "can_decide": is_open and may and (not row["is_own"] or not four_eyes),
        "can_withdraw": is_open and row["is_own"],
        "reviewers": _reviewer_names(context, actor),
        "note_max": REVIEW_NOTE_MAX,
        "form": {"change_summary": "", "comment": "", **(form or {})},
        **(errors or FormErrors()).view(),  # type: ignore[typeddict-item]
        "notice": _notice(notice, lang),
    }


def ask_page(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    lang: str,
    now: datetime,
    four_eyes: bool,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    cache_seconds: int = 0,
) -> AskPage:
    """The author's page: the draft's state, returned comments, ask for review (or publish when
    the four-eyes rule allows the viewer to)."""
    context = reviews.review_context(session, actor=actor, algorithm=algorithm, four_eyes=four_eyes)
    history = [request_row(s, viewer=actor, lang=lang, now=now) for s in context.history]
    open_row = next((r for r in history if r["state"] == "open"), None)
    returned = next((r for r in history if r["state"] == "returned"), None)
    if returned is not None and history and history[0]["id"] != returned["id"]:
        returned = None  # only the comment on the latest request is news to the author
    draft = draft_view(context, lang)
    may = context.draft is not None and drafts.may_publish(
        context.draft, actor, four_eyes=four_eyes
    )
    return {
        "public_id": algorithm.public_id,
        "name": _name(algorithm, context.draft.card if context.draft else None),
        "agency": _agency(context.agency, lang),
        "draft": draft,
        "open_request": open_row,
        "history": history,
        "latest_returned": returned,
        "rule_text": _rule_text(context, viewer=actor, four_eyes=four_eyes, lang=lang),
        "four_eyes": four_eyes,
        "may_publish": may and algorithm.state.value != "retired",
        "can_ask": draft["exists"]
        and algorithm.state.value != "retired"
        and (open_row is None or open_row["draft_changed"]),
        "reviewers": _reviewer_names(context, actor),
        "note_max": REVIEW_NOTE_MAX,
        "form": {"note": "", "change_summary": "", **(form or {})},
        **(errors or FormErrors()).view(),  # type: ignore[typeddict-item]
        "notice": _notice(notice, lang, cache_seconds),
    }


def text_problem(value: str, field: str, lang: str, *, required: str | None) -> FormErrors:
    """The form's own checks, before the service: required and length."""
    errors = FormErrors()
    text = value.strip()
    if required and not text:
        errors.add(field, i18n.gettext(lang, required))
    elif len(text) > REVIEW_NOTE_MAX:
        errors.add(field, words.text(lang, words_review.TEXT_TOO_LONG, max=REVIEW_NOTE_MAX))
    return errors


def refusal(exc: DomainError, field: str, lang: str) -> FormErrors:
    """A service refusal as a form problem next to ``field``; the missing fields of a publish
    refused by the card's validation are listed, each by its label."""
    errors = FormErrors()
    if isinstance(exc, Invalid) and exc.details and exc.details[0]["loc"][:1] == ["card"]:
        labels = [path_label(".".join(str(p) for p in d["loc"][1:]), lang) for d in exc.details]
        errors.add(field, words.text(lang, words_review.MISSING_FIELDS, fields="; ".join(labels)))
        return errors
    text = words_review.refusal_text(exc, lang)
    if text is None:
        raise exc
    errors.add(field, text)
    return errors
