"""The one middleware in front of every page: security headers, the session, CSRF, the role gate.

- /h5/…    any signed-in person (a member or a 家校 parent); each page checks ownership itself.
- /admin/… signed-in members holding a staff role.
- /auth/…  the sign-in's own routes; /assets/… our stylesheet.
Every unsafe request (POST, …) on these paths needs the session and its CSRF token (a form
field `csrf`, or the `X-CSRF-Token` header) and, when the browser sends one, our own Origin.
A body is at most `[server] max_body_bytes` (64 KiB), except on the routes LARGE_BODIES names,
for the role it names (the roster upload: files of up to 16 MiB, for the 管理员 only; the leave
form with its photo: up to 10 MB and the form, for 家长).
Paths here are the school's own: under a deployment's base path (`/s/<code>/h5/…`) the gate reads
the path within the school (bot/web/paths.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from bot import keys
from bot.web import signin
from bot.web.paths import within
from bot.web.render import ASSETS, message
from bot.web.session import MEMBER, SESSION_COOKIE, Identity, csrf_ok, decode_identity
from bot.web.viewer import load_viewer, remember

log = logging.getLogger("qingjia.web")

PAGES, CONSOLE = "/h5/", "/admin/"
WEB_PATHS = (PAGES, CONSOLE, "/auth/", ASSETS)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
STAFF_ONLY = "管理后台仅供学校教职工使用。"
ROSTER_UPLOAD = "/admin/manage/roster"
LEAVE_FORM = "/h5/leave/new"  # with a hospital note photo of up to 10 MB
LARGE_BODIES = {ROSTER_UPLOAD: (16 * 1024 * 1024, "管理员"),  # path → (bytes, role)
                LEAVE_FORM: (10 * 1024 * 1024 + 256 * 1024, "家长")}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def web_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = within(request)
    if not path.startswith(WEB_PATHS):
        return await handler(request)
    try:
        response = await _guarded(request, handler, path)
    except web.HTTPException as exc:
        harden(exc.headers, path)
        raise
    harden(response.headers, path)
    return response


async def _guarded(request: web.Request, handler: Handler, path: str) -> web.StreamResponse:
    app = request.app
    config = app[keys.CONFIG]
    identity = decode_identity(request.cookies.get(SESSION_COOKIE),
                               config.security.derive("web-session"),
                               signin.now_seconds(request))
    gated = path.startswith((PAGES, CONSOLE))
    console = path.startswith(CONSOLE)
    viewer = None
    if identity is not None:
        if gated and not (console and identity.kind != MEMBER):
            viewer = await load_viewer(app[keys.DB], app[keys.SCHOOL_ID], identity)
        remember(request, identity, viewer)
    if viewer is not None and request.method in UNSAFE and path in LARGE_BODIES:
        limit, role = LARGE_BODIES[path]
        if role in viewer.roles:
            request = request.clone(client_max_size=limit)
    if request.method in UNSAFE and (refusal := await _unsafe_refusal(request, identity)):
        return refusal
    if gated and identity is None:
        if request.method in ("GET", "HEAD"):
            return signin.start(request, members_only=console)
        return _expired(request)
    if console and (viewer is None or not viewer.is_staff):
        log.info("web console refused userid=%s", identity.userid if identity else "")
        return message(request, 403, "没有权限", STAFF_ONLY)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if not gated:
            raise
        return message(request, 404, "页面不存在", "这个页面不存在或已删除。",
                       link=(signin.HOME, "返回首页"))


async def _unsafe_refusal(request: web.Request, identity: Identity | None) -> web.Response | None:
    """Why an unsafe request must be refused (a page saying so), or None to let it through."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in _own_origins(request):
        log.warning("web request refused: foreign origin path=%s", request.path)
        return message(request, 403, "请求被拒绝", "请从本站页面提交。")
    if identity is None:
        return _expired(request)
    given = request.headers.get("X-CSRF-Token", "")
    if request.content_type in FORMS:
        try:
            value = (await request.post()).get("csrf", "")
        except web.HTTPRequestEntityTooLarge:
            log.warning("web request refused: body too large path=%s userid=%s", request.path,
                        identity.userid)
            return message(request, 413, "内容太大", f"提交的内容超过了 "
                           f"{_size(request.client_max_size)} 的上限，请缩小后再试。")
        given = value if isinstance(value, str) else ""
    key = request.app[keys.CONFIG].security.derive("web-csrf")
    if not given or not csrf_ok(identity, key, given):
        log.warning("web request refused: CSRF token path=%s userid=%s", request.path,
                    identity.userid)
        return message(request, 403, "页面已过期", "请返回上一页，刷新后再试。")
    return None


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _expired(request: web.Request) -> web.Response:
    return message(request, 403, "登录已过期", "请重新打开页面。", link=(signin.HOME, "重新登录"))


def _own_origins(request: web.Request) -> set[str]:
    public = URL(request.app[keys.CONFIG].server.public_url)
    return {str(public.origin()), f"{request.scheme}://{request.host}"}


def harden(headers: CIMultiDict[str], path: str) -> None:
    """The security headers every page gets (a streamed download sets them before it starts)."""
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"  # a form POST still carries its Origin
    headers["X-Frame-Options"] = "DENY"
    if path.startswith(ASSETS):
        headers.setdefault("Cache-Control", "public, max-age=604800")
    else:
        headers.setdefault("Cache-Control", "private, no-store")
