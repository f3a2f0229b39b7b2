"""Two schools side by side in one deployment (issue 13): their own WeCom apps, tiers, calendars
and time zones, and nothing crossing between them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot import keys
from models.attendance import JobRun
from models.leave import Leave
from models.messages import Outgoing, Text
from models.messaging import InboxMessage
from models.repos.outbox import OutboxRepo
from tests.conftest import local
from tests.harness import FakeClock, Harness, between
from tests.schools import SchoolSpec, running_schools, school_b_roster
from tests.test_leave_e2e import cards_for, say, submit

# School b: a 班主任 approves one school day only, its Friday 2026-11-27 is a day off, and it
# keeps Xinjiang's local time (two hours behind Beijing).
B_SECTIONS = {
    "school": {"timezone": "Asia/Urumqi"},
    "approval": {"tiers": [{"max_days": 1, "role": "班主任"}, {"max_weeks": 2, "role": "政教处"}]},
    "calendar": {"extra_days_off": ["2026-11-27"]},
}


def specs(tmp_path: Path) -> list[SchoolSpec]:
    return [SchoolSpec("a", "甲中学"),
            SchoolSpec("b", "乙中学", B_SECTIONS, roster=school_b_roster(tmp_path / "roster-b"))]


@pytest.fixture
async def schools(any_db_url: str, tmp_path: Path,
                  clock: FakeClock) -> AsyncIterator[dict[str, Harness]]:
    async with running_schools(any_db_url, clock, tmp_path / "deploy", specs(tmp_path)) as s:
        yield s


def everything_said(h: Harness) -> str:
    return "\n".join(str(d.body) for d in h.standin.delivered)


async def test_each_school_routes_a_leave_by_its_own_tiers_through_its_own_app(
        schools: dict[str, Harness]) -> None:
    a, b = schools["a"], schools["b"]
    # the same userid in both corps: each school hears its own parent about its own child
    at_a = await submit(a, "parent_zhang", "请假 张小明 下周一至周二 事假 家中有事")
    at_b = await submit(b, "parent_zhang", "请假 赵一鸣 下周一至周二 事假 家中有事")
    assert cards_for(a, "teacher_li"), "two school days: a's 班主任 approves"
    assert not cards_for(b, "teacher_li")
    assert cards_for(b, "office_zhao"), "two school days: over b's one-day 班主任 tier"
    assert not cards_for(a, "office_zhao")
    said_at_a, said_at_b = everything_said(a), everything_said(b)
    assert "张小明" in said_at_a and "赵一鸣" not in said_at_a
    assert "赵一鸣" in said_at_b and "张小明" not in said_at_b
    async with a.db.read() as session:
        rows = {row.id: row.school_id for row in (await session.scalars(select(Leave))).all()}
    assert rows == {at_a: a.app[keys.SCHOOL_ID], at_b: b.app[keys.SCHOOL_ID]}


async def test_one_schools_numbers_mean_nothing_at_the_other(
        schools: dict[str, Harness]) -> None:
    a, b = schools["a"], schools["b"]
    number = await submit(a, "parent_zhang", "请假 张小明 下周一 事假 有事")
    for command in (f"查看 {number}", f"批准 {number}", f"驳回 {number} 不行"):
        answer = await say(b, "teacher_li", command)
        assert answer and "张小明" not in answer, (command, answer)
    answer = await say(b, "principal_chen", f"查看 {number}")
    assert answer and "张小明" not in answer
    async with a.db.read() as session:
        row = await session.get(Leave, number)
    assert row is not None and row.status == "pending" and row.decided_by is None


async def test_a_callback_signed_for_one_school_is_refused_at_the_others_url(
        schools: dict[str, Harness]) -> None:
    a, b = schools["a"], schools["b"]
    params, body = a.sealed(a.inner_text_xml("parent_zhang", "我的请假"))
    resp = await a.client.post("/wecom/callback/b", params=params, data=body)
    assert resp.status == 403
    resp = await a.client.post("/wecom/callback/nowhere", params=params, data=body)
    assert resp.status == 404
    async with a.db.read() as session:
        assert (await session.scalars(select(InboxMessage))).all() == []
    resp = await a.client.post("/wecom/callback/a", params=params, data=body)
    assert resp.status == 200
    await a.drain()
    assert a.texts_for("parent_zhang") and not b.texts_for("parent_zhang")


async def test_each_schools_jobs_run_in_its_own_time_zone_and_calendar(
        schools: dict[str, Harness], clock: FakeClock) -> None:
    a, b = schools["a"], schools["b"]
    clock.now = local(2026, 11, 27, 16, 35)  # Friday: 16:35 in Beijing, 14:35 in Urumqi
    for h in (a, b):
        await h.app[keys.JOB_RUNNER].run_due()
    assert await truancy_runs(a) == ["2026-11-27"]
    assert await truancy_runs(b) == []  # a day off at b (and its 16:30 has not come)
    clock.now = local(2026, 11, 30, 18, 20)  # Monday: 16:20 in Urumqi
    await b.app[keys.JOB_RUNNER].run_due()
    assert await truancy_runs(b) == []
    clock.now = local(2026, 11, 30, 18, 31)  # 16:31 in Urumqi
    await b.app[keys.JOB_RUNNER].run_due()
    assert await truancy_runs(b) == ["2026-11-30"]


async def truancy_runs(h: Harness) -> list[str]:
    async with h.db.read() as session:
        return sorted((await session.scalars(
            select(JobRun.run_key).where(JobRun.school_id == h.app[keys.SCHOOL_ID],
                                         JobRun.job == "truancy",
                                         JobRun.status == "done"))).all())


async def test_one_schools_failing_jobs_leave_the_others_running(
        any_db_url: str, tmp_path: Path, clock: FakeClock) -> None:
    """The database refuses every job run of school a (as a full disk or a broken row would):
    the start-up catch-up still runs school b's jobs, and a's chat still answers."""
    clock.now = local(2026, 11, 26, 16, 35)
    async with running_schools(any_db_url, clock, tmp_path / "deploy", specs(tmp_path)):
        pass  # the database and both schools' rows exist now
    a_id = 1
    await refuse_job_runs(any_db_url, a_id)
    async with running_schools(any_db_url, clock, tmp_path / "deploy", specs(tmp_path),
                               run_workers=True) as s:
        a, b = s["a"], s["b"]
        assert a.app[keys.SCHOOL_ID] == a_id
        for _ in range(200):  # the catch-up runs as the app starts; wait for b's truancy
            if await truancy_runs(b):
                break
            await asyncio.sleep(0.05)
        assert await truancy_runs(b) == []  # b's 16:30 in Urumqi has not come
        async with b.db.read() as session:
            b_runs = (await session.scalars(select(JobRun.job).where(
                JobRun.school_id == b.app[keys.SCHOOL_ID]))).all()
            a_runs = (await session.scalars(select(JobRun.job).where(
                JobRun.school_id == a_id))).all()
        assert "attendance-reminder" in b_runs and a_runs == []
        assert await a.say("parent_zhang", "我的请假") == 200  # the running workers answer
        for _ in range(200):
            if a.texts_for("parent_zhang"):
                break
            await asyncio.sleep(0.05)
        assert "请假" in a.last_text("parent_zhang")


async def refuse_job_runs(url: str, school_id: int) -> None:
    from models.db import Database

    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            if db.is_sqlite:
                await session.execute(text(
                    f"CREATE TRIGGER refuse_a BEFORE INSERT ON job_run WHEN NEW.school_id = "
                    f"{school_id} BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
            else:
                await session.execute(text(
                    "CREATE FUNCTION refuse_a() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.school_id = {school_id} THEN RAISE EXCEPTION 'disk full'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"))
                await session.execute(text(
                    "CREATE TRIGGER refuse_a BEFORE INSERT ON job_run FOR EACH ROW "
                    "EXECUTE FUNCTION refuse_a()"))
    finally:
        await db.dispose()


async def test_each_schools_url_check_and_the_health_of_the_deployment(
        schools: dict[str, Harness]) -> None:
    a, b = schools["a"], schools["b"]
    timestamp = str(int(b.clock().timestamp()))
    envelope = b.crypto.encrypt_message("echo-of-b", "n0nce", timestamp)
    query = {"msg_signature": between(envelope, "<MsgSignature><![CDATA[", "]]>"),
             "timestamp": timestamp, "nonce": "n0nce",
             "echostr": between(envelope, "<Encrypt><![CDATA[", "]]>")}
    resp = await b.client.get("/wecom/callback/b", params=query)
    assert (resp.status, await resp.text()) == (200, "echo-of-b")
    resp = await a.client.get("/wecom/callback/a", params=query)
    assert resp.status == 403  # a's token and key do not check b's URL
    resp = await a.client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "up", "outbox": "sending"}


async def test_a_message_due_later_goes_out_when_due_without_a_wake_up(
        sqlite_url: str, tmp_path: Path, clock: FakeClock) -> None:
    """Nobody wakes school b's outbox for a reply held until 07:00; the deployment's sweep
    finds it due once the clock passes 07:00 (each loop's own poll is a minute away)."""
    clock.now = local(2026, 11, 26, 6, 50)
    async with running_schools(sqlite_url, clock, tmp_path / "deploy", specs(tmp_path),
                               run_workers=True) as s:
        b = s["b"]
        async with b.db.unit_of_work() as session:
            await OutboxRepo(session, b.app[keys.SCHOOL_ID]).add(
                [Outgoing("parent_zhang", Text("早上好"))], clock(),
                not_before=local(2026, 11, 26, 7, 0))
        await asyncio.sleep(2.5)
        assert b.texts_for("parent_zhang") == []  # not due yet
        clock.now = local(2026, 11, 26, 7, 1)
        for _ in range(100):
            if b.texts_for("parent_zhang"):
                break
            await asyncio.sleep(0.1)
        assert b.texts_for("parent_zhang") == ["早上好"]
        assert s["a"].texts_for("parent_zhang") == []
