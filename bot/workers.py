"""The background half of the service: inbox and outbox workers, the job runner, the scheduler.

`qingjia serve` runs them beside the HTTP server in one process (the SQLite default);
`qingjia serve --no-workers` leaves them out and `qingjia worker` runs them on their own, as many
as wanted (claims, leases and job_run rows keep each message and each job run single). Every
school of a deployment has its own workers, WeCom client and job runner; the process shares one
HTTP session, one scheduler and one listener. On PostgreSQL, rows written by one process wake the
school's workers in another at once (LISTEN/NOTIFY, the payload names the school); polling
remains the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Config
from bot.deployment import Deployment
from bot.inbox_worker import InboxWorker
from bot.outbox_worker import OutboxWorker
from bot.roster_sync import sync_on_change
from bot.school import open_schools
from bot.wecom_client import WeComClient
from handlers.engine import Dispatcher
from handlers.routing import ROUTERS
from models.clock import Clock, utc_now
from models.db import INBOX_CHANNEL, OUTBOX_CHANNEL, Database
from models.logsafe import without_data
from models.repos.pending import schools_with_work
from scheduler.registry import JOBS
from scheduler.runner import JobRunner
from scheduler.service import start_scheduler

log = logging.getLogger("qingjia.workers")

# With several schools in one process, one look every SWEEP_SECONDS finds the schools with work
# (rows due later, rows another process wrote) and wakes their loops; a loop's own poll is then
# only a last resort. A callback or a queued reply wakes its school's loop at once, in-process or
# by NOTIFY.
SWEEP_SECONDS = 1.0
MANY_SCHOOLS_POLL_SECONDS = 60.0
# With several schools, how many schools' send rounds run at once in a process (each sends up to
# a batch of messages at a time; the database's connections are shared).
SENDING_AT_ONCE = 8


@dataclass
class SchoolWorkers:
    """One school's client, workers and job runner."""

    config: Config
    school_id: int
    client: WeComClient
    inbox: InboxWorker
    outbox: OutboxWorker
    runner: JobRunner


@dataclass
class Workers:
    schools: dict[str, SchoolWorkers]  # by school code
    scheduler: AsyncIOScheduler | None = None  # the wall-clock scheduler, when one runs


def _school_workers(config: Config, db: Database, school_id: int, clock: Clock,
                    http: aiohttp.ClientSession) -> SchoolWorkers:
    client = WeComClient(http, config.wecom)
    outbox = OutboxWorker(db, client, config.outbox, school_id=school_id, clock=clock,
                          public_url=config.server.public_url)
    dispatcher = Dispatcher(ROUTERS, config=config, school_id=school_id)

    async def school_contact_changed(now: datetime) -> None:
        await sync_on_change(db, school_id, client, config, now=now)
        outbox.wakeup.set()

    inbox = InboxWorker(db, dispatcher, school_id=school_id, clock=clock,
                        on_outgoing=outbox.wakeup, on_school_contact=school_contact_changed)
    runner = JobRunner(db, config, school_id=school_id, clock=clock, jobs=JOBS,
                       on_outgoing=outbox.wakeup.set)
    return SchoolWorkers(config, school_id, client, inbox, outbox, runner)


