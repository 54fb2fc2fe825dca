"""The Atom feeds' view-model: one entry per public change, newest first (written out as XML by
``registry.pages.atom``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry import i18n
from registry.models import agency_name
from registry.models.audit import AuditKind
from registry.models.participation import ItemKind
from registry.pages import words
from registry.services.cards.agencies import get_agency
from registry.services.participation.submission import public_algorithm
from registry.services.public.feeds import recent_changes

N_ = i18n.N_
TITLES = {
    "version_published": N_("%(name)s: version %(number)s published"),
    "algorithm_retired": N_("%(name)s: retired"),
    "audit_published": N_("%(name)s: audit published (%(verdict)s)"),
    "item_published": N_("%(name)s: %(kind)s from the public"),
    "item_answered": N_("%(name)s: the agency answered %(kind)s from the public"),
}
#: The kind of an item as the feed's titles name it (lower case, inside a sentence).
ITEM_KIND_WORDS = {
    ItemKind.question: N_("a question"),
    ItemKind.concern: N_("a concern about a decision"),
    ItemKind.record_error: N_("an error reported in the record"),
    ItemKind.suggestion: N_("a suggestion"),
}
ANONYMOUS = N_("Anonymous")
# The author of an audit entry is who ran the audit, as its page publishes it: the agency for a
# self-assessment; for an independent audit, no person's name is published, so the role.
INDEPENDENT_AUDITOR = N_("Independent auditor")


def _in_language(url: str, lang: str) -> str:
    """``url`` with ``?lang=`` before its fragment (the pages' canonical URLs, languages.py)."""
    address, hash_mark, fragment = url.partition("#")
    return f"{address}?lang={lang}{hash_mark}{fragment}"


def feed(
    session: Session,
    *,
    slug: str | None,
    lang: str,
    base_url: str,
    now: datetime,
    public_id: str | None = None,
) -> dict[str, Any]:
    """The whole register's feed, one agency's (``slug``) or one algorithm's (``public_id``); the
    last two include the published questions and concerns from the public and their answers."""
    base = base_url.rstrip("/")
    agency = get_agency(session, slug) if slug else None
    only = public_algorithm(session, public_id) if public_id else None
    changes = recent_changes(session, agency=agency, algorithm=only)
    entries = []
    for change in changes:
        algorithm = change.algorithm
        link = f"{base}/algorithms/{algorithm.public_id}"
        values: dict[str, Any] = {"name": algorithm.name}
        summary = ""
        author = agency_name(change.agency, lang)
        if change.kind == "version_published" and change.version is not None:
            values["number"] = change.version.number
            summary = change.version.change_summary
            link = f"{link}/versions/{change.version.number}"
            entry_id = f"{link}"
        elif change.item is not None:
            item = change.item
            values["kind"] = i18n.gettext(lang, ITEM_KIND_WORDS[item.kind])
            link = f"{link}#{item.public_id}"
            if change.kind == "item_answered":
                entry_id = f"{link}-answer"
                summary = item.answer or ""
            else:
                entry_id = link
                summary = item.text  # masked when it was received; contact data is never here
                author = item.display_name or i18n.gettext(lang, ANONYMOUS)
        elif change.kind == "audit_published" and change.audit is not None:
            values["verdict"] = words.verdict_view(change.audit.verdict, lang)["text"]
            link = f"{base}/audits/{change.audit.public_id}"
            entry_id = link
            if change.audit.kind != AuditKind.self_assessment:
                author = i18n.gettext(lang, INDEPENDENT_AUDITOR)
        else:
            summary = algorithm.retired_reason or ""
            entry_id = f"{link}#retired"
        entries.append(
            {
                "id": entry_id,  # the same in every language: one entry, two translations
                "title": i18n.gettext(lang, TITLES[change.kind]) % values,
                "link": _in_language(link, lang),
                "updated": change.at,
                "summary": summary,
                "agency": agency_name(change.agency, lang),
                "author": author,
            }
        )
    title = i18n.gettext(lang, N_("Changes to the public algorithm register"))
    if only is not None:
        self_path, alternate = (
            f"/algorithms/{only.public_id}/feed.atom",
            f"/algorithms/{only.public_id}",
        )
        title = f"{title} · {only.name}"
    elif agency is not None:
        self_path, alternate = f"/agencies/{agency.slug}/feed.atom", f"/agencies/{agency.slug}"
        title = f"{title} · {agency_name(agency, lang)}"
    else:
        self_path, alternate = "/feed.atom", "/"
    return {
        "id": base + self_path,
        "title": title,
        "self": _in_language(base + self_path, lang),
        "alternate": _in_language(base + alternate, lang),
        "updated": entries[0]["updated"] if entries else now,
        "author": i18n.gettext(lang, N_("Public algorithm register")),
        "entries": entries,
    }
