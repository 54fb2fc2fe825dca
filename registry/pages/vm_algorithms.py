"""View-models of the algorithm pages: the record, one version, the version list, a diff.

Each function returns one plain dict that feeds both the HTML template and the ``.json`` twin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlmodel import Session
from typing_extensions import TypedDict

from registry import i18n
from registry.cards import CARD_SCHEMA_VERSION, card_sha256, review_overdue
from registry.errors import Invalid, NotFound
from registry.lru import LRUCache
from registry.models import Algorithm, AlgorithmState, CardVersion, agency_name, agency_name_lang
from registry.models.audit import Audit
from registry.pages import card_view, findings, vm_exports, vm_participation, words
from registry.pages.card_view import original_language
from registry.pages.diff_view import card_changes, change_groups
from registry.pages.page_types import (
    AlgorithmPage,
    DiffPage,
    ParticipationSection,
    VersionInfo,
    VersionsPage,
)
from registry.pages.view_types import (
    AgencyLink,
    AuditSummary,
    CardSection,
    DisplayField,
    DisplayValue,
    LogRecord,
    WithheldField,
    log_record,
)
from registry.services import transparency
from registry.services.participation.timeliness import DEFAULT_CLOCK, ResponseClock
from registry.services.public import records
from registry.services.public.records import AlgorithmRecord, algorithm_record

N_ = i18n.N_
# The plain-language summary, in the order a reader needs it.
KEY_FACTS = (
    "summary",
    "purpose_and_impact",
    "accountable_role",
    "contact",
    "appeal_route",
    "autonomy_level",
    "human_oversight",
    "data_summary",
    "scenario",
    "risk_category",
    "status",
    "model_type",
    "favourable_outcome",
    "in_use_from",
    "next_review_date",
)
ERR_BAD_DIFF = N_("Choose two different published versions to compare.")

# A card's display parts are a pure function of its content and the language, so they are memoised
# under a digest of the content (a published card never changes, so they are computed once; the
# digest is still taken from the stored JSON, so a changed row can never show stale parts).
# Callers must treat the returned structures as read-only: they are shared between requests.
CARD_PARTS_SIZE = 2048


class CardParts(TypedDict):
    name: DisplayField
    key_facts: list[DisplayField]
    sections: list[CardSection]
    withheld: list[WithheldField]
    card_language: str


_card_parts_cache: LRUCache[tuple[bytes, str], CardParts] = LRUCache(CARD_PARTS_SIZE)


def card_parts(version: CardVersion, lang: str) -> CardParts:
    """The language-dependent display of one published card: name, key facts, sections."""
    card = version.card
    content = json.dumps(card, sort_keys=True, ensure_ascii=False, default=str)
    key = (hashlib.sha256(content.encode()).digest(), lang)
    return _card_parts_cache.get_or_compute(
        key,
        lambda: {
            "name": card_view.display_field(card, "name", lang),
            "key_facts": [card_view.display_field(card, name, lang) for name in KEY_FACTS],
            "sections": card_view.card_sections_view(card, lang),
            "withheld": card_view.withheld_view(card, lang),
            "card_language": card_view.card_language(card),
        },
    )


# A published audit's report never changes, so its headline is a function of the audit and the
# language: memoised under what names the report (id, verdict, spec and sample digests, engine),
# lists then read the reports of the audits they have not seen yet, in one query.
HEADLINE_CACHE_SIZE = 8192
_headline_cache: LRUCache[tuple[Any, ...], str] = LRUCache(HEADLINE_CACHE_SIZE)


def _headline_key(audit: Audit, lang: str, k: int) -> tuple[Any, ...]:
    return (
        audit.public_id,
        audit.verdict,
        audit.spec_sha256,
        audit.sample_sha256,
        audit.engine_version,
        lang,
        k,
    )


def audit_headlines(
    session: Session, audits: list[Audit], *, lang: str, k: int
) -> dict[int, str | None]:
    """The headline of each audit's findings by row id (``findings.headline``)."""
    out: dict[int, str | None] = {}
    missing: dict[int, Audit] = {}
    for audit in audits:
        if audit.id is None:
            continue
        found = _headline_cache.get(_headline_key(audit, lang, k))
        if found is None:
            missing[audit.id] = audit
        else:
            out[audit.id] = found
    for row_id, report in records.audit_reports(session, list(missing)).items():
        text = findings.headline(report, lang, k=k)
        if text is not None:
            _headline_cache.put(_headline_key(missing[row_id], lang, k), text)
        out[row_id] = text
    return out


