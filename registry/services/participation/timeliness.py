"""On the clock: how promptly each agency answers the public (docs/participation.md).

An item is due on the ``target_days``-th working day after the day it was received (the agency's
``WorkingCalendar``: weekends, the holiday calendar and the extra days of the settings). Per
agency:

* **received**: every item about its public algorithms, whatever became of it;
* **answered**: items with an answer (published with one, or answered later);
* **answered in time**: of those, answered on or before the due date;
* **median days to answer**: of the answered items, in *calendar* days from receipt to answer
  (whole UTC days), so a reader can compare it with the target without a calendar;
* **open past the target**: items still waiting for an answer (awaiting moderation, or published
  without an answer) whose due date has passed. Declined and merged items are closed: the decision
  (or the answer of the item merged into) is their response.

One aggregate query for every agency (or one): items are grouped by agency, state, day received
and day answered, so the rows read grow with the number of distinct days, not with the items. The
working-day arithmetic, which SQL cannot do with a holiday calendar, runs on those groups.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from registry.models import Algorithm
from registry.models.participation import ItemState, ParticipationItem
from registry.services.public.audit_listing import PUBLIC_ALGORITHM_STATES
from registry.working_days import WorkingCalendar

DEFAULT_TARGET_DAYS = 20
OPEN_STATES = (ItemState.pending, ItemState.published)


@dataclass(frozen=True)
class ResponseClock:
    """The response target: ``target_days`` working days of ``calendar``."""

    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    target_days: int = DEFAULT_TARGET_DAYS

    def due(self, received: date) -> date:
        """The last day on which an answer is in time."""
        return self.calendar.due_date(received, self.target_days)

    def past_target(self, received: date, today: date) -> bool:
        """Whether an item received on ``received`` and still unanswered on ``today`` is late."""
        return today > self.due(received)

    def in_time(self, received: date, answered: date) -> bool:
        return answered <= self.due(received)


DEFAULT_CLOCK = ResponseClock()


def clock_from_settings(settings: Any) -> ResponseClock:
    """The clock of the settings (``REGISTRY_RESPONSE_TARGET_DAYS``, ``REGISTRY_HOLIDAY_CALENDAR``,
    ``REGISTRY_EXTRA_HOLIDAYS``, ``REGISTRY_EXTRA_WORKING_DAYS``)."""
    return ResponseClock(settings.working_calendar, settings.response_target_days)


@dataclass
class Timeliness:
    """One agency's figures (see the module docstring)."""

    target_days: int = DEFAULT_TARGET_DAYS
    received: int = 0
    answered: int = 0
    answered_in_time: int = 0
    median_days_to_answer: float | None = None
    open_past_target: int = 0


@dataclass(frozen=True)
class ItemGroup:
    """``count`` items of one agency in one state, received (and answered) on the same days."""

    agency_id: int
    state: ItemState
    received: date
    answered: date | None
    count: int


def tally(
    groups: Iterable[ItemGroup], *, clock: ResponseClock, today: date
) -> dict[int, Timeliness]:
    """The figures per agency id from the grouped items: the one definition of them."""
    out: dict[int, Timeliness] = {}
    waits: dict[int, list[int]] = {}
    due: dict[date, date] = {}  # the working-day walk once per distinct day received
    for g in groups:
        t = out.setdefault(g.agency_id, Timeliness(target_days=clock.target_days))
        t.received += g.count
        if g.received not in due:
            due[g.received] = clock.due(g.received)
        if g.answered is not None:
            t.answered += g.count
            t.answered_in_time += g.count * (g.answered <= due[g.received])
            waits.setdefault(g.agency_id, []).extend([(g.answered - g.received).days] * g.count)
        elif g.state in OPEN_STATES and today > due[g.received]:
            t.open_past_target += g.count
    for agency_id, days in waits.items():
        out[agency_id].median_days_to_answer = float(statistics.median(days))
    return out


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, in this database's SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("UTC", column), sa.Date)
    return sa.func.date(column)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def item_groups(session: Session, *, agency_id: int | None = None) -> list[ItemGroup]:
    """Items about public algorithms grouped by agency, state, day received and day answered."""
    received = _day(session, col(ParticipationItem.received_at))
    answered = _day(session, col(ParticipationItem.answered_at))
    query = (
        sa.select(
            col(Algorithm.agency_id),
            col(ParticipationItem.state),
            received,
            answered,
            sa.func.count(),
        )
        .select_from(ParticipationItem)
        .join(Algorithm, col(Algorithm.id) == col(ParticipationItem.algorithm_id))
        .where(col(Algorithm.state).in_(PUBLIC_ALGORITHM_STATES))
        .group_by(col(Algorithm.agency_id), col(ParticipationItem.state), received, answered)
    )
    if agency_id is not None:
        query = query.where(col(Algorithm.agency_id) == agency_id)
    groups = []
    for agency, state, day_received, day_answered, count in session.execute(query):
        received_day = _as_date(day_received)
        assert received_day is not None
        groups.append(
            ItemGroup(
                agency_id=int(agency),
                state=ItemState(state),
                received=received_day,
                answered=_as_date(day_answered),
                count=int(count),
            )
        )
    return groups


def timeliness_by_agency(
    session: Session, *, clock: ResponseClock, today: date, agency_id: int | None = None
) -> dict[int, Timeliness]:
    """Every agency's figures (or one's), by agency id; an agency with no item is absent."""
    return tally(item_groups(session, agency_id=agency_id), clock=clock, today=today)


@dataclass(frozen=True)
class Waiting:
    """What awaits one agency's editors (the console's home)."""

    in_moderation: int
    past_target: int


def agency_waiting(
    session: Session, *, clock: ResponseClock, today: date, agency_id: int
) -> Waiting:
    """Items of one agency awaiting moderation, and items still waiting for an answer past the
    target (in moderation or published): one aggregate query."""
    groups = item_groups(session, agency_id=agency_id)
    found = tally(groups, clock=clock, today=today).get(agency_id)
    return Waiting(
        in_moderation=sum(g.count for g in groups if g.state == ItemState.pending),
        past_target=found.open_past_target if found else 0,
    )


def open_past_target(session: Session, *, clock: ResponseClock, today: date, agency_id: int) -> int:
    """Items of one agency still waiting for an answer past the target."""
    return agency_waiting(session, clock=clock, today=today, agency_id=agency_id).past_target
