"""A corrected attendance report: the 旷课 it no longer supports is voided, the family told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models.repos.attendance import AttendanceRepo
from models.roster import SchoolClass
from services.leave.desk import LeaveDesk


async def correct_truancy(desk: LeaveDesk, repo: AttendanceRepo, cls: SchoolClass, day: date,
                          absences: Sequence[tuple[int, int, int]], actor: str) -> int:
    """After a report of `cls` for `day` was replaced: each 旷课 the new report does not support
    is voided or cut to half a day, with an audit record (before and after) and a word to the
    student's guardians. Returns how many records changed."""
    students = {s.id: s for s in await desk.roster.students_in_class(cls.id)}
    absent = {s: (a, b) for s, a, b in absences}
    changed = await repo.correct_truancy(day, absent, list(students), desk.now)
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
