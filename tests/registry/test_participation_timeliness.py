"""On the clock: response-target settings, the timeliness arithmetic (working days, holidays) and
the per-agency figures counted from the database."""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from sqlmodel import select

from registry.config import Settings
from registry.models import AlgorithmState, Role
from registry.models.participation import ItemState, ParticipationItem
from registry.services.participation import moderation, submission
from registry.services.participation.timeliness import (
    ItemGroup,
    ResponseClock,
    clock_from_settings,
    open_past_target,
    tally,
    timeliness_by_agency,
)
from registry.services.public import scorecards
from registry.working_days import WorkingCalendar
from tests.registry.factories import T0, make_account, make_agency, make_published_algorithm

MON = date(2024, 1, 15)  # T0's day, a Monday
WEEKENDS = ResponseClock(WorkingCalendar(), 20)


# --- settings -----------------------------------------------------------------------------------


def test_defaults_are_twenty_working_days_and_weekends_only():
    settings = Settings()
    clock = clock_from_settings(settings)
    assert clock.target_days == 20
    assert clock.calendar == WorkingCalendar()


def test_settings_build_the_calendar_with_extra_days():
    settings = Settings(
        holiday_calendar="GB-ENG",
        extra_holidays="2026-12-24, 2026-12-31",
        extra_working_days="2026-12-05",
        response_target_days=15,
    )
    clock = clock_from_settings(settings)
    assert (clock.calendar.country, clock.calendar.subdivision) == ("GB", "ENG")
    assert clock.calendar.extra_holidays == {date(2026, 12, 24), date(2026, 12, 31)}
    assert clock.calendar.is_working_day(date(2026, 12, 5))  # a Saturday, worked
    assert not clock.calendar.is_working_day(date(2026, 12, 24))
    assert clock.target_days == 15


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("holiday_calendar", "XX", "REGISTRY_HOLIDAY_CALENDAR"),
        ("holiday_calendar", "GB-NOWHERE", "REGISTRY_HOLIDAY_CALENDAR"),
        ("extra_holidays", "2026-12-24,Christmas", "REGISTRY_EXTRA_HOLIDAYS"),
        ("extra_working_days", "2026-13-01", "REGISTRY_EXTRA_WORKING_DAYS"),
    ],
)
def test_bad_calendar_settings_are_refused_naming_the_setting(field, value, named):
    with pytest.raises(ValidationError) as caught:
        Settings(**{field: value})
    error = caught.value.errors()[0]
    assert error["loc"] == (field,)
    assert named in error["msg"]


def test_settings_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("REGISTRY_HOLIDAY_CALENDAR", "CN")
    monkeypatch.setenv("REGISTRY_RESPONSE_TARGET_DAYS", "10")
    settings = Settings()
    assert settings.working_calendar.country == "CN"
    assert settings.response_target_days == 10
    monkeypatch.setenv("REGISTRY_RESPONSE_TARGET_DAYS", "0")
    with pytest.raises(ValidationError, match="response_target_days"):
        Settings()


# --- the arithmetic -----------------------------------------------------------------------------


def _group(received: date, answered: date | None = None, *, state=ItemState.published, n=1):
    return ItemGroup(agency_id=1, state=state, received=received, answered=answered, count=n)


def test_answer_on_the_last_day_is_in_time_and_the_day_after_is_late():
    due = WEEKENDS.due(MON)
    assert due == date(2024, 2, 12)  # 20 weekdays after Monday 15 January, receipt not counted
    found = tally(
        [_group(MON, due), _group(MON, due + timedelta(days=1))], clock=WEEKENDS, today=due
    )[1]
    assert (found.received, found.answered, found.answered_in_time) == (2, 2, 1)


def test_a_holiday_calendar_moves_the_due_date():
    # China, Spring Festival 2024: 10-17 February off, Sunday 4 February worked (调休).
    china = ResponseClock(WorkingCalendar("CN"), 20)
    assert china.due(MON) == date(2024, 2, 9)
    received = date(2024, 2, 5)
    # Six working days left in February's first weeks, then the holiday stops the clock.
    assert WEEKENDS.due(received) == date(2024, 3, 4)
    assert china.due(received) > WEEKENDS.due(received)
    answered = WEEKENDS.due(received) + timedelta(days=1)
    in_china = tally([_group(received, answered)], clock=china, today=answered)[1]
    in_weekends = tally([_group(received, answered)], clock=WEEKENDS, today=answered)[1]
    assert (in_china.answered_in_time, in_weekends.answered_in_time) == (1, 0)


def test_extra_holidays_and_working_days_count():
    closed = ResponseClock(WorkingCalendar(extra_holidays=frozenset({date(2024, 1, 16)})), 1)
    assert closed.due(MON) == date(2024, 1, 17)
    saturday_worked = ResponseClock(
        WorkingCalendar(extra_working_days=frozenset({date(2024, 1, 20)})), 5
    )
    assert saturday_worked.due(MON) == date(2024, 1, 20)