def audit_summary(audit: Audit, lang: str, *, headline: str | None) -> AuditSummary:
    """A published audit in a list: its verdict and the headline of its findings."""
    return {
        "id": audit.public_id,
        "verdict": words.verdict_view(audit.verdict, lang),
        "headline": headline,
        "kind": words.audit_kind_view(str(audit.kind), lang),
        "independent": str(audit.kind) == "independent",
        "version_number": audit.version_number,
        "published_at": audit.published_at,
        "withdrawn": audit.withdrawn_at is not None,
        "withdrawn_reason": audit.withdrawn_reason,
        "has_response": audit.response_text is not None,
    }


def _agency(record: AlgorithmRecord, lang: str) -> AgencyLink:
    agency = record.agency
    return {
        "slug": agency.slug,
        "name": agency_name(agency, lang),
        "name_lang": agency_name_lang(agency, lang),
        "website": card_view.safe_url(agency.website),
    }


def _card_page(
    record: AlgorithmRecord,
    version: CardVersion,
    lang: str,
    *,
    today: dt.date,
    headlines: dict[int, str | None],
    participation: ParticipationSection | None = None,
    log_entry: LogRecord | None = None,
    base_url: str | None = None,
) -> AlgorithmPage:
    """``base_url`` None (a draft preview): no export links, as nothing is published."""
    card = version.card
    parts = card_parts(version, lang)
    algorithm = record.algorithm
    current = record.current
    latest = next((a for a in record.audits if a.withdrawn_at is None), None)
    version_audits = [
        audit_summary(a, lang, headline=headlines.get(a.id or 0))
        for a in record.audits
        if a.card_version_id == version.id
    ]
    return {
        "lang": lang,
        "public_id": algorithm.public_id,
        "name": parts["name"],
        "agency": _agency(record, lang),
        "state": words.state_view(str(algorithm.state), lang),
        "retired": (
            {"at": algorithm.retired_at, "reason": algorithm.retired_reason}
            if str(algorithm.state) == "retired"
            else None
        ),
        "version": {
            "number": version.number,
            "published_at": version.published_at,
            "change_summary": version.change_summary,
            "sha256": version.sha256,
            "is_current": version.number == current.number,
        },
        "current_version": current.number,
        "versions_count": len(record.versions),
        "review_overdue": str(algorithm.state) != "retired" and review_overdue(card, today),
        "key_facts": parts["key_facts"],
        "latest_audit": audit_summary(latest, lang, headline=headlines.get(latest.id or 0))
        if latest
        else None,
        "audits": [
            audit_summary(a, lang, headline=headlines.get(a.id or 0)) for a in record.audits
        ],
        "version_audits": version_audits,
        "sections": parts["sections"],
        "withheld": parts["withheld"],
        "card_language": parts["card_language"],
        "participation": participation,
        "log_entry": log_entry,
        "original_language": original_language(parts["card_language"], lang),
        "exports": []
        if base_url is None
        else vm_exports.export_links(record, version, base_url=base_url, headlines=headlines),
    }


