"""控辍保学 as plain rules (models/rules/dropout.py): levels, progress back to school, months."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.dropout import (
    AWAY,
    BACK,
    CLOSED,
    DROPPED_OUT,
    SUSPECTED,
    Thresholds,
    higher,
    in_month,
    level_for,
    month_bounds,
    progress,
)

LIMITS = Thresholds(suspect_after=5, dropout_after=15, close_after=3)


@pytest.mark.parametrize(("streak", "level"), [
    (0, None), (4.5, None), (5, SUSPECTED), (14.5, SUSPECTED), (15, DROPPED_OUT), (40, DROPPED_OUT),
])
def test_the_level_a_run_reaches(streak: float, level: str | None) -> None:
    assert level_for(streak, LIMITS) == level


def test_a_case_never_goes_down_a_level() -> None:
    assert higher(DROPPED_OUT, SUSPECTED) == DROPPED_OUT
    assert higher(SUSPECTED, DROPPED_OUT) == DROPPED_OUT
    assert higher(SUSPECTED, SUSPECTED) == SUSPECTED


def test_away_back_then_closed_after_enough_days_at_school() -> None:
    last = date(2026, 11, 13)
    before = [date(2026, 11, 2), date(2026, 11, 3)]  # days at school before the run: not counted
    assert progress(last, before, LIMITS) == progress(last, [], LIMITS)
    assert progress(last, [], LIMITS).status == AWAY
    back = [date(2026, 11, 16), date(2026, 11, 17)]
    assert progress(last, before + back, LIMITS) == type(progress(last, [], LIMITS))(
        BACK, date(2026, 11, 16), None)
    closed = progress(last, before + back + [date(2026, 11, 18), date(2026, 11, 19)], LIMITS)
    assert (closed.status, closed.returned_on, closed.closed_on) == (
        CLOSED, date(2026, 11, 16), date(2026, 11, 18))


def test_a_case_is_in_a_month_while_it_is_open_in_it() -> None:
    first, last = month_bounds("2026-11")
    assert (first, last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert in_month(date(2026, 10, 20), None, first, last)
    assert in_month(date(2026, 10, 20), date(2026, 11, 1), first, last)
    assert not in_month(date(2026, 10, 20), date(2026, 10, 31), first, last)
    assert not in_month(date(2026, 12, 1), None, first, last)


@pytest.mark.parametrize("month", ["2026-13", "2026", "十一月", "2026-11-01", ""])
def test_not_a_month(month: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(month)


def test_february_of_a_leap_year() -> None:
    assert month_bounds("2028-02")[1] == date(2028, 2, 29)
