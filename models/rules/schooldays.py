"""Counting a leave in school days (half-day precision) and echoing it back in Chinese."""

from __future__ import annotations

from datetime import date, timedelta

from models.rules.calendar import DayKind, SchoolCalendar, not_entered
from models.rules.dates import DateSpan

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_HALF_NAMES = {"am": "上午", "pm": "下午"}


class CalendarUnknown(Exception):
    """A day whose year's national schedule nobody has given us yet: the span cannot be counted.

    The message is what the user reads, in plain words: the year, never the date.
    """

    def __init__(self, day: date) -> None:
        super().__init__(not_entered(day.year))
        self.day = day


def count_school_days(span: DateSpan, calendar: SchoolCalendar) -> float:
    """School days covered by the span: a whole school day 1, a half 0.5, any other day 0.

    Raises CalendarUnknown on the first day of the span the calendar cannot classify, even if
    the other days could be counted: a partial count would route too low (fail closed).
    A clock window counts by its halves (14:00–16:00 is pm→pm, so 0.5).
    """
    total = 0.0
    for day, kind in calendar.school_days(span.start, span.end):
        if kind is DayKind.UNKNOWN:
            raise CalendarUnknown(day)
        if kind is not DayKind.SCHOOL_DAY:
            continue
        share = 1.0
        if day == span.start and span.start_half == "pm":
            share -= 0.5
        if day == span.end and span.end_half == "am":
            share -= 0.5
        total += max(share, 0.0)
    return total


def describe_span(span: DateSpan, days: float) -> str:
    """The echo shown before confirming, e.g. "12月7日(周一)至12月9日(周三)，共3个上课日".

    A window is shown as "12月7日(周一) 14:00-16:00" (no count: it is part of one day).
    Years are shown only when the span crosses into another year.
    """
    with_year = span.start.year != span.end.year
    first = _day(span.start, with_year)
    if span.window is not None:
        start, end = span.window
        return f"{first} {start:%H:%M}-{end:%H:%M}"
    if span.start == span.end:
        half = "" if span.start_half != span.end_half else _HALF_NAMES[span.start_half]
        text = first + half
    else:
        text = (first + ("下午" if span.start_half == "pm" else "") + "至"
                + _day(span.end, with_year) + ("上午" if span.end_half == "am" else ""))
    return f"{text}，共{_number(days)}个上课日"


def only_non_school_days_between(a_end: date, b_start: date, calendar: SchoolCalendar) -> bool:
    """Whether leave B (starting b_start) follows leave A (ending a_end) back to back.

    True when a_end <= b_start and no day strictly between them is a school day (so b_start the
    day after a_end, and a_end == b_start for a morning leave followed by an afternoon one, are
    back to back). A day the calendar cannot classify counts as not a school day: chaining then
    routes the pair to the higher tier, which is the safe side.
    """
    if b_start < a_end:
        return False
    day = a_end + timedelta(days=1)
    while day < b_start:
        if calendar.kind(day) is DayKind.SCHOOL_DAY:
            return False
        day += timedelta(days=1)
    return True


def _day(day: date, with_year: bool) -> str:
    year = f"{day.year}年" if with_year else ""
    return f"{year}{day.month}月{day.day}日({WEEKDAY_NAMES[day.weekday()]})"


def _number(days: float) -> str:
    return str(int(days)) if days == int(days) else f"{days:g}"
