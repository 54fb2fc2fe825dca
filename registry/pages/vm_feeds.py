"""The Atom feeds' view-model: one entry per public change, newest first (written out as XML by
``registry.pages.atom``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry import i18n
from registry.models import agency_name
from registry.models.audit import AuditKind
from registry.pages import words
from registry.services.cards.agencies import get_agency
from registry.services.public.feeds import recent_changes

N_ = i18n.N_
TITLES = {
    "version_published": N_("%(name)s: version %(number)s published"),
    "algorithm_retired": N_("%(name)s: retired"),
    "audit_published": N_("%(name)s: audit published (%(verdict)s)"),
}
# The author of an audit entry is who ran the audit, as its page publishes it: the agency for a
# self-assessment; for an independent audit, no person's name is published, so the role.
INDEPENDENT_AUDITOR = N_("Independent auditor")


def feed(
    session: Session, *, slug: str | None, lang: str, base_url: str, now: datetime
) -> dict[str, Any]:
    base = base_url.rstrip("/")
    agency = get_agency(session, slug) if slug else None
    changes = recent_changes(session, agency=agency)
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
                "id": entry_id,
                "title": i18n.gettext(lang, TITLES[change.kind]) % values,
                "link": link,
                "updated": change.at,
                "summary": summary,
                "agency": agency_name(change.agency, lang),
                "author": author,
            }
        )
    title = i18n.gettext(lang, N_("Changes to the public algorithm register"))
    self_path = f"/agencies/{agency.slug}/feed.atom" if agency else "/feed.atom"
    return {
        "id": base + self_path,
        "title": f"{title} · {agency_name(agency, lang)}" if agency else title,
        "self": base + self_path,
        "alternate": base + (f"/agencies/{agency.slug}" if agency else "/"),
        "updated": entries[0]["updated"] if entries else now,
        "author": i18n.gettext(lang, N_("Public algorithm register")),
        "entries": entries,
    }
