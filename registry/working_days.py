"""Working days for response targets: "answered within 20 working days" in the agency's calendar.

A public body's clock stops on weekends and public holidays and, where a country moves working days
(China's 调休: a Saturday worked to make a longer holiday), runs on the weekend days worked. The
calendar comes from python-holidays (maintained, yearly updated, China's substituted working days
included); a deployment adds its own closures or working days by setting, for a decision the
library does not know yet. Pure: no database, no web.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays

ERR_UNKNOWN_CALENDAR = (
    "{setting}: {value!r} is not a holiday calendar python-holidays knows; expected a country "
    "code such as CN, NL or GB, optionally with a subdivision as GB-ENG, or empty for weekends only"
)
ERR_BAD_DATE = "{setting}: {value!r} is not a date; expected YYYY-MM-DD, separated by commas"


@functools.lru_cache(maxsize=16)
def _country(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # Years are filled in lazily by the library as dates are looked up.
    return holidays.country_holidays(country, subdiv=subdivision)


def parse_calendar(value: str, setting: str = "holiday_calendar") -> tuple[str | None, str | None]:
    """``"CN"`` -> ``("CN", None)``, ``"GB-ENG"`` -> ``("GB", "ENG")``, ``""`` -> ``(None, None)``.

    Raises
    ------
    ValueError
        Naming ``setting`` when the library knows no such country or subdivision.
    """
    text = value.strip()
    if not text:
        return None, None
    country, _, subdivision = text.partition("-")
    country = country.upper()
    supported = holidays.list_supported_countries()
    if country not in supported or (subdivision and subdivision not in supported[country]):
        raise ValueError(ERR_UNKNOWN_CALENDAR.format(setting=setting, value=value))
    return country, subdivision or None


def parse_dates(value: str | Iterable[str], setting: str) -> frozenset[date]:
    """Comma-separated ISO dates (or a list of them) as a set; errors name ``setting``."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out: set[date] = set()
    for item in items:
        text = item.strip()
        if not text:
            continue
        try:
            out.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(ERR_BAD_DATE.format(setting=setting, value=text)) from None
    return frozenset(out)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count: Monday to Friday, minus the country's public holidays and
    ``extra_holidays``, plus the country's weekend working days and ``extra_working_days``.

    Examples
    --------
    >>> cal = WorkingCalendar("CN")
    >>> cal.is_working_day(date(2026, 2, 17))  # Spring Festival
    False
    >>> cal.is_working_day(date(2026, 2, 14))  # a Saturday worked (调休)
    True
    >>> WorkingCalendar().due_date(date(2026, 12, 4), 1)  # a Friday: due the Monday after
    datetime.date(2026, 12, 7)
    """

    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        if self.country is None:
            return day.weekday() < 5
        return bool(_country(self.country, self.subdivision).is_working_day(day))

    def due_date(self, received: date, working_days: int) -> date:
        """The last day on which an answer is in time: the ``working_days``-th working day after
        the day of receipt (which does not count, as in most statutory time limits)."""
        if working_days < 0:
            raise ValueError(f"working_days must be 0 or more, got {working_days}")
        day, left = received, working_days
        while left:
            day += timedelta(days=1)
            left -= self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``):
        how many of the target's days have been used."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
