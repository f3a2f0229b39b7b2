"""Health details under 个人信息保护法: whether a child's may be kept, who may see them, and when
they are purged. Pure: plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from enum import Enum

from models.rules.calendar import Term

# Besides the approver of the child's leave, only these roles see symptoms and diagnoses.
HEALTH_READERS = frozenset({"班主任", "校医", "校长"})
SCHOOL_READERS = frozenset({"校医", "校长"})  # every child of the school; a 班主任 their classes'
HOMEROOM = "班主任"
YEAR_STARTS_MONTH = 8  # a school year runs from August to July (秋季学期 starts late Aug or Sep)


class Consent(Enum):
    YES = "同意"
    NO = "不同意"
    PENDING = "未答复"


def consent_of(answers: Iterable[bool | None]) -> Consent:
    """A child's consent from the guardians' answers: one refusal wins over any yes."""
    given = list(answers)
    if False in given:
        return Consent.NO
    return Consent.YES if True in given else Consent.PENDING


def may_read(roles: frozenset[str], *, approver: bool = False, own_class: bool = True) -> bool:
    """Whether staff with `roles` may see a child's health details: the approver of the child's
    leave, the 校医 and the 校长 any child's, a 班主任 only those of their own classes."""
    if approver or not roles.isdisjoint(SCHOOL_READERS):
        return True
    return HOMEROOM in roles and own_class


def school_year_end(terms: Sequence[Term], day: date) -> date:
    """The last day of the school year `day` falls in: the end of its last configured term, or
    31 July when the calendar names no term of that year."""
    first_year = day.year if day.month >= YEAR_STARTS_MONTH else day.year - 1
    start, end = date(first_year, YEAR_STARTS_MONTH, 1), date(first_year + 1, YEAR_STARTS_MONTH, 1)
    ends = [t.end for t in terms if start <= t.start < end]
    return max(ends) if ends else end - timedelta(days=1)


def purge_due(terms: Sequence[Term], day: date, keep_days: int, today: date) -> bool:
    """Whether health details of an absence starting `day` are past their keeping: more than
    `keep_days` days after the end of its school year."""
    return today > school_year_end(terms, day) + timedelta(days=keep_days)
