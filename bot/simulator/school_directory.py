"""The stand-in's 家校通讯录 (school/department/list, school/user/list), built from a roster:
a grade department per grade, a class per class with its 班主任, each student with the
guardians the roster reaches by 家校 (or, for the demo, every parent who is not staff)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.simulator.standin import SchoolDirectory
from models.roster_import import HOMEROOM, Roster, read_roster
from models.rules.channel import FAMILY_CHANNEL

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "demo_roster"


def directory_from_roster(roster: Roster, *, every_parent: bool = False) -> SchoolDirectory:
    """The 家校通讯录 that holds `roster`'s classes, students and 家校 parents (all parents who
    are not staff with `every_parent`)."""
    staff = {t.userid for t in roster.staff}
    departments: list[dict[str, Any]] = [{"id": 1, "name": "学校", "parentid": 0, "type": 5}]
    grades: dict[str, int] = {}
    classes: dict[tuple[str, str], int] = {}
    for grade, name in roster.classes:
        if grade not in grades:
            grades[grade] = 100 + len(grades)
            departments.append({"id": grades[grade], "name": grade, "parentid": 1, "type": 2})
        classes[(grade, name)] = 1000 + len(classes)
        admins = [{"userid": t.userid, "type": 3} for t in roster.staff
                  if t.role == HOMEROOM and (t.grade or "", t.class_name) == (grade, name)]
        departments.append({"id": classes[(grade, name)], "name": name,
                            "parentid": grades[grade], "type": 1,
                            "department_admins": admins})
    students: dict[int, dict[str, dict[str, Any]]] = {}
    for s in roster.students:
        by_no = students.setdefault(classes[(s.grade, s.class_name)], {})
        entry = by_no.setdefault(s.student_no, {
            "student_userid": s.student_no, "name": s.name,
            "department": [classes[(s.grade, s.class_name)]], "parents": []})
        family = s.guardian_channel == FAMILY_CHANNEL or (
            every_parent and s.guardian_userid not in staff)
        if family:
            entry["parents"].append({"parent_userid": s.guardian_userid,
                                     "relation": s.relation, "mobile": s.guardian_phone or "",
                                     "is_subscribe": 1})
    return SchoolDirectory(departments, {k: list(v.values()) for k, v in students.items()})


def demo_school_directory() -> SchoolDirectory:
    """The demo school's 家校通讯录: every parent who is not staff is a 家校 parent."""
    roster = read_roster(DEMO_ROSTER / "students.csv", DEMO_ROSTER / "staff.csv")
    return directory_from_roster(roster, every_parent=True)
