"""`/wecom/callback` (one school) and `/wecom/callback/<code>` (a deployment's school): verify,
decrypt, record durably, answer; a worker does the rest.

Each school checks with its own token and key: a callback signed for one school and posted to
another's URL fails the signature check (403).
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import keys
from bot.crypto import CryptoError, WrongReceiver
from bot.inbound import MalformedCallback, parse_envelope, parse_message
from models.messages import Incoming

log = logging.getLogger("qingjia.callback")

routes = web.RouteTableDef()  # on each school's app
school_routes = web.RouteTableDef()  # on the root app, naming the school


def _school(request: web.Request) -> web.Application:
    """The app of the school the URL names (the request's own app on `/wecom/callback`)."""
    code = request.match_info.get("code")
    if code is None:
        return request.app
    school = request.app[keys.SCHOOLS].get(code)
    if school is None:
        raise web.HTTPNotFound(text="no such school")
    return school


def _signed_params(request: web.Request, app: web.Application) -> tuple[str, str, str]:
    """The query's signature, timestamp and nonce, with the timestamp inside the window."""
    query = request.query
    signature, timestamp, nonce = (query.get(k, "") for k in ("msg_signature", "timestamp",
                                                                 "nonce"))
    if not (signature and timestamp and nonce):
        raise web.HTTPBadRequest(text="missing signature parameters")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise web.HTTPForbidden(text="bad timestamp")
    config = app[keys.CONFIG].wecom
    now = app[keys.CLOCK]().timestamp()
    if abs(now - int(timestamp)) > config.timestamp_window_seconds:
        raise web.HTTPForbidden(text="timestamp outside the allowed window")
    return signature, timestamp, nonce


def _decrypt(app: web.Application, signature: str, timestamp: str, nonce: str,
             encrypt: str) -> bytes:
    crypto = app[keys.CRYPTO]
    if not crypto.verify(signature, timestamp, nonce, encrypt):
        raise web.HTTPForbidden(text="bad signature")
    try:
        return crypto.decrypt(encrypt)
    except WrongReceiver as exc:
        raise web.HTTPForbidden(text="wrong corp id") from exc
    except CryptoError as exc:
        raise web.HTTPBadRequest(text="cannot decrypt") from exc


@routes.get("/wecom/callback")
@school_routes.get("/wecom/callback/{code}")
async def verify_url(request: web.Request) -> web.Response:
    """WeCom's URL check: answer with the bare decrypted echostr."""
    app = _school(request)
    signature, timestamp, nonce = _signed_params(request, app)
    echostr = request.query.get("echostr", "")
    if not echostr:
        raise web.HTTPBadRequest(text="missing echostr")
    plain = _decrypt(app, signature, timestamp, nonce, echostr)
    return web.Response(body=plain, content_type="text/plain")


@routes.post("/wecom/callback")
@school_routes.post("/wecom/callback/{code}")
async def receive(request: web.Request) -> web.Response:
    """Answer 200 only once the message is on disk; anything else makes WeCom retry."""
    app = _school(request)
    limit = app[keys.CONFIG].server.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = await request.read()  # the app's client_max_size answers 413 past the limit
    signature, timestamp, nonce = _signed_params(request, app)
    try:
        envelope = parse_envelope(body)
        plain = _decrypt(app, signature, timestamp, nonce, envelope.encrypt)
        message = parse_message(plain)
    except MalformedCallback as exc:
        raise web.HTTPBadRequest(text="malformed callback") from exc
    if message is not None:
        await _record(app, message)
    return web.Response()  # an empty body: WeCom's documented acknowledgement


async def _record(app: web.Application, message: Incoming) -> None:
    try:
        fresh = await app[keys.INBOX_WRITER].record(message)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.error("inbox write failed: %s", type(exc).__name__)
        raise web.HTTPServiceUnavailable(text="try again") from exc
    log.info("callback recorded user=%s kind=%s duplicate=%s", message.userid, message.kind,
             not fresh)
    if fresh:
        app[keys.INBOX_WORKER].wakeup.set()