def test_open_items_count_past_the_target_only_while_waiting():
    due = WEEKENDS.due(MON)
    groups = [
        _group(MON, state=ItemState.pending),  # never moderated
        _group(MON, state=ItemState.published, n=2),  # published, no answer
        _group(MON, state=ItemState.declined),  # closed by the decision
        _group(MON, state=ItemState.merged),  # closed: the other item answers it
    ]
    assert tally(groups, clock=WEEKENDS, today=due)[1].open_past_target == 0
    late = tally(groups, clock=WEEKENDS, today=due + timedelta(days=1))[1]
    assert (late.received, late.answered, late.open_past_target) == (5, 0, 3)
    assert late.median_days_to_answer is None


def test_median_days_to_answer_is_in_calendar_days_and_matches_numpy():
    rng = random.Random(13)
    groups, waits = [], []
    for _ in range(40):
        received = MON + timedelta(days=rng.randrange(60))
        wait = rng.randrange(45)
        n = rng.randrange(1, 4)
        groups.append(_group(received, received + timedelta(days=wait), n=n))
        waits += [wait] * n
    found = tally(groups, clock=WEEKENDS, today=MON + timedelta(days=200))[1]
    assert found.median_days_to_answer == pytest.approx(float(np.median(waits)))
    assert found.answered == len(waits)
    expected_in_time = sum(
        g.count for g in groups if g.answered is not None and g.answered <= WEEKENDS.due(g.received)
    )
    assert found.answered_in_time == expected_in_time
    # A weekend wait counts in calendar days: Friday to Monday is 3.
    friday = date(2024, 1, 19)
    short = tally([_group(friday, friday + timedelta(days=3))], clock=WEEKENDS, today=friday)
    assert short[1].median_days_to_answer == 3.0
    assert statistics.median([1, 2, 10, 11]) == 6.0  # the even-count median is the midpoint
    even = tally(
        [_group(MON, MON + timedelta(days=d)) for d in (1, 2, 10, 11)], clock=WEEKENDS, today=MON
    )
    assert even[1].median_days_to_answer == 6.0


# --- from the database --------------------------------------------------------------------------

pytestdb = pytest.mark.db


def _at(day: date, hour: int = 10) -> datetime:
    return T0.replace(year=day.year, month=day.month, day=day.day, hour=hour)


@pytest.fixture
def world(session):
    agency = make_agency(session, slug="benefits")
    quiet = make_agency(session, slug="quiet")
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    return {"agency": agency, "quiet": quiet, "algorithm": algorithm, "editor": editor}


def _submit(session, world, text, day):
    done = submission.submit_item(
        session,
        public_id=world["algorithm"].public_id,
        kind="question",
        text=text,
        contact_email="someone@example.com",
        duplicate_hours=0,
        now=_at(day),
    )
    return done.item.public_id


@pytestdb
def test_figures_per_agency_from_the_database(session, world):
    editor = world["editor"]
    in_time = _submit(session, world, "answered in time", MON)
    late = _submit(session, world, "answered late", MON)
    _submit(session, world, "never moderated", MON)
    declined = _submit(session, world, "declined", MON)
    waiting = _submit(session, world, "published, waiting", MON + timedelta(days=1))
    due = WEEKENDS.due(MON)
    moderation.publish_item(session, actor=editor, item_id=in_time, answer="Yes.", now=_at(due))
    moderation.publish_item(
        session, actor=editor, item_id=late, answer="Late.", now=_at(due + timedelta(days=1))
    )
    moderation.decline_item(
        session, actor=editor, item_id=declined, reason="off_topic", now=_at(MON)
    )
    moderation.publish_item(session, actor=editor, item_id=waiting, answer=None, now=_at(MON))
    today = due + timedelta(days=1)  # past the target of Monday's items, not Tuesday's
    found = timeliness_by_agency(session, clock=WEEKENDS, today=today)
    agency_id = world["agency"].id
    assert set(found) == {agency_id}  # an agency with no item is absent
    t = found[agency_id]
    assert (t.received, t.answered, t.answered_in_time) == (5, 2, 1)
    assert t.median_days_to_answer == ((due - MON).days + (due - MON).days + 1) / 2
    assert t.open_past_target == 1  # the one never moderated; Tuesday's is due a day later
    assert open_past_target(session, clock=WEEKENDS, today=today, agency_id=agency_id) == 1
    later = today + timedelta(days=1)
    assert open_past_target(session, clock=WEEKENDS, today=later, agency_id=agency_id) == 2
    cards = {c.agency.slug: c for c in scorecards.scorecards(session, today=today, clock=WEEKENDS)}
    assert cards["benefits"].responses == t
    assert cards["quiet"].responses.received == 0
    assert cards["quiet"].responses.target_days == 20


@pytestdb
def test_items_about_algorithms_no_longer_public_do_not_count(session, world):
    _submit(session, world, "about an algorithm taken back to draft", MON)
    algorithm = world["algorithm"]
    algorithm.state = AlgorithmState.draft
    session.add(algorithm)
    session.commit()
    assert timeliness_by_agency(session, clock=WEEKENDS, today=MON) == {}
    assert session.exec(select(ParticipationItem)).one().state == ItemState.pending
