"""Working days of a response target: weekends, public holidays, moved working days, settings."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.working_days import WorkingCalendar, parse_calendar, parse_dates


def test_without_a_country_only_weekends_stop_the_clock() -> None:
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2026, 12, 25))  # a Friday; no holiday calendar set
    assert not cal.is_working_day(date(2026, 12, 26))
    assert cal.due_date(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday -> Monday
    assert cal.due_date(date(2026, 12, 5), 5) == date(2026, 12, 11)  # received on a Saturday


def test_chinese_spring_festival_and_the_saturdays_worked_for_it() -> None:
    cal = WorkingCalendar("CN")
    assert not cal.is_working_day(date(2026, 2, 17))
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday, worked (调休)
    assert cal.is_working_day(date(2026, 2, 28))
    # 13 Feb (Fri) + 3 working days: 14 (Sat, worked), 24, 25; 16-23 are the holiday.
    assert cal.due_date(date(2026, 2, 13), 3) == date(2026, 2, 25)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_dutch_christmas_and_new_year() -> None:
    cal = WorkingCalendar("NL")
    assert not cal.is_working_day(date(2026, 12, 25))
    assert not cal.is_working_day(date(2027, 1, 1))
    # 28, 29, 30, 31 Dec and 4 Jan
    assert cal.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 5


def test_a_subdivision_has_its_own_holidays() -> None:
    scotland, england = WorkingCalendar("GB", "SCT"), WorkingCalendar("GB", "ENG")
    assert not scotland.is_working_day(date(2027, 1, 4))  # 2 January (observed)
    assert england.is_working_day(date(2027, 1, 4))


def test_extra_closures_and_working_days_from_the_settings_win() -> None:
    cal = WorkingCalendar(
        "NL",
        extra_holidays=frozenset({date(2026, 12, 28)}),
        extra_working_days=frozenset({date(2026, 12, 26)}),
    )
    assert not cal.is_working_day(date(2026, 12, 28))
    assert cal.is_working_day(date(2026, 12, 26))  # a Saturday and a holiday, worked


def test_the_day_of_receipt_never_counts_and_zero_days_is_the_same_day() -> None:
    cal = WorkingCalendar()
    assert cal.due_date(date(2026, 12, 1), 0) == date(2026, 12, 1)
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert cal.working_days_between(date(2026, 12, 2), date(2026, 12, 1)) == 0
    with pytest.raises(ValueError, match="working_days"):
        cal.due_date(date(2026, 12, 1), -1)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
)
def test_weekends_only_agrees_with_numpy_business_days(start: date, days: int) -> None:
    cal = WorkingCalendar()
    end = start + timedelta(days=days)
    # numpy counts [begin, end): shift by one day for "after start, up to and including end".
    expected = int(np.busday_count(start + timedelta(days=1), end + timedelta(days=1)))
    assert cal.working_days_between(start, end) == expected


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_the_due_date_is_the_nth_working_day(start: date, n: int) -> None:
    cal = WorkingCalendar("CN")
    due = cal.due_date(start, n)
    assert cal.is_working_day(due)
    assert cal.working_days_between(start, due) == n


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", (None, None)), ("cn", ("CN", None)), ("GB-ENG", ("GB", "ENG")), (" NL ", ("NL", None))],
)
def test_calendar_settings(value: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_calendar(value) == expected


@pytest.mark.parametrize("value", ["XX", "GB-XYZ", "Netherlands"])
def test_an_unknown_calendar_names_the_setting(value: str) -> None:
    with pytest.raises(ValueError, match=r"REGISTRY_HOLIDAY_CALENDAR: .* python-holidays"):
        parse_calendar(value, "REGISTRY_HOLIDAY_CALENDAR")


def test_date_lists_from_settings() -> None:
    assert parse_dates("2026-12-28, 2026-12-29,", "x") == {date(2026, 12, 28), date(2026, 12, 29)}
    assert parse_dates(["2026-12-28"], "x") == {date(2026, 12, 28)}
    with pytest.raises(ValueError, match=r"REGISTRY_EXTRA_HOLIDAYS: '28/12/2026' is not a date"):
        parse_dates("2026-12-27,28/12/2026", "REGISTRY_EXTRA_HOLIDAYS")
