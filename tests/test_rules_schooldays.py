"""Counting leave in school days: weekends, holidays, 调休, term breaks, and unknown years."""

from __future__ import annotations

from datetime import date, time

import chinese_calendar
import pytest

from models.rules.calendar import DeclaredYear, SchoolCalendar, Term
from models.rules.dates import DateSpan
from models.rules.schooldays import (
    CalendarUnknown,
    count_school_days,
    describe_span,
    only_non_school_days_between,
)
from tests.calendars import KNOWS_2026

AUTUMN = Term("2026秋", date(2026, 9, 1), date(2027, 1, 22))
# 2027 is a year nobody declared: the package these calendars use knows no year after 2026.
CAL = SchoolCalendar(terms=(AUTUMN,), package=KNOWS_2026)
TWO_TERMS = SchoolCalendar(terms=(Term("2026春", date(2026, 3, 2), date(2026, 7, 10)), AUTUMN),
                           package=KNOWS_2026)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def span(start: date, end: date | None = None, halves: str = "am-pm") -> DateSpan:
    first, last = halves.split("-")
    return DateSpan(start, first, end or start, last)  # type: ignore[arg-type]


def test_the_national_calendar_facts_these_tests_rely_on() -> None:
    assert not chinese_calendar.is_workday(d(10, 1))  # National Day
    assert chinese_calendar.is_workday(d(10, 10))  # 调休: a Saturday worked for the holiday
    assert d(10, 10).weekday() == 5


@pytest.mark.parametrize(("leave", "calendar", "days"), [
    # whole days
    (span(d(12, 7), d(12, 9)), CAL, 3),
    (span(d(12, 7)), CAL, 1),
    (span(d(11, 27), d(11, 30)), CAL, 2),  # Fri to Mon: the weekend does not count
    (span(d(11, 28), d(11, 29)), CAL, 0),  # a weekend only
    (span(d(11, 23), d(12, 6)), CAL, 10),  # two whole weeks
    # halves
    (span(d(12, 3), halves="am-am"), CAL, 0.5),
    (span(d(12, 3), halves="pm-pm"), CAL, 0.5),
    (span(d(11, 27), d(11, 30), "pm-am"), CAL, 1),
    (span(d(11, 27), d(12, 1), "am-am"), CAL, 2.5),
    (span(d(11, 28), d(11, 30), "pm-pm"), CAL, 1),  # a half on a Saturday counts nothing
    (DateSpan(d(12, 7), "pm", d(12, 7), "pm", window=(time(14), time(16))), CAL, 0.5),
    # National Day: 10-01..10-07 are holidays, 10-10 (Saturday) is a 调休 school day
    (span(d(9, 30), d(10, 9)), CAL, 3),
    (span(d(10, 1), d(10, 7)), CAL, 0),
    (span(d(10, 9), d(10, 12)), CAL, 3),  # Fri, the 调休 Sat, Mon
    (span(d(9, 19), d(9, 20)), CAL, 1),  # Sun 9-20 is also a 调休 working day
    # term breaks are not school days
    (span(d(8, 28), d(9, 2)), CAL, 2),  # the term starts Tue 9-1
    (span(d(7, 9), d(9, 2)), TWO_TERMS, 4),  # Thu, Fri ... summer ... Tue, Wed
    (span(d(1, 23, 2027), d(1, 31, 2027)), CAL, 0),  # after the term: no need to know 2027
    # the school's own overrides win
    (span(d(12, 7), d(12, 9)), SchoolCalendar((AUTUMN,), days_off=frozenset({d(12, 8)})), 2),
    (span(d(12, 5), d(12, 6)), SchoolCalendar((AUTUMN,), make_up_days=frozenset({d(12, 5)})), 1),
    # a year the school declared counts as declared
    (span(d(12, 30), d(1, 5, 2027)), SchoolCalendar((AUTUMN,), package=KNOWS_2026, declared=(
        DeclaredYear(2027, frozenset({d(1, 1, 2027)})),)), 4),  # Wed, Thu, (Fri off), Mon, Tue
])
def test_counts_school_days(leave: DateSpan, calendar: SchoolCalendar, days: float) -> None:
    assert count_school_days(leave, calendar) == days


@pytest.mark.parametrize(("leave", "unknown_day"), [
    (span(d(1, 4, 2027), d(1, 6, 2027)), d(1, 4, 2027)),
    (span(d(12, 30), d(1, 4, 2027)), d(1, 1, 2027)),  # known days first, then the unknown one
])
def test_a_year_nobody_declared_cannot_be_counted(leave: DateSpan, unknown_day: date) -> None:
    # Fail closed: a span reaching into an unknown year (in term) is not counted at all rather
    # than counted wrong; the user is told in plain words, with the year and no date.
    with pytest.raises(CalendarUnknown) as caught:
        count_school_days(leave, CAL)
    assert caught.value.day == unknown_day
    assert str(caught.value) == "2027年的放假安排还没有录入，请联系学校管理员"


@pytest.mark.parametrize(("leave", "days", "text"), [
    (span(d(12, 7), d(12, 9)), 3, "12月7日(周一)至12月9日(周三)，共3个上课日"),
    (span(d(12, 3), halves="am-am"), 0.5, "12月3日(周四)上午，共0.5个上课日"),
    (span(d(12, 3), halves="pm-pm"), 0.5, "12月3日(周四)下午，共0.5个上课日"),
    (span(d(11, 27), d(12, 1), "am-am"), 2.5, "11月27日(周五)至12月1日(周二)上午，共2.5个上课日"),
    (span(d(11, 27), d(11, 30), "pm-pm"), 1.5, "11月27日(周五)下午至11月30日(周一)，共1.5个上课日"),
    (span(d(12, 7)), 1, "12月7日(周一)，共1个上课日"),
    (span(d(12, 6)), 0, "12月6日(周日)，共0个上课日"),
    (span(d(12, 30), d(1, 4, 2027)), 3,
     "2026年12月30日(周三)至2027年1月4日(周一)，共3个上课日"),
    (DateSpan(d(12, 7), "pm", d(12, 7), "pm", window=(time(14), time(16))), 0.5,
     "12月7日(周一) 14:00-16:00"),
])
def test_describes_a_span_for_the_parent_to_confirm(leave: DateSpan, days: float,
                                                    text: str) -> None:
    assert describe_span(leave, days) == text


@pytest.mark.parametrize(("a_end", "b_start", "back_to_back"), [
    (d(11, 26), d(11, 27), True),  # the next day
    (d(11, 27), d(11, 30), True),  # Friday, then Monday: only the weekend between
    (d(11, 26), d(11, 30), False),  # Friday is a school day between
    (d(11, 26), d(11, 26), True),  # a morning leave, then an afternoon one the same day
    (d(11, 30), d(11, 27), False),  # B before A
    (d(9, 30), d(10, 8), True),  # across the National Day holiday
    (d(10, 9), d(10, 12), False),  # the 调休 Saturday 10-10 is a school day between
    (d(8, 31), d(9, 1), True),
])
def test_back_to_back_leaves(a_end: date, b_start: date, back_to_back: bool) -> None:
    assert only_non_school_days_between(a_end, b_start, CAL) is back_to_back


def test_leaves_across_a_term_break_are_back_to_back() -> None:
    assert only_non_school_days_between(d(7, 10), d(9, 1), TWO_TERMS)
