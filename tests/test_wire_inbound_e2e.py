"""What WeCom posts that is not ours to handle, 上下游 senders and userids in any case: end to end
through signed, encrypted callbacks."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers import texts
from models.messaging import InboxMessage
from tests.harness import Harness


async def inbox_count(h: Harness) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxMessage)) or 0)


async def post(h: Harness, inner: str) -> tuple[int, bytes]:
    params, body = h.sealed(inner)
    resp = await h.client.post("/wecom/callback", params=params, data=body)
    return resp.status, await resp.read()


async def test_events_we_do_not_handle_are_acknowledged_and_ignored(harness: Harness) -> None:
    h, now = harness, int(harness.clock().timestamp())
    corp, agent = h.config.wecom.corp_id, h.config.wecom.agent_id
    kf = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><CreateTime>{now}</CreateTime>"
          "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
          "<Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token>"
          "<OpenKfId><![CDATA[wkxxxxxxx]]></OpenKfId></xml>")
    enter = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
             f"<FromUserName><![CDATA[parent_zhang]]></FromUserName><CreateTime>{now}</CreateTime>"
             "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event>"
             f"<EventKey><![CDATA[]]></EventKey><AgentID>{agent}</AgentID></xml>")
    for inner in (kf, enter):
        assert await post(h, inner) == (200, b"")
    await h.drain()
    assert await inbox_count(h) == 0 and h.standin.delivered == []


async def test_a_message_is_acknowledged_with_an_empty_body(harness: Harness) -> None:
    assert await post(harness, harness.inner_text_xml("parent_zhang", "帮助")) == (200, b"")


async def test_a_linked_corp_sender_gets_the_strangers_answer(harness: Harness) -> None:
    assert await harness.say("wwLinked01/Wang.Wu", "帮助") == 200
    await harness.drain()
    assert harness.texts_for("wwLinked01/wang.wu") == [texts.NOT_IN_ROSTER]


async def test_userids_ignore_case(harness: Harness) -> None:
    assert await harness.say("PARENT_Zhang", "帮助") == 200
    await harness.drain()
    assert "【家长】" in harness.last_text("parent_zhang")
