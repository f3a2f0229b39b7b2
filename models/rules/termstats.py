"""The term's figures from plain values: attendance rate per week, 旷课 per week, late reports.

The rate is the attendance workbook's (reports/attendance.py): a class's expected student-days
are its enrolled students × the school days it reported; present = expected − the half days its
reports list students absent (0.5 each); rate = present ÷ expected. A day without a report
counts neither way (nobody knows who was there), so a week with no report has no rate.
A report is late when the class's first report of the day came after [attendance]
report_cutoff; a school day with no report at all (once its cut-off has passed) is unreported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache


@lru_cache(maxsize=1024)
def week_of(day: date) -> date:
    """The Monday of the day's week: the key the term's weekly figures are grouped by."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Attendance:
    """Expected and present student-days of one class (or several) in one week (or more)."""

    expected: int = 0
    present: float = 0.0

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None

    def __add__(self, other: Attendance) -> Attendance:
        return Attendance(self.expected + other.expected, self.present + other.present)


def weekly_attendance(days: Sequence[date], enrolled: int, reported: Iterable[date],
                      absent_halves: Mapping[date, int]) -> dict[date, Attendance]:
    """One class: each week of `days` (its Monday) → expected and present student-days."""
    reported_days = set(reported)
    weeks: dict[date, Attendance] = {week_of(day): Attendance() for day in days}
    for day in days:
        if day in reported_days:
            week = week_of(day)
            weeks[week] += Attendance(enrolled, enrolled - 0.5 * absent_halves.get(day, 0))
    return weeks


def weekly_sum(values: Mapping[date, float], weeks: Iterable[date]) -> dict[date, float]:
    """Per-day values added up per week (every week in `weeks` present, zero if none)."""
    out = {week: 0.0 for week in weeks}
    for day, value in values.items():
        week = week_of(day)
        if week in out:
            out[week] += value
    return out


@dataclass(frozen=True)
class Punctuality:
    late: int  # school days whose first report came after the cut-off
    unreported: int  # school days past their cut-off with no report


def punctuality(days: Sequence[date], first_reports: Mapping[date, datetime], cutoff: time,
                tz: tzinfo, now: datetime) -> Punctuality:
    """How one class reported over `days`; a day whose cut-off has not passed is not judged."""
    late = unreported = 0
    for day in days:
        deadline = datetime.combine(day, cutoff, tz)
        first = first_reports.get(day)
        if first is None:
            unreported += now > deadline
        elif first > deadline:
            late += 1
    return Punctuality(late, unreported)
