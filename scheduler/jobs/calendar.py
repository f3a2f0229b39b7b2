"""The national calendar running out: the 管理员 is told once a week until the year is declared."""

from __future__ import annotations

from models.repos.roster import RosterRepo
from models.rules.calendar_check import outlook
from scheduler.runner import JobContext

ADMIN = "管理员"


def how_to_declare(year: int) -> str:
    """What the admin does about an unknown year, in plain words."""
    return (f"国务院办公厅公布{year}年部分节假日安排的通知后，请把通知里的放假日期和调休上班日期"
            f"写入配置文件的 [calendar.national.{year}]（holidays 和 workdays），重启服务，"
            "再运行 qingjia calendar check 核对。")


async def calendar_reminder(ctx: JobContext) -> None:
    """From 60 days before the known calendar ends: one notice per admin per week."""
    today = ctx.now.astimezone(ctx.config.school.tz).date()
    if ctx.day != today:
        ctx.counts["skipped"] = "not today"
        return
    ahead = outlook(ctx.config.calendar, today)
    if not ahead.due(today):
        ctx.counts["skipped"] = f"known through {ahead.known_through}"
        return
    end = ahead.known_through
    text = (f"{ahead.missing_year}年的放假安排还没有录入。系统知道的国家放假安排只到"
            f"{end.year}年{end.month}月{end.day}日，之后的上课日无法计算：家长这些日子的请假会被拒绝，"
            f"也不会判定旷课。\n{how_to_declare(ahead.missing_year)}")
    admins = await RosterRepo(ctx.session, ctx.school_id).users_with_role(ADMIN)
    week = ahead.week(today)
    for admin in admins:
        ctx.notify.send(admin, text, key=f"calendar:{ahead.missing_year}:w{week}:{admin}")
    ctx.counts.update(missing_year=ahead.missing_year, admins=len(admins))
