"""考勤: a 班主任's report for one class and day, from chat or the class page: stored, audited
with before and after, and a correction voids the 旷课 it no longer supports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.actor import Actor
from services.leave.desk import LeaveDesk


async def save_attendance(desk: LeaveDesk, teacher: Actor, class_id: int,
                          absences: Sequence[tuple[int, int, int]],
                          day: date | None = None) -> bool:
    """Store (or replace) the report of `day` (default today); absences are (student id, first
    slot, last slot). True when it replaced an earlier report (then 旷课 is corrected)."""
    day = day or desk.today
    repo = desk.attendance
    earlier = await repo.report(class_id, day)
    before = [a.student_id for a in await repo.absences(earlier.id)] if earlier else None
    _, replaced = await repo.save_report(class_id, day, teacher.userid, desk.now, absences)
    desk.audit.record(actor=teacher.userid, action="attendance_replaced" if replaced
                      else "attendance_reported", entity="attendance",
                      entity_id=f"{class_id}:{day}", at=desk.now,
                      before={"absent": before} if before is not None else None,
                      after={"absent": [a[0] for a in absences]})
    if replaced:
        await correct_truancy(desk, class_id, day, absences, teacher.userid)
    return replaced


async def correct_truancy(desk: LeaveDesk, class_id: int, day: date,
                          absences: Sequence[tuple[int, int, int]], actor: str) -> int:
    """After a report of the class for `day` was replaced: each 旷课 the new report does not
    support is voided or cut to half a day, with an audit record (before and after) and a word
    to the student's guardians. Returns how many records changed."""
    students = {s.id: s for s in await desk.roster.students_in_class(class_id)}
    absent = {s: (a, b) for s, a, b in absences}
    changed = await desk.attendance.correct_truancy(day, absent, list(students), desk.now)
    for student_id, before, after in changed:
        desk.audit.record(actor=actor, action="truancy_corrected", entity="truancy",
                          entity_id=f"{student_id}:{day}", at=desk.now,
                          before={"days": before}, after={"days": after})
        name = students[student_id].name
        what = "已撤销" if after == 0 else "改为半天"
        for guardian in await desk.roster.guardians_of(student_id):
            desk.notify.send(guardian, f"{name}{day.month}月{day.day}日的旷课记录{what}"
                                       f"（班主任更正了当天的考勤）。")
    return len(changed)
