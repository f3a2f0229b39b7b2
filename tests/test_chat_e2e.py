"""What chat says and whom it tells, end to end (issue 9 §2): a 放行码 drawn again on a
collision, the 班主任's call confirmed in the command, 销假 before leaving."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from models.attendance import Absence, AttendanceReport
from models.roster import Student
from tests.harness import (
    DEMO_ROSTER,
    FakeClock,
    Harness,
    consent_all,
    prepare_database,
    running,
)
from tests.test_attendance_e2e import config_file
from tests.test_leave_e2e import cards_for, code_from, leave, say, submit


def scripted_draws(*codes: str) -> Iterator[str]:
    for code in codes:
        yield from code
    while True:
        yield "Z"


@pytest.fixture(autouse=True)
async def _consented(demo_db: str) -> None:
    """Every family has agreed to keep health details: these tests are about leaves."""
    await consent_all(demo_db)


async def test_a_new_pass_code_that_collides_is_drawn_again(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await submit(harness, "parent_zhang", "请假 张小明 下周一 事假 有事")
    second = await submit(harness, "parent_liu", "请假 刘洋 下周一 事假 有事")
    draws = scripted_draws("22222222", "22222222", "33333333")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(draws))
    assert "已批准" in await say(harness, "teacher_li", f"批准 {first}")
    assert "已批准" in await say(harness, "teacher_li", f"批准 {second}")
    assert code_from(harness.last_text("parent_zhang")) == "2222-2222"
    assert code_from(harness.last_text("parent_liu")) == "3333-3333"
    assert (await leave(harness, second)).status == "approved"


async def test_a_call_is_claimed_only_when_the_teacher_wrote_it(harness: Harness) -> None:
    harness.clock.advance(hours=2)  # 10:00
    code_from(await say(harness, "teacher_li", "临时请假 张小明 发烧 至 16:00"))
    told = harness.last_text("parent_zhang")
    assert "临时请假" in told and "16:00" in told and "电话" not in told
    code_from(await say(harness, "teacher_li", "临时请假 刘洋 头疼 至 15:00 已电话"))
    assert "班主任李静已与您电话联系" in harness.last_text("parent_liu")


async def test_closing_a_leave_of_a_student_who_never_left_says_closed_not_back(
        harness: Harness) -> None:
    harness.clock.advance(hours=2)  # 10:00
    await say(harness, "teacher_li", "临时请假 张小明 发烧 至 16:00 已电话")
    assert "已销假" in await say(harness, "teacher_li", "销假 张小明")
    told = harness.last_text("parent_zhang")
    assert "已销假" in told and "返校" not in told


async def test_both_guardians_get_the_decision_the_pass_and_the_gate_notices(
        harness: Harness) -> None:
    first = await submit(harness, "parent_zhang", "请假 张小明 明天 病假 发烧")
    await say(harness, "teacher_li", f"批准 {first}")
    codes = {code_from(harness.last_text(p)) for p in ("parent_zhang", "parent_lin")}
    assert len(codes) == 1  # the same pass, to each guardian
    harness.clock.advance(days=1, hours=1)  # Friday 09:00
    await say(harness, "guard_sun", f"放行 {codes.pop()}")
    assert all("离校" in harness.last_text(p) for p in ("parent_zhang", "parent_lin"))
    second = await submit(harness, "parent_lin", "请假 张小明 下周一 事假 有事")
    await say(harness, "teacher_li", f"驳回 {second} 请当面说明")
    for parent in ("parent_zhang", "parent_lin"):
        assert "请当面说明" in harness.last_text(parent)


@pytest.fixture
async def two_homerooms_db(sqlite_url: str, tmp_path: Path) -> str:
    """The demo school with a second 班主任 for 初一(1)班."""
    roster = tmp_path / "roster"
    roster.mkdir()
    (roster / "students.csv").write_bytes((DEMO_ROSTER / "students.csv").read_bytes())
    staff = (DEMO_ROSTER / "staff.csv").read_text(encoding="utf-8")
    (roster / "staff.csv").write_text(staff + "吴芳,teacher_wu,班主任,初一(1)班\n",
                                      encoding="utf-8")
    await prepare_database(sqlite_url, roster_dir=roster)
    return sqlite_url


async def test_a_class_with_two_homeroom_teachers_either_decides_both_are_told(
        two_homerooms_db: str, clock: FakeClock) -> None:
    async with running(two_homerooms_db, clock) as h:
        number = await submit(h, "parent_liu", "请假 刘洋 明天 事假 有事")
        assert cards_for(h, "teacher_li") and cards_for(h, "teacher_wu")
        assert "已批准" in await say(h, "teacher_wu", f"批准 {number}")
        assert h.standin.card_updates[-1]["button"]["replace_name"] == "已批准（吴芳）"
        assert "已由吴芳" in await say(h, "teacher_li", f"批准 {number}")
        assert (await leave(h, number)).decided_by == "teacher_wu"


async def test_the_homeroom_teacher_hears_of_a_decision_taken_higher_up(
        harness: Harness) -> None:
    number = await submit(harness, "parent_liu", "请假 刘洋 下周一到下周四 事假 探亲")
    assert cards_for(harness, "office_zhao") and not cards_for(harness, "teacher_li")
    assert "没有找到" in await say(harness, "teacher_li", f"批准 {number}")
    await say(harness, "office_zhao", f"批准 {number}")
    told = harness.last_text("teacher_li")
    assert f"您班刘洋的请假（单号{number}" in told and "已批准" in told and "赵国强" in told
    seen = await say(harness, "teacher_li", f"查看 {number}")
    assert "[已批准]" in seen and "批准（赵国强）" in seen
    assert "没有找到" in await say(harness, "teacher_wang", f"查看 {number}")
    assert not any("您班刘洋" in t for t in harness.texts_for("teacher_wang"))


@pytest.fixture
async def namesakes_db(sqlite_url: str, tmp_path: Path) -> str:
    """The demo school with two students called 王磊 in 初一(1)班."""
    roster = tmp_path / "roster"
    roster.mkdir()
    students = (DEMO_ROSTER / "students.csv").read_text(encoding="utf-8")
    (roster / "students.csv").write_text(
        students + "G2026070112,王磊,初一,(1)班,王军,parent_wang_a,,父亲\n"
                   "G2026070131,王磊,初一,(1)班,王丽,parent_wang_b,,母亲\n", encoding="utf-8")
    (roster / "staff.csv").write_bytes((DEMO_ROSTER / "staff.csv").read_bytes())
    await prepare_database(sqlite_url, roster_dir=roster)
    return sqlite_url


async def test_a_name_two_students_share_is_asked_back_before_anything_is_marked(
        namesakes_db: str, clock: FakeClock) -> None:
    async with running(namesakes_db, clock) as h:
        asked = await say(h, "teacher_li", "考勤 缺勤 王磊 刘洋")
        assert "王磊(…0112) 还是 王磊(…0131)？" in asked
        async with h.db.read() as session:
            assert (await session.scalars(select(AttendanceReport))).all() == []
        assert "没有对上" in await say(h, "teacher_li", "9999")
        done = await say(h, "teacher_li", "0131")
        assert "缺勤2人" in done
        async with h.db.read() as session:
            absent = set((await session.scalars(
                select(Student.student_no).join(Absence, Absence.student_id == Student.id)
            )).all())
        assert absent == {"G2026070131", "G2026070102"}
        h.clock.advance(hours=2)  # 10:00
        assert "还是" in await say(h, "teacher_li", "临时请假 王磊 发烧 至 16:00")
        assert h.texts_for("parent_wang_a") == [] and h.texts_for("parent_wang_b") == []
        code_from(await say(h, "teacher_li", "1"))
        assert "临时请假" in h.last_text("parent_wang_a") and h.texts_for("parent_wang_b") == []


async def test_a_natural_message_from_a_parent_offers_a_leave_with_the_dates_read(
        harness: Harness) -> None:
    offer = await say(harness, "parent_liu", "孩子发烧了今天不去学校了")
    assert "需要为孩子请假吗" in offer and "11月26日(周四)" in offer and "回复「1」" in offer
    assert "没看懂" not in offer
    assert "病假还是事假" in await say(harness, "parent_liu", "1")
    assert "事由" in await say(harness, "parent_liu", "病假")
    assert "有哪些症状" in await say(harness, "parent_liu", "发烧")
    assert "哪天开始" in await say(harness, "parent_liu", "1")
    assert "看过医生吗" in await say(harness, "parent_liu", "今天")
    echo = await say(harness, "parent_liu", "不知道")
    assert "刘洋" in echo and "11月26日(周四)" in echo and "回复「确认」" in echo
    hello = await say(harness, "parent_zhang", "你好")
    assert "需要为孩子请假吗" in hello and "没看懂" not in hello
    assert "哪个孩子" in await say(harness, "parent_zhang", "是")
    await say(harness, "parent_zhang", "取消")
    await say(harness, "parent_zhang", "你好")
    assert "好的" in await say(harness, "parent_zhang", "不用")


async def test_a_student_who_changes_class_takes_the_pending_card_to_the_new_teacher(
        harness: Harness, tmp_path: Path) -> None:
    number = await submit(harness, "parent_liu", "请假 刘洋 明天 事假 有事")
    assert cards_for(harness, "teacher_li") and not cards_for(harness, "teacher_wang")
    roster = tmp_path / "roster"
    roster.mkdir()
    students = (DEMO_ROSTER / "students.csv").read_text(encoding="utf-8")
    (roster / "students.csv").write_text(students.replace("刘洋,初一,(1)班", "刘洋,初一,(2)班"),
                                         encoding="utf-8")
    (roster / "staff.csv").write_bytes((DEMO_ROSTER / "staff.csv").read_bytes())
    config = config_file(tmp_path, harness.config.database.url)
    code = await asyncio.to_thread(main, ["import-roster", "--students",
                                          str(roster / "students.csv"), "--staff",
                                          str(roster / "staff.csv"), "--config", str(config)],
                                   clock=harness.clock)
    assert code == 0
    await harness.drain()
    title = cards_for(harness, "teacher_wang")[-1]["main_title"]["title"]
    assert title == f"请假审批 单号{number}"
    moved = harness.standin.card_updates[-1]["button"]["replace_name"]
    assert moved == "学生已转班，已转给新班主任"
    assert "没有找到" in await say(harness, "teacher_li", f"批准 {number}")
    assert "已批准" in await say(harness, "teacher_wang", f"批准 {number}")


async def test_a_command_after_the_offer_runs_alone_and_ends_the_offer(harness: Harness) -> None:
    await say(harness, "parent_liu", "你好")
    before = len(harness.texts_for("parent_liu"))
    await say(harness, "parent_liu", "帮助")
    [help_text] = harness.texts_for("parent_liu")[before:]
    assert "【家长】" in help_text and "需要为孩子请假吗" not in help_text
    assert "需要为孩子请假吗" in await say(harness, "parent_liu", "1")  # no offer was open
