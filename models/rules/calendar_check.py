"""What the school still has to declare: unknown days per term, and when to warn the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from models.rules.calendar import DayKind, SchoolCalendar, Term

WARN_DAYS = 60  # the admin is told this many days before the known calendar ends
WARN_EVERY_DAYS = 7


@dataclass(frozen=True)
class TermCheck:
    """One term: its school days among the known dates, and the dates still unknown."""

    term: Term
    school_days: int
    unknown_days: int
    unknown_ranges: tuple[tuple[date, date], ...]

    @property
    def unknown_years(self) -> tuple[int, ...]:
        return tuple(sorted({d.year for r in self.unknown_ranges for d in r}))


def check_term(calendar: SchoolCalendar, term: Term) -> TermCheck:
    """Count a term's school days and gather its unknown dates into runs of consecutive days."""
    school = unknown = 0
    ranges: list[tuple[date, date]] = []
    for day, kind in calendar.school_days(term.start, term.end):
        if kind is DayKind.SCHOOL_DAY:
            school += 1
        elif kind is DayKind.UNKNOWN:
            unknown += 1
            if ranges and ranges[-1][1] == day - timedelta(days=1):
                ranges[-1] = (ranges[-1][0], day)
            else:
                ranges.append((day, day))
    return TermCheck(term, school, unknown, tuple(ranges))


def current_and_next(calendar: SchoolCalendar, today: date) -> tuple[Term, ...]:
    """The term today falls in (if any) and the first term that starts after today."""
    current = calendar.term_of(today)
    upcoming = next((t for t in sorted(calendar.terms, key=lambda t: t.start)
                     if t.start > today), None)
    return tuple(t for t in (current, upcoming) if t is not None)


@dataclass(frozen=True)
class Outlook:
    """Where the known national calendar ends, and from when the admin is told about it."""

    missing_year: int  # the first year nobody has told us about

    @property
    def known_through(self) -> date:
        return date(self.missing_year - 1, 12, 31)

    @property
    def warn_from(self) -> date:
        return self.known_through - timedelta(days=WARN_DAYS)

    def due(self, today: date) -> bool:
        return today >= self.warn_from

    def week(self, today: date) -> int:
        """The number of the reminder week (0 in the first week): one notice per week."""
        return (today - self.warn_from).days // WARN_EVERY_DAYS


def outlook(calendar: SchoolCalendar, today: date) -> Outlook:
    return Outlook(calendar.first_unknown_year(today.year))
