"""Half-day slots and pass windows: where a leave starts and ends, in numbers and in time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from models.rules.dates import DateSpan, Half

NOON = time(12, 0)


def slot(day: date, half: Half) -> int:
    """A half day as one number: consecutive halves are consecutive numbers."""
    return day.toordinal() * 2 + (1 if half == "pm" else 0)


def span_slots(span: DateSpan) -> tuple[int, int]:
    """The first and last half-day slot a span covers (both included)."""
    return slot(span.start, span.start_half), slot(span.end, span.end_half)


def pass_window(start: date, start_half: Half, end: date, end_half: Half,
                window: tuple[time, time] | None, tz: tzinfo) -> tuple[datetime, datetime]:
    """When a pass is valid: from the leave's first moment to its last (local time, aware).

    A morning starts at midnight and ends at noon; an afternoon runs from noon to midnight.
    A clock window (临时请假, 今天下午两点到四点) is exactly that window.
    """
    if window is not None:
        return (datetime.combine(start, window[0], tz), datetime.combine(end, window[1], tz))
    begins = datetime.combine(start, NOON if start_half == "pm" else time(0), tz)
    last_day = datetime.combine(end, time(0), tz)
    ends = last_day + (timedelta(hours=12) if end_half == "am" else timedelta(days=1))
    return begins, ends