@asynccontextmanager
async def workers(schools: Sequence[tuple[Config, int]], db: Database, clock: Clock, *,
                  run: bool) -> AsyncIterator[Workers]:
    """Each school's WeCom client and workers; with `run`, their loops too (else callers drive
    them). `schools`: each school's config and row id."""
    async with aiohttp.ClientSession() as http:  # each client times its own requests
        made = Workers({config.school.code: _school_workers(config, db, school_id, clock, http)
                        for config, school_id in schools})
        tasks: list[asyncio.Task[None]] = []
        if run:
            tasks = _loops(made, db, clock)
            if clock is utc_now:
                # APScheduler fires on the wall clock; under a clock of the caller's the caller
                # runs the jobs (run_due), so nothing fires behind a test's back.
                made.scheduler = start_scheduler([(w.runner, w.config)
                                                  for w in made.schools.values()])
        try:
            yield made
        finally:
            if made.scheduler is not None:
                made.scheduler.shutdown(wait=False)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _loops(made: Workers, db: Database, clock: Clock) -> list[asyncio.Task[None]]:
    """Every school's inbox and outbox loops; one catch-up, one listener and (for several
    schools) one sweep for all."""
    single = len(made.schools) == 1
    poll = 1.0 if single else MANY_SCHOOLS_POLL_SECONDS
    database = next(iter(made.schools.values())).config.database  # the schools share it
    handlers = 1 if db.is_sqlite else database.inbox_workers
    # One school: that many loops. Several: one loop each, and that many handling at once in
    # the process (the database's connections are shared, whatever the number of schools).
    gate = None if single else asyncio.Semaphore(handlers)
    sending = None if single else asyncio.Semaphore(SENDING_AT_ONCE)
    tasks = []
    for school in made.schools.values():
        tasks += [asyncio.create_task(school.inbox.run_forever(poll, gate))
                  for _ in range(handlers if single else 1)]
        tasks.append(asyncio.create_task(school.outbox.run_forever(poll, sending)))
    tasks.append(asyncio.create_task(_catch_up([w.runner for w in made.schools.values()])))
    by_id = {w.school_id: w for w in made.schools.values()}
    if not single:
        tasks.append(asyncio.create_task(_sweep(by_id, db, clock)))

    def waker(event: Callable[[SchoolWorkers], asyncio.Event]) -> Callable[[str], None]:
        def wake(school: str) -> None:
            """The school the payload names (its row id; nobody when this process does not run
            it), or every school for "" (the listener has just connected)."""
            chosen = by_id.values() if not school else [w for w in [by_id.get(int(school))] if w]
            for w in chosen:
                event(w).set()
        return wake

    # returns at once on SQLite
    tasks.append(asyncio.create_task(db.listen({
        INBOX_CHANNEL: waker(lambda w: w.inbox.wakeup),
        OUTBOX_CHANNEL: waker(lambda w: w.outbox.wakeup)})))
    return tasks


async def _sweep(by_id: dict[int, SchoolWorkers], db: Database, clock: Clock) -> None:
    """Every second, wake the loops of the schools that have work (see SWEEP_SECONDS)."""
    while True:
        try:
            async with db.read() as session:
                pending = await schools_with_work(session, clock())
            for school_id in pending.inbox & by_id.keys():
                by_id[school_id].inbox.wakeup.set()
            for school_id in pending.outbox & by_id.keys():
                by_id[school_id].outbox.wakeup.set()
        except Exception as exc:  # the loops' own polls remain
            log.warning("sweep failed: %s", without_data(exc))
        await asyncio.sleep(SWEEP_SECONDS)


async def _catch_up(runners: Sequence[JobRunner]) -> None:
    """At start-up, do the runs missed while the service was down, oldest first, school after
    school; one school's failure does not keep the others' from running."""
    for runner in runners:
        try:
            await runner.run_due()
        except Exception:
            log.exception("catch-up failed for school %s; the scheduler's next tick retries",
                          runner.school_code)


async def run_worker(deployment: Deployment, clock: Clock, *,
                     ready: asyncio.Event | None = None,
                     stop: asyncio.Event | None = None) -> None:
    """`qingjia worker`: the workers of every school, without HTTP, until SIGTERM or SIGINT."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    configs = list(deployment.schools.values())
    db, ids = await open_schools(deployment.database, configs, clock())
    try:
        async with workers([(c, ids[c.school.code]) for c in configs], db, clock, run=True):
            log.info("worker running: inbox, outbox and jobs of %s", ", ".join(ids))
            if ready is not None:
                ready.set()
            await stop.wait()
    finally:
        await db.dispose()
        log.info("worker stopped")
