"""The term page's arithmetic (models/rules/termstats.py), the attendance workbook's rules."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from models.rules.termstats import (
    Attendance,
    Punctuality,
    punctuality,
    week_of,
    weekly_attendance,
    weekly_sum,
)
from tests.conftest import SHANGHAI, local

MON, TUE, WED, NEXT_MON = date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11), date(
    2026, 11, 16)


@pytest.mark.parametrize(("day", "monday"), [
    (date(2026, 11, 9), date(2026, 11, 9)), (date(2026, 11, 15), date(2026, 11, 9)),
    (date(2026, 10, 10), date(2026, 10, 5)),  # a 调休 Saturday belongs to its week
])
def test_weeks_start_on_monday(day: date, monday: date) -> None:
    assert week_of(day) == monday


@pytest.mark.parametrize(("reported", "halves", "expected"), [
    # 30 students, three days reported, nobody away: 90 of 90
    ({MON, TUE, WED}, {}, {MON: Attendance(90, 90.0), NEXT_MON: Attendance()}),
    # one whole day (2 halves) and one half day away
    ({MON, TUE, WED}, {MON: 2, TUE: 1}, {MON: Attendance(90, 88.5), NEXT_MON: Attendance()}),
    # a day without a report counts neither way
    ({MON, WED}, {TUE: 4}, {MON: Attendance(60, 60.0), NEXT_MON: Attendance()}),
    # the next week reported on its Monday only
    ({MON, NEXT_MON}, {NEXT_MON: 6}, {MON: Attendance(30, 30.0), NEXT_MON: Attendance(30, 27.0)}),
])
def test_weekly_attendance(reported: set[date], halves: dict[date, int],
                           expected: dict[date, Attendance]) -> None:
    assert weekly_attendance([MON, TUE, WED, NEXT_MON], 30, reported, halves) == expected


def test_a_rate_is_present_over_expected_and_none_without_reports() -> None:
    assert Attendance(90, 88.5).rate == pytest.approx(88.5 / 90)
    assert Attendance().rate is None
    assert Attendance(30, 30.0) + Attendance(12, 11.5) == Attendance(42, 41.5)


def test_weekly_sum_keeps_empty_weeks_and_drops_days_outside() -> None:
    assert weekly_sum({MON: 1.0, WED: 0.5, date(2026, 12, 1): 3.0}, [MON, NEXT_MON]) == {
        MON: 1.5, NEXT_MON: 0.0}


CUTOFF = time(9, 0)


@pytest.mark.parametrize(("firsts", "now", "expected"), [
    ({MON: local(2026, 11, 9, 8, 0), TUE: local(2026, 11, 10, 9, 0)}, local(2026, 11, 10, 12, 0),
     Punctuality(0, 0)),                                       # 09:00 sharp is on time
    ({MON: local(2026, 11, 9, 9, 1)}, local(2026, 11, 10, 12, 0), Punctuality(1, 1)),
    ({}, local(2026, 11, 10, 8, 59), Punctuality(0, 1)),      # Tuesday's cut-off not yet
    ({}, local(2026, 11, 10, 9, 1), Punctuality(0, 2)),
])
def test_punctuality(firsts: dict[date, datetime], now: datetime, expected: Punctuality) -> None:
    assert punctuality([MON, TUE], firsts, CUTOFF, SHANGHAI, now) == expected
