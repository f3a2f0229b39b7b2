"""The truancy rule and the escalation ladder, as the rules read (篇三 §四.5, §七; 篇四 §七.2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.rules.ladder import (
    Ladder,
    Standing,
    Step,
    StudentDay,
    standing,
    steps_due,
    truant_share,
)

MON = date(2026, 11, 30)
D = MON.toordinal() * 2  # Monday morning's slot; +1 is the afternoon


@pytest.mark.parametrize(("absent", "excused", "share"), [
    ((D, D + 1), [], 1.0),                       # absent all day, no leave: a whole day 旷课
    ((D, D), [], 0.5),                           # absent in the morning only: half a day
    ((D, D + 1), [(D, D + 1)], 0.0),             # a leave covers the day: no 旷课
    ((D, D + 1), [(D + 1, D + 1)], 0.5),         # leave for the afternoon only
    ((D, D + 1), [(D - 4, D)], 0.5),             # a leave ending Monday morning
    ((D + 1, D + 1), [(D, D)], 0.5),             # leave in the morning, absent in the afternoon
    ((D, D + 1), [(D, D), (D + 1, D + 1)], 0.0),  # two half-day leaves cover it
])
def test_absent_without_leave_is_truancy(absent, excused, share) -> None:  # type: ignore[no-untyped-def]
    assert truant_share(absent, excused) == share


def week(*marks: str, start: date = MON) -> list[StudentDay]:
    """T = truant all day, H = half a day truant (and there the other half), P = present,
    L = on leave or no report (neither)."""
    days = []
    for i, mark in enumerate(marks):
        truant = {"T": 1.0, "H": 0.5}.get(mark, 0.0)
        days.append(StudentDay(start + timedelta(days=i), truant, mark in "PH"))
    return days


@pytest.mark.parametrize(("days", "streak", "start"), [
    (week("P", "P", "P"), 0, None),
    (week("P", "T", "T", "T"), 3, MON + timedelta(days=1)),
    (week("T", "T", "P", "T"), 1, MON + timedelta(days=3)),        # coming back ends the episode
    (week("T", "L", "T"), 2, MON),                                 # a leave day: no break, no add
    (week("P", "H", "T", "T"), 2.5, MON + timedelta(days=1)),      # half a day starts the run
    (week("T", "T", "T", "H"), 0.5, MON + timedelta(days=3)),      # back for half a day: a new run
])
def test_consecutive_truancy_and_the_episode(days, streak, start) -> None:  # type: ignore[no-untyped-def]
    now = standing(days)
    assert (now.streak, now.episode_start) == (streak, start)


LADDER = Ladder()


def names(steps: list[Step]) -> list[str]:
    return [s.name for s in steps]


@pytest.mark.parametrize(("now", "leave", "expected"), [
    (Standing(1, MON, 1), 0, []),                                 # day 1: the daily notice only
    (Standing(3, MON, 3), 0, ["office"]),                         # 3 consecutive → 政教处 + 家访
    (Standing(2.5, MON, 2.5), 0, []),
    (Standing(10, MON, 10), 0, ["office", "principal"]),          # 10 → 校长 辍学预警
    (Standing(15, MON, 15), 0, ["office", "principal", "dropout"]),  # 15 天以上视为辍学
    (Standing(0, None, 10), 0, ["principal_term"]),               # 10 in the term, not in a row
    (Standing(0, None, 22.5), 0, ["principal_term", "periods"]),  # 22.5 days x 8 = 180 节
    (Standing(0, None, 0), 30.5, ["leave_advisory"]),             # sick+personal leave > 6 weeks
    (Standing(0, None, 0), 30, []),
])
def test_the_ladder(now: Standing, leave: float, expected: list[str]) -> None:
    assert names(steps_due(now, leave, LADDER, "2026秋")) == expected


def test_a_step_is_keyed_by_its_episode_or_its_term() -> None:
    first = steps_due(Standing(3, MON, 3), 0, LADDER, "2026秋")
    again = steps_due(Standing(4, MON, 4), 0, LADDER, "2026秋")
    later = steps_due(Standing(3, MON + timedelta(days=14), 7), 0, LADDER, "2026秋")
    assert first == again  # the same episode: sent once
    assert first[0].episode != later[0].episode  # a new episode after coming back
    term = steps_due(Standing(0, None, 10), 0, LADDER, "2026秋")
    assert term == [Step("principal_term", "term:2026秋")]
