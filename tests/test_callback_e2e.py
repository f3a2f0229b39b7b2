"""End to end: encrypted, signed callbacks into the real app; replies read from the stand-in."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import func, select

from handlers import texts
from models.db import Database
from models.messaging import InboxMessage, OutboxMessage
from tests.harness import FakeClock, Harness, make_config, running


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_parent_asking_for_help_gets_parent_help(harness: Harness) -> None:
    assert await harness.say("parent_zhang", "帮助") == 200
    await harness.drain()
    assert "【家长】" in harness.last_text("parent_zhang")
    assert "【班主任】" not in harness.last_text("parent_zhang")


async def test_a_user_with_two_roles_gets_help_for_both(harness: Harness) -> None:
    await harness.say("teacher_li", "帮助")
    await harness.drain()
    reply = harness.last_text("teacher_li")
    assert "【家长】" in reply and "【班主任】" in reply


async def test_full_width_text_is_understood(harness: Harness) -> None:
    await harness.say("guard_sun", "　帮助　")
    await harness.drain()
    assert "【门卫】" in harness.last_text("guard_sun")


async def test_someone_outside_the_roster_is_refused_politely(harness: Harness) -> None:
    await harness.say("stranger_1", "请假 张小明 明天 病假")
    await harness.drain()
    reply = harness.last_text("stranger_1")
    assert reply == texts.NOT_IN_ROSTER
    assert "张小明" not in reply


async def test_anything_unrecognised_gets_short_role_help(harness: Harness) -> None:
    await harness.say("guard_sun", "今天天气不错")
    await harness.drain()
    reply = harness.last_text("guard_sun")
    assert reply.startswith("没看懂") and "核验放行码" in reply and "请假" not in reply


async def test_cancel_without_a_dialog_says_so(harness: Harness) -> None:
    await harness.say("parent_zhang", "取消")
    await harness.drain()
    assert harness.last_text("parent_zhang") == texts.NOTHING_TO_CANCEL


async def test_a_retried_delivery_is_handled_once(harness: Harness) -> None:
    params, body = harness.sealed(harness.inner_text_xml("parent_zhang", "帮助", msg_id=777))
    for _ in range(3):
        resp = await harness.client.post("/wecom/callback", params=params, data=body)
        assert resp.status == 200
    await harness.drain()
    assert await count(harness.db, InboxMessage) == 1
    assert len(harness.texts_for("parent_zhang")) == 1


async def test_a_retried_card_click_is_recorded_once(harness: Harness) -> None:
    xml = harness.inner_click_xml("teacher_li", "leave-1-abc", "approve", create_time=1764115200)
    params, body = harness.sealed(xml)
    for _ in range(2):
        resp = await harness.client.post("/wecom/callback", params=params, data=body)
        assert resp.status == 200
    assert await count(harness.db, InboxMessage) == 1


async def test_fifty_messages_at_once_on_sqlite_lose_nothing(harness: Harness) -> None:
    users = ["parent_zhang", "teacher_li", "guard_sun", "office_zhao", "principal_chen"]
    statuses = await asyncio.gather(*(harness.say(users[i % 5], "帮助") for i in range(50)))
    assert statuses == [200] * 50
    await harness.drain(rounds=200)
    assert await count(harness.db, InboxMessage) == 50
    async with harness.db.read() as session:
        failed = await session.scalar(select(func.count()).select_from(InboxMessage)
                                      .where(InboxMessage.status != "done"))
    assert failed == 0
    for user in users:
        assert len(harness.texts_for(user)) == 10


async def test_messages_wait_out_a_wecom_outage_and_arrive_once(harness: Harness) -> None:
    harness.standin.fail_next(1, "errcode-1")
    harness.standin.fail_next(1, "45009")
    harness.standin.fail_next(1, "http502")
    await harness.say("parent_zhang", "帮助")
    await harness.say("guard_sun", "帮助")
    await harness.drain()
    for _ in range(10):  # each retry is scheduled a little later; move the clock past it
        harness.clock.advance(seconds=30)
        await harness.drain()
    assert len(harness.texts_for("parent_zhang")) == 1
    assert len(harness.texts_for("guard_sun")) == 1
    async with harness.db.read() as session:
        states = list(await session.scalars(select(OutboxMessage.status)))
    assert states == ["sent", "sent"]


async def test_an_expired_token_is_fetched_again_once(harness: Harness) -> None:
    await harness.say("parent_zhang", "帮助")
    await harness.drain()
    fetched = harness.standin.token_fetches
    harness.standin.expire_tokens()
    await harness.say("parent_zhang", "帮助")
    await harness.drain()
    assert harness.standin.token_fetches == fetched + 1
    assert len(harness.texts_for("parent_zhang")) == 2


async def test_one_member_gets_no_more_than_the_pace_allows(harness: Harness) -> None:
    for _ in range(40):
        await harness.say("parent_zhang", "帮助")
    await harness.drain(rounds=200)
    pace = harness.config.outbox.per_member_per_minute
    assert len(harness.texts_for("parent_zhang")) == pace
    harness.clock.advance(seconds=61)
    await harness.drain(rounds=200)
    assert len(harness.texts_for("parent_zhang")) == 40
    assert harness.standin.violations == []


async def test_messages_recorded_before_a_crash_are_handled_after_restart(
        demo_db: str, clock: FakeClock) -> None:
    async with running(demo_db, clock) as before_crash:
        for _ in range(3):
            assert await before_crash.say("parent_zhang", "帮助") == 200
        # the process dies here: nothing was handled
    async with running(demo_db, clock) as after_restart:
        await after_restart.drain()
        assert len(after_restart.texts_for("parent_zhang")) == 3


async def test_live_workers_answer_without_being_driven(demo_db: str, clock: FakeClock) -> None:
    async with running(demo_db, clock, run_workers=True) as h:
        await h.say("parent_zhang", "帮助")
        for _ in range(200):
            if h.standin.messages_for("parent_zhang"):
                break
            await asyncio.sleep(0.02)
        assert "【家长】" in h.last_text("parent_zhang")


async def test_healthz_reports_the_database(harness: Harness) -> None:
    resp = await harness.client.get("/healthz")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"


async def test_when_the_database_cannot_record_the_answer_is_not_200(
        demo_db: str, clock: FakeClock) -> None:
    """Another process holds the SQLite file: the callback is refused, then accepted."""
    busy = dataclasses.replace(make_config(demo_db).database, busy_timeout_ms=200)
    async with running(demo_db, clock, database=busy) as h:
        hog = sqlite3.connect(demo_db.split("///", 1)[1], isolation_level=None)
        hog.execute("BEGIN EXCLUSIVE")
        try:
            assert await h.say("parent_zhang", "帮助") == 503
        finally:
            hog.execute("ROLLBACK")
            hog.close()
        assert await count(h.db, InboxMessage) == 0
        assert await h.say("parent_zhang", "帮助") == 200
        await h.drain()
        assert len(h.texts_for("parent_zhang")) == 1


async def test_url_verification_answers_the_bare_echostr(demo_db: str) -> None:
    """Known answer, vector A: the admin console's check when the callback URL is saved."""
    clock = FakeClock(datetime.fromtimestamp(1476416373, UTC))
    vector_a = {"corp_id": "ww1436e0e65a779aee", "token": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
                "encoding_aes_key": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"}
    async with running(demo_db, clock, wecom=vector_a) as h:
        resp = await h.client.get("/wecom/callback", params={
            "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
            "timestamp": "1476416373", "nonce": "47744683",
            "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqj"
                       "noVzEtpbhnFyq6SVHyA==",
        })
        assert resp.status == 200
        assert await resp.text() == "1288432023552776189"
