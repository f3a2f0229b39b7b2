"""The background half of the service: inbox and outbox workers, the job runner, the scheduler.

`qingjia serve` runs them beside the HTTP server in one process (the SQLite default);
`qingjia serve --no-workers` leaves them out and `qingjia worker` runs them on their own, as many
as wanted (claims, leases and job_run rows keep each message and each job run single). On
PostgreSQL, rows written by one process wake the workers of another at once (LISTEN/NOTIFY);
polling every second remains the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Config
from bot.inbox_worker import InboxWorker
from bot.outbox_worker import OutboxWorker
from bot.roster_sync import sync_on_change
from bot.school import open_school
from bot.wecom_client import WeComClient
from handlers.engine import Dispatcher
from handlers.routing import ROUTERS
from models.clock import Clock, utc_now
from models.db import INBOX_CHANNEL, OUTBOX_CHANNEL, Database
from scheduler.registry import JOBS
from scheduler.runner import JobRunner
from scheduler.service import start_scheduler

log = logging.getLogger("qingjia.workers")


@dataclass
class Workers:
    client: WeComClient
    inbox: InboxWorker
    outbox: OutboxWorker
    runner: JobRunner
    scheduler: AsyncIOScheduler | None  # the wall-clock scheduler, when one runs


@asynccontextmanager
async def workers(config: Config, db: Database, school_id: int, clock: Clock, *,
                  run: bool) -> AsyncIterator[Workers]:
    """The WeCom client and the workers; with `run`, their loops too (else callers drive them)."""
    timeout = aiohttp.ClientTimeout(total=config.wecom.request_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as http:
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
        tasks: list[asyncio.Task[None]] = []
        scheduler = None
        if run:
            loops = 1 if db.is_sqlite else config.database.inbox_workers
            tasks = [asyncio.create_task(inbox.run_forever()) for _ in range(loops)]
            tasks += [asyncio.create_task(outbox.run_forever()),
                      asyncio.create_task(_catch_up(runner))]
            tasks.append(asyncio.create_task(db.listen({  # returns at once on SQLite
                INBOX_CHANNEL: inbox.wakeup.set, OUTBOX_CHANNEL: outbox.wakeup.set})))
            if clock is utc_now:
                # APScheduler fires on the wall clock; under a clock of the caller's the caller
                # runs the jobs (run_due), so nothing fires behind a test's back.
                scheduler = start_scheduler(runner, config)
        try:
            yield Workers(client, inbox, outbox, runner, scheduler)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _catch_up(runner: JobRunner) -> None:
    """At start-up, do the runs missed while the service was down, oldest first."""
    try:
        await runner.run_due()
    except Exception:
        log.exception("catch-up failed; the scheduler's next tick retries")


async def run_worker(config: Config, clock: Clock, *, ready: asyncio.Event | None = None,
                     stop: asyncio.Event | None = None) -> None:
    """`qingjia worker`: the workers without the HTTP server, until SIGTERM or SIGINT."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    db, school_id = await open_school(config, clock())
    try:
        async with workers(config, db, school_id, clock, run=True):
            log.info("worker running: inbox, outbox and jobs of school %s", config.school.code)
            if ready is not None:
                ready.set()
            await stop.wait()
    finally:
        await db.dispose()
        log.info("worker stopped")
