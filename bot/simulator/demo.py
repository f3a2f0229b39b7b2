"""`qingjia demo`: the real service, a stand-in WeCom API and the web chat console in one app."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from yarl import URL

from bot import keys
from bot.app import create_app
from bot.config import Config
from bot.school import open_school
from bot.simulator.console import setup_console
from bot.simulator.directory import roster_people
from bot.simulator.history import seed_history
from bot.simulator.oauth import Person
from bot.simulator.school_directory import demo_school_directory
from bot.simulator.standin import WeComStandIn
from models.clock import Clock, utc_now


def demo_app(config: Config, *, clock: Clock = utc_now,
             run_workers: bool = True) -> tuple[web.Application, str]:
    """The app to run on config.server (host, port) and the console's URL.

    The service calls WeCom at its own address, where the stand-in answers, so every message
    goes over HTTP exactly as it would to the real WeCom API. Phones sign in to the pages at
    server.public_url, where the stand-in plays WeCom's OAuth.
    """
    port = config.server.port
    public = config.server.public_url
    config = dataclasses.replace(
        config, wecom=dataclasses.replace(config.wecom, api_base=f"http://127.0.0.1:{port}",
                                          oauth_base=public))
    app = create_app(config, clock=clock, run_workers=run_workers)
    standin = WeComStandIn(config.wecom.corp_id, config.wecom.secret,
                           clock=lambda: clock().timestamp(), agent_id=config.wecom.agent_id,
                           trusted_domain=URL(public).host)
    standin.oauth.directory = _directory(app)
    standin.school_directory = demo_school_directory()  # what `qingjia sync-roster` would read
    app.add_routes(standin.routes())
    app.on_shutdown.append(_heal(standin))
    setup_console(app, standin)
    return app, f"http://{config.server.host}:{port}/"


async def demo_history(config: Config, now: datetime) -> None:
    """A new demo school gets the weeks before today (bot/simulator/history.py)."""
    db, school_id = await open_school(config, now)
    try:
        made = await seed_history(db, config, school_id, now)
    finally:
        await db.dispose()
    if made.days:
        print(f"demo: invented {made.days} school days before today ({made.reports} reports, "
              f"{made.leaves} leaves) for the staff console")


def _directory(app: web.Application) -> Callable[[], Awaitable[list[Person]]]:
    async def people() -> list[Person]:
        return await roster_people(app[keys.DB], app[keys.SCHOOL_ID], app[keys.CONFIG])

    return people


def _heal(standin: WeComStandIn):  # type: ignore[no-untyped-def]
    async def on_shutdown(app: web.Application) -> None:
        standin.heal()  # release any call left hanging by failure injection

    return on_shutdown
