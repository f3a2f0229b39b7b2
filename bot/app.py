"""The app factory: routes, the database, the WeCom client and the two workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import callback, health, keys, passes
from bot.config import Config
from bot.crypto import WeComCrypto
from bot.inbox_worker import InboxWorker
from bot.inbox_writer import InboxWriter
from bot.outbox_worker import OutboxWorker
from bot.roster_sync import sync_on_change
from bot.school import open_school
from bot.web import setup_web
from bot.wecom_client import WeComClient
from handlers.engine import Dispatcher
from handlers.routing import ROUTERS
from models.clock import Clock, utc_now
from scheduler.registry import JOBS
from scheduler.runner import JobRunner
from scheduler.service import start_scheduler

log = logging.getLogger("qingjia.app")


class StartupError(Exception):
    """The service cannot start; the message says what to do."""


def create_app(config: Config, *, clock: Clock = utc_now,
               run_workers: bool = True) -> web.Application:
    """Build the service; resources open and close with the app."""
    app = web.Application(client_max_size=config.server.max_body_bytes)
    app[keys.CONFIG] = config
    app[keys.CLOCK] = clock
    app[keys.CRYPTO] = WeComCrypto(config.wecom.token, config.wecom.encoding_aes_key,
                                   config.wecom.corp_id)
    app.add_routes(callback.routes)
    app.add_routes(health.routes)
    app.add_routes(passes.routes)
    setup_web(app)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_workers(run_workers))
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    config = app[keys.CONFIG]
    try:
        db, app[keys.SCHOOL_ID] = await open_school(config, app[keys.CLOCK]())
    except (SQLAlchemyError, OSError) as exc:
        raise StartupError(f"database {config.database.url!r} is not ready "
                           f"(run `qingjia migrate` first): {type(exc).__name__}") from exc
    app[keys.DB] = db
    app[keys.INBOX_WRITER] = InboxWriter(db, school_id=app[keys.SCHOOL_ID],
                                         clock=app[keys.CLOCK])
    yield
    await db.dispose()


def _workers(run: bool):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        config, db, clock = app[keys.CONFIG], app[keys.DB], app[keys.CLOCK]
        school_id = app[keys.SCHOOL_ID]
        timeout = aiohttp.ClientTimeout(total=config.wecom.request_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            client = WeComClient(http, config.wecom)
            app[keys.WECOM] = client
            outbox = OutboxWorker(db, client, config.outbox, school_id=school_id, clock=clock,
                                  public_url=config.server.public_url)
            dispatcher = Dispatcher(ROUTERS, config=config, school_id=school_id)
            async def school_contact_changed(now: datetime) -> None:
                await sync_on_change(db, school_id, client, config, now=now)
                outbox.wakeup.set()

            inbox = InboxWorker(db, dispatcher, school_id=school_id, clock=clock,
                                on_outgoing=outbox.wakeup,
                                on_school_contact=school_contact_changed)
            runner = JobRunner(db, config, school_id=school_id, clock=clock, jobs=JOBS,
                               on_outgoing=outbox.wakeup.set)
            app[keys.INBOX_WORKER] = inbox
            app[keys.OUTBOX_WORKER] = outbox
            app[keys.JOB_RUNNER] = runner
            tasks: list[asyncio.Task[None]] = []
            scheduler = None
            if run:
                loops = 1 if db.is_sqlite else config.database.inbox_workers
                tasks = [asyncio.create_task(inbox.run_forever()) for _ in range(loops)]
                tasks += [asyncio.create_task(outbox.run_forever()),
                          asyncio.create_task(_catch_up(runner))]
                if clock is utc_now:
                    # APScheduler fires on the wall clock; under a clock of the caller's the
                    # caller runs the jobs (run_due), so nothing fires behind a test's back.
                    scheduler = start_scheduler(runner, config)
            app[keys.SCHEDULER] = scheduler
            yield
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return ctx


async def _catch_up(runner: JobRunner) -> None:
    """At start-up, do the runs missed while the service was down, oldest first."""
    try:
        await runner.run_due()
    except Exception:
        log.exception("catch-up failed; the scheduler's next tick retries")
