"""The page-test world's audit report with the auditor's labels (as the engine carries a spec's
``labels`` block into ``report["spec"]``), for tests that readers see names, never codes."""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel import Session, select

from registry.models.audit import Audit
from tests.pages.world import audit_report

LABELS: dict[str, Any] = {
    "attributes": {"sex": {"en": "Gender", "zh-CN": "性别"}},
    "groups": {
        "sex": {
            "female": {"en": "Women", "zh-CN": "女性"},
            "male": {"en": "Men", "zh-CN": "男性"},
            "nonbinary": {"en": "Non-binary people", "zh-CN": "非二元性别者"},
        }
    },
    "checks": {"selection_ratio": {"en": "Offer rate ratio", "zh-CN": "录取率比值"}},
}
#: Data codes of the labelled report that must never reach a reader's eyes.
CODES = ("sex", "female", "male", "nonbinary", "selection_ratio", "selection_rate", "bh")
#: A note of the kind the engine writes when rows have no value (3 is below the small-cell k).
UNKNOWN_NOTE = "3 row(s) have no value for 'sex'; they are reported as the group 'unknown'."


def labelled_report() -> dict[str, Any]:
    report = copy.deepcopy(audit_report())
    report["spec"]["labels"] = copy.deepcopy(LABELS)
    report["notes"] = [*report["notes"], UNKNOWN_NOTE]
    return report


def label_stored_audit(session: Session, audit_id: str) -> Audit:
    """Give the stored audit ``audit_id`` the labelled report (and its failed check)."""
    audit = session.exec(select(Audit).where(Audit.public_id == audit_id)).one()
    audit.report = labelled_report()
    audit.spec = {**(audit.spec or {}), "labels": copy.deepcopy(LABELS)}
    audit.verdicts = [{"name": "selection_ratio", "verdict": "fail"}]
    session.add(audit)
    session.commit()
    session.refresh(audit)
    return audit
