"""Accountability scorecards of agencies: the same figures for one agency or all of them.

Per agency: its algorithms in use by risk category (retired ones counted apart), how many of
those have a standing independent audit, how many standing audits found a disparity beyond the
declared threshold (verdict ``fail``) and how many of those the agency answered in public, and how
many in-use cards are past their own next review date. Three queries whatever the number of
agencies (the card's review date is read by a JSON path, never by loading whole cards; audits from
a covering index, never their reports); the agency page counts from the rows it already loaded.
Both count with :func:`tally`, the one definition of the figures.

"Standing" audit: public by the audit page's rule (``audit_listing.public_audit_conditions``) and
not withdrawn. A withdrawn audit stays on its page but no longer counts for or against the agency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.cards.enums import RiskCategory
from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit, AuditKind
from registry.services.participation.timeliness import (
    DEFAULT_CLOCK,
    ResponseClock,
    Timeliness,
    timeliness_by_agency,
)
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
    responses: Timeliness = field(default_factory=Timeliness)
    """How promptly it answers questions and concerns from the public (on the clock)."""


def _review_overdue(value: object, today: date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value) < today
    except ValueError:
        return False


@dataclass(frozen=True)
class AlgorithmFacts:
    """What a scorecard needs of one public algorithm."""

    id: int
    agency_id: int
    retired: bool
    risk_category: str | None
    next_review_date: object
    """As the current card states it (a ``YYYY-MM-DD`` string; anything else is never due)."""


@dataclass(frozen=True)
class AuditFacts:
    """What a scorecard needs of one public audit."""

    agency_id: int
    algorithm_id: int
    independent: bool
    failed: bool
    withdrawn: bool
    responded: bool


def tally(
    cards: dict[int, Scorecard],
    algorithms: Iterable[AlgorithmFacts],
    audits: Iterable[AuditFacts],
    *,
    today: date,
) -> None:
    """Count ``algorithms`` and public ``audits`` into their agencies' scorecards (by agency id).

    The one definition of the figures: the comparison and the agency page both count with it.
    """
    in_use: dict[int, int] = {}
    for alg in algorithms:
        card = cards.get(alg.agency_id)
        if card is None:
            continue
        if alg.retired:
            card.retired += 1
            continue
        in_use[alg.id] = alg.agency_id
        card.in_use += 1
        card.by_risk[alg.risk_category if alg.risk_category in card.by_risk else "other"] += 1
        card.review_overdue += _review_overdue(alg.next_review_date, today)
    audited: set[int] = set()
    for audit in audits:
        card = cards.get(audit.agency_id)
        if card is None or audit.withdrawn:  # a withdrawn audit no longer counts either way
            continue
        if audit.independent and audit.algorithm_id in in_use:
            audited.add(audit.algorithm_id)
        if audit.failed:
            card.failed_audits += 1
            card.failed_responded += audit.responded
    for algorithm_id in audited:
        cards[in_use[algorithm_id]].independently_audited += 1


def _current_card_review_dates(
    session: Session, scope: list[sa.ColumnElement[bool]]
) -> list[Sequence[Any]]:
    current = sa.and_(
        col(CardVersion.algorithm_id) == col(Algorithm.id),
        col(CardVersion.number) == col(Algorithm.current_version),
    )
    return list(
        session.execute(
            sa.select(
                col(Algorithm.id),
                col(Algorithm.agency_id),
                col(Algorithm.state),
                col(Algorithm.risk_category),
                col(CardVersion.card)["next_review_date"],
            )
            .select_from(Algorithm)
            .outerjoin(CardVersion, current)
            .where(col(Algorithm.state).in_(PUBLIC_ALGORITHM_STATES), *scope)
        ).all()
    )


def _algorithm_facts(rows: Iterable[Sequence[Any]]) -> list[AlgorithmFacts]:
    # Each row: id, agency id, state, risk category, the card's next review date.
    return [
        AlgorithmFacts(
            id=row[0],
            agency_id=row[1],
            retired=str(row[2]) == AlgorithmState.retired.value,
            risk_category=row[3],
            next_review_date=row[4],
        )
        for row in rows
    ]


def audit_facts(audit: Audit, agency_id: int) -> AuditFacts:
    return AuditFacts(
        agency_id=agency_id,
        algorithm_id=audit.algorithm_id,
        independent=str(audit.kind) == AuditKind.independent.value,
        failed=audit.verdict == "fail",
        withdrawn=audit.withdrawn_at is not None,
        responded=audit.response_at is not None,
    )


def scorecards(
    session: Session, *, today: date, clock: ResponseClock = DEFAULT_CLOCK
) -> list[Scorecard]:
    """The scorecard of every agency, by name: four queries (agencies, algorithms with their
    current card's review date, public audits from the covering index, participation items
    grouped by day)."""
    agencies = list(session.exec(select(Agency).order_by(col(Agency.name), col(Agency.id))))
    cards = {a.id: Scorecard(a) for a in agencies if a.id is not None}
    algorithms = _algorithm_facts(_current_card_review_dates(session, []))
    rows = session.execute(
        sa.select(
            col(Algorithm.agency_id),
            col(Audit.algorithm_id),
            col(Audit.kind),
            col(Audit.verdict),
            col(Audit.withdrawn_at),
            col(Audit.response_at),
        )
        .select_from(Audit)
        .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
        .where(*public_audit_conditions())
    )
    audits = [
        AuditFacts(
            agency_id=agency_id,
            algorithm_id=algorithm_id,
            independent=str(kind) == AuditKind.independent.value,
            failed=verdict == "fail",
            withdrawn=withdrawn_at is not None,
            responded=response_at is not None,
        )
        for agency_id, algorithm_id, kind, verdict, withdrawn_at, response_at in rows
    ]
    tally(cards, algorithms, audits, today=today)
    _add_responses(cards, timeliness_by_agency(session, clock=clock, today=today), clock)
    return list(cards.values())


def _add_responses(
    cards: dict[int, Scorecard], found: dict[int, Timeliness], clock: ResponseClock
) -> None:
    for agency_id, card in cards.items():
        card.responses = found.get(agency_id) or Timeliness(target_days=clock.target_days)


def agency_scorecard(
    session: Session,
    *,
    agency: Agency,
    algorithms: Iterable[Algorithm],
    audits: Iterable[Audit],
    today: date,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> Scorecard:
    """One agency's scorecard from its public algorithms and audits as the agency page already
    loaded them (``records.agency_record``); one more query reads the cards' review dates, one
    the participation items grouped by day."""
    card = Scorecard(agency)
    ids = [a.id for a in algorithms if a.id is not None]
    rows = _current_card_review_dates(session, [col(Algorithm.id).in_(ids)]) if ids else []
    tally(
        {agency.id or 0: card},
        _algorithm_facts(rows),
        [audit_facts(audit, agency.id or 0) for audit in audits],
        today=today,
    )
    agency_id = agency.id or 0
    _add_responses(
        {agency_id: card},
        timeliness_by_agency(session, clock=clock, today=today, agency_id=agency_id),
        clock,
    )
    return card
