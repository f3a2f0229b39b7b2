"""`qingjia demo`: the real service, a stand-in WeCom API and the web chat console in one app."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from bot.app import create_app
from bot.config import Config
from bot.simulator.console import setup_console
from bot.simulator.standin import WeComStandIn
from models.clock import Clock, utc_now


def demo_app(config: Config, *, clock: Clock = utc_now) -> tuple[web.Application, str]:
    """The app to run on config.server (host, port) and the console's URL.

    The service calls WeCom at its own address, where the stand-in answers, so every message
    goes over HTTP exactly as it would to the real WeCom API.
    """
    port = config.server.port
    config = dataclasses.replace(
        config, wecom=dataclasses.replace(config.wecom, api_base=f"http://127.0.0.1:{port}"))
    app = create_app(config, clock=clock)
    standin = WeComStandIn(config.wecom.corp_id, config.wecom.secret,
                           clock=lambda: clock().timestamp())
    app.add_routes(standin.routes())
    app.on_shutdown.append(_heal(standin))
    setup_console(app, standin)
    return app, f"http://{config.server.host}:{port}/"


def _heal(standin: WeComStandIn):  # type: ignore[no-untyped-def]
    async def on_shutdown(app: web.Application) -> None:
        standin.heal()  # release any call left hanging by failure injection

    return on_shutdown
