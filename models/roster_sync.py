"""`qingjia sync-roster`: the 家校通讯录 as WeCom lists it, turned into the roster to apply.

Pure: WeCom's answers (`school/department/list`, `school/user/list`) and the roster the school
holds now in, a validated `Roster` out (or `RosterError` listing every problem, in Chinese).

- A class is a department of type 1 (班级); its grade is its parent department (type 2, 年级).
- A student is known by their `student_userid`, which is their 学籍号 in the roster.
- Their parents become 家校 guardians (`parent_userid`, relation, mobile); the 家校通讯录 keeps no
  parent's name, so a guardian keeps the name the school has, and a new one is named by child
  and relation (张小明爸爸).
- Member guardians (家长渠道 企业微信) of students still listed stay, and so do students that
  only member guardians look after (they are not in the 家校通讯录); students who had only 家校
  guardians and are no longer listed are set inactive, as an import does.
- Staff stay as staff.csv made them, except a class's 班主任: the member the 家校通讯录 names
  (department_admins of type 3) becomes the class's one 班主任.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from models.roster_import import (
    HOMEROOM,
    Roster,
    RosterError,
    StaffRow,
    StudentRow,
    roster_label,
    validate,
)
from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL

CLASS, GRADE = 1, 2  # department types
HOMEROOM_ADMIN = 3  # department_admins.type: 班主任
SOURCE = "家校通讯录"
NO_RELATION = "家长"


@dataclass(frozen=True)
class SchoolClassDept:
    """A class of the 家校通讯录: its department id, grade, name and 班主任 (member userids)."""

    id: int
    grade: str
    name: str
    homerooms: tuple[str, ...]


def classes_of(departments: Sequence[dict[str, Any]]) -> list[SchoolClassDept]:
    """The class departments, each with the name of its grade (its parent of type 2)."""
    by_id = {d.get("id"): d for d in departments}
    out = []
    for dept in departments:
        if dept.get("type") != CLASS or not isinstance(dept.get("id"), int):
            continue
        parent = by_id.get(dept.get("parentid"), {})
        grade = str(parent.get("name", "")) if parent.get("type") == GRADE else ""
        admins = dept.get("department_admins") or []
        homerooms = tuple(str(a["userid"]).lower() for a in admins
                          if isinstance(a, dict) and a.get("type") == HOMEROOM_ADMIN
                          and a.get("userid"))
        out.append(SchoolClassDept(dept["id"], grade, str(dept.get("name", "")), homerooms))
    return out


def roster_from_directory(classes: Sequence[SchoolClassDept],
                          students: Mapping[int, Sequence[dict[str, Any]]],
                          current: Roster, *, roles: Sequence[str]) -> Roster:
    """The roster to apply: the directory's classes, students and 家校 parents, with the member
    guardians and staff of `current` (the school's roster now)."""
    rows: list[StudentRow] = []
    problems: list[str] = []
    listed: set[str] = set()
    number = 1

    def add(row: StudentRow) -> None:
        nonlocal number
        number += 1
        rows.append(replace(row, row=number))

    # the directory's parents are 家校 guardians, whatever the roster said of them before
    family = {str(p.get("parent_userid", "")).lower()
              for listed_students in students.values() for st in listed_students
              for p in st.get("parents") or [] if isinstance(p, dict)}
    members_of: dict[str, list[StudentRow]] = {}  # by 学籍号, lower-cased
    numbers: dict[str, str] = {}  # 学籍号 as the school writes it, by its lower-cased form
    known_names: dict[str, str] = {}  # a guardian's name as the school already has it
    for s in current.students:
        known_names.setdefault(s.guardian_userid, s.guardian_name)
        numbers.setdefault(s.student_no.lower(), s.student_no)
        if s.guardian_channel == MEMBER_CHANNEL and s.guardian_userid not in family:
            members_of.setdefault(s.student_no.lower(), []).append(s)
    for cls in classes:
        for student in students.get(cls.id, ()):
            userid = str(student.get("student_userid", ""))
            student_no = numbers.get(userid.lower(), userid)  # WeCom ids ignore case
            name = str(student.get("name", ""))
            if not student_no or student_no.lower() in listed:
                continue
            listed.add(student_no.lower())
            parents = [p for p in student.get("parents") or [] if isinstance(p, dict)]
            for parent in parents:
                relation = str(parent.get("relation") or NO_RELATION)
                parent_id = str(parent.get("parent_userid", "")).lower()
                add(StudentRow(
                    row=0, student_no=student_no, name=name, grade=cls.grade,
                    class_name=cls.name,
                    guardian_name=known_names.get(parent_id, f"{name}{relation}"[:64]),
                    guardian_userid=parent_id,
                    guardian_phone=str(parent.get("mobile") or "") or None,
                    relation=relation[:16], guardian_channel=FAMILY_CHANNEL))
            for member in members_of.get(student_no.lower(), []):
                add(replace(member, student_no=student_no, name=name, grade=cls.grade,
                            class_name=cls.name))
            if not parents and student_no.lower() not in members_of:
                problems.append(f"{SOURCE}: 学生「{name}」（{student_no}，{cls.grade}{cls.name}）"
                                "没有家长，请先在家校通讯录中为其添加家长")
    for key, members in members_of.items():
        if key not in listed:
            for member in members:
                add(member)
    staff = _staff(current.staff, classes)
    try:
        roster = validate(rows, staff, students_file=SOURCE, staff_file="staff.csv",
                          roles=roles)
    except RosterError as exc:
        problems.extend(exc.problems)
    if problems:
        raise RosterError(problems)
    return roster


def _staff(current: Sequence[StaffRow], classes: Sequence[SchoolClassDept]) -> list[StaffRow]:
    """Staff as they are, each class's 班主任 as the 家校通讯录 names it (if it names one)."""
    named = {roster_label(c.grade, c.name): c.homerooms for c in classes if c.homerooms}
    names = {t.userid: t.name for t in current}
    out = [t for t in current if not (t.role == HOMEROOM and t.class_label in named)]
    for label, userids in named.items():
        for userid in userids:
            out.append(StaffRow(row=0, name=names.get(userid, userid), userid=userid,
                                role=HOMEROOM, grade=None, class_name=label))
    return [replace(t, row=i, grade=None, class_name=t.class_label)
            for i, t in enumerate(out, start=2)]
