"""`[calendar.national.YYYY]` in config: read as data, refused with the key's name when wrong."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from bot.config import ConfigError, parse_config
from models.rules.calendar import DayKind, DeclaredYear
from tests.calendars import EXAMPLE, KNOWS_2026, example_calendar

# Dates invented for the tests: the shape of a declaration, not the State Council's schedule.
GOOD = """
[calendar.national.2027]
holidays = ["2027-01-01", "2027-02-08", 2027-02-09]
workdays = ["2027-02-20"]
"""


def test_a_declared_year_is_read_into_the_calendar() -> None:
    calendar = example_calendar(GOOD, package=KNOWS_2026)
    assert calendar.declared == (DeclaredYear(
        2027, frozenset({date(2027, 1, 1), date(2027, 2, 8), date(2027, 2, 9)}),
        frozenset({date(2027, 2, 20)})),)
    assert calendar.kind(date(2027, 1, 4)) is DayKind.SCHOOL_DAY
    assert calendar.kind(date(2027, 1, 1)) is DayKind.DAY_OFF


def test_workdays_may_be_left_out_and_years_come_in_order() -> None:
    calendar = example_calendar('[calendar.national.2028]\nholidays = ["2028-01-03"]\n'
                                '[calendar.national.2027]\nholidays = ["2027-01-01"]\n')
    assert [y.year for y in calendar.declared] == [2027, 2028]
    assert calendar.declared[0].workdays == frozenset()


def test_nothing_declared_is_nothing_declared() -> None:
    assert example_calendar().declared == ()


@pytest.mark.parametrize(("toml", "says"), [
    pytest.param('[calendar.national.2027]\nholidays = ["2027-01-01", "2028-01-01"]',
                 "calendar.national.2027.holidays: 2028-01-01 is not in 2027", id="outside"),
    pytest.param('[calendar.national.2027]\nholidays = ["2027-01-01"]\n'
                 'workdays = ["2026-12-26"]',
                 "calendar.national.2027.workdays: 2026-12-26 is not in 2027",
                 id="workday outside"),
    pytest.param('[calendar.national.2027]\nholidays = ["2027-01-01", "2027-02-20"]\n'
                 'workdays = ["2027-02-20"]',
                 "calendar.national.2027: 2027-02-20 is in both holidays and workdays",
                 id="in both lists"),
    pytest.param('[calendar.national.2027]\nholidays = ["2027-01-01"]\n'
                 'workdays = ["2027-02-22"]',
                 "calendar.national.2027.workdays: 2027-02-22 is a weekday", id="weekday 调休"),
    pytest.param('[calendar.national.2027]\nholidays = []',
                 "calendar.national.2027.holidays: must list the year's days off",
                 id="no holidays"),
    pytest.param('[calendar.national.2027]\nworkdays = ["2027-02-20"]',
                 "calendar.national.2027.holidays: must list the year's days off",
                 id="holidays missing"),
    pytest.param('[calendar.national.2027]\nholiday = ["2027-01-01"]',
                 "calendar.national.2027.holiday: unknown key", id="misspelt key"),
    pytest.param('[calendar.national.2027]\nholidays = ["2027-13-01"]',
                 "calendar.national.2027.holidays: must be a date like", id="not a date"),
    pytest.param('[calendar.national.2027]\nholidays = "2027-01-01"',
                 "calendar.national.2027.holidays: must be a list of dates", id="not a list"),
    pytest.param('[calendar.national.next]\nholidays = ["2027-01-01"]',
                 "calendar.national.next: the table's name must be a year", id="not a year"),
])
def test_a_wrong_declaration_is_refused_naming_the_key(toml: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        example_calendar(toml)
    message = str(caught.value)
    assert message.startswith(says) and "\n" not in message


def test_national_must_be_a_table() -> None:
    raw = tomllib.loads(EXAMPLE)
    raw["calendar"]["national"] = 2027
    with pytest.raises(ConfigError, match=r"^calendar\.national: must be a table$"):
        parse_config(raw)
