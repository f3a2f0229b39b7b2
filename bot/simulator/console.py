"""The simulator's web chat console: pick a person, chat with the bot as them.

Messages typed in the page travel the real path: the console builds the inner WeCom XML,
encrypts and signs it like WeCom, and POSTs it to this server's own `/wecom/callback`. What the
bot sends back reaches the stand-in WeCom API; the page reads it from an SSE stream: a member's
chat, or a 家校 parent's 学校通知 (texts and news items), whose links open our pages inside the
console's phone (bot.simulator.phone lets our pages be framed by this origin in the demo only).
A 家校 parent cannot write to the app (WeChat has no chat with it): the console refuses it too.
Only `qingjia demo` mounts these routes (see bot.simulator.demo), never `serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web

from bot import keys
from bot.crypto import WeComCrypto
from bot.simulator.directory import role_order, roster_entries
from bot.simulator.phone import framed_by_console
from bot.simulator.standin import Delivered, WeComStandIn
from bot.web.session import SESSION_COOKIE
from bot.web.signin import safe_next
from models.repos.roster import RosterRepo

STATIC = Path(__file__).parent / "static"
MAX_CONTENT_CHARS = 2000
KEEPALIVE_SECONDS = 15.0
DISCONNECT_CHECK_SECONDS = 1.0
CALLBACK_TIMEOUT_SECONDS = 10.0

_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_KEY = re.compile(r"[^\x00-\x1f<>&\]]{1,128}")  # button keys and task ids, safe inside CDATA
# Characters XML 1.0 cannot carry at all (everything else is escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CLOSE = Delivered("", "__close__", {}, 0.0)  # tells a stream to end at shutdown
FAMILY_CANNOT_WRITE = ("家校通讯录的家长在微信里只收学校通知，不能给应用发消息；"
                       "请点开学校通知里的链接办理。")


@dataclass
class Said:
    """Something a person did in the console (typed or clicked), to replay on reconnect."""

    userid: str
    text: str
    at: float


@dataclass
class ConsoleState:
    """What the console keeps for one demo app."""

    standin: WeComStandIn
    said: list[Said] = field(default_factory=list)
    task_of_response: dict[str, str] = field(default_factory=dict)  # click ResponseCode -> task
    streams: set[asyncio.Queue[Delivered]] = field(default_factory=set)
    http: aiohttp.ClientSession | None = None
    # MsgIds must not repeat those of an earlier run on the same database (the inbox dedupes
    # on them): start from a random point of the 63-bit space.
    msg_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(secrets.randbits(62)))


STATE = web.AppKey("sim_console", ConsoleState)


def setup_console(app: web.Application, standin: WeComStandIn) -> None:
    """Mount the console's routes and its HTTP client on `app` (which runs create_app's)."""
    app[STATE] = ConsoleState(standin)
    app.middlewares.insert(0, framed_by_console)  # outermost: after the pages' own headers
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC, name="sim_static")
    app.router.add_get("/sim/people", people)
    app.router.add_post("/sim/say", say)
    app.router.add_post("/sim/click", click)
    app.router.add_get("/sim/stream", stream)
    app.router.add_get("/sim/open", open_page)
    app.cleanup_ctx.append(_http_client)
    app.on_shutdown.append(_close_streams)


async def _http_client(app: web.Application) -> Any:
    timeout = aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        app[STATE].http = http
        yield
        app[STATE].http = None


async def _close_streams(app: web.Application) -> None:
    for queue in list(app[STATE].streams):
        queue.put_nowait(_CLOSE)


# ---- page ---------------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def people(request: web.Request) -> web.Response:
    """Everyone in the demo roster: userid, display name, roles (家长, then staff roles) and
    channel (企业微信: chats with the app; 家校: reads 学校通知 in WeChat)."""
    config = request.app[keys.CONFIG]
    entries = await roster_entries(request.app[keys.DB], request.app[keys.SCHOOL_ID], config)
    out = [{"userid": e.userid, "name": e.name, "roles": list(e.roles), "channel": e.channel}
           for e in entries]
    return web.json_response({"roles": list(role_order(config)), "people": out}, dumps=_dumps)


async def open_page(request: web.Request) -> web.Response:
    """GET ?as=<userid>&to=/h5/…: open one of our pages on that person's simulated phone.

    The console's links come here: the phone becomes theirs (the stand-in's sign-in is silent
    for them from now on) and any earlier sign-in in this browser is forgotten.
    """
    userid = request.query.get("as", "")
    if not _USERID.fullmatch(userid):
        raise _bad("as: 无效")
    oauth = request.app[STATE].standin.oauth
    people = [p for p in await oauth.everyone() if p.userid == userid]
    response = web.Response(status=302,
                            headers={"Location": safe_next(request.query.get("to", ""))})
    response.del_cookie(SESSION_COOKIE, path="/")
    if people:
        oauth.remember(response, min(people, key=lambda p: p.kind != "member"))
    return response


# ---- sending as a person ------------------------------------------------------------------


async def say(request: web.Request) -> web.Response:
    """POST {userid, content}: deliver a text message from that person through the callback."""
    data = await _json_body(request)
    userid = await _writer(request, data)
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise _bad("content: 请输入消息内容")
    content = _NOT_XML.sub("", content)
    if len(content) > MAX_CONTENT_CHARS:
        raise _bad(f"content: 最多 {MAX_CONTENT_CHARS} 个字")
    state = request.app[STATE]
    config = request.app[keys.CONFIG].wecom
    now = _now(request)
    state.standin.add_member(userid)  # whoever types in WeCom is a member of its directory
    inner = (
        f"<xml><ToUserName><![CDATA[{config.corp_id}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{escape(content)}</Content><MsgId>{next(state.msg_ids)}</MsgId>"
        f"<AgentID>{config.agent_id}</AgentID></xml>"
    )
    state.said.append(Said(userid, content, now))
    return await _deliver(request, inner)


def _now(request: web.Request) -> int:
    """The app's clock in unix seconds: what WeCom would stamp a message with."""
    return int(request.app[keys.CLOCK]().timestamp())


