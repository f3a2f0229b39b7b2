"""Who may open which page of the staff console (/admin/) and export which report.

The roster decides, read fresh on every request:
- 班主任: today's picture, the term, the students and the downloads of their own classes only
  (the attendance workbook of one of their classes, the dropout report of one of their students);
- 政教处 and 校长: the same for the whole school, and the audit log;
- 管理员: the admin pages (roster, calendar, config), the audit log and every report;
- 门卫 and parents: nothing (a guard's work is in chat; a parent who is also a 班主任 sees their
  own child here only if the child is in their class).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.rules.access import SCHOOL_WIDE, Reader

HOMEROOM, ADMIN = "班主任", "管理员"
TODAY, TERM, STUDENTS, AUDIT, DOWNLOADS, MANAGE = (
    "today", "term", "students", "audit", "downloads", "manage")
ATTENDANCE, LEAVES, DROPOUT = "attendance", "leaves", "dropout"
LEDGER = "dropout-ledger"  # the month's 控辍保学 ledger: the whole school's

_SCHOOL_PICTURE = frozenset({HOMEROOM, *SCHOOL_WIDE})
PAGE_ROLES: dict[str, frozenset[str]] = {
    TODAY: _SCHOOL_PICTURE,
    TERM: _SCHOOL_PICTURE,
    STUDENTS: _SCHOOL_PICTURE,
    AUDIT: frozenset({*SCHOOL_WIDE, ADMIN}),
    DOWNLOADS: frozenset({HOMEROOM, *SCHOOL_WIDE, ADMIN}),
    MANAGE: frozenset({ADMIN}),
}
PAGE_ORDER = (TODAY, TERM, STUDENTS, DOWNLOADS, AUDIT, MANAGE)
SCHOOL_EXPORTERS = frozenset({*SCHOOL_WIDE, ADMIN})


@dataclass(frozen=True)
class ClassScope:
    """The classes whose students a reader sees: the whole school, or these classes."""

    whole_school: bool
    classes: frozenset[int]

    def sees(self, class_id: int) -> bool:
        return self.whole_school or class_id in self.classes

    @property
    def empty(self) -> bool:
        return not self.whole_school and not self.classes


def pages(reader: Reader) -> tuple[str, ...]:
    """The console pages the reader may open, in the order the menu lists them."""
    return tuple(p for p in PAGE_ORDER if reader.roles & PAGE_ROLES[p])


def may_open(reader: Reader, page: str) -> bool:
    return bool(reader.roles & PAGE_ROLES[page])


def class_scope(reader: Reader) -> ClassScope:
    """Whose records the console shows: 政教处 / 校长 the school, a 班主任 their classes."""
    if reader.roles & SCHOOL_WIDE:
        return ClassScope(True, frozenset())
    if HOMEROOM in reader.roles:
        return ClassScope(False, reader.classes)
    return ClassScope(False, frozenset())


def may_export(reader: Reader, report: str, class_id: int | None) -> bool:
    """Whether the reader may download `report`; `class_id` is the one class asked for (the
    attendance workbook) or the class of the case's student (dropout), None for the school."""
    if reader.roles & SCHOOL_EXPORTERS:
        return True
    if HOMEROOM not in reader.roles or class_id is None:
        return False
    return report in (ATTENDANCE, DROPOUT) and class_id in reader.classes
