"""The daily truancy (旷课) run: absent without an approved leave → a record and one notice each."""

from __future__ import annotations

from collections import defaultdict

from models.repos.attendance import AttendanceRepo, TruantRow
from models.repos.roster import RosterRepo
from models.rules.calendar import DayKind
from scheduler.jobs.calendar import ADMIN, how_to_declare
from scheduler.runner import JobContext

BATCH = 500


async def truancy(ctx: JobContext) -> None:
    kind = ctx.config.calendar.kind(ctx.day)
    roster = RosterRepo(ctx.session, ctx.school_id)
    if kind is DayKind.UNKNOWN:
        for admin in await roster.users_with_role(ADMIN):
            ctx.notify.send(admin, f"{ctx.day.year}年的放假安排还没有录入，{ctx.day.month}月"
                                   f"{ctx.day.day}日没有判定旷课。\n{how_to_declare(ctx.day.year)}",
                            key=f"truancy-unknown:{ctx.day}:{admin}")
        ctx.counts["skipped"] = "calendar unknown"
        return
    if kind is not DayKind.SCHOOL_DAY:
        ctx.counts["skipped"] = "not a school day"
        return
    repo = AttendanceRepo(ctx.session, ctx.school_id)
    ctx.counts["marked"] = await repo.mark_truancy(ctx.day, ctx.now)
    truants = [row async for row in repo.truants_on(ctx.day)]
    ctx.counts["truant"] = len(truants)
    await _tell_families_and_teachers(ctx, repo, truants)
    await _tell_office_about_unreported(ctx, repo, roster)


async def _tell_families_and_teachers(ctx: JobContext, repo: AttendanceRepo,
                                      truants: list[TruantRow]) -> None:
    """One message per parent and per 班主任 for the day, however many children it names."""
    by_parent: dict[str, list[TruantRow]] = defaultdict(list)
    by_class: dict[int, list[TruantRow]] = defaultdict(list)
    for start in range(0, len(truants), BATCH):
        batch = truants[start:start + BATCH]
        guardians = await repo.guardians_by_student([t.student_id for t in batch])
        for row in batch:
            by_class[row.class_id].append(row)
            for parent in guardians.get(row.student_id, []):
                by_parent[parent].append(row)
    day = f"{ctx.day.month}月{ctx.day.day}日"
    for parent, rows in by_parent.items():
        names = "、".join(f"{r.name}（{_amount(r.days)}）" for r in rows)
        ctx.notify.send(parent, f"{day}，{names}未到校且没有请假，按学校规定记为旷课。"
                                "如有特殊情况请尽快联系班主任补办请假。",
                        key=f"truancy:{ctx.day}:parent:{parent}")
    teachers = await repo.homeroom_by_class(list(by_class))
    for class_id, rows in by_class.items():
        names = "、".join(f"{r.name}（{_amount(r.days)}）" for r in rows)
        for teacher in teachers.get(class_id, []):
            ctx.notify.send(teacher, f"{day}{rows[0].class_label}旷课{len(rows)}人：{names}。"
                                     "家长已收到通知。",
                            key=f"truancy:{ctx.day}:class{class_id}:{teacher}")
    ctx.counts["parents_told"] = len(by_parent)


async def _tell_office_about_unreported(ctx: JobContext, repo: AttendanceRepo,
                                        roster: RosterRepo) -> None:
    """No report is not evidence of absence: nobody in those classes is flagged."""
    missing = await repo.classes_without_report(ctx.day)
    ctx.counts["classes_unreported"] = len(missing)
    if not missing:
        return
    names = "、".join(c.label for c in missing)
    for userid in await roster.users_with_role("政教处"):
        ctx.notify.send(userid, f"{ctx.day.month}月{ctx.day.day}日有{len(missing)}个班级没有上报"
                                f"考勤，这些班级当天未判定旷课：{names}。",
                        key=f"truancy-noreport:{ctx.day}:{userid}")


def _amount(days: float) -> str:
    return "全天" if days >= 1 else "半天"