async def click(request: web.Request) -> web.Response:
    """POST {userid, task_id, key}: press a button on a template card as that person."""
    data = await _json_body(request)
    userid = await _writer(request, data)
    task_id, key = data.get("task_id"), data.get("key")
    if not isinstance(task_id, str) or not _KEY.fullmatch(task_id):
        raise _bad("task_id: 无效")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise _bad("key: 无效")
    state = request.app[STATE]
    config = request.app[keys.CONFIG].wecom
    response_code = state.standin.issue_response_code()
    state.task_of_response[response_code] = task_id
    inner = (
        f"<xml><ToUserName><![CDATA[{config.corp_id}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
        f"<CreateTime>{_now(request)}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[template_card_event]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[{task_id}]]></TaskId>"
        f"<CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode>"
        f"<AgentID>{config.agent_id}</AgentID></xml>"
    )
    label = data.get("text") if isinstance(data.get("text"), str) else key
    state.said.append(Said(userid, f"［点击］{str(label)[:64]}", _now(request)))
    return await _deliver(request, inner)


async def _deliver(request: web.Request, inner_xml: str) -> web.Response:
    """Seal `inner_xml` as WeCom does and POST it to this server's own callback URL."""
    config = request.app[keys.CONFIG]
    w = config.wecom
    crypto = WeComCrypto(w.token, w.encoding_aes_key, w.corp_id)
    timestamp, nonce = str(_now(request)), secrets.token_hex(8)
    encrypted = crypto.encrypt(inner_xml.encode("utf-8"))
    envelope = (f"<xml><ToUserName><![CDATA[{w.corp_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
                f"<AgentID><![CDATA[{w.agent_id}]]></AgentID></xml>")
    params = {"msg_signature": crypto.signature(timestamp, nonce, encrypted),
              "timestamp": timestamp, "nonce": nonce}
    http = request.app[STATE].http
    if http is None:
        raise web.HTTPServiceUnavailable(text="console is shutting down")
    url = f"http://127.0.0.1:{config.server.port}/wecom/callback"
    try:
        async with http.post(url, params=params, data=envelope.encode("utf-8"),
                             headers={"Content-Type": "text/xml"}) as resp:
            answer = await resp.text()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return web.json_response({"status": "error", "error": type(exc).__name__}, status=502)
    if status != 200 or answer:  # WeCom expects an empty body
        return web.json_response({"status": "error", "error": f"callback answered {status}"},
                                 status=502)
    return web.json_response({"status": "ok"})


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise _bad("请求不是 JSON") from None
    if not isinstance(data, dict):
        raise _bad("请求不是 JSON 对象")
    return data


def _userid(data: dict[str, Any]) -> str:
    userid = data.get("userid")
    if not isinstance(userid, str) or not _USERID.fullmatch(userid):
        raise _bad("userid: 无效")
    return userid


