"""The same service on PostgreSQL: end to end, an outage of the database, two instances at once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from models.messaging import InboxMessage, OutboxMessage
from tests.harness import ROOT, FakeClock, prepare_database, running

pytestmark = pytest.mark.postgres


async def _admin(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_message_is_answered_on_postgres(pg_url: str, clock: FakeClock) -> None:
    await prepare_database(pg_url)
    async with running(pg_url, clock) as h:
        assert await h.say("teacher_li", "帮助") == 200
        await h.drain()
        assert "【班主任】" in h.last_text("teacher_li")


async def test_database_outage_answers_503_then_recovers_by_itself(
        pg_url: str, pg_admin_dsn: str, clock: FakeClock) -> None:
    await prepare_database(pg_url)
    name = make_url(pg_url).database
    async with running(pg_url, clock) as h:
        assert await h.say("parent_zhang", "帮助") == 200
        await _admin(pg_admin_dsn, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await _admin(pg_admin_dsn, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   f"WHERE datname = '{name}'")
        try:
            assert await h.say("parent_zhang", "还在吗") == 503
            assert (await h.client.get("/healthz")).status == 503
        finally:
            await _admin(pg_admin_dsn, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert (await h.client.get("/healthz")).status == 200
        assert await h.say("parent_zhang", "帮助") == 200
        await h.drain()
        assert len(h.texts_for("parent_zhang")) == 2


async def test_two_instances_share_the_work_and_do_it_once(pg_url: str, clock: FakeClock) -> None:
    await prepare_database(pg_url)
    users = ["parent_zhang", "teacher_li", "guard_sun", "office_zhao", "principal_chen"]
    async with running(pg_url, clock) as a, running(pg_url, clock) as b:
        sent = [(a if i % 2 else b).say(users[i % 5], f"第{i}条") for i in range(40)]
        # WeCom retries land anywhere: deliver every callback to both instances too.
        params_body = [a.sealed(a.inner_text_xml("parent_zhang", "帮助", msg_id=5000 + i))
                       for i in range(10)]
        statuses = await asyncio.gather(*sent, *(
            h.client.post("/wecom/callback", params=p, data=body)
            for p, body in params_body for h in (a, b)))
        codes = [s if isinstance(s, int) else s.status for s in statuses]
        assert codes == [200] * len(codes)
        await asyncio.gather(a.drain(rounds=200), b.drain(rounds=200))
        await asyncio.gather(a.drain(rounds=200), b.drain(rounds=200))
        # a send that timed out under load waits out the API's back-off (at most 10 s)
        clock.advance(seconds=15)
        await asyncio.gather(a.drain(rounds=200), b.drain(rounds=200))
        async with a.db.read() as session:
            inbox = await session.scalar(select(func.count()).select_from(InboxMessage)
                                         .where(InboxMessage.status == "done"))
            outbox = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.status == "sent"))
        assert inbox == 50
        assert outbox == 50
        delivered = len(a.standin.delivered) + len(b.standin.delivered)
        assert delivered == 50


async def test_a_dialog_continues_on_the_other_instance(pg_url: str, clock: FakeClock) -> None:
    await prepare_database(pg_url)
    async with running(pg_url, clock) as a, running(pg_url, clock) as b:
        await a.say("parent_liu", "请假")
        await a.drain()
        assert "哪天" in a.last_text("parent_liu")
        await b.say("parent_liu", "下周一")
        await b.drain()
        assert "病假还是事假" in b.last_text("parent_liu")


async def test_migrate_twice_at_once_is_safe(pg_url: str, tmp_path: Path) -> None:
    """Two `qingjia migrate` processes at once (say, two instances restarting): both succeed."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace('url = "sqlite+aiosqlite:///qingjia.db"', f'url = "{pg_url}"'),
                      encoding="utf-8")
    script = str(Path(sys.executable).parent / "qingjia")
    procs = [await asyncio.create_subprocess_exec(script, "migrate", "--config", str(config),
                                                  stdout=asyncio.subprocess.DEVNULL,
                                                  stderr=asyncio.subprocess.PIPE)
             for _ in range(2)]
    results = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    await prepare_database(pg_url)  # migrates again (a no-op) and loads the roster
