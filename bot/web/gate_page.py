"""`/h5/gate`: the 门卫's page: a 放行码 typed or scanned, the verdict, 放行 and 返校.

It calls the same services as the guard's chat (services/leave/passes.py: wrong codes count
towards the same alarm to 政教处) and answers in the page, so a guard at dismissal is not held
back by chat's rate limits. In WeCom's own browser a 扫码 button opens the camera through the WeCom
JS-SDK (vendored under /assets/vendor/, never from a CDN); its config signature is made here from
the corp's cached jsapi_ticket (`/h5/gate/jsapi`). Only 门卫 open this page.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from aiohttp import web
from yarl import URL

from bot import keys
from bot.web.desk import open_desk
from bot.web.render import message, render
from bot.web.viewer import Viewer, viewer_of
from bot.wecom_client import WeComError
from services.leave import passes

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

GATE, JSAPI = "/h5/gate", "/h5/gate/jsapi"
GUARD = "门卫"
ACTIONS = ("check", "out", "back")
JSSDK = "/assets/vendor/wecom-jssdk-2.4.4.min.js"
MAX_CODE = 32


@routes.get(GATE)
async def gate_page(request: web.Request) -> web.Response:
    if (refusal := _refusal(request, viewer_of(request))) is not None:
        return refusal
    return _page(request)


@routes.post(GATE)
async def gate_post(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    if (refusal := _refusal(request, viewer)) is not None:
        return refusal
    form = await request.post()
    code, action = form.get("code", ""), form.get("action", "check")
    if not isinstance(code, str) or not isinstance(action, str) or action not in ACTIONS:
        return _page(request, answer="请输入放行码。", ok=False, status=400)
    code = code.strip()[:MAX_CODE]
    async with open_desk(request) as desk:
        leave, refusal_text = await passes.find_pass(desk, code, viewer)
        if leave is None:
            log.info("web gate check: no pass userid=%s", viewer.userid)
            return _page(request, answer=_plain(refusal_text), ok=False, code=code, status=400)
        answer = ""
        if action == "out":
            answer = await passes.let_out(desk, leave, viewer)
        elif action == "back":
            answer = await passes.register_return(desk, leave, viewer)
        found = await passes.facts(desk, leave)
    log.info("web gate %s userid=%s leave=%s", action, viewer.userid, leave.id)
    return _page(request, answer=_plain(answer), ok=answer.startswith("已登记"), facts=found,
                 code=code)


@routes.get(JSAPI)
async def jsapi_signature(request: web.Request) -> web.Response:
    """The JS-SDK's config signature for one of our pages (`ww.register`'s getConfigSignature)."""
    viewer = viewer_of(request)
    url = request.query.get("url", "")
    public = URL(request.app[keys.CONFIG].server.public_url)
    if GUARD not in viewer.roles or not _ours(URL(url), public):
        raise web.HTTPForbidden(text="not for this page")
    try:
        ticket = await request.app[keys.WECOM].jsapi_ticket()
    except WeComError as exc:
        log.warning("jsapi_ticket failed errcode=%s", exc.errcode)
        raise web.HTTPServiceUnavailable(text="scan unavailable") from exc
    nonce, timestamp = secrets.token_hex(8), int(request.app[keys.CLOCK]().timestamp())
    return web.json_response({"timestamp": timestamp, "nonceStr": nonce,
                              "signature": config_signature(ticket, nonce, timestamp,
                                                            url.split("#")[0])})


def _ours(url: URL, public: URL) -> bool:
    """An absolute URL of this school's pages (the JS-SDK signs one page of ours, nothing else;
    in a deployment, not another school's)."""
    return (url.is_absolute() and url.origin() == public.origin()
            and url.path.startswith(public.path.rstrip("/") + "/"))


def config_signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeCom's JS-SDK signature: SHA1 of the four fields in this order, joined as a query."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


def _refusal(request: web.Request, viewer: Viewer) -> web.Response | None:
    if GUARD in viewer.roles:
        return None
    log.info("web gate refused userid=%s", viewer.userid)
    return message(request, 403, "没有权限", "门岗核验页面仅供门卫使用。",
                   link=("/h5/", "返回首页"))


def _page(request: web.Request, *, answer: str = "", ok: bool = True,
          facts: passes.PassFacts | None = None, code: str = "", status: int = 200) -> web.Response:
    wecom = request.app[keys.CONFIG].wecom
    return render(request, "gate.html", status=status, answer=answer, ok=ok, facts=facts,
                  code=code, verdicts=passes.VERDICTS, action=GATE, jssdk=JSSDK,
                  corp_id=wecom.corp_id, agent_id=wecom.agent_id, jsapi=JSAPI)


def _plain(text: str) -> str:
    """The chat's answer without its signs (the page shows colour instead)."""
    return "\n".join(line.lstrip("✅⛔ ") for line in text.splitlines())
