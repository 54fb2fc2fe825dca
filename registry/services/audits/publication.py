"""Audit publication: publish, respond, withdraw. A published audit is never changed again.

Who may do what (see docs/audits.md): publish, the submitter; withdraw, the submitter or an admin;
respond, an editor of the algorithm's agency, on a published audit. Each change is stored with its
event in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry import audit_labels
from registry.errors import Conflict, Forbidden
from registry.models import Account, Algorithm, Audit, AuditState, AuditVisibility, Role
from registry.services.audits.submission import ERR_ONLY_SUBMITTER
from registry.services.canonical import canonical_dumps, sha256_hex
from registry.services.cards.permissions import is_editor_of
from registry.services.events import record_event
from registry.services.public import search_index

ERR_PUBLISH_STATE = "Only a succeeded audit can be published; this one is {state}."
ERR_ALREADY_PUBLISHED = "This audit is already published; a published audit cannot be changed."
ERR_WITHDRAWN = "This audit was withdrawn on {at}; it cannot be changed."
ERR_RESPOND_PRIVATE = "Only a published audit can receive a response."
ERR_RESPOND_WHO = "Only an agency editor of this algorithm's agency may respond to its audits."

#: The languages a response can be written in (the interface languages).
RESPONSE_LANGUAGES = ("en", "zh-CN")

#: The response offered to the agency when it attaches one without text. ``{failed}`` lists the
#: checks that failed; the second form is used when none failed.
DEFAULT_RESPONSE_FAILED = (
    "We have received this audit and note that the following check(s) did not pass: {failed}. "
    "We are reviewing the disparity and what it means for the people affected, and will "
    "publish what we decide to change, or why we believe no change is needed, by our next "
    "review of this algorithm."
)
DEFAULT_RESPONSE_PASSED = (
    "We have received this audit and reviewed its findings. We will keep monitoring these "
    "measures and take them into account in our next review of this algorithm."
)
DEFAULT_RESPONSE_FAILED_ZH = (
    "我们已收到这份审计，并注意到以下检查未通过：{failed}。我们正在审查这一差异及其对受影响者的"
    "意义，并将在下次审查这个算法之前，公布我们决定作出的改变，或我们认为无需改变的理由。"
)
DEFAULT_RESPONSE_PASSED_ZH = (
    "我们已收到这份审计并审阅了其结果。我们将继续监测这些指标，并在下次审查这个算法时加以考虑。"
)
_DEFAULTS = {
    "en": (DEFAULT_RESPONSE_FAILED, DEFAULT_RESPONSE_PASSED),
    "zh-CN": (DEFAULT_RESPONSE_FAILED_ZH, DEFAULT_RESPONSE_PASSED_ZH),
}


def _not_withdrawn(audit: Audit) -> None:
    if audit.visibility == AuditVisibility.withdrawn:
        at = audit.withdrawn_at.date().isoformat() if audit.withdrawn_at else "an earlier date"
        raise Conflict(ERR_WITHDRAWN.format(at=at))


def _commit_change(
    session: Session,
    audit: Audit,
    *,
    actor: Account,
    action: str,
    payload: dict[str, Any],
    now: datetime,
) -> Audit:
    """Store a change to a published or private audit with its event, in one transaction."""
    audit.updated_at = now
    session.add(audit)
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action=action,
        subject_type="audit",
        subject_id=audit.public_id,
        payload=payload,
    )
    search_index.sync(session)
    session.commit()
    return audit


# --- who may, and when (the API and the console ask the same functions) -------------------------


def check_publish(actor: Account, audit: Audit) -> None:
    """403 unless ``actor`` submitted ``audit``; 409 unless it is a succeeded private audit."""
    if actor.id != audit.submitter_id:
        raise Forbidden(ERR_ONLY_SUBMITTER.format(action="publish"))
    _not_withdrawn(audit)
    if audit.visibility == AuditVisibility.published:
        raise Conflict(ERR_ALREADY_PUBLISHED)
    if audit.state != AuditState.succeeded:
        raise Conflict(ERR_PUBLISH_STATE.format(state=audit.state))


def check_withdraw(actor: Account, audit: Audit) -> None:
    """403 unless ``actor`` submitted ``audit`` or is an admin; 409 if already withdrawn."""
    if actor.id != audit.submitter_id and actor.role != Role.admin:
        raise Forbidden(ERR_ONLY_SUBMITTER.format(action="withdraw"))
    _not_withdrawn(audit)


def check_respond(actor: Account, audit: Audit, algorithm: Algorithm) -> None:
    """403 unless ``actor`` edits for the algorithm's agency; 409 unless the audit was published."""
    if not is_editor_of(actor, algorithm.agency_id):
        raise Forbidden(ERR_RESPOND_WHO)
    if audit.published_at is None:
        raise Conflict(ERR_RESPOND_PRIVATE)


