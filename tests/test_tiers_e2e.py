"""Schools read the seed's tiers differently: refusing beyond two weeks, and 篇四's 教导处."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers import texts
from models.leave import Leave
from tests.harness import DEMO_ROSTER, FakeClock, example_approval, prepare_database, running
from tests.test_jobs import job
from tests.test_leave_e2e import cards_for, code_from, leave, say, submit

# 篇四 §七.2: 请假一日由班主任批准; 一周至两周之内由教导处批准; 两周以上由校长批准.
PIAN_SI = example_approval(tiers=[{"max_days": 1, "role": "班主任"},
                                  {"max_weeks": 2, "role": "教导处"}],
                           beyond_last_tier="校长")


async def test_refuse_beyond_the_last_tier_keeps_the_refusal(demo_db: str,
                                                             clock: FakeClock) -> None:
    async with running(demo_db, clock, approval=example_approval(beyond_last_tier="refuse")) as h:
        reply = await say(h, "parent_liu", "请假 12月1日到12月15日 事假 出国")  # 11 school days
        assert "超过10个上课日不能按请假办理" in reply and "休学" in reply
        assert "回复「确认」" not in reply
        assert any("超过请假上限" in t and "休学" in t for t in h.texts_for("teacher_li"))
        assert cards_for(h, "principal_chen") == []
        async with h.db.read() as session:
            assert await session.scalar(select(func.count()).select_from(Leave)) == 0
        assert "没有待确认" in await say(h, "parent_liu", "确认")
        # two weeks exactly is still a leave for the principal, with no 休学 line
        echo = await say(h, "parent_liu", "请假 12月1日到12月14日 事假 出国")
        assert "共10个上课日" in echo and "审批：校长" in echo and "休学" not in echo


async def test_a_leave_that_grew_too_long_before_its_confirmation_is_refused(
        demo_db: str, clock: FakeClock) -> None:
    async with running(demo_db, clock, approval=example_approval(beyond_last_tier="refuse")) as h:
        echo = await say(h, "parent_zhang", "请假 张小明 12月1日到12月4日 事假 探亲")  # 4 days
        assert "审批：政教处" in echo
        # meanwhile the other guardian asks for the next 7 school days: back to back, 11 in all
        await submit(h, "parent_lin", "请假 12月7日到12月15日 事假 探亲")
        reply = await say(h, "parent_zhang", "确认")
        assert "超过10个上课日不能按请假办理" in reply and "休学" in reply
        assert any("超过请假上限" in t for t in h.texts_for("teacher_li"))
        assert cards_for(h, "office_zhao") == []
        async with h.db.read() as session:
            assert await session.scalar(select(func.count()).select_from(Leave)) == 1


@pytest.fixture
async def pian_si_db(sqlite_url: str, tmp_path: Path) -> str:
    """The demo school with its office listed as 教导处 (and 赵国强 still as 政教处)."""
    roster = tmp_path / "roster"
    roster.mkdir()
    (roster / "students.csv").write_bytes((DEMO_ROSTER / "students.csv").read_bytes())
    staff = (DEMO_ROSTER / "staff.csv").read_text(encoding="utf-8")
    (roster / "staff.csv").write_text(staff + "钱文,office_qian,教导处,\n", encoding="utf-8")
    await prepare_database(sqlite_url, roster_dir=roster, approval=PIAN_SI)
    return sqlite_url


async def test_pian_si_tiers_with_a_teaching_office(pian_si_db: str, clock: FakeClock) -> None:
    async with running(pian_si_db, clock, approval=PIAN_SI) as h:
        await submit(h, "parent_zhang", "请假 张小明 明天 事假 有事")  # 1 day: 班主任
        assert cards_for(h, "teacher_li") and not cards_for(h, "office_qian")
        echo = await say(h, "parent_liu", "请假 12月1日到12月2日 事假 探亲")  # 2 days
        assert "审批：教导处" in echo
        two_days = await submit(h, "parent_liu", "请假 12月1日到12月2日 事假 探亲")
        assert cards_for(h, "office_qian")[-1]["main_title"]["title"] == f"请假审批 单号{two_days}"
        assert cards_for(h, "office_zhao") == []  # 政教处 decides nothing under these tiers
        assert await say(h, "office_zhao", "待审批") == texts.FORBIDDEN
        office_help = await say(h, "office_zhao", "帮助")
        assert "【政教处】\n接收" in office_help and "待审批" not in office_help
        assert "【教导处】" in await say(h, "office_qian", "帮助")
        assert f"单号{two_days}" in await say(h, "office_qian", "待审批")

        long = await submit(h, "parent_huang", "请假 12月1日到12月15日 事假 出国")  # 11 days
        card = cards_for(h, "principal_chen")[-1]
        assert card["main_title"]["title"] == f"请假审批 单号{long}"
        assert "休学" in card["sub_title_text"]
        assert (await leave(h, long)).tier_index == 2  # the role beyond the tiers: its own tier
        assert "没有找到" in await say(h, "office_qian", f"批准 {long}")
        assert f"单号{long}" not in await say(h, "office_qian", "待审批")
        assert "已批准" in await say(h, "principal_chen", f"批准 {long}")

        assert "已批准" in await say(h, "office_qian", f"批准 {two_days}")
        assert code_from(h.last_text("parent_liu"))


async def test_left_alone_at_the_last_tier_a_leave_moves_up_to_the_role_beyond(
        pian_si_db: str, clock: FakeClock) -> None:
    async with running(pian_si_db, clock, approval=PIAN_SI) as h:
        number = await submit(h, "parent_liu", "请假 12月1日到12月2日 事假 探亲")  # 教导处
        clock.advance(hours=24, minutes=1)  # Friday 08:01
        await job(h, "approval-reminder")
        assert cards_for(h, "principal_chen")[-1]["main_title"]["title"] == f"请假审批 单号{number}"
        assert h.standin.card_updates[-1]["button"]["replace_name"] == "已转上级审批"
        row = await leave(h, number)
        assert (row.status, row.tier_index) == ("pending", 2)
        clock.advance(hours=24)  # the top of the chain: reminded, never moved further
        await job(h, "approval-reminder")
        assert "还在等待您审批" in h.last_text("principal_chen")
        assert (await leave(h, number)).tier_index == 2
