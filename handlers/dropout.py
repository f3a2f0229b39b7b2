"""控辍保学 in chat: 休学 (校长), 劝返 and 去向 for a dropout case (班主任, 政教处, 校长).

The 班主任's calls and home visits are recorded by `家访` (handlers/attendance.py); everything
lands on the student's newest unclosed case (services/dropout.py) and in the audit log.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers import texts
from handlers.context import User
from handlers.dispatcher import Command, Router
from models.repos.dropout import DropoutRepo
from models.roster import Student
from services.dropout import record_step
from services.leave.desk import LeaveDesk

OFFICE = frozenset({"政教处", "校长"})
router = Router("dropout", roles=frozenset({"班主任", *OFFICE}))

SUSPENSION_USAGE = ("休学的写法：休学 学生 开始日期 至 结束日期 事由，例如：\n"
                    "休学 张小明 2026-12-01 至 2027-11-30 病休")
MAX_SUSPENSION = timedelta(days=2 * 366)
_DATE = r"(\d{4})(?:-|年)(\d{1,2})(?:-|月)(\d{1,2})日?"


async def find_student(desk: LeaveDesk, user: User, name: str,
                       school_wide: frozenset[str] = OFFICE) -> Student | str:
    """The one student `name` (or 学籍号) means for this user, or what to tell them: the whole
    school for the `school_wide` roles, else the classes the user is 班主任 of."""
    if user.roles & school_wide:
        found = await desk.roster.students_called(name)
    else:
        classes = [c.id for c in await desk.roster.class_of_teacher(user.userid)]
        found = [s for s in await desk.roster.students_called(name) if s.class_id in classes]
    if not found:
        return f"没有找到学生「{name[:20]}」。"
    if len(found) > 1:
        numbers = "、".join(s.student_no for s in found[:5])
        return f"有{len(found)}位学生叫{name}，请用学籍号代替姓名（{numbers}）。"
    return found[0]


@router.on(Command("休学"))
async def suspension(args: str, user: User, desk: LeaveDesk, dropout: DropoutRepo) -> str:
    """`休学 张小明 2026-12-01 至 2027-11-30 病休`: an approved 休学; no 旷课 while it runs."""
    if "校长" not in user.roles:
        return texts.FORBIDDEN
    match = re.fullmatch(rf"(\S+)\s+{_DATE}\s*(?:至|到|-|~)\s*{_DATE}\s+(.+)", args.strip())
    if match is None:
        return SUSPENSION_USAGE
    try:
        first = date(*(int(match.group(i)) for i in (2, 3, 4)))
        last = date(*(int(match.group(i)) for i in (5, 6, 7)))
    except ValueError:
        return "日期不存在，请核对。\n" + SUSPENSION_USAGE
    if last < first or last - first > MAX_SUSPENSION:
        return "结束日期须在开始日期之后，且休学最长两年。\n" + SUSPENSION_USAGE
    student = await find_student(desk, user, match.group(1))
    if isinstance(student, str):
        return student
    reason = match.group(8)[:200]
    row = await dropout.add_suspension(student.id, first, last, reason, by=user.userid,
                                       now=desk.now)
    desk.audit.record(actor=user.userid, action="suspension_recorded", entity="suspension",
                      entity_id=row.id, at=desk.now,
                      after={"student": student.id, "from": str(first), "to": str(last)})
    return (f"已登记{student.name}休学：{first:%Y-%m-%d}至{last:%Y-%m-%d}（{reason}）。"
            "休学期间不记旷课；期满请按时返校。")


@router.on(Command("劝返"))
async def persuade(args: str, user: User, desk: LeaveDesk, dropout: DropoutRepo) -> str:
    """`劝返 张小明 会同村委家访，家长同意周一送回`: a 劝返 step and its result on the case."""
    found = await _student_and_text(args, desk, user, "劝返的写法：劝返 学生 情况，例如：劝返 "
                                                      "张小明 会同村委家访，家长同意周一送回")
    if isinstance(found, str):
        return found
    student, text = found
    action = await record_step(dropout, desk.audit, student.id, "劝返", text,
                               by=user.userid, day=desk.today, now=desk.now)
    if action is None:
        return f"{student.name}没有在办的控辍保学个案。"
    return f"已记录对{student.name}的劝返情况。"


@router.on(Command("去向"))
async def whereabouts(args: str, user: User, desk: LeaveDesk, dropout: DropoutRepo) -> str:
    """`去向 张小明 随父母在广东务工`: where the child is, as the school found out."""
    found = await _student_and_text(
        args, desk, user, "去向的写法：去向 学生 情况，例如：去向 张小明 随父母在广东务工")
    if isinstance(found, str):
        return found
    student, text = found
    case = await dropout.latest_case(student.id)
    if case is None:
        return f"{student.name}没有在办的控辍保学个案。"
    before = case.whereabouts
    case.whereabouts, case.updated_at = text[:200], desk.now
    desk.audit.record(actor=user.userid, action="dropout_whereabouts", entity="dropout_case",
                      entity_id=case.id, at=desk.now, before={"whereabouts": before},
                      after={"whereabouts": case.whereabouts})
    return f"已记录{student.name}的去向。"


async def _student_and_text(args: str, desk: LeaveDesk, user: User,
                            usage: str) -> tuple[Student, str] | str:
    """`<学生> <情况>`: the student (as find_student reads them) and the text, or the answer."""
    match = re.fullmatch(r"(\S+)\s+(.+)", args.strip())
    if match is None:
        return usage
    student = await find_student(desk, user, match.group(1))
    return student if isinstance(student, str) else (student, match.group(2))
