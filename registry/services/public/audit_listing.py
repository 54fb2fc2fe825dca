"""Public audits across the register: the filtered, paginated list and the per-check download.

Visibility is the audit page's rule (``records.audit_record``): an audit is public when it
finished, was published (``published_at`` set) and is still published or later withdrawn (shown
as withdrawn, with its reason), and its algorithm is published or retired. A private audit, an
audit withdrawn before it was ever published, and any audit of a draft algorithm never appear.

The list reads the covering index ``ix_audit_public_listing`` for its count and the page's ids,
then those rows' listing columns only (never a report); the download reads reports in batches of
``BATCH`` audits by id, so memory stays flat however many audits there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from registry.cards.enums import Scenario
from registry.errors import Invalid
from registry.models import Agency, Algorithm, AlgorithmState
from registry.models.audit import Audit, AuditKind, AuditState, AuditVisibility
from registry.services.audits.disclosure import suppress_report

PUBLIC_ALGORITHM_STATES = (AlgorithmState.published.value, AlgorithmState.retired.value)
PUBLIC_AUDIT_VISIBILITY = (AuditVisibility.published.value, AuditVisibility.withdrawn.value)
VERDICTS = ("pass", "fail", "inconclusive", "not_assessed")
KINDS = tuple(k.value for k in AuditKind)
SCENARIOS = tuple(s.value for s in Scenario)
MAX_PAGE = 10_000
BATCH = 100

ERR_BAD_CHOICE = "'{name}' must be one of {choices}; got {value!r}."
ERR_UNKNOWN_AGENCY = "'agency' names no agency on the register: {value!r}."
ERR_BAD_DATE = "'{name}' must be a date written YYYY-MM-DD; got {value!r}."
ERR_DATE_ORDER = "'published_from' ({start}) is after 'published_to' ({end})."
ERR_BAD_PAGE = "The page number must be a whole number from 1."


def _invalid(name: str, msg: str, kind: str = "value_error") -> Invalid:
    return Invalid(msg, details=[{"loc": ["query", name], "msg": msg, "type": kind}])


@dataclass(frozen=True)
class AuditFilters:
    """What a reader narrowed the list to; an empty tuple or ``None`` means any."""

    agency: tuple[str, ...] = ()
    scenario: tuple[str, ...] = ()
    verdict: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    published_from: date | None = None
    published_to: date | None = None

    def is_empty(self) -> bool:
        return not (
            self.agency
            or self.scenario
            or self.verdict
            or self.kind
            or self.published_from
            or self.published_to
        )


def parse_date(name: str, raw: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query value, or a 422 naming the parameter."""
    if raw in (None, ""):
        return None
    assert raw is not None
    try:
        parsed = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:  # fromisoformat alone would also take 20240501 or 2024-W18-3
        raise _invalid(name, ERR_BAD_DATE.format(name=name, value=raw), "date_parsing")
    return parsed


def audit_filters(
    *,
    agency: tuple[str, ...] = (),
    scenario: tuple[str, ...] = (),
    verdict: tuple[str, ...] = (),
    kind: tuple[str, ...] = (),
    published_from: str | None = None,
    published_to: str | None = None,
) -> AuditFilters:
    """Checked filters: every value must be one the list knows, or a 422 names the parameter."""
    for name, values, choices in (
        ("scenario", scenario, SCENARIOS),
        ("verdict", verdict, VERDICTS),
        ("kind", kind, KINDS),
    ):
        for value in values:
            if value not in choices:
                msg = ERR_BAD_CHOICE.format(name=name, choices=", ".join(choices), value=value)
                raise _invalid(name, msg, "enum")
    start = parse_date("published_from", published_from)
    end = parse_date("published_to", published_to)
    if start and end and start > end:
        raise _invalid("published_from", ERR_DATE_ORDER.format(start=start, end=end))
    return AuditFilters(
        agency=agency,
        scenario=scenario,
        verdict=verdict,
        kind=kind,
        published_from=start,
        published_to=end,
    )


