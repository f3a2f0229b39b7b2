"""`/healthz`: 200 when the database answers, 503 when it does not; whether the outbox is paused."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import keys

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(3):
            await request.app[keys.DB].ping()
    except (SQLAlchemyError, OSError, TimeoutError):
        return web.json_response({"status": "unavailable", "database": "down"}, status=503)
    return web.json_response({"status": "ok", "database": "up", **_outbox(request.app)})


def _outbox(root: web.Application) -> dict[str, object]:
    """The outbox's state: "paused" (with WeCom's errcode and since when) or "sending"; for a
    deployment, the codes of the schools whose outbox is paused."""
    paused = {code: worker.health.paused for code, app in root[keys.SCHOOLS].items()
              if (worker := app.get(keys.OUTBOX_WORKER)) is not None
              and worker.health.paused is not None}
    if not paused:
        return {"outbox": "sending"}
    if len(root[keys.SCHOOLS]) > 1:
        return {"outbox": "paused", "outbox_paused_schools": sorted(paused)}
    pause = next(iter(paused.values()))
    return {"outbox": "paused", "outbox_errcode": pause.errcode,
            "outbox_paused_since": pause.since.isoformat()}
