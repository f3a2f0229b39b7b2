"""班主任: in-school temporary leave (临时请假, 篇三 §七.2) and closing a leave (销假)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time

from handlers import leave_views as views
from handlers.context import User
from handlers.dispatcher import Command, Router
from handlers.leave_desk import LeaveDesk
from models.leave import APPROVED, TEMPORARY, Leave
from models.roster import Student
from models.rules import passcode
from models.rules.dates import DateSpan, Half
from models.rules.schooldays import CalendarUnknown, count_school_days
from models.rules.slots import slot, slots_overlap

router = Router("homeroom", roles=frozenset({"班主任"}))

_TEMPORARY = re.compile(r"(?P<name>\S+)\s+(?P<reason>.+?)"
                        r"(?:\s*(?:至|到)\s*(?P<h>\d{1,2})(?:[:：点](?P<m>\d{2})?)?分?)?")
END_OF_DAY = time(23, 59)


async def _own_student(name: str, user: User, desk: LeaveDesk) -> tuple[Student | None, str]:
    classes = [c.id for c in await desk.roster.class_of_teacher(user.userid)]
    found = await desk.roster.students_named(name, classes)
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, f"您的班级里没有叫「{name}」的学生。"
    return None, f"您的班级里有{len(found)}名学生叫「{name}」，请联系管理员区分。"


@router.on(Command("临时请假"))
async def temporary_leave(args: str, user: User, desk: LeaveDesk) -> str:
    """The parent has been phoned; the pass goes to the 班主任, the parent is told at once."""
    match = _TEMPORARY.fullmatch(args)
    if match is None:
        return "格式：临时请假 学生姓名 事由 [至 16:00]，例如：临时请假 张小明 发烧 至 16:00"
    student, refusal = await _own_student(match["name"], user, desk)
    if student is None:
        return refusal
    local = desk.now.astimezone(desk.tz)
    until = END_OF_DAY
    if match["h"]:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if hour > 23 or minute > 59:
            return "时间写错了，例如：至 16:00"
        until = time(hour, minute)
    if until <= local.time():
        return f"结束时间{until:%H:%M}已经过了，请写一个之后的时间。"
    start_half: Half = "pm" if local.hour >= 12 else "am"
    end_half: Half = "pm" if until > time(12, 0) else "am"
    slots = (slot(local.date(), start_half), slot(local.date(), end_half))
    for other in await desk.leaves.open_for_student(student.id):
        if slots_overlap(slots, (other.start_slot, other.end_slot)):
            return f"{student.name}已有覆盖今天的请假（单号{other.id}），请直接使用其放行码。"
    span = DateSpan(local.date(), start_half, local.date(), end_half,  # type: ignore[arg-type]
                    (local.time().replace(second=0, microsecond=0), until))
    calendar, note = desk.config.calendar, ""
    try:
        days = count_school_days(span, calendar)
    except CalendarUnknown as exc:  # the student is in school today: it is a school day
        days = count_school_days(span, replace(
            calendar, make_up_days=calendar.make_up_days | {local.date()}))
        note = f"\n注意：{exc}。今天按上课日记录。"
    code = passcode.new_code()
    reason = match["reason"].strip()[:200]
    leave = await desk.leaves.add(Leave(
        student_id=student.id, kind=TEMPORARY, start_date=local.date(), end_date=local.date(),
        start_slot=slots[0], end_slot=slots[1], window_start=span.window[0],  # type: ignore[index]
        window_end=until, days=days, routing_days=days, reason=reason, status=APPROVED,
        tier_index=0, tier_since=desk.now, submitted_by=user.userid, submitted_at=desk.now,
        parent_phoned=True, decided_by=user.userid, decided_at=desk.now))
    values = desk.pass_values(leave, code, holder=user.userid)
    await desk.leaves.transition(leave.id, [APPROVED], **values)
    desk.record(user.userid, "opened", leave, note="parent phoned")
    for guardian in await desk.roster.guardians_of(student.id):
        desk.notify.send(guardian, f"班主任{user.name}已与您电话联系：{student.name}因「{reason}」"
                                   f"在校临时请假，{until:%H:%M}前可离校（单号{leave.id}）。"
                                   "离校和返校时会再通知您。")
    return desk.pass_message(leave, student.name, code) + note


@router.on(Command("销假"))
async def close_leave(args: str, user: User, desk: LeaveDesk) -> str:
    """By 单号 or by the student's name: the leave ends now (an early return shortens it)."""
    args = args.strip()
    if not args:
        return "格式：销假 学生姓名 或 销假 单号"
    classes = {c.id for c in await desk.roster.class_of_teacher(user.userid)}
    leave: Leave | None
    number = views.leave_number(args)
    if number is not None and not number[1]:
        leave = await desk.leaves.get(number[0])
        student = await desk.roster.student(leave.student_id) if leave else None
        if leave is None or student is None or student.class_id not in classes:
            return f"您的班级没有单号{args}的请假。"
    else:
        student, refusal = await _own_student(args, user, desk)
        if student is None:
            return refusal
        leave = await desk.leaves.current_for_student(student.id)
        if leave is None:
            return f"{student.name}目前没有已批准、未销假的请假。"
    if not await desk.close(leave, user, via="homeroom"):
        return f"单号{leave.id}当前{views.STATUS_NAMES[leave.status]}，无需销假。"
    return f"已销假：{student.name} 单号{leave.id}（{views.when(leave)}）。"
