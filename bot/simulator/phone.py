"""The console's simulated phone shows our pages in a frame: in the demo only, a page may be
framed by its own origin (the console), never by another. `serve` keeps `frame-ancestors
'none'` and `X-Frame-Options: DENY` (bot/web/gate.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict

NOT_FRAMED = "frame-ancestors 'none'"
SAME_ORIGIN = "frame-ancestors 'self'"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def framed_by_console(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware of the demo app: relaxes what the pages' gate set, nothing else."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        same_origin_frames(exc.headers)
        raise
    if not response.prepared:  # a streamed download has sent its headers already
        same_origin_frames(response.headers)
    return response


def same_origin_frames(headers: CIMultiDict[str]) -> None:
    """A page that forbids every frame may be framed by its own origin instead."""
    policy = headers.get("Content-Security-Policy", "")
    if NOT_FRAMED in policy:
        headers["Content-Security-Policy"] = policy.replace(NOT_FRAMED, SAME_ORIGIN)
        headers["X-Frame-Options"] = "SAMEORIGIN"
