"""A small public register for page tests: two agencies, a three-version record with a Chinese
translation and a withheld field, a retired record, a never-published draft, a published audit
(with one group below the small-cell threshold), a private audit, built through the services.

``build_untranslated_world`` is the other register: agencies and cards with no translation at all,
so every page takes its language fallback.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from registry.models import Algorithm, Role
from registry.models.audit import Audit, AuditInput, AuditKind, AuditState, AuditVisibility
from registry.services.cards import algorithms as algorithms
from registry.services.cards import drafts
from registry.services.events import record_event
from registry.services.public import search_index
from tests.registry.factories import T0, card, make_account, make_agency, make_draft_algorithm

COUNTS_CSV = "sex,tp,fp,tn,fn\nfemale,120,80,700,100\nmale,200,60,650,90\nnonbinary,2,1,3,1\n"
AUDIT_SPEC: dict[str, Any] = {
    "columns": {"sensitive_features": ["sex"]},
    "favourable_outcome": "beneficial",
    "reference": "most_favoured",
    "metrics": ["selection_rate", "false_negative_rate"],
    "checks": [
        {"name": "selection_ratio", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8}
    ],
    "min_denominator": 30,
    "bootstrap_replicates": 50,
    "seed": 7,
    "sample": {
        "period": "2023",
        "population": "Benefit claims decided in 2023",
        "source": "Case files",
        "kind": "historical",
    },
}
TRANSLATION = {
    "zh-CN": {
        "name": "福利申请分流",
        "summary": "对住房福利申请进行排序，让紧急个案优先处理。",
        "appeal_route": "可在任何福利办公室要求人工复核。",
    }
}


REPORT_FILE = Path(__file__).resolve().parent / "data" / "audit_report.json"


@cache
def audit_report() -> dict[str, Any]:
    """The engine's report for ``COUNTS_CSV`` under ``AUDIT_SPEC`` (stored, so page tests do not
    depend on the engine). Regenerate with ``fairness.audit_count_file`` on those two values and
    ``AuditReport.to_json(indent=1)`` when the report format changes."""
    return json.loads(REPORT_FILE.read_text())


@dataclass
class World:
    main: Algorithm
    retired: Algorithm
    draft: Algorithm
    audit_id: str
    private_audit_id: str
    agency_slug: str
    other_agency_slug: str


def _publish(
    session: Session,
    algorithm: Algorithm,
    editor: Any,
    publisher: Any,
    data: dict[str, Any],
    k: int,
    summary: str,
) -> None:
    at = T0 + timedelta(days=30 * k)
    if k > 1:
        drafts.save_draft(session, actor=editor, algorithm=algorithm, card=data, now=at)
    drafts.publish_draft(
        session,
        actor=publisher,
        algorithm=algorithm,
        change_summary=summary,
        four_eyes=True,
        revision=drafts.current_revision(session, algorithm),
        now=at,
    )


def _audit(
    session: Session,
    algorithm: Algorithm,
    submitter: Any,
    *,
    public_id: str,
    visibility: AuditVisibility,
) -> Audit:
    from sqlmodel import select

    from registry.models import CardVersion

    version = session.exec(
        select(CardVersion).where(
            CardVersion.algorithm_id == algorithm.id,
            CardVersion.number == algorithm.current_version,
        )
    ).one()
    report = audit_report()
    at = T0 + timedelta(days=200)
    values: dict[str, Any] = {
        "public_id": public_id,
        "algorithm_id": algorithm.id,
        "card_version_id": version.id,
        "algorithm_public_id": algorithm.public_id,
        "version_number": version.number,
        "submitter_id": submitter.id,
        "submitter_name": submitter.display_name,
        "kind": AuditKind.independent,
        "input_kind": AuditInput.counts,
        "spec": AUDIT_SPEC,
        "spec_sha256": hashlib.sha256(b"spec").hexdigest(),
        "sample_sha256": hashlib.sha256(COUNTS_CSV.encode()).hexdigest(),
        "sample_bytes": len(COUNTS_CSV),
        "sample_format": "counts",
        "state": AuditState.succeeded,
        "report": report,
        "verdict": report["verdict"],
        "engine_version": "0.1.0",
        "visibility": visibility,
        "published_at": at if visibility == AuditVisibility.published else None,
        "response_text": "We are reviewing the selection threshold."
        if visibility == AuditVisibility.published
        else None,
        "response_at": at + timedelta(days=12) if visibility == AuditVisibility.published else None,
        "created_at": at,
        "updated_at": at,
    }
    fields = set(Audit.model_fields)
    audit = Audit(**{k: v for k, v in values.items() if k in fields})
    session.add(audit)
    session.flush()
    # The ledger entries the services would have written; the published ones move the stamp.
    actions = ["audit.submitted", "audit.succeeded"]
    if visibility == AuditVisibility.published:
        actions += ["audit.published", "audit.response"]
    for action in actions:
        record_event(
            session,
            at=at,
            actor_id=submitter.id,
            action=action,
            subject_type="audit",
            subject_id=public_id,
        )
    search_index.sync(session)
    session.commit()
    return audit


def build_world(session: Session) -> World:
    agency = make_agency(session, slug="benefits-office", name="Benefits Office")
    other = make_agency(session, slug="city-transport", name="City Transport Department")
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    other_editor = make_account(session, role=Role.agency_editor, agency=other)
    other_publisher = make_account(session, role=Role.agency_editor, agency=other)
    auditor = make_account(session, role=Role.auditor)

    v1 = card(translations=TRANSLATION)
    main = make_draft_algorithm(session, agency=agency, editor=editor, card_data=v1)
    _publish(session, main, editor, publisher, v1, 1, "First publication.")
    v2 = card(
        translations=TRANSLATION,
        human_oversight="A caseworker checks every ranking before any letter is sent.",
    )
    _publish(session, main, editor, publisher, v2, 2, "Clarified human oversight.")
    v3 = card(
        translations=TRANSLATION,
        human_oversight="A caseworker checks every ranking before any letter is sent.",
        risk_category="other",
        withheld=[
            {
                "field": "source_code_url",
                "reason": "security",
                "explanation": "Publishing the rules would let people game the queue.",
            }
        ],
        summary=(
            '=HYPERLINK("http://evil.example") Ranks incoming housing benefit claims so '
            "that urgent cases are handled first."
        ),
    )
    _publish(session, main, editor, publisher, v3, 3, "Withheld the source code location.")

    transport = card(
        name="Bus lane camera alerts",
        summary="Flags vehicles driving in bus lanes for a warden to review.",
        scenario="urban_living",
        language="en",
    )
    retired = make_draft_algorithm(session, agency=other, editor=other_editor, card_data=transport)
    _publish(session, retired, other_editor, other_publisher, transport, 1, "First publication.")
    algorithms.retire_algorithm(
        session,
        actor=other_publisher,
        algorithm=retired,
        reason="Replaced by manual review.",
        now=T0 + timedelta(days=90),
    )

    draft = make_draft_algorithm(
        session, agency=agency, editor=editor, card_data=card(name="Secret draft scoring")
    )
    session.refresh(main)
    session.refresh(retired)
    audit = _audit(
        session, main, auditor, public_id="aud-00000000ab", visibility=AuditVisibility.published
    )
    private = _audit(
        session, main, auditor, public_id="aud-00000000cd", visibility=AuditVisibility.private
    )
    return World(main, retired, draft, audit.public_id, private.public_id, agency.slug, other.slug)


# Names of the untranslated world's agencies: each is known by one name only, so a reader of the
# other language sees the fallback (the name in the other language, never "None").
ENGLISH_ONLY_AGENCY = "Harbour Licensing Office"
CHINESE_ONLY_AGENCY = "临江市交通运输局"
ENGLISH_ONLY_CARD = "Street trading licence pre-check"
CHINESE_ONLY_CARD = "公交专用道违停提示"


@dataclass
class UntranslatedWorld:
    """Two agencies without ``name_translations`` and two cards without ``translations``."""

    english: Algorithm  # an English card (two versions) of the English-only agency
    chinese: Algorithm  # a Chinese card (two versions) of the Chinese-only agency
    english_audit_id: str
    chinese_audit_id: str
    english_agency_slug: str
    chinese_agency_slug: str


def build_untranslated_world(session: Session) -> UntranslatedWorld:
    english_agency = make_agency(
        session, slug="harbour-licensing", name=ENGLISH_ONLY_AGENCY, name_translations={}
    )
    chinese_agency = make_agency(
        session, slug="linjiang-transport", name=CHINESE_ONLY_AGENCY, name_translations={}
    )
    auditor = make_account(session, role=Role.auditor)

    editor = make_account(session, role=Role.agency_editor, agency=english_agency)
    publisher = make_account(session, role=Role.agency_editor, agency=english_agency)
    v1 = card(
        name=ENGLISH_ONLY_CARD,
        summary="Checks street trading licence applications for missing documents.",
    )
    english = make_draft_algorithm(session, agency=english_agency, editor=editor, card_data=v1)
    _publish(session, english, editor, publisher, v1, 1, "First publication.")
    v2 = {**v1, "human_oversight": "A licensing officer reviews every flagged application."}
    _publish(session, english, editor, publisher, v2, 2, "Clarified human oversight.")

    zh_editor = make_account(session, role=Role.agency_editor, agency=chinese_agency)
    zh_publisher = make_account(session, role=Role.agency_editor, agency=chinese_agency)
    zh_card = card(
        name=CHINESE_ONLY_CARD,
        summary="识别在公交专用道内行驶的车辆，交由执法人员复核。",
        scenario="urban_living",
        language="zh-CN",
    )
    chinese = make_draft_algorithm(
        session, agency=chinese_agency, editor=zh_editor, card_data=zh_card
    )
    _publish(session, chinese, zh_editor, zh_publisher, zh_card, 1, "首次发布。")
    zh_v2 = {**zh_card, "human_oversight": "执法人员逐条复核提示后再作处理。"}
    _publish(session, chinese, zh_editor, zh_publisher, zh_v2, 2, "补充人工复核说明。")

    session.refresh(english)
    session.refresh(chinese)
    en_audit = _audit(
        session, english, auditor, public_id="aud-00000000ef", visibility=AuditVisibility.published
    )
    zh_audit = _audit(
        session, chinese, auditor, public_id="aud-00000000gh", visibility=AuditVisibility.published
    )
    return UntranslatedWorld(
        english,
        chinese,
        en_audit.public_id,
        zh_audit.public_id,
        english_agency.slug,
        chinese_agency.slug,
    )
