"""View-models of the console's moderation pages: the queue and one item with its forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session
from typing_extensions import TypedDict

from registry import i18n
from registry.models import Account
from registry.models.participation import ANSWER_MAX, DeclineReason, ItemState
from registry.pages import vm_participation as words
from registry.pages.page_types import CodeText
from registry.services.participation import moderation

N_ = i18n.N_
NOTICES = {
    "published": N_("The item is published."),
    "answered": N_("The answer is published."),
    "merged": N_("The item was merged."),
    "declined": N_("The item was declined; the page counts it under its reason."),
    "erased": N_("The contact address was deleted."),
}
PROBLEMS = {
    "answer": N_("Write the answer (at most %(limit)s characters)."),
    "into": N_("Choose a published item about the same algorithm."),
    "reason": N_("Choose one of the published reasons."),
}


class QueueItem(TypedDict):
    id: str
    algorithm: str
    algorithm_id: str
    kind: CodeText
    state: CodeText
    received_at: dt.datetime
    waiting_days: int
    excerpt: str
    has_contact: bool


class QueuePage(TypedDict):
    items: list[QueueItem]
    show_all: bool
    notice: str


class ItemPage(TypedDict):
    id: str
    algorithm: str
    algorithm_id: str
    kind: CodeText
    state: CodeText
    text: str
    display_name: str | None
    masked: list[str]
    contact_email: str | None
    received_at: dt.datetime
    published_at: dt.datetime | None
    answer: str | None
    answered_at: dt.datetime | None
    decline_reason: CodeText | None
    pending: bool
    published: bool
    merge_targets: list[dict[str, str]]
    reasons: list[CodeText]
    answer_max: int
    values: dict[str, str]
    errors: list[dict[str, str]]
    field_errors: dict[str, str]
    notice: str


def _code(value: str, table: dict[Any, str], lang: str) -> CodeText:
    return {"value": value, "text": i18n.gettext(lang, table[value])}


def queue_page(
    session: Session,
    *,
    actor: Account,
    lang: str,
    today: dt.date,
    show_all: bool = False,
    notice: str = "",
) -> QueuePage:
    rows = moderation.queue(session, actor=actor, include_done=show_all)
    items: list[QueueItem] = []
    for row in rows:
        item = row.item
        items.append(
            {
                "id": item.public_id,
                "algorithm": row.algorithm.name,
                "algorithm_id": row.algorithm.public_id,
                "kind": _code(item.kind.value, words.KIND_WORDS, lang),
                "state": _code(item.state.value, words.STATE_WORDS, lang),
                "received_at": item.received_at,
                "waiting_days": max(0, (today - item.received_at.date()).days),
                "excerpt": item.text if len(item.text) <= 160 else item.text[:159] + "…",
                "has_contact": row.contact_email is not None,
            }
        )
    notice_text = i18n.gettext(lang, NOTICES[notice]) if notice in NOTICES else ""
    return {"items": items, "show_all": show_all, "notice": notice_text}


def item_page(
    session: Session,
    *,
    actor: Account,
    item_id: str,
    lang: str,
    notice: str = "",
    values: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> ItemPage:
    row = moderation.get_for_moderation(session, actor=actor, item_id=item_id)
    item = row.item
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    for problem in problems or []:
        field = str(problem.get("loc", ["", "answer"])[-1])
        if field in PROBLEMS and field not in field_errors:
            message = i18n.gettext(lang, PROBLEMS[field]) % {"limit": f"{ANSWER_MAX:,}"}
            field_errors[field] = message
            errors.append({"field": field, "message": message})
    return {
        "id": item.public_id,
        "algorithm": row.algorithm.name,
        "algorithm_id": row.algorithm.public_id,
        "kind": _code(item.kind.value, words.KIND_WORDS, lang),
        "state": _code(item.state.value, words.STATE_WORDS, lang),
        "text": item.text,
        "display_name": item.display_name,
        "masked": words.masked_labels(item.masked_kinds, lang),
        "contact_email": row.contact_email,
        "received_at": item.received_at,
        "published_at": item.published_at,
        "answer": item.answer,
        "answered_at": item.answered_at,
        "decline_reason": (
            _code(item.decline_reason.value, words.REASON_WORDS, lang)
            if item.decline_reason
            else None
        ),
        "pending": item.state == ItemState.pending,
        "published": item.state == ItemState.published,
        "merge_targets": [
            {"id": t.public_id, "text": t.text if len(t.text) <= 80 else t.text[:79] + "…"}
            for t in moderation.merge_targets(session, row=row)
        ],
        "reasons": [_code(r.value, words.REASON_WORDS, lang) for r in DeclineReason],
        "answer_max": ANSWER_MAX,
        "values": {"answer": item.answer or "", **(values or {})},
        "errors": errors,
        "field_errors": field_errors,
        "notice": i18n.gettext(lang, NOTICES[notice]) if notice in NOTICES else "",
    }


CONSEQUENCES = {
    "publish": N_(
        "The message and the name shown will appear on the algorithm's public page. Publishing "
        "cannot be undone."
    ),
    "answer": N_(
        "The answer will appear on the public page next to the message. A later answer replaces "
        "it on the page; the ledger keeps both."
    ),
    "merge": N_(
        "The message will not be published on its own; the public page counts it as merged into "
        "the item below."
    ),
    "decline": N_(
        "The message will never be published. The public page counts it under the reason shown."
    ),
}
BUTTONS = {
    "publish": N_("Yes, publish"),
    "answer": N_("Yes, publish the answer"),
    "merge": N_("Yes, merge"),
    "decline": N_("Yes, decline"),
}


class ConfirmPage(TypedDict):
    id: str
    algorithm: str
    action: str
    text: str
    consequence: str
    button: str
    answer: str | None
    target: dict[str, str] | None
    reason: CodeText | None
    fields: dict[str, str]
    """The form's values, sent again with the confirmation."""


def confirm_page(decision: moderation.Decision, *, lang: str) -> ConfirmPage:
    """What a decision will do, before it is made (the console's confirmation step)."""
    item = decision.row.item
    target = decision.target
    fields = {
        "publish": {"answer": decision.answer or ""},
        "answer": {"answer": decision.answer or ""},
        "merge": {"into": target.public_id if target else ""},
        "decline": {"reason": decision.reason.value if decision.reason else ""},
    }[decision.action]
    return {
        "id": item.public_id,
        "algorithm": decision.row.algorithm.name,
        "action": decision.action,
        "text": item.text,
        "consequence": i18n.gettext(lang, CONSEQUENCES[decision.action]),
        "button": i18n.gettext(lang, BUTTONS[decision.action]),
        "answer": decision.answer,
        "target": {"id": target.public_id, "text": target.text} if target else None,
        "reason": (
            _code(decision.reason.value, words.REASON_WORDS, lang) if decision.reason else None
        ),
        "fields": fields,
    }
