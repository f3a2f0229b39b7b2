"""The 控辍保学 ledger: on [dropout] ledger_day the 校长 is reminded to check and send it."""

from __future__ import annotations

from collections import Counter

from models.repos.dropout import DropoutRepo
from models.repos.roster import RosterRepo
from models.rules.dropout import month_bounds
from scheduler.runner import JobContext


async def ledger_reminder(ctx: JobContext) -> None:
    """学校一月一报告: a reminder every month, a zero report included."""
    today = ctx.now.astimezone(ctx.config.school.tz).date()
    if ctx.day != today or today.day != ctx.config.dropout.ledger_day:
        ctx.counts["skipped"] = "not the ledger day"
        return
    month = f"{today:%Y-%m}"
    lines = await DropoutRepo(ctx.session, ctx.school_id).ledger(*month_bounds(month))
    by_status = Counter(line.case.status for line in lines)
    if lines:
        summary = "、".join(f"{status}{n}人" for status, n in sorted(by_status.items()))
        facts = f"本月台账共{len(lines)}人（{summary}）。"
    else:
        facts = "本月没有疑似辍学或辍学学生，台账为零报告。"
    text = (f"控辍保学月报：{facts}请核对后上报教育主管部门。导出台账：在管理端下载，"
            f"或运行 qingjia report dropout-ledger --month {month} --out 台账.xlsx")
    principals = await RosterRepo(ctx.session, ctx.school_id).users_with_role("校长")
    for userid in sorted(set(principals)):
        ctx.notify.send(userid, text, key=f"ledger:{month}:{userid}")
    ctx.counts.update(cases=len(lines), principals=len(principals))
