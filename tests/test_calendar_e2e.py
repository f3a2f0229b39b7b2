"""Next year's calendar end to end: declared, a January leave goes through; not declared, every
answer says so in plain words and nothing is judged 旷课.

The calendars here come from config.example.toml with a package that knows no year after 2026,
so these tests do not depend on what the installed chinesecalendar knows.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from bot import keys
from models.attendance import Truancy
from models.leave import Leave
from tests.calendars import KNOWS_2026, example_calendar
from tests.conftest import local
from tests.harness import FakeClock, Harness, running
from tests.test_leave_e2e import cards_for, click, code_from, leave, say, submit

NOT_ENTERED = "2027年的放假安排还没有录入，请联系学校管理员"
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
# A declaration invented for the tests (the school copies the real one from the notice).
DECLARED_2027 = '[calendar.national.2027]\nholidays = ["2027-01-01"]\n'
NOTHING_DECLARED = example_calendar(package=KNOWS_2026)
WITH_2027 = example_calendar(DECLARED_2027, package=KNOWS_2026)


def plain(text: str) -> bool:
    """The unknown year said in plain words: no ISO date, no claim that it is a day off."""
    return NOT_ENTERED in text and not ISO_DATE.search(text) and "不是上课日" not in text


async def leaves_stored(h: Harness) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Leave)) or 0)


async def run_job(h: Harness, name: str) -> dict | None:  # type: ignore[type-arg]
    day = h.clock().astimezone(h.config.school.tz).date()
    result = await h.app[keys.JOB_RUNNER].run(name, day)
    await h.drain()
    return result


async def test_with_2027_declared_a_january_leave_is_counted_routed_and_approved(
        demo_db: str) -> None:
    async with running(demo_db, FakeClock(local(2026, 11, 30, 8, 30)), calendar=WITH_2027) as h:
        echo = await say(h, "parent_liu", "请假 1月4日到1月8日 事假 探亲")
        assert "1月4日(周一)至1月8日(周五)，共5个上课日" in echo and "审批：政教处" in echo
        number = await submit(h, "parent_liu", "请假 1月4日到1月8日 事假 探亲")
        assert cards_for(h, "teacher_li") == []
        card = cards_for(h, "office_zhao")[-1]
        assert await click(h, "office_zhao", card["task_id"], f"approve:{number}") == 200
        await h.drain()
        assert code_from(h.last_text("parent_liu"))
        row = await leave(h, number)
        assert (row.status, row.start_date, row.end_date) == (
            "approved", date(2027, 1, 4), date(2027, 1, 8))
        assert row.days == 5 and row.routing_days == 5


async def test_with_nothing_declared_it_is_refused_in_plain_words(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 30, 8, 30))
    async with running(demo_db, clock, calendar=NOTHING_DECLARED) as h:
        one_message = await say(h, "parent_liu", "请假 1月4日到1月8日 事假 探亲")
        assert plain(one_message) and "请重新说一下请假日期" in one_message, one_message
        assert await say(h, "parent_liu", "取消") == "已取消。"
        # the guided dialog meets the same answer at the end
        assert "哪天" in await say(h, "parent_liu", "请假")
        assert "病假还是事假" in await say(h, "parent_liu", "1月4日到1月8日")
        assert "事由" in await say(h, "parent_liu", "事假")
        guided = await say(h, "parent_liu", "探亲")
        assert plain(guided), guided
        assert await say(h, "parent_liu", "取消") == "已取消。"
        # a count of days that runs into 2027 (the date grammar's refusal)
        clock.advance(days=28)  # Monday 2026-12-28
        counted = await say(h, "parent_liu", "请假 4天 事假 有事")
        assert plain(counted), counted
        assert await leaves_stored(h) == 0
        assert cards_for(h, "teacher_li") == cards_for(h, "office_zhao") == []


async def test_back_dating_across_an_unknown_new_year_says_so(demo_db: str) -> None:
    async with running(demo_db, FakeClock(local(2027, 1, 5, 8, 0)),
                       calendar=NOTHING_DECLARED) as h:
        reply = await say(h, "parent_liu", "请假 12月31日 病假 发烧")
        assert plain(reply), reply
        assert await leaves_stored(h) == 0


async def test_attendance_on_an_unknown_day_is_kept_but_never_judged(demo_db: str) -> None:
    clock = FakeClock(local(2027, 1, 4, 8, 30))  # a Monday in term, 2027 not declared
    async with running(demo_db, clock, calendar=NOTHING_DECLARED) as h:
        reply = await say(h, "teacher_li", "考勤 缺勤 刘洋")
        assert reply.startswith("已记录初一(1)班1月4日考勤：缺勤1人。") and plain(reply), reply
        assert plain(await say(h, "teacher_li", "考勤"))
        clock.advance(hours=8)  # 16:30
        result = await run_job(h, "truancy")
        assert result is not None and result["skipped"] == "calendar unknown"
        await run_job(h, "escalation")
        async with h.db.read() as session:
            assert (await session.scalars(select(Truancy))).all() == []
        assert h.texts_for("parent_liu") == []
        admin = h.last_text("admin_zhou")
        assert "1月4日没有判定旷课" in admin and "[calendar.national.2027]" in admin
        assert "2027年的放假安排还没有录入" in admin and not ISO_DATE.search(admin)


async def test_a_temporary_leave_on_an_unknown_day_still_lets_the_child_go(demo_db: str) -> None:
    async with running(demo_db, FakeClock(local(2027, 1, 4, 10, 0)),
                       calendar=NOTHING_DECLARED) as h:
        reply = await say(h, "teacher_li", "临时请假 刘洋 发烧 至 16:00 已电话")
        assert code_from(reply) and plain(reply), reply
        assert "今天按上课日记录" in reply
        async with h.db.read() as session:
            row = await session.scalar(select(Leave))
        assert row is not None and row.days == 1  # 10:00–16:00: morning and afternoon
        assert any("电话联系" in t for t in h.texts_for("parent_liu"))
        code = code_from(reply)
        assert "离校" in await say(h, "guard_sun", f"放行 {code}")
        h.clock.advance(hours=4)  # back at 14:00, before 16:00
        assert "返校" in await say(h, "guard_sun", f"返校 {code}")
        row = await leave(h, row.id)
        assert row.status == "returned" and row.days == 1


async def test_the_admin_is_told_once_a_week_until_the_year_is_declared(demo_db: str) -> None:
    clock = FakeClock(local(2026, 10, 31, 8, 0))  # 61 days before 2026-12-31: too early
    async with running(demo_db, clock, calendar=NOTHING_DECLARED) as h:
        await run_job(h, "calendar-reminder")
        assert h.standin.delivered == []
        told_on = []
        for _ in range(14):  # 11-01 … 11-14: the first two reminder weeks
            clock.advance(days=1)
            before = len(h.texts_for("admin_zhou"))
            await run_job(h, "calendar-reminder")
            if len(h.texts_for("admin_zhou")) > before:
                told_on.append(clock().day)
        assert told_on == [1, 8]
        text = h.last_text("admin_zhou")
        assert text.startswith("2027年的放假安排还没有录入。"
                               "系统知道的国家放假安排只到2026年12月31日")
        assert "[calendar.national.2027]" in text and "qingjia calendar check" in text
        assert not ISO_DATE.search(text) and len(text.encode()) <= 2048
        assert {d.touser for d in h.standin.delivered} == {"admin_zhou"}
    async with running(demo_db, clock, calendar=WITH_2027) as h:
        clock.advance(days=7)
        result = await run_job(h, "calendar-reminder")
        assert result is not None and result["notices"] == 0
        assert h.standin.delivered == []
