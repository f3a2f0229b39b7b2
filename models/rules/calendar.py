"""Which dates are school days: national working days ∩ terms, with the school's overrides.

The national calendar is the `chinese-calendar` package, except for the years the school
declares in config (`[calendar.national.YYYY]`, copied from the State Council's notice): a
declared year is used exactly as given, even one the package knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

import chinese_calendar

NationalLookup = Callable[[date], bool | None]
LOOK_AHEAD_YEARS = 50  # how far `first_unknown_year` looks before giving up


class DayKind(Enum):
    SCHOOL_DAY = "school_day"
    DAY_OFF = "day_off"
    UNKNOWN = "unknown"  # nobody has told us this year's national schedule yet


def not_entered(year: int) -> str:
    """What every chat answer says about a day whose year is unknown: plain words, no dates."""
    return f"{year}年的放假安排还没有录入，请联系学校管理员"


def national_working_day(day: date) -> bool | None:
    """The package's answer: True for a working day (调休 weekend days included), None if the
    package does not know the year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class DeclaredYear:
    """One year's national schedule as the school copied it: days off and 调休 working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()

    def working(self, day: date) -> bool:
        """Weekdays work unless listed as holidays; weekends rest unless listed as workdays."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class Term:
    name: str
    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class SchoolCalendar:
    terms: tuple[Term, ...]
    days_off: frozenset[date] = field(default_factory=frozenset)
    make_up_days: frozenset[date] = field(default_factory=frozenset)
    declared: tuple[DeclaredYear, ...] = ()
    # The installed package by default; a test about an unknown year passes a lookup that
    # knows fewer years, so it does not depend on what the installed package knows.
    package: NationalLookup = national_working_day

    def term_of(self, day: date) -> Term | None:
        return next((t for t in self.terms if day in t), None)

    def kind(self, day: date) -> DayKind:
        """Classify one date; the school's own overrides win over the national calendar."""
        if day in self.days_off:
            return DayKind.DAY_OFF
        if self.term_of(day) is None:
            return DayKind.DAY_OFF
        if day in self.make_up_days:
            return DayKind.SCHOOL_DAY
        working = self.national(day)
        if working is None:
            return DayKind.UNKNOWN
        return DayKind.SCHOOL_DAY if working else DayKind.DAY_OFF

    def national(self, day: date) -> bool | None:
        """A national working day? The school's declaration of the year wins over the package."""
        for declared in self.declared:
            if declared.year == day.year:
                return declared.working(day)
        return self.package(day)

    def knows_year(self, year: int) -> bool:
        return (any(d.year == year for d in self.declared)
                or self.package(date(year, 1, 1)) is not None)

    def first_unknown_year(self, since: int) -> int:
        """The first year from `since` on that is neither declared nor known to the package."""
        year = since
        while self.knows_year(year) and year < since + LOOK_AHEAD_YEARS:
            year += 1
        return year

    def school_days(self, start: date, end: date) -> Iterator[tuple[date, DayKind]]:
        """Each date from start to end inclusive with its kind."""
        day = start
        while day <= end:
            yield day, self.kind(day)
            day += timedelta(days=1)
