"""View-models of citizen participation: the section on the algorithm page, the form page, the
confirmation after a submission and the private status page (docs/participation.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from typing_extensions import TypedDict

from registry import i18n
from registry.models import Algorithm, CardVersion
from registry.models.participation import (
    DISPLAY_NAME_MAX,
    ITEM_TEXT_MAX,
    DeclineReason,
    ItemKind,
    ItemState,
    ParticipationItem,
)
from registry.pages import card_view
from registry.pages.page_types import (
    CodeText,
    ParticipationItemView,
    ParticipationSection,
    ReasonCount,
)
from registry.personal_data import KIND_LABELS
from registry.services.participation import listing, submission
from registry.services.participation.timeliness import DEFAULT_CLOCK, ResponseClock

N_ = i18n.N_

KIND_WORDS = {
    ItemKind.question: N_("A question"),
    ItemKind.concern: N_("A concern about a decision that affected me"),
    ItemKind.record_error: N_("An error in this record"),
    ItemKind.suggestion: N_("A suggestion"),
}
STATE_WORDS = {
    ItemState.pending: N_("Awaiting moderation by the agency"),
    ItemState.published: N_("Published"),
    ItemState.merged: N_("Merged into another published item"),
    ItemState.declined: N_("Not published"),
}
REASON_WORDS = {
    DeclineReason.abusive: N_("Abusive"),
    DeclineReason.personal_data: N_("Personal data that cannot be masked"),
    DeclineReason.off_topic: N_("Not about this algorithm"),
    DeclineReason.duplicate: N_("A duplicate"),
}
#: The field problems of the form in words, by the service's problem type.
PROBLEM_WORDS = {
    "kind": N_("Choose what kind of message this is."),
    "text_missing": N_("Write your question or concern."),
    "text_too_long": N_("The text is too long: write at most %(limit)s characters."),
    "name_too_long": N_("The name is too long: write at most %(limit)s characters."),
    "email": N_("Enter a valid email address, such as name@example.com, or leave it empty."),
    "forbidden_character": N_("This field holds a character that cannot be stored."),
    "honeypot": N_("Leave the field marked “leave this empty” empty."),
    "duplicate": N_(
        "The same text about this algorithm was received recently; it is already with the agency."
    ),
}
FORM_FIELDS = ("kind", "text", "contact_email", "display_name", "website")


class FormErrorView(TypedDict):
    field: str
    message: str


class FormPage(TypedDict):
    lang: str
    public_id: str
    name: str
    values: dict[str, str]
    errors: list[FormErrorView]
    field_errors: dict[str, str]
    kinds: list[CodeText]
    text_max: int
    name_max: int


class SubmittedPage(TypedDict):
    lang: str
    public_id: str
    name: str
    item_id: str
    tracking_code: str
    status_path: str
    masked: list[str]
    contact_stored: bool


class MergedInto(TypedDict):
    id: str
    text: str


class StatusPage(TypedDict):
    lang: str
    public_id: str
    name: str
    item_id: str
    tracking_code: str
    kind: CodeText
    state: CodeText
    text: str
    display_name: str | None
    masked: list[str]
    received_at: dt.datetime
    published_at: dt.datetime | None
    answer: dict[str, Any] | None
    decline_reason: CodeText | None
    merged_into: MergedInto | None
    """The published item this one was merged into (its answer is the answer to both)."""
    has_contact: bool
    appeal_route: str | None
    notice: str


class RateLimitedPage(TypedDict):
    lang: str
    public_id: str
    retry_after: int
    """Seconds until another message is accepted."""


def rate_limited_page(*, public_id: str, lang: str, retry_after: int) -> RateLimitedPage:
    """The 429 page of the form: no database read, so a flood costs no queries."""
    return {"lang": lang, "public_id": public_id, "retry_after": retry_after}


def _code_text(value: str, words: Mapping[Any, str], lang: str) -> CodeText:
    return {"value": value, "text": i18n.gettext(lang, words[value])}


def masked_labels(kinds: list[str], lang: str) -> list[str]:
    """What kinds of personal data were masked, in words (``KIND_LABELS``)."""
    return [KIND_LABELS.get(k, {}).get(lang) or KIND_LABELS.get(k, {}).get("en", k) for k in kinds]


def kind_choices(lang: str) -> list[CodeText]:
    return [_code_text(k.value, KIND_WORDS, lang) for k in ItemKind]


def appeal_route(card: dict[str, Any], lang: str) -> str | None:
    field = card_view.display_field(card, "appeal_route", lang)
    value = field["value"]
    if field["state"] != "provided" or value is None or value["kind"] != "text":
        return None
    return value["text"]


def card_name(card: dict[str, Any], lang: str) -> str:
    """The algorithm's name in the reader's language where translated."""
    value = card_view.display_field(card, "name", lang)["value"]
    return value["text"] if value is not None and value["kind"] == "text" else ""


def _waiting_days(item: ParticipationItem, today: dt.date) -> int | None:
    if item.answered_at is not None:
        return None
    return max(0, (today - item.received_at.date()).days)


def item_view(
    item: ParticipationItem, lang: str, today: dt.date, clock: ResponseClock = DEFAULT_CLOCK
) -> ParticipationItemView:
    waiting = _waiting_days(item, today)
    return {
        "id": item.public_id,
        "kind": _code_text(item.kind.value, KIND_WORDS, lang),
        "text": item.text,
        "display_name": item.display_name,
        "received_at": item.received_at,
        "published_at": item.published_at,
        "answer": (
            {"text": item.answer, "at": item.answered_at}
            if item.answer is not None and item.answered_at is not None
            else None
        ),
        "waiting_days": waiting,
        "past_target": waiting is not None and clock.past_target(item.received_at.date(), today),
        "target_days": clock.target_days,
        "masked": masked_labels(item.masked_kinds, lang),
    }


def participation_section(
    session: Session,
    algorithm: Algorithm,
    current: CardVersion,
    *,
    lang: str,
    today: dt.date,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> ParticipationSection:
    found = listing.public_items(session, algorithm.id or 0)
    declined: list[ReasonCount] = [
        {"reason": _code_text(r.value, REASON_WORDS, lang), "count": found.declined.get(r, 0)}
        for r in DeclineReason
    ]
    return {
        "items": [item_view(i, lang, today, clock) for i in found.published],
        "declined": declined,
        "merged": found.merged,
        "kinds": kind_choices(lang),
        "limits": {"text": ITEM_TEXT_MAX, "display_name": DISPLAY_NAME_MAX},
        "appeal_route": appeal_route(current.card, lang),
    }


def _problem_text(problem: Mapping[str, Any], lang: str) -> str:
    words = PROBLEM_WORDS.get(str(problem.get("type")))
    if words is None:
        return str(problem.get("msg", ""))
    limit = DISPLAY_NAME_MAX if problem.get("type") == "name_too_long" else ITEM_TEXT_MAX
    text = i18n.gettext(lang, words)
    return text % {"limit": f"{limit:,}"} if "%(limit)s" in words else text


def _record_name(session: Session, public_id: str, lang: str) -> tuple[str, str]:
    """(public id, name) of a public algorithm; 404 for a draft or an unknown id."""
    from registry.services.public.records import algorithm_record

    record = algorithm_record(session, public_id)
    return record.algorithm.public_id, card_name(record.current.card, lang)


def form_page(
    session: Session,
    *,
    public_id: str,
    lang: str,
    values: Mapping[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> FormPage:
    public_id, name = _record_name(session, public_id, lang)
    errors: list[FormErrorView] = []
    field_errors: dict[str, str] = {}
    for problem in problems or []:
        field = str(problem.get("loc", ["", "text"])[-1])
        if field not in FORM_FIELDS or field in field_errors:
            continue
        message = _problem_text(problem, lang)
        field_errors[field] = message
        errors.append({"field": field, "message": message})
    shown = {f: "" for f in FORM_FIELDS if f != "website"}
    shown.update({k: v for k, v in (values or {}).items() if k in shown})
    return {
        "lang": lang,
        "public_id": public_id,
        "name": name,
        "values": shown,
        "errors": errors,
        "field_errors": field_errors,
        "kinds": kind_choices(lang),
        "text_max": ITEM_TEXT_MAX,
        "name_max": DISPLAY_NAME_MAX,
    }


def submitted_page(
    session: Session,
    done: submission.Submitted,
    *,
    public_id: str,
    lang: str,
    status_path: str,
) -> SubmittedPage:
    public_id, name = _record_name(session, public_id, lang)
    return {
        "lang": lang,
        "public_id": public_id,
        "name": name,
        "item_id": done.item.public_id,
        "tracking_code": done.tracking_code,
        "status_path": status_path,
        "masked": masked_labels(done.item.masked_kinds, lang),
        "contact_stored": done.contact_stored,
    }


def _answer(item: ParticipationItem) -> dict[str, Any] | None:
    if item.answer is None or item.answered_at is None:
        return None
    return {"text": item.answer, "at": item.answered_at}


def status_page(
    session: Session,
    *,
    code: str,
    lang: str,
    today: dt.date,
    notice: str = "",
) -> StatusPage:
    """The private status page of the item behind ``code`` (404 for any other code)."""
    from registry.services.public.records import algorithm_record

    item = submission.item_by_tracking_code(session, code)
    algorithm = session.get(Algorithm, item.algorithm_id)
    assert algorithm is not None
    record = algorithm_record(session, algorithm.public_id)
    name = card_name(record.current.card, lang)
    target = listing.merged_target(session, item)
    return {
        "lang": lang,
        "public_id": algorithm.public_id,
        "name": name,
        "item_id": item.public_id,
        "tracking_code": code,
        "kind": _code_text(item.kind.value, KIND_WORDS, lang),
        "state": _code_text(item.state.value, STATE_WORDS, lang),
        "text": item.text,
        "display_name": item.display_name,
        "masked": masked_labels(item.masked_kinds, lang),
        "received_at": item.received_at,
        "published_at": item.published_at,
        "answer": _answer(item) or (_answer(target) if target else None),
        "decline_reason": (
            _code_text(item.decline_reason.value, REASON_WORDS, lang)
            if item.decline_reason
            else None
        ),
        "merged_into": ({"id": target.public_id, "text": target.text} if target else None),
        "has_contact": submission.has_contact(session, item),
        "appeal_route": (
            appeal_route(record.current.card, lang) if item.kind == ItemKind.concern else None
        ),
        "notice": notice,
    }


AGENCY_CSV_COLUMNS = [
    "item_id",
    "algorithm",
    "kind",
    "text",
    "display_name",
    "masked",
    "received_at",
    "published_at",
    "answer",
    "answered_at",
    "answered_in_time",
    "waiting_days",
    "past_target",
]


def agency_items_csv(
    session: Session,
    *,
    slug: str,
    lang: str,
    today: dt.date,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> tuple[list[str], list[list[Any]]]:
    """The agency's published items and answers, one row each (never contact data: the items
    hold none, and nothing awaiting moderation or declined is read)."""
    from registry.services.cards.agencies import get_agency

    agency = get_agency(session, slug)
    rows: list[list[Any]] = []
    for item, algorithm in listing.agency_published_items(session, agency.id or 0):
        waiting = _waiting_days(item, today)
        received = item.received_at.date()
        rows.append(
            [
                item.public_id,
                algorithm,
                item.kind.value,
                item.text,
                item.display_name,
                item.masked_kinds,
                item.received_at,
                item.published_at,
                item.answer,
                item.answered_at,
                clock.in_time(received, item.answered_at.date()) if item.answered_at else None,
                waiting,
                waiting is not None and clock.past_target(received, today),
            ]
        )
    return AGENCY_CSV_COLUMNS, rows