def publish_audit(session: Session, *, actor: Account, audit: Audit, now: datetime) -> Audit:
    check_publish(actor, audit)
    audit.visibility = AuditVisibility.published
    audit.published_at = now
    payload = {
        "verdict": audit.verdict,
        "report_sha256": sha256_hex(canonical_dumps(audit.report)),
    }
    return _commit_change(
        session, audit, actor=actor, action="audit.published", payload=payload, now=now
    )


def default_response(audit: Audit, lang: str = "en") -> str:
    """The default wording in ``lang`` (``en`` or ``zh-CN``), naming the checks that failed by
    their labels in that language (``audit_labels.check_label``), never by their codes."""
    failed_form, passed_form = _DEFAULTS.get(lang, _DEFAULTS["en"])
    failed = [
        "“" + audit_labels.check_label(audit.report, v["name"], lang) + "”"
        for v in audit.verdicts or []
        if v.get("verdict") == "fail"
    ]
    if failed:
        return failed_form.format(failed=("、" if lang == "zh-CN" else ", ").join(failed))
    return passed_form


def default_responses(audit: Audit) -> dict[str, str]:
    """The default wording in every response language."""
    return {lang: default_response(audit, lang) for lang in RESPONSE_LANGUAGES}


def response_texts(audit: Audit) -> dict[str, str]:
    """The audit's response by language (a response stored before 0007 counts as English)."""
    if audit.response_texts:
        return {k: v for k, v in audit.response_texts.items() if k in RESPONSE_LANGUAGES and v}
    return {"en": audit.response_text} if audit.response_text else {}


def response_in(audit: Audit, lang: str) -> tuple[str, str] | None:
    """(text, its language) for a reader of ``lang``: theirs, else the other language's."""
    texts = response_texts(audit)
    if lang in texts:
        return texts[lang], lang
    for other in RESPONSE_LANGUAGES:
        if other in texts:
            return texts[other], other
    return None


def respond_to_audit(
    session: Session,
    *,
    actor: Account,
    audit: Audit,
    algorithm: Algorithm,
    text: str | None = None,
    texts: Mapping[str, str | None] | None = None,
    now: datetime,
) -> Audit:
    """Attach or replace the agency's response. ``texts`` by language (``en``, ``zh-CN``);
    ``text`` is the English one (the API's older field). Without any text: the default wording
    in both languages. A language left out is not stored; its readers see the other text."""
    check_respond(actor, audit, algorithm)
    written = {
        lang: value.strip()
        for lang, value in (texts or {}).items()
        if lang in RESPONSE_LANGUAGES and value and value.strip()
    }
    if text and text.strip():
        written.setdefault("en", text.strip())
    chosen = written or default_responses(audit)
    audit.response_texts = {lang: chosen[lang] for lang in RESPONSE_LANGUAGES if lang in chosen}
    audit.response_text = chosen.get("en") or chosen["zh-CN"]
    audit.response_at = now
    audit.response_by_id = actor.id
    payload = {"text": audit.response_text, "texts": audit.response_texts}
    return _commit_change(
        session, audit, actor=actor, action="audit.response", payload=payload, now=now
    )


def withdraw_audit(
    session: Session, *, actor: Account, audit: Audit, reason: str, now: datetime
) -> Audit:
    check_withdraw(actor, audit)
    audit.visibility = AuditVisibility.withdrawn
    audit.withdrawn_at = now
    audit.withdrawn_reason = reason.strip()
    payload = {"reason": audit.withdrawn_reason}
    return _commit_change(
        session, audit, actor=actor, action="audit.withdrawn", payload=payload, now=now
    )
