"""`/healthz`: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import keys

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        await asyncio.wait_for(request.app[keys.DB].ping(), timeout=3)
    except (SQLAlchemyError, OSError, TimeoutError):
        return web.json_response({"status": "unavailable", "database": "down"}, status=503)
    return web.json_response({"status": "ok", "database": "up"})
