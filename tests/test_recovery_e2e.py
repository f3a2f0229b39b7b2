"""A 病假's health answers and the 复课证明 through the real app: the dialog asks symptoms,
onset and the doctor's diagnosis and the approved leave keeps them; a leave that needs a 复课证明
is not closed by 销假 until the photo is in and the 校医 confirmed it, and the gate says so."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models.health import IllnessAbsence
from tests.conftest import local
from tests.harness import FakeClock, Harness, running
from tests.test_leave_e2e import say


async def absences(h: Harness) -> list[IllnessAbsence]:
    async with h.db.read() as session:
        return list(await session.scalars(select(IllnessAbsence).order_by(IllnessAbsence.id)))


async def sick_leave_by_dialog(h: Harness, symptoms: str, onset: str, doctor: str) -> str:
    """刘洋's 病假 for tomorrow asked step by step; the echo before 确认."""
    assert "病假还是事假" in await say(h, "parent_liu", "请假 明天")
    assert "事由" in await say(h, "parent_liu", "病假")
    assert await say(h, "parent_liu", "不舒服") == (
        "孩子有哪些症状？回复编号或名称，可多选（空格分隔）；不清楚回复「跳过」：\n"
        "1发热 2咳嗽 3头痛 4咽痛 5腮腺肿大 6腹痛 7腹泻 8呕吐 9皮疹 10头晕 11乏力 12结膜充血 "
        "13其他")
    assert await say(h, "parent_liu", symptoms) == (
        "症状是哪天开始的？例如：今天、昨天、11月24日；不知道回复「跳过」。")
    assert await say(h, "parent_liu", onset) == (
        "看过医生吗？看过请回复诊断（例如：流感、普通感冒）；没看回复「没有」；"
        "诊断不清楚回复「不知道」。")
    return await say(h, "parent_liu", doctor)


async def test_the_dialog_asks_symptoms_onset_and_diagnosis_and_the_leave_keeps_them(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        assert "病假还是事假" in await say(h, "parent_liu", "请假 明天")
        await say(h, "parent_liu", "病假")
        await say(h, "parent_liu", "不舒服")
        assert (await say(h, "parent_liu", "很难受")).startswith(
            "没有看懂。请回复编号或症状名称，例如 1 2；不清楚回复「跳过」。")
        await say(h, "parent_liu", "1 咳嗽，不拉肚子")
        assert (await say(h, "parent_liu", "下周三")).startswith("症状开始的日期不能晚于今天。")
        await say(h, "parent_liu", "昨天")
        echo = await say(h, "parent_liu", "看了，流感")
        assert "症状：发热、咳嗽\n起病：11月24日\n就诊：流感\n" in echo
        await say(h, "parent_liu", "确认")
        number = int(h.last_text("parent_liu").split("单号")[1].split("。")[0])
        assert await absences(h) == []
        await say(h, "teacher_li", f"批准 {number}")
        [row] = await absences(h)
        assert (row.symptoms, row.onset, row.diagnosis, row.diagnosed_by, row.leave_id) == (
            ["发热", "咳嗽"], date(2026, 11, 24), "流感", "parent_liu", number)


async def test_skipped_answers_keep_nothing_and_no_doctor_is_recorded(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        echo = await sick_leave_by_dialog(h, "跳过", "跳过", "没有")
        assert "症状：" not in echo and "起病：" not in echo and "就诊：未就诊" in echo
        await say(h, "parent_liu", "确认")
        number = int(h.last_text("parent_liu").split("单号")[1].split("。")[0])
        await say(h, "teacher_li", f"批准 {number}")
        [row] = await absences(h)
        assert (row.symptoms, row.onset, row.diagnosis) == ([], None, "未就诊")


async def test_the_one_message_form_reads_the_reason_and_asks_nothing_more(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        echo = await say(h, "parent_liu", "请假 明天 病假 发烧，不咳嗽")
        assert "回复「确认」" in echo and "症状：发热" in echo
