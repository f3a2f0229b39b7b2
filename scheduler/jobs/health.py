"""因病缺勤: the 校医's daily summary, and the next morning's question about a diagnosis."""

from __future__ import annotations

from scheduler.runner import JobContext
from services.health import DOCTOR, HealthDesk


def _desk(ctx: JobContext) -> HealthDesk:
    return HealthDesk.open(ctx.session, ctx.school_id, ctx.config, ctx.notify, ctx.now)


async def health_summary(ctx: JobContext) -> None:
    """To each 校医 (or 政教处 where the school has none): the day's 因病缺课 report."""
    desk = _desk(ctx)
    text = await desk.summary(ctx.day)
    people = await desk.roster.users_with_role(DOCTOR) or await desk.roster.users_with_role(
        "政教处")
    for userid in sorted(set(people)):
        ctx.notify.send(userid, text, key=f"health-summary:{ctx.day}:{userid}")
    ctx.counts.update(told=len(set(people)))


async def illness_followup(ctx: JobContext) -> None:
    ctx.counts["asked"] = await _desk(ctx).ask_for_diagnoses(ctx.day)
