"""考勤: a 班主任's daily report for one class, from chat or the class page, stored and audited."""

from __future__ import annotations

from collections.abc import Sequence

from services.actor import Actor
from services.leave.desk import LeaveDesk


async def save_attendance(desk: LeaveDesk, teacher: Actor, class_id: int,
                          absences: Sequence[tuple[int, int, int]]) -> bool:
    """Store (or replace) today's report; absences are (student id, first slot, last slot).
    True when it replaced an earlier report."""
    today = desk.today
    _, replaced = await desk.attendance.save_report(class_id, today, teacher.userid, desk.now,
                                                    absences)
    desk.audit.record(actor=teacher.userid, action="attendance_replaced" if replaced
                      else "attendance_reported", entity="attendance",
                      entity_id=f"{class_id}:{today}", at=desk.now,
                      after={"absent": [a[0] for a in absences]})
    return replaced
