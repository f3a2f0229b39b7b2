"""WeComClient against the WeCom stand-in served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import WeComConfig
from bot.simulator.oauth import Person
from bot.simulator.standin import PNG, WeComStandIn
from bot.wecom_client import TRANSPORT_ERRCODE, WeComClient, WeComError
from models.messages import Button, ButtonCard, CardUpdate, Markdown, Text

CORP, SECRET, AGENT = "ww-test-corp", "s3cret-value-never-logged", 1000002


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def standin(clock: FakeClock) -> WeComStandIn:
    return WeComStandIn(CORP, SECRET, clock=clock)


@pytest.fixture
async def server(standin: WeComStandIn) -> AsyncIterator[TestServer]:
    srv = TestServer(standin.app(), host="127.0.0.1")
    async with srv:
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def config_for(base: str, *, timeout: float = 5.0, secret: str = SECRET) -> WeComConfig:
    return WeComConfig(corp_id=CORP, agent_id=AGENT, secret=secret, token="cb-token",
                       encoding_aes_key="x" * 43, api_base=base,
                       request_timeout_seconds=timeout)


@pytest.fixture
def client(http: aiohttp.ClientSession, server: TestServer, clock: FakeClock) -> WeComClient:
    return WeComClient(http, config_for(f"http://127.0.0.1:{server.port}"), clock=clock)


CARD = ButtonCard(
    task_id="leave-42-approve",
    title="请假审批",
    description="张三 申请病假 2 天",
    fields=(("学生", "张三"), ("请假类型说明", "病假" * 20)),
    buttons=(Button("approve", "同意", 1), Button("reject", "驳回", 3)),
)


# ---- payloads (pure) ---------------------------------------------------------


def test_payload_text_sets_duplicate_check() -> None:
    wc = WeComClient(None, config_for("http://127.0.0.1:9"))  # type: ignore[arg-type]
    path, body = wc.payload_for("zhangsan", Text("你好"), 600)
    assert path == "/cgi-bin/message/send"
    assert body == {"touser": "zhangsan", "msgtype": "text", "agentid": AGENT,
                    "text": {"content": "你好"}, "enable_duplicate_check": 1,
                    "duplicate_check_interval": 600}
    _, body = wc.payload_for("zhangsan", Markdown("**hi**"), 0)
    assert body == {"touser": "zhangsan", "msgtype": "markdown", "agentid": AGENT,
                    "markdown": {"content": "**hi**"}}


def test_payload_card_respects_wecom_limits() -> None:
    wc = WeComClient(None, config_for("http://127.0.0.1:9"))  # type: ignore[arg-type]
    card = ButtonCard(task_id="t1", title="T", description="",
                      fields=tuple((f"key{i}-long", "v" * 40) for i in range(8)),
                      buttons=tuple(Button(f"b{i}", f"B{i}", 2) for i in range(8)))
    _, body = wc.payload_for("u1", card, 1800)
    tc = body["template_card"]
    assert body["msgtype"] == "template_card" and tc["card_type"] == "button_interaction"
    assert "sub_title_text" not in tc
    assert len(tc["horizontal_content_list"]) == 6 and len(tc["button_list"]) == 6
    assert tc["horizontal_content_list"][0] == {"keyname": "key0-", "value": "v" * 30}
    assert tc["button_list"][0] == {"text": "B0", "style": 2, "key": "b0"}


def test_payload_card_update() -> None:
    wc = WeComClient(None, config_for("http://127.0.0.1:9"))  # type: ignore[arg-type]
    path, body = wc.payload_for("u1", CardUpdate("已同意", response_code="rc-1"), 1800)
    assert path == "/cgi-bin/message/update_template_card"
    assert body == {"userids": ["u1"], "agentid": AGENT, "response_code": "rc-1",
                    "button": {"replace_name": "已同意"}}


# ---- delivery ------------------------------------------------------------------


async def test_text_and_markdown_delivered(client: WeComClient, standin: WeComStandIn,
                                           clock: FakeClock) -> None:
    await client.send("zhangsan", Text("明天请假"))
    await client.send("zhangsan", Markdown("**已批准**"))
    got = standin.messages_for("zhangsan")
    assert [(d.msgtype, d.body[d.msgtype], d.at) for d in got] == [
        ("text", {"content": "明天请假"}, clock.now),
        ("markdown", {"content": "**已批准**"}, clock.now),
    ]
    assert got[0].body == {"touser": "zhangsan", "msgtype": "text", "agentid": AGENT,
                           "text": {"content": "明天请假"}, "enable_duplicate_check": 1,
                           "duplicate_check_interval": 1800}
    assert standin.requests[0] == ("/cgi-bin/message/send", got[0].body)


async def test_card_and_update_recorded(client: WeComClient, standin: WeComStandIn) -> None:
    await client.send("teacher1", CARD)
    [card] = standin.delivered
    assert card.msgtype == "template_card" and card.response_code
    assert card.body["template_card"] == {
        "card_type": "button_interaction",
        "main_title": {"title": "请假审批"},
        "sub_title_text": "张三 申请病假 2 天",
        "horizontal_content_list": [{"keyname": "学生", "value": "张三"},
                                    {"keyname": "请假类型说", "value": "病假" * 15}],
        "task_id": "leave-42-approve",
        "button_list": [{"text": "同意", "style": 1, "key": "approve"},
                        {"text": "驳回", "style": 3, "key": "reject"}],
    }
    await client.send("teacher1", CardUpdate("已同意", response_code=card.response_code))
    assert standin.card_updates == [{"userids": ["teacher1"], "agentid": AGENT,
                                     "response_code": card.response_code,
                                     "button": {"replace_name": "已同意"}}]


async def test_pipe_separated_touser_delivers_to_each(client: WeComClient,
                                                      standin: WeComStandIn) -> None:
    await client.send("a|b|c", Text("全体通知"))
    assert [d.touser for d in standin.delivered] == ["a", "b", "c"]


async def test_subscribers_see_deliveries(client: WeComClient, standin: WeComStandIn) -> None:
    queue = standin.subscribe()
    await client.send("u1", Text("hi"))
    item = queue.get_nowait()
    assert (item.touser, item.body["text"]) == ("u1", {"content": "hi"})
    standin.unsubscribe(queue)
    await client.send("u1", Text("again"))
    assert queue.empty()


async def test_media_get_returns_png(client: WeComClient, server: TestServer,
                                     http: aiohttp.ClientSession) -> None:
    token = await client.token()
    url = f"http://127.0.0.1:{server.port}/cgi-bin/media/get"
    async with http.get(url, params={"access_token": token, "media_id": "M1"}) as resp:
        assert resp.status == 200 and resp.content_type == "image/png"
        assert await resp.read() == PNG and PNG.startswith(b"\x89PNG")


# ---- token ---------------------------------------------------------------------


async def test_concurrent_sends_fetch_token_once(client: WeComClient,
                                                 standin: WeComStandIn) -> None:
    await asyncio.gather(*(client.send(f"u{i}", Text(f"m{i}")) for i in range(20)))
    assert client.token_fetches == 1 and standin.token_fetches == 1
    assert len(standin.delivered) == 20


async def test_token_refreshed_before_expiry(client: WeComClient, standin: WeComStandIn,
                                             clock: FakeClock) -> None:
    first = await client.token()
    clock.advance(7200 - 300 - 1)
    assert await client.token() == first
    clock.advance(2)
    await client.send("u1", Text("after refresh"))
    assert client.token_fetches == 2 and standin.token_fetches == 2
    assert len(standin.delivered) == 1


async def test_expired_token_refetched_once_and_delivered(client: WeComClient,
                                                          standin: WeComStandIn) -> None:
    await client.send("u1", Text("one"))
    standin.expire_tokens()
    await asyncio.gather(*(client.send("u1", Text(f"n{i}")) for i in range(5)))
    assert client.token_fetches == 2
    assert len(standin.messages_for("u1")) == 6


async def test_injected_42001_retried_once(client: WeComClient, standin: WeComStandIn) -> None:
    standin.fail_next(1, "42001")
    await client.send("u1", Text("hi"))
    assert client.token_fetches == 2 and len(standin.delivered) == 1


async def test_second_token_error_raises(client: WeComClient, standin: WeComStandIn) -> None:
    standin.fail_next(2, "42001")
    with pytest.raises(WeComError) as info:
        await client.send("u1", Text("hi"))
    assert info.value.errcode == 42001 and info.value.retryable
    assert client.token_fetches == 2 and standin.delivered == []


async def test_wrong_secret_is_permanent(http: aiohttp.ClientSession, server: TestServer) -> None:
    wc = WeComClient(http, config_for(f"http://127.0.0.1:{server.port}", secret="wrong"))
    with pytest.raises(WeComError) as info:
        await wc.send("u1", Text("hi"))
    assert info.value.errcode == 40001 and not info.value.retryable


# ---- errors --------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "errcode"), [
    ("http502", TRANSPORT_ERRCODE), ("errcode-1", -1), ("45009", 45009), ("45033", 45033),
])
async def test_retryable_failures(client: WeComClient, standin: WeComStandIn, mode: str,
                                  errcode: int) -> None:
    await client.token()
    standin.fail_next(1, mode)
    with pytest.raises(WeComError) as info:
        await client.send("u1", Text("hi"))
    assert info.value.retryable and info.value.errcode == errcode
    assert str(info.value).startswith(f"errcode {errcode}: ")
    assert standin.delivered == []
    await client.send("u1", Text("hi"))  # the failure was used up; WeCom is fine again
    assert len(standin.delivered) == 1


async def test_failure_while_fetching_token_is_retryable(client: WeComClient,
                                                         standin: WeComStandIn) -> None:
    standin.fail_next(1, "45033")
    results = await asyncio.gather(*(client.send("u1", Text(f"m{i}")) for i in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, WeComError) and r.retryable for r in results)
    assert client.token_fetches == 1  # the waiters shared the one failed fetch
    await client.send("u1", Text("ok"))
    assert client.token_fetches == 2


async def test_hang_times_out_as_retryable(http: aiohttp.ClientSession, server: TestServer,
                                           standin: WeComStandIn, clock: FakeClock) -> None:
    wc = WeComClient(http, config_for(f"http://127.0.0.1:{server.port}", timeout=0.2),
                     clock=clock)
    await wc.token()
    standin.fail_next(1, "hang")
    started = time.monotonic()
    with pytest.raises(WeComError) as info:
        await wc.send("u1", Text("hi"))
    assert info.value.retryable and info.value.errcode == TRANSPORT_ERRCODE
    assert time.monotonic() - started < 2


async def test_connection_refused_is_retryable(http: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wc = WeComClient(http, config_for(f"http://127.0.0.1:{port}", timeout=1))
    with pytest.raises(WeComError) as info:
        await wc.send("u1", Text("hi"))
    assert info.value.retryable and info.value.errcode == TRANSPORT_ERRCODE


async def test_non_json_answer_is_retryable(http: aiohttp.ClientSession) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/cgi-bin/gettoken", html)
    async with TestServer(app, host="127.0.0.1") as srv:
        wc = WeComClient(http, config_for(f"http://127.0.0.1:{srv.port}"))
        with pytest.raises(WeComError) as info:
            await wc.send("u1", Text("hi"))
    assert info.value.retryable and info.value.errcode == TRANSPORT_ERRCODE


async def test_permanent_errors(client: WeComClient, standin: WeComStandIn) -> None:
    standin.fail_next(1, "40003")
    with pytest.raises(WeComError) as info:
        await client.send("nobody", Text("hi"))
    assert info.value.errcode == 40003 and not info.value.retryable
    with pytest.raises(WeComError) as info:
        await client.send("", Text("hi"))
    assert info.value.errcode == 81013 and not info.value.retryable


async def test_outage_window_then_recovery(client: WeComClient, standin: WeComStandIn,
                                           clock: FakeClock) -> None:
    standin.fail_for(60, ["http502", "errcode-1", "45009"])
    for i in range(3):
        with pytest.raises(WeComError) as info:
            await client.send("u1", Text(f"m{i}"))
        assert info.value.retryable
        clock.advance(15)
    clock.advance(16)
    await client.send("u1", Text("back"))
    assert [d.body["text"]["content"] for d in standin.delivered] == ["back"]


async def test_logs_hold_no_secret_token_or_content(client: WeComClient,
                                                    standin: WeComStandIn,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qingjia.wecom")
    token = await client.token()
    standin.fail_next(1, "42001")
    await client.send("u1", Text("机密内容"))
    standin.fail_next(1, "40003")
    with pytest.raises(WeComError):
        await client.send("u1", Text("机密内容"))
    assert "touser=u1" in caplog.text and "errcode=40003" in caplog.text
    for secret in (SECRET, token, await client.token(), "机密内容"):
        assert secret not in caplog.text


# ---- WeCom-side guards -----------------------------------------------------------


async def test_duplicate_check_delivers_once(client: WeComClient, standin: WeComStandIn,
                                             clock: FakeClock) -> None:
    await client.send("u1", Text("同一条"))
    await client.send("u1", Text("同一条"))
    assert len(standin.messages_for("u1")) == 1
    clock.advance(1801)
    await client.send("u1", Text("同一条"))
    assert len(standin.messages_for("u1")) == 2
    await client.send("u1", Text("同一条"), duplicate_check_seconds=0)
    await client.send("u1", Text("同一条"), duplicate_check_seconds=0)
    assert len(standin.messages_for("u1")) == 4


async def test_duplicate_task_id_refused(client: WeComClient, standin: WeComStandIn) -> None:
    await client.send("teacher1", CARD)
    for again in ("teacher1", "teacher2"):  # a used task_id is refused before any duplicate check
        with pytest.raises(WeComError) as info:
            await client.send(again, CARD)
        assert info.value.errcode == 42014 and not info.value.retryable
    assert len(standin.delivered) == 1


async def test_member_limits_drop_silently_and_are_recorded(
        client: WeComClient, standin: WeComStandIn, clock: FakeClock) -> None:
    for i in range(31):  # 31 messages within 30 s: the 31st is answered ok and dropped
        await client.send("busy", Text(f"m{i}"))
        clock.advance(1.0)
    for i in range(31):  # 31 messages spread over 63 s
        await client.send("calm", Text(f"m{i}"))
        clock.advance(2.1)
    assert len(standin.messages_for("busy")) == 30 and len(standin.messages_for("calm")) == 31
    assert standin.violations == ["dropped: over 30 in 60 s to busy"]


async def test_member_hourly_limit(client: WeComClient, standin: WeComStandIn,
                                   clock: FakeClock) -> None:
    for i in range(1001):  # 1,001 messages, 20 a minute: the last one is past 1,000 an hour
        await client.send("steady", Text(f"m{i}"))
        clock.advance(3.0)
    assert len(standin.messages_for("steady")) == 1000
    assert standin.violations == ["dropped: over 1000 in 3600 s to steady"]


async def test_long_text_is_cut_and_the_cut_recorded(client: WeComClient,
                                                     standin: WeComStandIn) -> None:
    await client.send("reader", Text("请假" * 400))  # 2,400 bytes
    [got] = standin.messages_for("reader")
    assert len(got.body["text"]["content"].encode()) <= 2048
    assert standin.violations == ["cut: 2400-byte text to reader"]


async def test_users_outside_the_directory_get_81013(client: WeComClient,
                                                      standin: WeComStandIn) -> None:
    standin.oauth.people.append(Person("known", "甲", "member"))
    await client.send("KNOWN", Text("ok"))  # userids are case-insensitive
    with pytest.raises(WeComError) as info:
        await client.send("nobody", Text("hi"))
    assert info.value.errcode == 81013 and not info.value.retryable
    assert [d.touser for d in standin.delivered] == ["KNOWN"]


async def test_a_card_code_updates_once(client: WeComClient, standin: WeComStandIn) -> None:
    code = await client.send("teacher1", CARD)
    assert code is not None
    await client.send("teacher1", CardUpdate("已批准", response_code=code))
    for used_or_unknown in (code, "made-up"):
        with pytest.raises(WeComError) as info:
            await client.send("teacher1", CardUpdate("已驳回", response_code=used_or_unknown))
        assert info.value.errcode == 40035
    clicked = standin.issue_response_code()
    await client.send("teacher1", CardUpdate("已批准", response_code=clicked))
    assert [u["button"]["replace_name"] for u in standin.card_updates] == ["已批准", "已批准"]


def test_unknown_failure_mode_rejected() -> None:
    with pytest.raises(ValueError):
        WeComStandIn(CORP, SECRET).fail_next(1, "boom")
