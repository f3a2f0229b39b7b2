"""Who may see a student's records (a leave, its 放行码) on a page: plain values in, yes or no.

The roster decides, read fresh on every request: a guardian sees their own children; a 班主任
the students of their own classes (a 临时请假 pass they hold is of their class); 政教处 and 校长
the whole school. 门卫, 管理员 and 校医 see no student's records through these pages (the 校医
downloads the 因病缺课登记表 in the console, models/rules/console.py).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL_WIDE = frozenset({"政教处", "校长"})
PRINCIPAL, SCHOOL_DOCTOR = "校长", "校医"
STAFF = frozenset({"班主任", "政教处", PRINCIPAL, "门卫", "管理员", SCHOOL_DOCTOR})


@dataclass(frozen=True)
class Reader:
    """What the roster says about the person looking."""

    roles: frozenset[str]
    children: frozenset[int]  # student ids they are a guardian of
    classes: frozenset[int]  # class ids where they are 班主任


def may_see_student(reader: Reader, student_id: int, class_id: int) -> bool:
    """Whether the reader may see this student's leave records (in class `class_id`)."""
    return (student_id in reader.children
            or class_id in reader.classes
            or bool(reader.roles & SCHOOL_WIDE))


def is_staff(reader: Reader) -> bool:
    """Whether the reader holds any staff role (the console at /admin/ is for them only)."""
    return bool(reader.roles & STAFF)