@dataclass
class AuditRow:
    """One public audit in the list: listing columns of the audit, its algorithm and agency."""

    audit: Audit
    algorithm: Algorithm
    agency: Agency


@dataclass
class AuditListing:
    total: int
    rows: list[AuditRow]
    agencies: list[Agency] = field(default_factory=list)
    """Every agency with at least one public audit, by name (the agency filter's options)."""


_AUDIT_COLUMNS = load_only(
    Audit.id,  # type: ignore[arg-type]
    Audit.public_id,  # type: ignore[arg-type]
    Audit.algorithm_id,  # type: ignore[arg-type]
    Audit.version_number,  # type: ignore[arg-type]
    Audit.kind,  # type: ignore[arg-type]
    Audit.state,  # type: ignore[arg-type]
    Audit.visibility,  # type: ignore[arg-type]
    Audit.verdict,  # type: ignore[arg-type]
    Audit.published_at,  # type: ignore[arg-type]
    Audit.withdrawn_at,  # type: ignore[arg-type]
    Audit.withdrawn_reason,  # type: ignore[arg-type]
    Audit.response_text,  # type: ignore[arg-type]
    Audit.response_at,  # type: ignore[arg-type]
)
_ALGORITHM_COLUMNS = load_only(
    Algorithm.id,  # type: ignore[arg-type]
    Algorithm.public_id,  # type: ignore[arg-type]
    Algorithm.agency_id,  # type: ignore[arg-type]
    Algorithm.name,  # type: ignore[arg-type]
    Algorithm.scenario,  # type: ignore[arg-type]
    Algorithm.risk_category,  # type: ignore[arg-type]
    Algorithm.state,  # type: ignore[arg-type]
)


def public_audit_conditions() -> list[sa.ColumnElement[bool]]:
    """The rule that makes an audit public (the audit page's own), as SQL conditions on a
    statement that joins ``Audit`` to ``Algorithm``."""
    return [
        col(Audit.state) == AuditState.succeeded.value,
        col(Audit.visibility).in_(PUBLIC_AUDIT_VISIBILITY),
        col(Audit.published_at).is_not(None),
        col(Algorithm.state).in_(PUBLIC_ALGORITHM_STATES),
    ]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filter_conditions(
    filters: AuditFilters, agency_ids: dict[str, int]
) -> list[sa.ColumnElement[bool]]:
    conds = public_audit_conditions()
    if filters.agency:
        conds.append(
            col(Algorithm.agency_id).in_([agency_ids[s] for s in filters.agency if s in agency_ids])
        )
    if filters.scenario:
        conds.append(col(Algorithm.scenario).in_(filters.scenario))
    if filters.verdict:
        conds.append(col(Audit.verdict).in_(filters.verdict))
    if filters.kind:
        conds.append(col(Audit.kind).in_(filters.kind))
    if filters.published_from:
        conds.append(col(Audit.published_at) >= _day_start(filters.published_from))
    if filters.published_to:  # the whole day named is included
        conds.append(col(Audit.published_at) < _day_start(filters.published_to + timedelta(1)))
    return conds


