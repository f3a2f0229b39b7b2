"""The outbox and WeCom's health, end to end: a pause on bad configuration, back-off by the
API's health, and the pace per member that never starves the gate."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select

from bot.config import load_config
from models.messaging import OutboxMessage
from tests.harness import ROOT, FakeClock, Harness, running

PARENTS = ("parent_zhang", "parent_liu", "parent_huang")


async def statuses(h: Harness) -> list[str]:
    async with h.db.read() as session:
        return list(await session.scalars(select(OutboxMessage.status)
                                          .order_by(OutboxMessage.id)))


async def test_a_configuration_error_pauses_keeps_everything_and_resumes(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    h.standin.fail_for(3600, ["48002"])  # the app lost its API permission
    for parent in PARENTS:
        assert await h.say(parent, "帮助") == 200
    await h.drain()
    assert await statuses(h) == ["pending"] * 4  # the three answers and the 管理员's notice
    health = await (await h.client.get("/healthz")).json()
    assert health["outbox"] == "paused" and health["outbox_errcode"] == 48002

    calls = h.standin.calls
    h.clock.advance(seconds=30)
    await h.drain()
    assert h.standin.calls == calls  # nothing tried before the probe is due
    h.clock.advance(seconds=31)
    await h.drain()
    assert h.standin.calls - calls <= 2  # one probe (and its token fetch)
    assert all(s == "pending" for s in await statuses(h))

    h.standin.heal()  # the admin fixed it
    h.clock.advance(seconds=61)
    await h.drain()
    for parent in PARENTS:
        assert len(h.texts_for(parent)) == 1
    [notice] = h.texts_for("admin_zhou")
    assert "暂停" in notice and "48002" in notice and "没有调用该接口的权限" in notice
    assert (await (await h.client.get("/healthz")).json())["outbox"] == "sending"
    paused_logs = [r for r in caplog.records if "outbox paused" in r.getMessage()]
    assert len(paused_logs) == 1 and paused_logs[0].levelno == logging.ERROR


async def test_the_backlog_flows_within_seconds_of_wecom_coming_back(harness: Harness) -> None:
    h = harness
    outage = 75
    h.standin.fail_for(outage, ["errcode-1", "http502", "45009"])
    started = h.clock()
    for i in range(outage):  # a message a second from some parent, all through the outage
        await h.say(PARENTS[i % len(PARENTS)], "帮助")
        await h.drain()
        h.clock.advance(seconds=1)
    assert all(s == "pending" for s in await statuses(h))
    back = started.timestamp() + outage
    while h.clock().timestamp() < back + 11:
        await h.drain()
        h.clock.advance(seconds=1)
    assert await statuses(h) == ["sent"] * outage
    last = max(d.at for d in h.standin.delivered)
    assert last <= back + max_backoff(h) + 1, last - back


def max_backoff(h: Harness) -> int:
    return h.config.outbox.max_backoff_seconds


async def test_a_guard_checking_forty_at_dismissal_gets_every_answer(harness: Harness) -> None:
    h = harness
    asked = 40
    for _ in range(asked):  # one every 2 s: faster than 25 a minute
        await h.say("guard_sun", "帮助")
        await h.drain()
        h.clock.advance(seconds=2)
    for _ in range(15):
        await h.drain()
        h.clock.advance(seconds=1)
    texts = h.texts_for("guard_sun")
    assert sum(t.count("【门卫】") for t in texts) == asked  # every answer, some gathered
    assert len(texts) < asked
    assert all(len(t.encode()) <= 2048 for t in texts)


async def test_the_hourly_pace_holds_and_gathers(demo_db: str, clock: FakeClock) -> None:
    base = load_config(ROOT / "config.example.toml").outbox
    async with running(demo_db, clock,
                       outbox=dataclasses.replace(base, per_member_per_hour=10)) as h:
        for _ in range(15):
            await h.say("parent_zhang", "帮助")
            await h.drain()
            h.clock.advance(seconds=10)
        assert len(h.texts_for("parent_zhang")) == 10
        h.clock.advance(seconds=1800)
        await h.drain()
        assert len(h.texts_for("parent_zhang")) == 10
        h.clock.advance(seconds=1800)
        await h.drain()
        assert len(h.texts_for("parent_zhang")) == 15
