"""`/pass/{token}.png`: the QR image of a 放行码; the sealed token is the only way to it."""

from __future__ import annotations

import io

import segno
from aiohttp import web

from bot import keys
from models.rules.passcode import format_code
from models.rules.sealed import unseal

routes = web.RouteTableDef()


@routes.get("/pass/{token}.png")
async def pass_image(request: web.Request) -> web.Response:
    """The code as a QR image and nothing else: no name, no dates, no reason."""
    key = request.app[keys.CONFIG].security.derive("qr")
    code = unseal(request.match_info["token"], key)
    if code is None:
        raise web.HTTPNotFound(text="no such pass")
    buffer = io.BytesIO()
    segno.make(format_code(code), micro=False, error="m").save(buffer, kind="png", scale=8,
                                                                border=4)
    return web.Response(body=buffer.getvalue(), content_type="image/png",
                        headers={"Cache-Control": "private, no-store"})
