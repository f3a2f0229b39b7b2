"""What is still unknown per term, which terms matter today, and when the admin is told."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.calendar import DeclaredYear, SchoolCalendar, Term
from models.rules.calendar_check import check_term, current_and_next, outlook
from tests.calendars import KNOWS_2026

AUTUMN = Term("2026秋", date(2026, 9, 1), date(2027, 1, 22))
SPRING = Term("2027春", date(2027, 2, 22), date(2027, 7, 2))
NEXT_AUTUMN = Term("2027秋", date(2027, 9, 1), date(2028, 1, 21))
TERMS = (AUTUMN, SPRING, NEXT_AUTUMN)


def declared(*years: int) -> tuple[DeclaredYear, ...]:
    """Declarations invented for the tests: only New Year's Day off."""
    return tuple(DeclaredYear(y, frozenset({date(y, 1, 1)})) for y in years)


def calendar(*years: int, days_off: frozenset[date] = frozenset()) -> SchoolCalendar:
    return SchoolCalendar(terms=TERMS, days_off=days_off, declared=declared(*years),
                          package=KNOWS_2026)


def test_a_term_reaching_into_an_unknown_year() -> None:
    found = check_term(calendar(), AUTUMN)
    assert found.unknown_ranges == ((date(2027, 1, 1), date(2027, 1, 22)),)
    assert found.unknown_days == 22
    assert found.unknown_years == (2027,)
    # 2026-09-01..12-31 as the package has it: Sep 22, Oct 18, Nov 21, Dec 23 school days
    assert found.school_days == 84


def test_the_schools_days_off_split_the_unknown_ranges() -> None:
    off = frozenset({date(2027, 1, 11), date(2027, 1, 12)})
    found = check_term(calendar(days_off=off), AUTUMN)
    assert found.unknown_ranges == ((date(2027, 1, 1), date(2027, 1, 10)),
                                    (date(2027, 1, 13), date(2027, 1, 22)))
    assert found.unknown_days == 20


def test_a_declared_year_leaves_nothing_unknown() -> None:
    found = check_term(calendar(2027), AUTUMN)
    assert found.unknown_ranges == () and found.unknown_days == 0
    assert found.school_days == 84 + 15  # Jan 4–22 2027: 15 weekdays (Jan 1 declared off)


@pytest.mark.parametrize(("today", "names"), [
    pytest.param(date(2026, 11, 30), ["2026秋", "2027春"], id="in term: this one and the next"),
    pytest.param(date(2027, 2, 1), ["2027春"], id="winter break: the next one only"),
    pytest.param(date(2027, 2, 22), ["2027春", "2027秋"], id="first day of a term"),
    pytest.param(date(2027, 7, 2), ["2027春", "2027秋"], id="last day of a term"),
    pytest.param(date(2027, 12, 1), ["2027秋"], id="the last configured term"),
    pytest.param(date(2028, 3, 1), [], id="after every term"),
])
def test_the_current_and_next_term(today: date, names: list[str]) -> None:
    assert [t.name for t in current_and_next(calendar(), today)] == names


@pytest.mark.parametrize(("years", "today", "known_through", "due"), [
    pytest.param((), date(2026, 10, 31), date(2026, 12, 31), False, id="61 days before"),
    pytest.param((), date(2026, 11, 1), date(2026, 12, 31), True, id="60 days before"),
    pytest.param((), date(2026, 11, 30), date(2026, 12, 31), True, id="a month before"),
    pytest.param((), date(2027, 1, 5), date(2026, 12, 31), True, id="already past the end"),
    pytest.param((2027,), date(2026, 11, 30), date(2027, 12, 31), False, id="2027 declared"),
    pytest.param((2027,), date(2027, 11, 1), date(2027, 12, 31), True, id="then 2028 is due"),
    pytest.param((2028,), date(2026, 11, 30), date(2026, 12, 31), True, id="2028 is no help"),
])
def test_when_the_admin_is_told(years: tuple[int, ...], today: date, known_through: date,
                                due: bool) -> None:
    ahead = outlook(calendar(*years), today)
    assert ahead.known_through == known_through
    assert ahead.missing_year == known_through.year + 1
    assert ahead.due(today) is due


def test_one_reminder_week_after_another() -> None:
    ahead = outlook(calendar(), date(2026, 11, 1))
    weeks = [ahead.week(date(2026, 11, day)) for day in (1, 7, 8, 14, 15, 30)]
    assert weeks == [0, 0, 1, 1, 2, 4]
