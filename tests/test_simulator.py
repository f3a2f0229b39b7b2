"""The `qingjia demo` app: the web console, the stand-in WeCom API and the real callback path."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot import keys
from bot.app import create_app
from bot.config import Config
from bot.simulator.console import FAMILY_CANNOT_WRITE, STATE, STATIC
from bot.simulator.demo import demo_app
from bot.simulator.standin import WeComStandIn
from bot.web.gate import CSP
from handlers import texts
from models.messaging import InboxMessage
from tests.conftest import local
from tests.harness import FakeClock, make_config

WAIT_SECONDS = 5.0
XSS = "<script>alert(1)</script>"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Demo:
    app: web.Application
    url: str
    base: str
    http: aiohttp.ClientSession
    config: Config

    @property
    def standin(self) -> WeComStandIn:
        return self.app[STATE].standin

    def texts_for(self, userid: str) -> list[str]:
        return [str(d.body.get(d.msgtype, {}).get("content", ""))
                for d in self.standin.messages_for(userid)]

    async def wait_for_text(self, userid: str, needle: str) -> str:
        """Poll what the stand-in delivered until `userid` got a text containing `needle`."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for text in self.texts_for(userid):
                if needle in text:
                    return text
            await asyncio.sleep(0.05)
        raise AssertionError(f"{userid} got no text with {needle!r}; got {self.texts_for(userid)}")

    async def post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.base + path, json=payload) as resp:
            return resp.status, await resp.json(content_type=None)


async def start_demo(db_url: str) -> tuple[web.AppRunner, Config, str]:
    """The demo app listening on a free port of 127.0.0.1 (it calls itself there)."""
    base_config = make_config(db_url)
    port = free_port()
    config = dataclasses.replace(base_config,
                                 server=dataclasses.replace(base_config.server, port=port))
    app, url = demo_app(config, clock=FakeClock(local(2026, 11, 26, 8, 0)))
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, config, url


@pytest.fixture
async def demo(demo_db: str) -> AsyncIterator[Demo]:
    runner, config, url = await start_demo(demo_db)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            demo = Demo(runner.app, url, f"http://127.0.0.1:{config.server.port}", http, config)
            yield demo
            assert demo.standin.violations == [], "WeCom would have cut or dropped messages"
    finally:
        await runner.cleanup()


