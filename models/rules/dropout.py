"""控辍保学 as plain rules: when a run of absence becomes a case, and when a case closes.

篇三 §四.5: 无故不到校达15天以上视为辍学. A school watches earlier: `suspect_after` unexcused
school days in a row make a 疑似辍学 case, so that calls and visits start while the child can
still be brought back. A case is 在劝 while the child is away, 已返校 from the first day back and
已销号 (closed, 动态销号) after `close_after` school days at school since.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

SUSPECTED, DROPPED_OUT = "疑似辍学", "辍学"
AWAY, BACK, CLOSED = "在劝", "已返校", "已销号"
ACTIONS = ("电话", "家访", "劝返")


@dataclass(frozen=True)
class Thresholds:
    suspect_after: float = 5
    dropout_after: float = 15
    close_after: int = 10


def level_for(streak: float, limits: Thresholds) -> str | None:
    """The case level a run of `streak` unexcused school days has reached, if any."""
    if streak >= limits.dropout_after:
        return DROPPED_OUT
    if streak >= limits.suspect_after:
        return SUSPECTED
    return None


def higher(a: str, b: str) -> str:
    """A case never goes down a level: once 辍学, always reported as such."""
    return DROPPED_OUT if DROPPED_OUT in (a, b) else SUSPECTED


@dataclass(frozen=True)
class Progress:
    status: str
    returned_on: date | None
    closed_on: date | None


def progress(last_truant: date, present: list[date], limits: Thresholds) -> Progress:
    """Where a case stands, from the days at school (ascending) after its last truant day."""
    back = [d for d in present if d > last_truant]
    if not back:
        return Progress(AWAY, None, None)
    if len(back) >= limits.close_after:
        return Progress(CLOSED, back[0], back[limits.close_after - 1])
    return Progress(BACK, back[0], None)


def in_month(opened_on: date, closed_on: date | None, first: date, last: date) -> bool:
    """Whether a case was open at some time in [first, last]: the ledger lists it that month."""
    return opened_on <= last and (closed_on is None or closed_on >= first)


def month_bounds(month: str) -> tuple[date, date]:
    """"2026-12" → (2026-12-01, 2026-12-31); ValueError for anything that is not a month."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    return first, first.replace(day=calendar.monthrange(year, number)[1])
