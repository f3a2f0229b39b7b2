"""因病缺勤: the 校医's daily summary, the next morning's question about a diagnosis, and the purge
of health details past their keeping."""

from __future__ import annotations

from models.repos.health import HealthRepo
from models.repos.leaves import LeaveRepo
from scheduler.runner import JobContext
from services.health import DOCTOR, HealthDesk
from services.privacy import purge


def _desk(ctx: JobContext) -> HealthDesk:
    return HealthDesk.open(ctx.session, ctx.school_id, ctx.config, ctx.notify, ctx.now)


async def health_summary(ctx: JobContext) -> None:
    """To each 校医 (or 政教处 where the school has none): the day's 因病缺课 report."""
    desk = _desk(ctx)
    text = await desk.summary(ctx.day)
    people = await desk.roster.users_with_role(DOCTOR) or await desk.roster.users_with_role(
        "政教处")
    counted = [r.student_id for r in await desk.health.between(ctx.day, ctx.day) if r.symptoms]
    for userid in sorted(set(people)):
        # Counts only, no names: 政教处 (no 校医) gets them unlogged; a reader's look is logged.
        await desk.privacy.disclose(userid, counted, "症状", "日报")
        ctx.notify.send(userid, text, key=f"health-summary:{ctx.day}:{userid}")
    ctx.counts.update(told=len(set(people)))


async def illness_followup(ctx: JobContext) -> None:
    ctx.counts["asked"] = await _desk(ctx).ask_for_diagnoses(ctx.day)


async def health_purge(ctx: JobContext) -> None:
    """Symptoms, diagnoses and 病假 reasons kept `[health] keep_days` past their school year:
    blanked."""
    done = await purge(HealthRepo(ctx.session, ctx.school_id),
                       LeaveRepo(ctx.session, ctx.school_id), ctx.config, ctx.day)
    ctx.counts.update(absences=done.absences, alerts=done.alerts, leaves=done.leaves)
