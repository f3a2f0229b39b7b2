"""APScheduler, started and stopped with the app: each school's jobs at their local time, plus a
catch-up tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Config
from scheduler.runner import JobRunner

log = logging.getLogger("qingjia.scheduler")

CATCH_UP_MINUTES = 5
# Schools whose jobs run at once in a process: a district's schools share their local times
# (16:30 truancy everywhere), and each run holds a database connection.
JOBS_AT_ONCE = 2


def start_scheduler(schools: Sequence[tuple[JobRunner, Config]]) -> AsyncIOScheduler:
    """Fire each school's `run_due` at every job's time in the school's own time zone, and every
    few minutes; it does what is due, once.

    The runner decides what to do from the clock and the job_run table, so a missed firing
    (the service was down, a run failed) is made up by the next one, oldest date first. Each
    school's firings are its own: one school's failing job does not hold up another's.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")
    gate = asyncio.Semaphore(JOBS_AT_ONCE)
    for runner, config in schools:
        due = partial(_run_due, runner, gate)
        tz, code = config.school.tz, config.school.code
        for job in runner.jobs.values():
            if job.at is not None:
                at = job.at(config)
                trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)
            else:
                trigger = IntervalTrigger(minutes=job.every_minutes, timezone=tz)
            scheduler.add_job(due, trigger, id=f"{code}:{job.name}",
                              name=f"{code} {job.summary}", coalesce=True, max_instances=1,
                              misfire_grace_time=3600)
        scheduler.add_job(due, IntervalTrigger(minutes=CATCH_UP_MINUTES, timezone=tz),
                          id=f"{code}:catch-up", coalesce=True, max_instances=1)
    scheduler.start()
    log.info("scheduler started schools=%d jobs=%s", len(schools),
             sorted({name for runner, _ in schools for name in runner.jobs}))
    return scheduler


async def _run_due(runner: JobRunner, gate: asyncio.Semaphore) -> None:
    async with gate:
        await runner.run_due()
