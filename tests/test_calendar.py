"""SchoolCalendar.kind: national working days ∩ terms, with the school's overrides."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from models.rules.calendar import DayKind, SchoolCalendar, Term, national_working_day

SCHOOL_DAY_OFF = date(2026, 11, 13)  # a Friday: sports day
MAKE_UP_SUNDAY = date(2026, 11, 15)  # a Sunday the school teaches
MAKE_UP_2027 = date(2027, 3, 7)  # a Sunday in a year the national calendar does not know

# As bot/config.py builds it from config.example.toml.
CALENDAR = SchoolCalendar(
    terms=(
        Term("2026-2027学年第一学期", date(2026, 9, 1), date(2027, 1, 22)),
        Term("2026-2027学年第二学期", date(2027, 2, 22), date(2027, 7, 2)),
    ),
    days_off=frozenset({SCHOOL_DAY_OFF}),
    make_up_days=frozenset({MAKE_UP_SUNDAY, MAKE_UP_2027}),
)


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


def test_the_tiaoxiu_days_used_above_are_what_the_package_says() -> None:
    weekend_workdays = [d for d in chinese_calendar.get_workdays(
        date(2026, 9, 1), date(2026, 12, 31), include_weekends=True) if d.weekday() >= 5]
    assert weekend_workdays == [date(2026, 9, 20), date(2026, 10, 10)]
    assert chinese_calendar.is_holiday(date(2026, 10, 1))


def test_day_off_override_wins_over_a_tiaoxiu_working_day() -> None:
    cal = SchoolCalendar(terms=CALENDAR.terms, days_off=frozenset({date(2026, 10, 10)}))
    assert cal.kind(date(2026, 10, 10)) is DayKind.DAY_OFF


def test_unknown_year_fails_closed() -> None:
    assert national_working_day(date(2027, 3, 1)) is None
    assert national_working_day(date(2026, 10, 10)) is True
    assert national_working_day(date(2026, 10, 1)) is False


def test_school_days_walks_each_date() -> None:
    days = list(CALENDAR.school_days(date(2026, 10, 8), date(2026, 10, 12)))
    assert days == [
        (date(2026, 10, 8), DayKind.SCHOOL_DAY),
        (date(2026, 10, 9), DayKind.SCHOOL_DAY),
        (date(2026, 10, 10), DayKind.SCHOOL_DAY),
        (date(2026, 10, 11), DayKind.DAY_OFF),
        (date(2026, 10, 12), DayKind.SCHOOL_DAY),
    ]