class Stream:
    """Reads the console's SSE stream for one person."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp

    async def next_event(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            while True:
                line = await self.resp.content.readline()
                if not line:
                    raise AssertionError("stream ended")
                text = line.decode("utf-8").rstrip("\n")
                if text.startswith("data: "):
                    return json.loads(text[len("data: "):])  # type: ignore[no-any-return]

        return await asyncio.wait_for(read(), WAIT_SECONDS)

    async def until(self, predicate: Any) -> dict[str, Any]:
        while True:
            event = await self.next_event()
            if predicate(event):
                return event


async def open_stream(demo: Demo, userid: str) -> tuple[aiohttp.ClientResponse, Stream]:
    resp = await demo.http.get(demo.base + "/sim/stream", params={"userid": userid},
                               timeout=aiohttp.ClientTimeout(total=None, sock_read=None))
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    return resp, Stream(resp)


async def test_demo_url_and_page(demo: Demo) -> None:
    assert demo.url == f"http://127.0.0.1:{demo.config.server.port}/"
    async with demo.http.get(demo.base + "/") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        page = await resp.text()
    assert "请假通" in page
    assert "/static/console.js" in page and "/static/console.css" in page
    assert "http://" not in page and "https://" not in page  # nothing from a CDN
    for name, kind in (("console.js", "javascript"), ("console.css", "text/css")):
        async with demo.http.get(demo.base + "/static/" + name) as resp:
            assert resp.status == 200
            assert kind in resp.content_type


async def test_people_lists_roster_with_roles(demo: Demo) -> None:
    async with demo.http.get(demo.base + "/sim/people") as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["roles"] == ["家长", "班主任", "政教处", "校长", "门卫", "管理员", "校医"]
    by_id = {p["userid"]: p for p in data["people"]}
    assert by_id["teacher_li"]["name"] == "李静"
    assert set(by_id["teacher_li"]["roles"]) == {"班主任", "家长"}
    assert by_id["parent_zhang"] == {"userid": "parent_zhang", "name": "张伟", "roles": ["家长"],
                                     "channel": "企业微信"}
    assert by_id["parent_wujj"] == {"userid": "parent_wujj", "name": "吴建军", "roles": ["家长"],
                                    "channel": "家校"}  # reads 学校通知 in WeChat
    assert by_id["guard_sun"]["roles"] == ["门卫"]
    assert by_id["admin_zhou"]["roles"] == ["管理员"]
    assert len(by_id) == len(data["people"])  # each person once


async def test_say_goes_through_the_callback_and_streams_the_reply(demo: Demo) -> None:
    status, body = await demo.post("/sim/say", {"userid": "parent_zhang", "content": "帮助"})
    assert (status, body) == (200, {"status": "ok"})
    reply = await demo.wait_for_text("parent_zhang", "【家长】")
    assert "【班主任】" not in reply

    resp, stream = await open_stream(demo, "parent_zhang")
    async with resp:
        assert await stream.next_event() == {"type": "reset"}
        mine = await stream.next_event()
        assert (mine["type"], mine["text"]) == ("user", "帮助")
        bot = await stream.next_event()
        assert bot["type"] == "text" and "【家长】" in bot["content"]

        # live: the next reply arrives on the open stream
        await demo.post("/sim/say", {"userid": "parent_zhang", "content": "取消"})
        live = await stream.until(lambda e: e["type"] == "text")
        assert live["content"] == texts.NOTHING_TO_CANCEL
    deadline = time.monotonic() + WAIT_SECONDS
    while demo.standin.subscribers and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert demo.standin.subscribers == []  # unsubscribed when the page went away


async def test_stream_is_per_person(demo: Demo) -> None:
    await demo.post("/sim/say", {"userid": "guard_sun", "content": "帮助"})
    await demo.wait_for_text("guard_sun", "【门卫】")
    resp, stream = await open_stream(demo, "parent_lin")
    async with resp:
        assert await stream.next_event() == {"type": "reset"}
        await demo.post("/sim/say", {"userid": "guard_sun", "content": "取消"})
        await demo.wait_for_text("guard_sun", texts.NOTHING_TO_CANCEL)
        await demo.post("/sim/say", {"userid": "parent_lin", "content": "帮助"})
        event = await stream.next_event()  # the page shows its own message itself
    assert event["type"] == "text"
    assert "【家长】" in event["content"] and "【门卫】" not in event["content"]


async def test_unknown_user_is_refused(demo: Demo) -> None:
    status, _ = await demo.post("/sim/say", {"userid": "stranger_x", "content": "帮助"})
    assert status == 200
    assert await demo.wait_for_text("stranger_x", "名册") == texts.NOT_IN_ROSTER


async def test_markup_travels_as_literal_text(demo: Demo) -> None:
    status, _ = await demo.post("/sim/say", {"userid": "parent_zhang", "content": XSS})
    assert status == 200
    await demo.wait_for_text("parent_zhang", "需要为孩子请假吗")
    async with demo.app[keys.DB].unit_of_work() as session:
        payloads = list(await session.scalars(
            select(InboxMessage.payload).where(InboxMessage.userid == "parent_zhang")))
    assert [p["content"] for p in payloads] == [XSS]
    # a refusal for a stranger who sends markup is plain text too
    await demo.post("/sim/say", {"userid": "stranger_x", "content": XSS})
    assert await demo.wait_for_text("stranger_x", "名册") == texts.NOT_IN_ROSTER

    resp, stream = await open_stream(demo, "parent_zhang")
    async with resp:
        await stream.next_event()
        mine = await stream.next_event()
    assert mine == {"type": "user", "text": XSS, "at": mine["at"]}

    script = (STATIC / "console.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script


async def _standin_send(demo: Demo, body: dict[str, Any], path: str) -> dict[str, Any]:
    w = demo.config.wecom
    async with demo.http.get(demo.base + "/cgi-bin/gettoken",
                             params={"corpid": w.corp_id, "corpsecret": w.secret}) as resp:
        token = (await resp.json())["access_token"]
    async with demo.http.post(demo.base + path, params={"access_token": token},
                              json=body) as resp:
        return await resp.json()  # type: ignore[no-any-return]


async def test_cards_clicks_and_updates_stream(demo: Demo) -> None:
    agentid = demo.config.wecom.agent_id
    card = {
        "card_type": "button_interaction", "task_id": "sim-test-1",
        "main_title": {"title": XSS}, "sub_title_text": "张小明 病假",
        "horizontal_content_list": [{"keyname": "理由", "value": "<b>发烧</b>"}],
        "button_list": [{"text": "批准", "style": 1, "key": "approve:1"},
                        {"text": "驳回", "style": 3, "key": "reject:1"}],
    }
    sent = await _standin_send(demo, {"touser": "teacher_li", "msgtype": "template_card",
                                      "agentid": agentid, "template_card": card},
                               "/cgi-bin/message/send")
    assert sent["errcode"] == 0
    resp, stream = await open_stream(demo, "teacher_li")
    async with resp:
        assert await stream.next_event() == {"type": "reset"}
        shown = await stream.next_event()
        assert shown["type"] == "card"
        assert shown["title"] == XSS and shown["task_id"] == "sim-test-1"
        assert shown["description"] == "张小明 病假"
        assert shown["rows"] == [["理由", "<b>发烧</b>"]]
        assert [b["key"] for b in shown["buttons"]] == ["approve:1", "reject:1"]
        assert shown["response_code"] == sent["response_code"]

        status, body = await demo.post("/sim/click", {"userid": "teacher_li",
                                                      "task_id": "sim-test-1",
                                                      "key": "approve:1", "text": "批准"})
        assert (status, body) == (200, {"status": "ok"})
        clicks = demo.app[STATE].task_of_response
        [code] = [c for c, task in clicks.items() if task == "sim-test-1"]
        await _standin_send(demo, {"userids": ["teacher_li"], "agentid": agentid,
                                   "response_code": code,
                                   "button": {"replace_name": "已批准"}},
                            "/cgi-bin/message/update_template_card")
        update = await stream.until(lambda e: e["type"] == "card_update")
        assert update["task_id"] == "sim-test-1" and update["replace_name"] == "已批准"

    # a reconnecting page gets the card, the click and the update again
    resp, stream = await open_stream(demo, "teacher_li")
    async with resp:
        kinds = [(await stream.next_event())["type"] for _ in range(4)]
    assert kinds[0] == "reset" and kinds[-1] == "card_update"
    assert set(kinds[1:3]) == {"card", "user"}


async def test_a_family_parents_school_notices_stream_as_news_and_text(demo: Demo) -> None:
    """吴俊杰's leave approved in chat: his mother (a member) gets the text with the 放行码 link,
    his father (家校) a 学校通知 news item opening the same page; the stand-in's texts to him
    stream as 学校通知 texts; markup stays text."""
    await demo.post("/sim/say", {"userid": "parent_wu", "content": "请假 吴俊杰 今天 病假 头疼"})
    await demo.wait_for_text("parent_wu", "回复「确认」")
    await demo.post("/sim/say", {"userid": "parent_wu", "content": "确认"})
    number = (await demo.wait_for_text("parent_wu", "单号")).split("单号")[1][0]
    await demo.post("/sim/say", {"userid": "teacher_wang", "content": f"批准 {number}"})
    assert "查看放行码：" in await demo.wait_for_text("parent_wu", "已批准")
    sent = await _standin_send(demo, {"to_parent_userid": ["parent_wujj"], "msgtype": "text",
                                      "agentid": demo.config.wecom.agent_id,
                                      "text": {"content": XSS}},
                               "/cgi-bin/externalcontact/message/send")
    assert sent["errcode"] == 0

    resp, stream = await open_stream(demo, "parent_wujj")
    async with resp:
        assert await stream.next_event() == {"type": "reset"}
        news = await stream.next_event()
        text = await stream.next_event()
    [article] = news.pop("articles")
    assert news == {"type": "news", "channel": "家校", "at": news["at"]}
    assert article["title"] == f"吴俊杰的请假（单号{number}）已批准。"
    assert "放行码：" in article["description"]
    assert article["url"].startswith(demo.config.server.public_url + "/h5/pass/")
    assert text == {"type": "text", "channel": "家校", "content": XSS, "at": text["at"]}
    resp, stream = await open_stream(demo, "parent_wu")
    async with resp:
        events = [await stream.next_event() for _ in range(6)]
    approved = [e for e in events if e["type"] == "text" and "已批准" in e["content"]]
    assert [e["channel"] for e in approved] == ["企业微信"]


async def test_a_family_parent_cannot_write_to_the_app(demo: Demo) -> None:
    for path, payload in (("/sim/say", {"userid": "parent_wujj", "content": "请假"}),
                          ("/sim/click", {"userid": "parent_wujj", "task_id": "t", "key": "k"})):
        status, body = await demo.post(path, payload)
        assert status == 403 and body == {"status": "error", "error": FAMILY_CANNOT_WRITE}
    async with demo.app[keys.DB].read() as session:
        got = list(await session.scalars(
            select(InboxMessage.id).where(InboxMessage.userid == "parent_wujj")))
    assert got == [] and demo.standin.delivered == []


async def test_the_console_may_frame_the_pages_and_nobody_else(demo: Demo) -> None:
    async with demo.http.get(demo.base + "/h5/", allow_redirects=False) as resp:
        policy = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "'none'; base-uri" not in policy
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert policy == CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


@pytest.mark.parametrize(("path", "payload"), [
    ("/sim/say", {"userid": "bad id!", "content": "帮助"}),
    ("/sim/say", {"userid": "parent_zhang", "content": "  "}),
    ("/sim/say", {"userid": "parent_zhang", "content": "x" * 2001}),
    ("/sim/click", {"userid": "teacher_li", "task_id": "t]]>x", "key": "k"}),
    ("/sim/click", {"userid": "teacher_li", "task_id": "t", "key": ""}),
])
async def test_bad_requests_are_refused(demo: Demo, path: str, payload: dict[str, Any]) -> None:
    status, body = await demo.post(path, payload)
    assert status == 400 and body["status"] == "error"
    async with demo.http.post(demo.base + path, data=b"not json") as resp:
        assert resp.status == 400
    async with demo.http.get(demo.base + "/sim/stream", params={"userid": "<x>"}) as resp:
        assert resp.status == 400


async def test_serve_app_has_no_simulator_routes(demo_db: str) -> None:
    app = create_app(make_config(demo_db), clock=FakeClock(local(2026, 11, 26, 8, 0)),
                     run_workers=False)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/h5/", allow_redirects=False) as resp:
                assert resp.headers["Content-Security-Policy"] == CSP  # no frames at all
                assert resp.headers["X-Frame-Options"] == "DENY"
            for method, path in (("GET", "/"), ("GET", "/sim/people"), ("POST", "/sim/say"),
                                 ("GET", "/sim/stream?userid=parent_zhang"),
                                 ("POST", "/sim/click"), ("GET", "/static/console.js"),
                                 ("GET", "/cgi-bin/gettoken"),
                                 ("POST", "/cgi-bin/message/send")):
                async with http.request(method, f"http://127.0.0.1:{port}{path}") as resp:
                    assert resp.status == 404, path
    finally:
        await runner.cleanup()


async def test_shutdown_ends_open_streams(demo_db: str) -> None:
    runner, config, _ = await start_demo(demo_db)
    standin = runner.app[STATE].standin
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{config.server.port}/sim/stream"
            async with http.get(url, params={"userid": "parent_zhang"}) as resp:
                assert (await resp.content.readline()).startswith(b"data: ")
                started = time.monotonic()
                await runner.cleanup()
                assert time.monotonic() - started < 3
                assert standin.subscribers == []
    finally:
        await runner.cleanup()
