"""Who may open which page of the staff console (/admin/) and export which report.

The roster decides, read fresh on every request:
- 班主任: today's picture, the term, the students and the downloads of their own classes only
  (the attendance workbook of one of their classes, the dropout report of one of their students);
- 政教处 and 校长: the same for the whole school, and the audit log;
- 管理员: the admin pages (roster, calendar, config), the audit log and every report but the
  因病缺课登记表;
- the 因病缺课登记表 (health data of named children): 校长 and 校医 only; the 校医 opens nothing
  else in the console;
- 门卫 and parents: nothing (a guard's work is in chat; a parent who is also a 班主任 sees their
  own child here only if the child is in their class).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.rules.access import PRINCIPAL, SCHOOL_DOCTOR, SCHOOL_WIDE, Reader

HOMEROOM, ADMIN = "班主任", "管理员"
TODAY, TERM, STUDENTS, AUDIT, DOWNLOADS, MANAGE = (
    "today", "term", "students", "audit", "downloads", "manage")
ATTENDANCE, LEAVES, DROPOUT = "attendance", "leaves", "dropout"
LEDGER = "dropout-ledger"  # the month's 控辍保学 ledger: the whole school's
ILLNESS = "illness"  # the 因病缺课登记表: the whole school's
REPORTS = (ATTENDANCE, LEAVES, DROPOUT, LEDGER, ILLNESS)  # the order the downloads page lists

_SCHOOL_PICTURE = frozenset({HOMEROOM, *SCHOOL_WIDE})
PAGE_ROLES: dict[str, frozenset[str]] = {
    TODAY: _SCHOOL_PICTURE,
    TERM: _SCHOOL_PICTURE,
    STUDENTS: _SCHOOL_PICTURE,
    AUDIT: frozenset({*SCHOOL_WIDE, ADMIN}),
    DOWNLOADS: frozenset({HOMEROOM, *SCHOOL_WIDE, ADMIN, SCHOOL_DOCTOR}),
    MANAGE: frozenset({ADMIN}),
}
PAGE_ORDER = (TODAY, TERM, STUDENTS, DOWNLOADS, AUDIT, MANAGE)
SCHOOL_EXPORTERS = frozenset({*SCHOOL_WIDE, ADMIN})
HEALTH_EXPORTERS = frozenset({PRINCIPAL, SCHOOL_DOCTOR})
CLASS_REPORTS = (ATTENDANCE, DROPOUT)  # what a 班主任 downloads for their own classes


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
    if report == ILLNESS:
        return bool(reader.roles & HEALTH_EXPORTERS)
    if reader.roles & SCHOOL_EXPORTERS:
        return True
    if HOMEROOM not in reader.roles or class_id is None:
        return False
    return report in CLASS_REPORTS and class_id in reader.classes


def exports(reader: Reader) -> tuple[str, ...]:
    """The reports the reader may download at all (a 班主任 theirs of their own classes), in the
    order the downloads page lists them."""
    return tuple(r for r in REPORTS if may_export(reader, r, None)
                 or (r in CLASS_REPORTS and HOMEROOM in reader.roles))