def list_audits(
    session: Session, *, filters: AuditFilters, page: int, per_page: int
) -> AuditListing:
    """One page of public audits matching ``filters``, newest first, and their total."""
    if page < 1 or page > MAX_PAGE:
        raise _invalid("page", ERR_BAD_PAGE)
    agencies = list(session.exec(select(Agency).order_by(col(Agency.name), col(Agency.id))))
    by_slug = {a.slug: a.id for a in agencies if a.id is not None}
    for slug in filters.agency:
        if slug not in by_slug:
            raise _invalid("agency", ERR_UNKNOWN_AGENCY.format(value=slug), "enum")
    conds = _filter_conditions(filters, by_slug)
    joined = (
        sa.select(sa.func.count())
        .select_from(Audit)
        .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
    )
    total = int(session.execute(joined.where(*conds)).scalar_one())
    rows: list[AuditRow] = []
    if total:
        # The page's ids from the covering index first, then only those rows: sorting the
        # matching rows themselves would read every matching audit's report.
        page_ids = (
            sa.select(col(Audit.id))
            .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
            .where(*conds)
            .order_by(col(Audit.published_at).desc(), col(Audit.id).desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        ids = list(session.execute(page_ids).scalars())
        stmt = (
            select(Audit, Algorithm)
            .options(_AUDIT_COLUMNS, _ALGORITHM_COLUMNS)
            .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
            .where(col(Audit.id).in_(ids))
        )
        by_id = {a.id: a for a in agencies}
        found = {audit.id: (audit, alg) for audit, alg in session.exec(stmt)}
        rows = [
            AuditRow(found[i][0], found[i][1], by_id[found[i][1].agency_id])
            for i in ids
            if i in found
        ]
    with_audits = set(
        session.execute(
            sa.select(col(Algorithm.agency_id))
            .select_from(Audit)
            .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
            .where(*public_audit_conditions())
            .distinct()
        ).scalars()
    )
    return AuditListing(
        total=total, rows=rows, agencies=[a for a in agencies if a.id in with_audits]
    )


# --- the download: one row per check of every public audit ----------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """One declared check applied to one group of one public audit (small cells withheld)."""

    audit_id: str
    agency: str
    agency_name: str
    algorithm: str
    algorithm_name: str
    version: int
    auditor_kind: str
    published_at: datetime | None
    withdrawn: bool
    check: str
    metric: str
    kind: str | None
    threshold: float | None
    attribute: str
    group: str
    reference: str | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    withheld: bool
    """The group's or the reference's count is under k: its numbers are not published."""
    result: str | None
    report: dict[str, Any]
    """The (suppressed) report the row comes from: for display labels, never for output."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _withheld(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("suppressed"))


def audit_check_rows(session: Session, *, k: int) -> Iterator[CheckRow]:
    """Every check row of every public audit, by audit id; reports read ``BATCH`` at a time."""
    agencies = {a.id: a for a in session.exec(select(Agency))}
    last_id = 0
    while True:
        batch = session.exec(
            select(Audit, Algorithm)
            .options(
                load_only(
                    Audit.id,  # type: ignore[arg-type]
                    Audit.public_id,  # type: ignore[arg-type]
                    Audit.version_number,  # type: ignore[arg-type]
                    Audit.kind,  # type: ignore[arg-type]
                    Audit.published_at,  # type: ignore[arg-type]
                    Audit.withdrawn_at,  # type: ignore[arg-type]
                    Audit.report,  # type: ignore[arg-type]
                ),
                _ALGORITHM_COLUMNS,
            )
            .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
            .where(*public_audit_conditions(), col(Audit.id) > last_id)
            .order_by(col(Audit.id))
            .limit(BATCH)
        ).all()
        if not batch:
            return
        for audit, algorithm in batch:
            agency = agencies[algorithm.agency_id]
            report = suppress_report(audit.report, k=k) if audit.report else {}
            for check in report.get("checks") or []:
                value = check.get("value")
                yield CheckRow(
                    audit_id=audit.public_id,
                    agency=agency.slug,
                    agency_name=agency.name,
                    algorithm=algorithm.public_id,
                    algorithm_name=algorithm.name,
                    version=audit.version_number,
                    auditor_kind=str(audit.kind),
                    published_at=audit.published_at,
                    withdrawn=audit.withdrawn_at is not None,
                    check=str(check.get("name")),
                    metric=str(check.get("metric")),
                    kind=check.get("kind"),
                    threshold=_number(check.get("threshold")),
                    attribute=str(check.get("attribute")),
                    group=str(check.get("group")),
                    reference=check.get("reference"),
                    value=_number(value),
                    ci_low=_number(check.get("ci_low")),
                    ci_high=_number(check.get("ci_high")),
                    withheld=_withheld(value),
                    result=check.get("verdict"),
                    report=report,
                )
        last_id = batch[-1][0].id or last_id
        session.expunge_all()  # the batch's reports are done with: keep memory flat
