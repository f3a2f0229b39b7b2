"""临时请假 (篇三 §七.2): the 班主任 lets a student leave school today, having phoned the parent.

The leave is approved at once, its 放行码 goes to the 班主任, the guardians are told.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from models.leave import APPROVED, TEMPORARY, Leave
from models.roster import Student
from models.rules.dates import DateSpan, Half
from models.rules.schooldays import CalendarUnknown, count_school_days
from models.rules.slots import slot
from services.actor import Actor
from services.leave.desk import LeaveDesk
from services.leave.passes import fresh_code, pass_message, pass_values

END_OF_DAY = time(23, 59)
MAX_REASON = 200


async def open_temporary(desk: LeaveDesk, teacher: Actor, student: Student, reason: str,
                         until: time = END_OF_DAY, *, phoned: bool = False) -> str:
    """From now until `until` today; refused if it is past or the child already has a leave
    covering today. `phoned`: the 班主任 wrote that they called the parent (已电话); the
    guardians are told so only then. The 班主任's answer: the pass, or why not."""
    local = desk.now.astimezone(desk.tz)
    if until <= local.time():
        return f"结束时间{until:%H:%M}已经过了，请写一个之后的时间。"
    start_half: Half = "pm" if local.hour >= 12 else "am"
    end_half: Half = "pm" if until > time(12, 0) else "am"
    slots = (slot(local.date(), start_half), slot(local.date(), end_half))
    other = await desk.leaves.open_overlapping(student.id, slots)
    if other is not None:
        return f"{student.name}已有覆盖今天的请假（单号{other.id}），请直接使用其放行码。"
    span = DateSpan(local.date(), start_half, local.date(), end_half,
                    (local.time().replace(second=0, microsecond=0), until))
    calendar, note = desk.config.calendar, ""
    try:
        days = count_school_days(span, calendar)
    except CalendarUnknown as exc:  # the student is in school today: it is a school day
        days = count_school_days(span, replace(
            calendar, make_up_days=calendar.make_up_days | {local.date()}))
        note = f"\n注意：{exc}。今天按上课日记录。"
    code = await fresh_code(desk)
    reason = reason.strip()[:MAX_REASON]
    assert span.window is not None
    leave = await desk.leaves.add(Leave(
        student_id=student.id, kind=TEMPORARY, start_date=local.date(), end_date=local.date(),
        start_slot=slots[0], end_slot=slots[1], window_start=span.window[0],
        window_end=until, days=days, routing_days=days, reason=reason, status=APPROVED,
        tier_index=0, tier_since=desk.now, submitted_by=teacher.userid, submitted_at=desk.now,
        parent_phoned=phoned, decided_by=teacher.userid, decided_at=desk.now))
    await desk.leaves.transition(leave.id, [APPROVED],
                                 **pass_values(desk, leave, code, holder=teacher.userid))
    desk.record(teacher.userid, "opened", leave, note="parent phoned" if phoned else None)
    opening = (f"班主任{teacher.name}已与您电话联系：" if phoned
               else f"班主任{teacher.name}为孩子办理了在校临时请假：")
    for guardian in await desk.roster.guardians_of(student.id):
        desk.notify.send(guardian, f"{opening}{student.name}"
                                   f"因「{reason}」在校临时请假，{until:%H:%M}前可离校"
                                   f"（单号{leave.id}）。"
                                   "离校和返校时会再通知您。")
    return pass_message(desk, leave, student.name, code) + note
