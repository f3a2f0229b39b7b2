"""SchoolCalendar.kind: national working days ∩ terms, with the school's overrides.

The national calendar is the package's, except for the years the school declares; a year
nobody declared is unknown. The unknown-year rows use a package that knows no year after 2026,
so they do not depend on what the installed chinesecalendar knows.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from models.rules.calendar import (
    DayKind,
    DeclaredYear,
    SchoolCalendar,
    Term,
    national_working_day,
)
from tests.calendars import KNOWS_2026

SCHOOL_DAY_OFF = date(2026, 11, 13)  # a Friday: sports day
MAKE_UP_SUNDAY = date(2026, 11, 15)  # a Sunday the school teaches
MAKE_UP_2027 = date(2027, 3, 7)  # a Sunday in a year nobody declared
TERMS = (
    Term("2026-2027学年第一学期", date(2026, 9, 1), date(2027, 1, 22)),
    Term("2026-2027学年第二学期", date(2027, 2, 22), date(2027, 7, 2)),
)

# As bot/config.py builds it from config.example.toml, with 2027 not (yet) known.
CALENDAR = SchoolCalendar(
    terms=TERMS,
    days_off=frozenset({SCHOOL_DAY_OFF}),
    make_up_days=frozenset({MAKE_UP_SUNDAY, MAKE_UP_2027}),
    package=KNOWS_2026,
)

# A declaration invented for these tests (not the State Council's 2027 schedule).
DECLARED_2027 = DeclaredYear(
    2027,
    holidays=frozenset({date(2027, 1, 1), date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 3)}),
    workdays=frozenset({date(2027, 4, 10), date(2027, 5, 8)}),
)
WITH_2027 = SchoolCalendar(terms=TERMS, days_off=frozenset({date(2027, 5, 8)}),
                           declared=(DECLARED_2027,), package=KNOWS_2026)


@pytest.mark.parametrize(("day", "expected"), [
    pytest.param(date(2026, 9, 7), DayKind.SCHOOL_DAY, id="ordinary Monday"),
    pytest.param(date(2026, 9, 1), DayKind.SCHOOL_DAY, id="first day of term"),
    pytest.param(date(2027, 1, 22), DayKind.UNKNOWN, id="last day of term, 2027"),
    pytest.param(date(2026, 9, 5), DayKind.DAY_OFF, id="Saturday"),
    pytest.param(date(2026, 9, 6), DayKind.DAY_OFF, id="Sunday"),
    pytest.param(date(2026, 10, 1), DayKind.DAY_OFF, id="National Day"),
    pytest.param(date(2026, 10, 7), DayKind.DAY_OFF, id="National Day week, Wednesday"),
    pytest.param(date(2026, 9, 25), DayKind.DAY_OFF, id="Mid-Autumn Festival, Friday"),
    pytest.param(date(2026, 10, 10), DayKind.SCHOOL_DAY, id="调休 Saturday"),
    pytest.param(date(2026, 9, 20), DayKind.SCHOOL_DAY, id="调休 Sunday"),
    pytest.param(date(2026, 8, 31), DayKind.DAY_OFF, id="Monday before the term"),
    pytest.param(date(2027, 2, 1), DayKind.DAY_OFF, id="winter break Monday"),
    pytest.param(date(2027, 7, 5), DayKind.DAY_OFF, id="summer break Monday"),
    pytest.param(SCHOOL_DAY_OFF, DayKind.DAY_OFF, id="school day_off override"),
    pytest.param(MAKE_UP_SUNDAY, DayKind.SCHOOL_DAY, id="make_up_day override on a Sunday"),
    pytest.param(date(2027, 3, 1), DayKind.UNKNOWN, id="2027 Monday in term: unknown"),
    pytest.param(date(2027, 3, 6), DayKind.UNKNOWN, id="2027 Saturday in term: unknown"),
    pytest.param(MAKE_UP_2027, DayKind.SCHOOL_DAY, id="2027 make_up_day override wins"),
])
def test_kind(day: date, expected: DayKind) -> None:
    assert CALENDAR.kind(day) is expected


@pytest.mark.parametrize(("day", "expected"), [
    pytest.param(date(2027, 1, 1), DayKind.DAY_OFF, id="declared holiday, a Friday"),
    pytest.param(date(2027, 1, 4), DayKind.SCHOOL_DAY, id="a Monday not listed: working"),
    pytest.param(date(2027, 1, 9), DayKind.DAY_OFF, id="a Saturday not listed: off"),
    pytest.param(date(2027, 4, 5), DayKind.DAY_OFF, id="declared holiday, a Monday"),
    pytest.param(date(2027, 4, 10), DayKind.SCHOOL_DAY, id="declared 调休 Saturday"),
    pytest.param(date(2027, 5, 8), DayKind.DAY_OFF, id="the school's day off beats a 调休 day"),
    pytest.param(date(2027, 2, 20), DayKind.DAY_OFF, id="winter break: outside the terms"),
    pytest.param(date(2026, 10, 1), DayKind.DAY_OFF, id="2026 still from the package"),
    pytest.param(date(2026, 10, 10), DayKind.SCHOOL_DAY, id="2026 调休 from the package"),
])
def test_a_declared_year_is_used_as_given(day: date, expected: DayKind) -> None:
    assert WITH_2027.kind(day) is expected


def test_a_declaration_wins_over_the_package_for_a_year_it_knows() -> None:
    own = SchoolCalendar(terms=TERMS, declared=(
        DeclaredYear(2026, holidays=frozenset({date(2026, 12, 25)})),))
    assert own.kind(date(2026, 10, 1)) is DayKind.SCHOOL_DAY  # the package says holiday
    assert own.kind(date(2026, 10, 10)) is DayKind.DAY_OFF  # the package says 调休 workday
    assert own.kind(date(2026, 12, 25)) is DayKind.DAY_OFF


@pytest.mark.parametrize(("declared", "since", "first_unknown"), [
    pytest.param((), 2026, 2027, id="nothing declared"),
    pytest.param((2027,), 2026, 2028, id="next year declared"),
    pytest.param((2028,), 2026, 2027, id="a gap: 2027 still unknown"),
    pytest.param((2027, 2028), 2026, 2029, id="two years declared"),
    pytest.param((), 2027, 2027, id="this year itself unknown"),
])
def test_first_unknown_year(declared: tuple[int, ...], since: int, first_unknown: int) -> None:
    calendar = SchoolCalendar(terms=TERMS, package=KNOWS_2026, declared=tuple(
        DeclaredYear(y, frozenset({date(y, 1, 1)})) for y in declared))
    assert calendar.first_unknown_year(since) == first_unknown


def test_the_tiaoxiu_days_used_above_are_what_the_package_says() -> None:
    weekend_workdays = [d for d in chinese_calendar.get_workdays(
        date(2026, 9, 1), date(2026, 12, 31), include_weekends=True) if d.weekday() >= 5]
    assert weekend_workdays == [date(2026, 9, 20), date(2026, 10, 10)]
    assert chinese_calendar.is_holiday(date(2026, 10, 1))


def test_day_off_override_wins_over_a_tiaoxiu_working_day() -> None:
    cal = SchoolCalendar(terms=CALENDAR.terms, days_off=frozenset({date(2026, 10, 10)}))
    assert cal.kind(date(2026, 10, 10)) is DayKind.DAY_OFF


def test_a_year_the_package_does_not_know_fails_closed() -> None:
    assert national_working_day(date(2099, 3, 2)) is None
    assert national_working_day(date(2026, 10, 10)) is True
    assert national_working_day(date(2026, 10, 1)) is False
    far = SchoolCalendar(terms=(Term("2099春", date(2099, 2, 16), date(2099, 7, 3)),))
    assert far.kind(date(2099, 3, 2)) is DayKind.UNKNOWN


def test_school_days_walks_each_date() -> None:
    days = list(CALENDAR.school_days(date(2026, 10, 8), date(2026, 10, 12)))
    assert days == [
        (date(2026, 10, 8), DayKind.SCHOOL_DAY),
        (date(2026, 10, 9), DayKind.SCHOOL_DAY),
        (date(2026, 10, 10), DayKind.SCHOOL_DAY),
        (date(2026, 10, 11), DayKind.DAY_OFF),
        (date(2026, 10, 12), DayKind.SCHOOL_DAY),
    ]
