"""The app factory: routes, the database, the WeCom clients and the workers (bot/workers.py).

One school is one app, as it always was. A deployment of several schools is a root app (the
database, /healthz, `/wecom/callback/<code>`) with each school's app mounted below it at
`/s/<code>`; the schools share the database, the process's HTTP session and its scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import callback, health, keys, passes
from bot.config import Config
from bot.crypto import WeComCrypto
from bot.deployment import Deployment, single_school
from bot.inbox_writer import InboxWriter
from bot.school import open_schools
from bot.web import setup_web
from bot.workers import workers
from models.clock import Clock, utc_now

log = logging.getLogger("qingjia.app")


class StartupError(Exception):
    """The service cannot start; the message says what to do."""


def create_app(source: Config | Deployment, *, clock: Clock = utc_now,
               run_workers: bool = True) -> web.Application:
    """Build the service for one school or a deployment; resources open and close with it."""
    deployment = source if isinstance(source, Deployment) else single_school(source)
    root = web.Application(client_max_size=deployment.server.max_body_bytes)
    root[keys.CLOCK] = clock
    root[keys.SCHOOLS] = {}
    root.add_routes(health.routes)
    root.add_routes(callback.school_routes)
    for code, config in deployment.schools.items():
        app = root if deployment.single else web.Application(
            client_max_size=config.server.max_body_bytes)
        _school_app(app, config, clock)
        if app is not root:
            root.add_subapp(config.server.base_path, app)
        root[keys.SCHOOLS][code] = app
    root.cleanup_ctx.append(_running(deployment, run_workers))
    return root


def _school_app(app: web.Application, config: Config, clock: Clock) -> None:
    """One school's settings, keys and routes (its resources are set when the service starts)."""
    app[keys.CONFIG] = config
    app[keys.CLOCK] = clock
    app[keys.CRYPTO] = WeComCrypto(config.wecom.token, config.wecom.encoding_aes_key,
                                   config.wecom.corp_id)
    app.add_routes(callback.routes)
    app.add_routes(passes.routes)
    setup_web(app)


def _running(deployment: Deployment,
             run: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(root: web.Application) -> AsyncIterator[None]:
        clock = root[keys.CLOCK]
        configs = list(deployment.schools.values())
        try:
            db, ids = await open_schools(deployment.database, configs, clock())
        except (SQLAlchemyError, OSError) as exc:
            url = deployment.database.url
            raise StartupError(f"database {url!r} is not ready (run `qingjia migrate` first): "
                               f"{type(exc).__name__}") from exc
        root[keys.DB] = db
        try:
            async with workers([(c, ids[c.school.code]) for c in configs], db, clock,
                               run=run) as w:
                root[keys.SCHEDULER] = w.scheduler
                for code, app in root[keys.SCHOOLS].items():
                    school = w.schools[code]
                    app[keys.DB] = db
                    app[keys.SCHOOL_ID] = school.school_id
                    app[keys.INBOX_WRITER] = InboxWriter(db, school_id=school.school_id,
                                                         clock=clock)
                    app[keys.WECOM] = school.client
                    app[keys.INBOX_WORKER] = school.inbox
                    app[keys.OUTBOX_WORKER] = school.outbox
                    app[keys.JOB_RUNNER] = school.runner
                    app[keys.SCHEDULER] = w.scheduler
                yield
        finally:
            await db.dispose()

    return ctx