def algorithm_page(
    session: Session,
    *,
    public_id: str,
    lang: str,
    today: dt.date,
    k: int,
    base_url: str,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> AlgorithmPage:
    """The public record: tier-1 summary, audits, then every card section."""
    record = algorithm_record(session, public_id)
    headlines = audit_headlines(session, record.audits, lang=lang, k=k)
    participation = vm_participation.participation_section(
        session, record.algorithm, record.current, lang=lang, today=today, clock=clock
    )
    entry = _log_entry(session, public_id, record.current.number)
    return _card_page(
        record,
        record.current,
        lang,
        today=today,
        headlines=headlines,
        participation=participation,
        log_entry=entry,
        base_url=base_url,
    )


def _log_entry(session: Session, public_id: str, number: int) -> LogRecord | None:
    index = transparency.entry_index(
        session, kind="version.published", subject_id=public_id, number=number
    )
    return log_record(index)


class _PreviewRecord(AlgorithmRecord):
    """A record whose current version is the draft being previewed."""

    preview: CardVersion | None = None

    @property
    def current(self) -> CardVersion:
        assert self.preview is not None
        return self.preview


def draft_preview_page(
    record: AlgorithmRecord,
    card: dict[str, Any],
    *,
    lang: str,
    today: dt.date,
    now: dt.datetime,
    headlines: dict[int, str | None],
) -> AlgorithmPage:
    """The public page the draft ``card`` would get if it were published now: built by the same
    code as the public record, from a version that is never stored (number n+1, published now)."""
    algorithm = record.algorithm
    number = (record.versions[-1].number if record.versions else 0) + 1
    version = CardVersion(
        algorithm_id=algorithm.id or 0,
        number=number,
        card=card,
        card_schema_version=CARD_SCHEMA_VERSION,
        change_summary="",
        author_id=0,  # nobody yet: the version is never stored
        publisher_id=0,
        created_at=now,
        published_at=now,
        sha256=card_sha256(card),
    )
    shown = Algorithm.model_validate(algorithm.model_dump())  # never added to the session
    if shown.state == AlgorithmState.draft:
        shown.state = AlgorithmState.published  # what publishing will make it
    preview = _PreviewRecord(
        algorithm=shown,
        agency=record.agency,
        versions=[*record.versions, version],
        audits=record.audits,
    )
    preview.preview = version
    return _card_page(preview, version, lang, today=today, headlines=headlines)


def find_version(record: AlgorithmRecord, number: int) -> CardVersion:
    for version in record.versions:
        if version.number == number:
            return version
    raise NotFound(f"Algorithm '{record.algorithm.public_id}' has no published version {number}.")


def version_page(
    session: Session,
    *,
    public_id: str,
    number: int,
    lang: str,
    today: dt.date,
    k: int,
    base_url: str,
) -> AlgorithmPage:
    """One published version exactly as it was published."""
    record = algorithm_record(session, public_id)
    headlines = audit_headlines(session, record.audits, lang=lang, k=k)
    version = find_version(record, number)
    entry = _log_entry(session, public_id, version.number)
    return _card_page(
        record,
        version,
        lang,
        today=today,
        headlines=headlines,
        log_entry=entry,
        base_url=base_url,
    )


def versions_page(session: Session, *, public_id: str, lang: str) -> VersionsPage:
    """Every published version, newest first."""
    record = algorithm_record(session, public_id)
    rows: list[VersionInfo] = [
        {
            "number": v.number,
            "published_at": v.published_at,
            "change_summary": v.change_summary,
            "sha256": v.sha256,
            "is_current": v.number == record.current.number,
        }
        for v in reversed(record.versions)
    ]
    return {
        "lang": lang,
        "public_id": record.algorithm.public_id,
        "name": card_view.display_field(record.current.card, "name", lang),
        "agency": _agency(record, lang),
        "state": words.state_view(str(record.algorithm.state), lang),
        "current_version": record.current.number,
        "versions": rows,
    }


def versions_csv(vm: VersionsPage) -> tuple[list[str], list[list[Any]]]:
    columns = ["public_id", "number", "published_at", "is_current", "change_summary", "sha256"]
    rows = [
        [
            vm["public_id"],
            v["number"],
            v["published_at"],
            v["is_current"],
            v["change_summary"],
            v["sha256"],
        ]
        for v in vm["versions"]
    ]
    return columns, rows


def diff_page(
    session: Session, *, public_id: str, old: int | None, new: int | None, lang: str
) -> DiffPage:
    """Field-by-field changes between two published versions (default: the last two)."""
    record = algorithm_record(session, public_id)
    numbers = [v.number for v in record.versions]
    new = new if new is not None else numbers[-1]
    old = old if old is not None else (numbers[-2] if len(numbers) > 1 else numbers[-1])
    old_version, new_version = find_version(record, old), find_version(record, new)
    if old == new and len(numbers) > 1:
        raise Invalid(i18n.gettext(lang, ERR_BAD_DIFF))
    changes = card_changes(old_version.card, new_version.card, lang)
    return {
        "lang": lang,
        "public_id": record.algorithm.public_id,
        "name": card_view.display_field(record.current.card, "name", lang),
        "agency": _agency(record, lang),
        "from_version": {
            "number": old,
            "published_at": old_version.published_at,
            "sha256": old_version.sha256,
        },
        "to_version": {
            "number": new,
            "published_at": new_version.published_at,
            "sha256": new_version.sha256,
            "change_summary": new_version.change_summary,
        },
        "version_numbers": numbers,
        "changes": changes,
        "groups": change_groups(changes, lang),
    }


def diff_csv(vm: DiffPage) -> tuple[list[str], list[list[Any]]]:
    def flat(value: DisplayValue | None) -> str:
        if value is None:
            return ""
        if value["kind"] == "list":
            return "; ".join(flat(v) for v in value["items"])
        if value["kind"] == "record":
            return "; ".join(f"{e['label']}: {flat(e['value'])}" for e in value["entries"])
        return str(value.get("text", ""))

    columns = [
        "public_id",
        "from_version",
        "to_version",
        "path",
        "field",
        "change",
        "old",
        "new",
        "item",
        "section",
        "importance",
    ]
    rows = [
        [
            vm["public_id"],
            vm["from_version"]["number"],
            vm["to_version"]["number"],
            c["path"],
            c["label"],
            c["kind"],
            flat(c["old"]),
            flat(c["new"]),
            c["item"],
            c["section"],
            c["importance"],
        ]
        for c in vm["changes"]
    ]
    return columns, rows
