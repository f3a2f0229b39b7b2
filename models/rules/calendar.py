"""Which dates are school days: national working days ∩ terms, with the school's overrides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

import chinese_calendar


class DayKind(Enum):
    SCHOOL_DAY = "school_day"
    DAY_OFF = "day_off"
    UNKNOWN = "unknown"  # the national calendar does not know this year yet


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
        working = national_working_day(day)
        if working is None:
            return DayKind.UNKNOWN
        return DayKind.SCHOOL_DAY if working else DayKind.DAY_OFF

    def school_days(self, start: date, end: date) -> Iterator[tuple[date, DayKind]]:
        """Each date from start to end inclusive with its kind."""
        day = start
        while day <= end:
            yield day, self.kind(day)
            day += timedelta(days=1)


def national_working_day(day: date) -> bool | None:
    """True for a national working day (调休 Saturdays included), None if the year is unknown."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None
