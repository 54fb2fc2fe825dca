"""Accountability scorecards of agencies: the same figures for one agency or all of them.

Per agency: its algorithms in use by risk category (retired ones counted apart), how many of
those have a standing independent audit, how many standing audits found a disparity beyond the
declared threshold (verdict ``fail``) and how many of those the agency answered in public, and how
many in-use cards are past their own next review date. Three grouped queries whatever the number
of agencies (the card's review date is read by a JSON path, never by loading whole cards).

"Standing" audit: public by the audit page's rule (``audit_listing.public_audit_conditions``) and
not withdrawn. A withdrawn audit stays on its page but no longer counts for or against the agency.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.cards.enums import RiskCategory
from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit, AuditKind
from registry.services.public.audit_listing import (
    PUBLIC_ALGORITHM_STATES,
    public_audit_conditions,
)

RISKS = tuple(r.value for r in RiskCategory)


@dataclass
class Scorecard:
    agency: Agency
    in_use: int = 0
    """Public algorithms not retired."""
    retired: int = 0
    by_risk: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RISKS, 0))
    """In-use algorithms per risk category (every category present, zero included)."""
    independently_audited: int = 0
    """In-use algorithms with at least one standing independent audit."""
    failed_audits: int = 0
    """Standing audits whose verdict is a disparity beyond the declared threshold."""
    failed_responded: int = 0
    """Of those, how many the agency answered in public."""
    review_overdue: int = 0
    """In-use algorithms whose current card's next review date has passed."""


def _review_overdue(value: object, today: date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value) < today
    except ValueError:
        return False


def scorecards(session: Session, *, today: date, agency: Agency | None = None) -> list[Scorecard]:
    """The scorecard of every agency (by name), or of ``agency`` alone."""
    agencies = (
        [agency]
        if agency is not None
        else list(session.exec(select(Agency).order_by(col(Agency.name), col(Agency.id))))
    )
    cards = {a.id: Scorecard(a) for a in agencies}
    scope = [col(Algorithm.agency_id) == agency.id] if agency is not None else []
    current = sa.and_(
        col(CardVersion.algorithm_id) == col(Algorithm.id),
        col(CardVersion.number) == col(Algorithm.current_version),
    )
    algorithms = session.execute(
        sa.select(
            col(Algorithm.agency_id),
            col(Algorithm.state),
            col(Algorithm.risk_category),
            col(CardVersion.card)["next_review_date"],
        )
        .select_from(Algorithm)
        .outerjoin(CardVersion, current)
        .where(col(Algorithm.state).in_(PUBLIC_ALGORITHM_STATES), *scope)
    ).all()
    risks: dict[int, Counter[str]] = {}
    for agency_id, state, risk, next_review in algorithms:
        card = cards.get(agency_id)
        if card is None:
            continue
        if str(state) == AlgorithmState.retired.value:
            card.retired += 1
            continue
        card.in_use += 1
        risks.setdefault(agency_id, Counter())[risk or "other"] += 1
        card.review_overdue += _review_overdue(next_review, today)
    for agency_id, counter in risks.items():
        cards[agency_id].by_risk.update(counter)

    standing = [*public_audit_conditions(), col(Audit.withdrawn_at).is_(None), *scope]
    failed = col(Audit.verdict) == "fail"
    in_use_independent = sa.and_(
        col(Audit.kind) == AuditKind.independent.value,
        col(Algorithm.state) == AlgorithmState.published.value,
    )
    audit_figures = session.execute(
        sa.select(
            col(Algorithm.agency_id),
            sa.func.count(sa.distinct(sa.case((in_use_independent, col(Audit.algorithm_id))))),
            sa.func.count(sa.case((failed, 1))),
            sa.func.count(sa.case((sa.and_(failed, col(Audit.response_at).is_not(None)), 1))),
        )
        .select_from(Audit)
        .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
        .where(*standing)
        .group_by(col(Algorithm.agency_id))
    ).all()
    for agency_id, independent, failures, responded in audit_figures:
        card = cards.get(agency_id)
        if card is not None:
            card.independently_audited = int(independent)
            card.failed_audits = int(failures)
            card.failed_responded = int(responded)
    return list(cards.values())
