"""Runs jobs once per (job, school date): claim, work and notices in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.attendance import JobRun
from models.clock import Clock
from models.db import Database
from models.logsafe import without_data
from models.messages import Notifier
from models.repos.jobs import JobRunRepo
from models.repos.outbox import OutboxRepo
from models.rules.calendar import DayKind
from models.rules.routing import quiet_until

log = logging.getLogger("qingjia.jobs")

CATCH_UP_DAYS = 21  # how far back missed school dates are looked for


@dataclass
class JobContext:
    """What a job run gets: its own session, the school, the date, a way to send notices."""

    session: AsyncSession
    school_id: int
    config: Config
    day: date
    now: datetime
    notify: Notifier = field(default_factory=Notifier)
    counts: dict[str, Any] = field(default_factory=dict)


JobWork = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    name: str
    summary: str
    at: Callable[[Config], Any] | None  # the local time it runs each school day; None: periodic
    work: JobWork
    every_minutes: int = 0  # for periodic jobs
    school_days_only: bool = True
    compact_after: bool = False  # then clear the database's write-ahead log (what was deleted)


class JobRunner:
    """Claims and runs jobs; several processes may share the database, each run happens once."""

    def __init__(self, db: Database, config: Config, *, school_id: int, clock: Clock,
                 jobs: dict[str, Job], on_outgoing: Callable[[], None] | None = None) -> None:
        self._db = db
        self._config = config
        self._school_id = school_id
        self._clock = clock
        self.jobs = jobs
        self._on_outgoing = on_outgoing

    @property
    def school_code(self) -> str:
        return self._config.school.code

    def run_key(self, job: Job, day: date, now: datetime) -> str:
        if job.at is not None:
            return day.isoformat()
        local = now.astimezone(self._config.school.tz)
        slot = local.hour * 60 + local.minute
        return f"{day.isoformat()}T{slot // job.every_minutes * job.every_minutes:04d}"

    async def run(self, name: str, day: date, *, force: bool = False) -> dict[str, Any] | None:
        """Run one job for one date now; None when another process already did (or does) it."""
        job = self.jobs[name]
        now = self._clock()
        key = self.run_key(job, day, now)
        started = time.perf_counter()
        try:
            async with self._db.unit_of_work() as session:
                runs = JobRunRepo(session, self._school_id)
                if not await runs.claim(name, key, now, force=force):
                    return None
                ctx = JobContext(session, self._school_id, self._config, day, now)
                await job.work(ctx)
                approval = self._config.approval
                ctx.counts["notices"] = await OutboxRepo(session, self._school_id).add(
                    ctx.notify.messages, now, not_before=quiet_until(
                        now, approval.quiet_start, approval.quiet_end, self._config.school.tz))
                await runs.finish(name, key, self._clock(), ctx.counts)
        except Exception as exc:
            log.error("job failed school=%s job=%s date=%s %s", self.school_code, name, day,
                      without_data(exc))
            await self._record_failure(name, key, now, exc)
            raise
        if job.compact_after:
            await self._db.compact()
        seconds = time.perf_counter() - started
        log.info("job done school=%s job=%s date=%s seconds=%.3f counts=%s", self.school_code,
                 name, day, seconds, ctx.counts)
        if ctx.counts.get("notices") and self._on_outgoing:
            self._on_outgoing()
        return {**ctx.counts, "seconds": round(seconds, 3)}

    async def _record_failure(self, name: str, key: str, now: datetime, exc: Exception) -> None:
        """A failed run leaves a row that the next tick may claim again."""
        async with self._db.unit_of_work() as session:
            await JobRunRepo(session, self._school_id).fail(name, key, now, self._clock(),
                                                            type(exc).__name__)

    def due_dates(self, job: Job, now: datetime, first_run: date | None) -> list[date]:
        """School dates, oldest first, whose run time has passed.

        Missed dates are caught up from the job's first run on (at most CATCH_UP_DAYS back):
        a new installation does not invent runs for days before it existed.
        """
        local = now.astimezone(self._config.school.tz)
        if job.at is None:
            return [local.date()]
        days = []
        oldest = local.date() - timedelta(days=CATCH_UP_DAYS)
        start = max(first_run, oldest) if first_run else local.date()
        for back in range((local.date() - start).days, -1, -1):
            day = local.date() - timedelta(days=back)
            if back == 0 and local.time() < job.at(self._config):
                continue
            if not job.school_days_only or self._config.calendar.kind(day) is not DayKind.DAY_OFF:
                days.append(day)
        return days

    async def run_due(self) -> int:
        """Every job for every due date not yet done: what each scheduler tick calls."""
        now, ran = self._clock(), 0
        for job in self.jobs.values():
            done, first = await self._history(job.name, now)
            for day in self.due_dates(job, now, first):
                if self.run_key(job, day, now) in done:
                    continue
                try:
                    if await self.run(job.name, day) is not None:
                        ran += 1
                except Exception:  # reported in run(); the next tick tries again
                    break
        return ran

    async def _history(self, name: str, now: datetime) -> tuple[set[str], date | None]:
        """Keys of runs finished inside the catch-up window, and the job's first run date."""
        oldest = now.astimezone(self._config.school.tz).date() - timedelta(days=CATCH_UP_DAYS)
        async with self._db.read() as session:
            return await JobRunRepo(session, self._school_id).history(name, oldest)

    async def last_runs(self) -> dict[str, JobRun]:
        """Each job's most recent run (for `qingjia jobs`)."""
        async with self._db.read() as session:
            return await JobRunRepo(session, self._school_id).last_runs()
