"""班主任: in-school temporary leave (临时请假, 篇三 §七.2) and closing a leave (销假)."""

from __future__ import annotations

import re
from datetime import time

from handlers.args import leave_number
from handlers.attendance import report
from handlers.context import Dialog, User
from handlers.dialogs import WHICH_STUDENT
from handlers.dispatcher import Command, Router, WaitingFor
from handlers.which import Chosen, again, answer, ask_which
from models.leave import Leave
from models.repos.attendance import AttendanceRepo
from models.roster import Student
from models.rules.textbudget import clip
from services.health import HealthDesk
from services.leave.closing import close_by_teacher, of_teachers_class
from services.leave.desk import LeaveDesk
from services.leave.temporary import END_OF_DAY, open_temporary

router = Router("homeroom", roles=frozenset({"班主任"}))

_PHONED = re.compile(r"\s+已电话(?:联系)?$")  # the 班主任 says they phoned the parent
_TEMPORARY = re.compile(r"(?P<name>\S+)\s+(?P<reason>.+?)"
                        r"(?:\s*(?:至|到)\s*(?P<h>\d{1,2})(?:[:：点](?P<m>\d{2})?)?分?)?")


async def _own_student(name: str, user: User, desk: LeaveDesk,
                       chosen: Chosen) -> Student | list[Student] | str:
    """The student of the teacher's classes by this name; all of them when several share it and
    none was picked yet; or why there is none."""
    classes = [c.id for c in await desk.roster.class_of_teacher(user.userid)]
    found = await desk.roster.students_named(name, classes)
    if len(found) == 1:
        return found[0]
    if not found:
        return f"您的班级里没有叫「{clip(name, 60)}」的学生。"
    picked = next((s for s in found if s.id == chosen.get(name)), None)
    return picked if picked is not None else found


@router.on(Command("临时请假"))
async def temporary_leave(args: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """The pass goes to the 班主任, the guardians are told at once (that the 班主任 phoned them
    only when the command ends with 已电话)."""
    return await temporary(args, user, dialog, desk, {})


async def temporary(args: str, user: User, dialog: Dialog, desk: LeaveDesk,
                    chosen: Chosen) -> str:
    phoned = _PHONED.search(args)
    match = _TEMPORARY.fullmatch(_PHONED.sub("", args) if phoned else args)
    if match is None:
        return ("格式：临时请假 学生姓名 事由 [至 16:00] [已电话]，"
                "例如：临时请假 张小明 发烧 至 16:00 已电话")
    student = await _own_student(match["name"], user, desk, chosen)
    if isinstance(student, str):
        return student
    if isinstance(student, list):
        return ask_which(dialog, "临时请假", args, match["name"], student, chosen, "您的班级里")
    until = END_OF_DAY
    if match["h"]:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if hour > 23 or minute > 59:
            return "时间写错了，例如：至 16:00"
        until = time(hour, minute)
    return await open_temporary(desk, user, student, match["reason"], until,
                                phoned=phoned is not None)


@router.on(Command("销假"))
async def close_leave(args: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """By 单号 or by the student's name: the leave ends now (an early return shortens it)."""
    return await close_named(args, user, dialog, desk, {})


async def close_named(args: str, user: User, dialog: Dialog, desk: LeaveDesk,
                      chosen: Chosen) -> str:
    args = args.strip()
    if not args:
        return "格式：销假 学生姓名 或 销假 单号"
    leave: Leave | None
    number = leave_number(args)
    if number is not None and not number[1]:
        leave = await of_teachers_class(desk, user, number[0])
        if leave is None:
            return f"您的班级没有单号{clip(args, 30)}的请假。"
    else:
        student = await _own_student(args, user, desk, chosen)
        if isinstance(student, str):
            return student
        if isinstance(student, list):
            return ask_which(dialog, "销假", args, args, student, chosen, "您的班级里")
        leave = await desk.leaves.current_for_student(student.id)
        if leave is None:
            return f"{student.name}目前没有已批准、未销假的请假。"
    return await close_by_teacher(desk, leave, user)


@router.on(WaitingFor(WHICH_STUDENT))
async def which_student(text: str, user: User, dialog: Dialog, desk: LeaveDesk,
                        attendance: AttendanceRepo, health: HealthDesk) -> str:
    """The answer to 「王磊(…0012) 还是 王磊(…0031)？」: the waiting command runs with it."""
    picked = answer(dialog, text)
    if picked is None:
        return again(dialog)
    command, args, chosen = picked
    if command == "临时请假":
        return await temporary(args, user, dialog, desk, chosen)
    if command == "销假":
        return await close_named(args, user, dialog, desk, chosen)
    return await report(args, user, dialog, desk, attendance, health, chosen)
