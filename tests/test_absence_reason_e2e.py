"""`考勤 缺勤 张小明` with no reason through the real app: one question for every child (病 / 事 /
不明), 病 asks the symptoms, bad answers are asked again, 取消 keeps the report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.texts import CANCELLED
from models.attendance import Absence
from models.health import IllnessAbsence
from models.roster import Student
from tests.conftest import local
from tests.harness import FakeClock, Harness, consent_all, running
from tests.test_leave_e2e import say


@pytest.fixture(autouse=True)
async def families_consented(demo_db: str) -> None:
    """The families agreed to keep health details (what happens without: test_health_consent)."""
    await consent_all(demo_db)


async def reasons(h: Harness) -> dict[int, str | None]:
    async with h.db.read() as session:
        return {a.student_id: a.reason for a in await session.scalars(select(Absence))}


async def illness(h: Harness) -> list[tuple[int, list[str], str]]:
    async with h.db.read() as session:
        rows = await session.scalars(select(IllnessAbsence).order_by(IllnessAbsence.id))
        return [(r.student_id, r.symptoms, r.recorded_by) for r in rows]


async def test_each_child_is_asked_once_and_sick_ones_give_symptoms(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        reply = await say(h, "teacher_li", "考勤 缺勤 张小明 刘洋 黄欣怡")
        assert reply == (
            "已记录初一(1)班11月25日考勤：缺勤3人。\n初一(1)班今天缺勤：张小明、刘洋、黄欣怡\n"
            "缺勤原因：1 张小明 2 刘洋 3 黄欣怡\n请回复 病/事/不明，多人按序号顺序用空格分隔"
            "（例如：病 事）。发送「取消」可放弃。")
        assert await say(h, "teacher_li", "病 事") == (
            "没有看懂。需要3个回答，每人回复 病、事 或 不明。\n缺勤原因：1 张小明 2 刘洋 3 黄欣怡\n"
            "请回复 病/事/不明，多人按序号顺序用空格分隔（例如：病 事）。发送「取消」可放弃。")
        assert set((await reasons(h)).values()) == {None}  # nothing taken from a bad answer
        reply = await say(h, "teacher_li", "病 事 病")
        assert reply.startswith("已记录缺勤原因：张小明（病）、刘洋（事）、黄欣怡（病）。\n"
                                "张小明有哪些症状？回复编号或名称，可多选")
        assert "1发热 2咳嗽 3头痛" in reply and "13其他" in reply
        assert (await say(h, "teacher_li", "很难受")).startswith("没有看懂。请回复编号（1到13）")
        assert await say(h, "teacher_li", "1 2") == (
            "已登记张小明的症状：发热、咳嗽。\n"
            "黄欣怡有哪些症状？回复编号或名称，可多选（空格分隔），不清楚回复「不知道」：\n"
            "1发热 2咳嗽 3头痛 4咽痛 5腮腺肿大 6腹痛 7腹泻 8呕吐 9皮疹 10头晕 11乏力 "
            "12结膜充血 13其他")
        assert await say(h, "teacher_li", "拉肚子，不发烧") == "已登记黄欣怡的症状：腹泻。"
        ids = await student_ids(h)
        assert await reasons(h) == {ids["张小明"]: "病", ids["刘洋"]: "事", ids["黄欣怡"]: "病"}
        assert await illness(h) == [(ids["张小明"], ["发热", "咳嗽"], "teacher_li"),
                                    (ids["黄欣怡"], ["腹泻"], "teacher_li")]
        # The dialog is over: a later message is no answer.
        assert "病" not in await say(h, "teacher_li", "考勤")


async def test_one_child_unknown_and_cancel_keeps_the_report(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        reply = await say(h, "teacher_li", "考勤 缺勤 张小明 刘洋(发热)")
        assert reply.endswith("其中因病1人，已登记症状。\n初一(1)班今天缺勤：张小明、刘洋\n"
                              "缺勤原因：1 张小明\n请回复 病/事/不明。发送「取消」可放弃。")
        assert await say(h, "teacher_li", "不明") == "已记录缺勤原因：张小明（不明）。"
        await say(h, "teacher_li", "考勤 缺勤 张小明")
        assert await say(h, "teacher_li", "取消") == CANCELLED
        assert await say(h, "teacher_li", "病") != "已记录缺勤原因：张小明（病）。"  # no answer now
        ids = await student_ids(h)
        assert await reasons(h) == {ids["张小明"]: None}  # the report kept, no reason given


async def student_ids(h: Harness) -> dict[str, int]:
    async with h.db.read() as session:
        return {s.name: s.id for s in await session.scalars(select(Student))}