async def _writer(request: web.Request, data: dict[str, Any]) -> str:
    """The userid of someone who may write to the app: anyone but a 家校 parent."""
    userid = _userid(data)
    async with request.app[keys.DB].read() as session:
        roster = RosterRepo(session, request.app[keys.SCHOOL_ID])
        if await roster.family_guardians([userid]):
            raise _bad(FAMILY_CANNOT_WRITE, web.HTTPForbidden)
    return userid


def _bad(message: str,
         kind: type[web.HTTPClientError] = web.HTTPBadRequest) -> web.HTTPClientError:
    return kind(text=json.dumps({"status": "error", "error": message}, ensure_ascii=False),
                content_type="application/json")


# ---- what the bot sent, as Server-Sent Events ---------------------------------------------


async def stream(request: web.Request) -> web.StreamResponse:
    """SSE of what the stand-in delivered to one person: first the past, then live."""
    userid = request.query.get("userid", "")
    if not _USERID.fullmatch(userid):
        raise _bad("userid: 无效")
    state = request.app[STATE]
    standin = state.standin
    # Subscribe and snapshot with no await in between, so nothing is missed or repeated.
    queue = standin.subscribe()
    state.streams.add(queue)
    past = _history(state, userid)
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    })
    try:
        await response.prepare(request)
        await _send_event(response, {"type": "reset"})
        for event in past:
            await _send_event(response, event)
        quiet_since = time.monotonic()
        while True:
            try:
                async with asyncio.timeout(DISCONNECT_CHECK_SECONDS):
                    item = await queue.get()
            except TimeoutError:
                transport = request.transport
                if transport is None or transport.is_closing():
                    break  # the page went away
                if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                    await response.write(b": keepalive\n\n")
                    quiet_since = time.monotonic()
                continue
            if item is _CLOSE:
                break
            if item.touser == userid:
                await _send_event(response, _event(state, item))
                quiet_since = time.monotonic()
    except ConnectionResetError:  # the page went away
        pass
    finally:
        standin.unsubscribe(queue)
        state.streams.discard(queue)
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response


def _history(state: ConsoleState, userid: str) -> list[dict[str, Any]]:
    """The person's own messages and deliveries in time order, then the card updates."""
    timeline: list[tuple[float, dict[str, Any]]] = [
        (s.at, {"type": "user", "text": s.text, "at": s.at})
        for s in state.said if s.userid == userid
    ]
    timeline += [(d.at, _event(state, d)) for d in state.standin.delivered if d.touser == userid]
    timeline.sort(key=lambda pair: pair[0])
    events = [event for _, event in timeline]
    for body in state.standin.card_updates:
        if userid in [str(u) for u in body.get("userids", [])]:
            events.append(_event(state, Delivered(userid, "update_template_card", body, 0.0)))
    return events


def _event(state: ConsoleState, item: Delivered) -> dict[str, Any]:
    """One delivery as the page renders it."""
    body = item.body
    if item.msgtype == "update_template_card":
        code = str(body.get("response_code", ""))
        button = _dict(body.get("button"))
        return {"type": "card_update", "response_code": code,
                "task_id": state.task_of_response.get(code, ""),
                "replace_name": str(button.get("replace_name", "")), "at": item.at}
    inner = _dict(body.get(item.msgtype))
    channel = {"channel": item.channel}
    if item.msgtype in ("text", "markdown"):
        return {"type": item.msgtype, "content": str(inner.get("content", "")), "at": item.at,
                **channel}
    if item.msgtype == "news":
        articles = [{name: str(a.get(name, "")) for name in ("title", "description", "url")}
                    for a in _list(inner.get("articles")) if isinstance(a, dict)]
        return {"type": "news", "articles": articles, "at": item.at, **channel}
    if item.msgtype == "template_card":
        title = _dict(inner.get("main_title"))
        rows = [[str(r.get("keyname", "")), str(r.get("value", ""))]
                for r in _list(inner.get("horizontal_content_list")) if isinstance(r, dict)]
        buttons = [{"key": str(b.get("key", "")), "text": str(b.get("text", "")),
                    "style": b.get("style", 1)}
                   for b in _list(inner.get("button_list")) if isinstance(b, dict)]
        return {"type": "card", "task_id": str(inner.get("task_id", "")),
                "response_code": item.response_code, "title": str(title.get("title", "")),
                "description": str(inner.get("sub_title_text", "")), "rows": rows,
                "buttons": buttons, "at": item.at, **channel}
    return {"type": "other", "msgtype": item.msgtype, "at": item.at, **channel}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


async def _send_event(response: web.StreamResponse, event: dict[str, Any]) -> None:
    await response.write(f"data: {_dumps(event)}\n\n".encode())


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
