"""`qingjia calendar check` and the start-up warning: which dates nobody has declared yet."""

from __future__ import annotations

import logging
from datetime import date

from models.rules.calendar import SchoolCalendar
from models.rules.calendar_check import TermCheck, check_term, current_and_next, outlook

log = logging.getLogger("qingjia.calendar")


def check_report(calendar: SchoolCalendar, today: date) -> tuple[list[str], bool]:
    """The lines to print, and whether the current or next term still has unknown dates."""
    ahead = outlook(calendar, today)
    declared = ", ".join(str(y.year) for y in calendar.declared) or "none"
    lines = [f"national calendar known through {ahead.known_through} "
             f"(declared in config: {declared})"]
    matters = current_and_next(calendar, today)
    current = calendar.term_of(today)
    blocking: set[int] = set()
    for term in calendar.terms:
        found = check_term(calendar, term)
        role = " (current)" if term == current else " (next)" if term in matters else ""
        lines.extend(_term_lines(found, role))
        if term in matters:
            blocking.update(found.unknown_years)
    if blocking:
        years = sorted(blocking)
        tables = " and ".join(f"[calendar.national.{y}]" for y in years)
        lines.append(f"NOT READY: the current or next term has unknown dates; declare {tables} "
                     "(holidays and workdays) from the State Council's notice when it is "
                     "published")
    else:
        lines.append("ok: every date of the current and next term is known")
        if ahead.due(today):
            lines.append(f"note: {warning(calendar, today)}")
    return lines, bool(blocking)


def _term_lines(found: TermCheck, role: str) -> list[str]:
    term = found.term
    head = f"{term.name}{role}: {term.start} to {term.end}, {found.school_days} school days"
    if not found.unknown_days:
        return [head]
    ranges = ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in found.unknown_ranges)
    return [f"{head} known, {found.unknown_days} dates unknown", f"  unknown: {ranges}"]


def warning(calendar: SchoolCalendar, today: date) -> str:
    ahead = outlook(calendar, today)
    return (f"the national calendar is known through {ahead.known_through}; {ahead.missing_year} "
            f"is not declared: add [calendar.national.{ahead.missing_year}] from the State "
            "Council's notice (see `qingjia calendar check`)")


def warn_at_startup(calendar: SchoolCalendar, today: date) -> None:
    """The same news the 管理员 gets in chat, as one warning line in the service's log."""
    if outlook(calendar, today).due(today):
        log.warning("calendar: %s", warning(calendar, today))
