"""Attendance reminders: no report by the cut-off → the 班主任; still none later → 政教处."""

from __future__ import annotations

from models.repos.attendance import AttendanceRepo
from models.repos.roster import RosterRepo
from models.rules.calendar import DayKind
from scheduler.runner import JobContext


def _fresh(ctx: JobContext) -> bool:
    """Reminders only make sense while the school day lasts: a past day, or today once the
    truancy run's time has come (a start-up catch-up at 23:50), sends none."""
    local = ctx.now.astimezone(ctx.config.school.tz)
    if ctx.day != local.date() or ctx.config.calendar.kind(ctx.day) is not DayKind.SCHOOL_DAY:
        ctx.counts["skipped"] = "not today's school day"
        return False
    if local.time() >= ctx.config.attendance.truancy_run:
        ctx.counts["skipped"] = "the school day is over"
        return False
    return True


async def attendance_reminder(ctx: JobContext) -> None:
    if not _fresh(ctx):
        return
    repo = AttendanceRepo(ctx.session, ctx.school_id)
    missing = await repo.classes_without_report(ctx.day)
    teachers = await repo.homeroom_by_class([c.id for c in missing])
    for cls in missing:
        for userid in teachers.get(cls.id, []):
            ctx.notify.send(userid, f"{cls.label}今天的考勤还没有上报。请发送「考勤 全勤」"
                                    "或「考勤 缺勤 学生姓名」。",
                            key=f"att-remind:{ctx.day}:{cls.id}:{userid}")
    ctx.counts["classes_missing"] = len(missing)


async def attendance_office_alert(ctx: JobContext) -> None:
    if not _fresh(ctx):
        return
    missing = await AttendanceRepo(ctx.session, ctx.school_id).classes_without_report(ctx.day)
    ctx.counts["classes_missing"] = len(missing)
    if not missing:
        return
    names = "、".join(c.label for c in missing)
    for userid in await RosterRepo(ctx.session, ctx.school_id).users_with_role("政教处"):
        ctx.notify.send(userid, f"截至{ctx.config.attendance.office_alert:%H:%M}，"
                                f"{len(missing)}个班级尚未上报今天的考勤：{names}。",
                        key=f"att-office:{ctx.day}:{userid}")
