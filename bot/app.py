"""The app factory: routes, the database, the WeCom client and the workers (bot/workers.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import callback, health, keys, passes
from bot.config import Config
from bot.crypto import WeComCrypto
from bot.inbox_writer import InboxWriter
from bot.school import open_school
from bot.web import setup_web
from bot.workers import workers
from models.clock import Clock, utc_now

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
        async with workers(app[keys.CONFIG], app[keys.DB], app[keys.SCHOOL_ID], app[keys.CLOCK],
                           run=run) as w:
            app[keys.WECOM] = w.client
            app[keys.INBOX_WORKER] = w.inbox
            app[keys.OUTBOX_WORKER] = w.outbox
            app[keys.JOB_RUNNER] = w.runner
            app[keys.SCHEDULER] = w.scheduler
            yield

    return ctx
