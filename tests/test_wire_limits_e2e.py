"""WeCom's documented limits, end to end: what we send always fits them."""

from __future__ import annotations

import re

from tests.harness import Harness
from tests.test_leave_e2e import say, submit

REASON = "孩子需要去医院复查医生要求家长陪同并在家休息观察一天" * 7  # 175 characters, 525 bytes


async def test_a_long_pending_list_is_paged_and_every_page_fits(harness: Harness) -> None:
    for parent, child, day in (("parent_zhang", "张小明", "下周一"),
                               ("parent_zhang", "张小明", "下周二"),
                               ("parent_liu", "刘洋", "下周二"),
                               ("parent_huang", "黄欣怡", "下周三")):
        await submit(harness, parent, f"请假 {child} {day} 事假 {REASON}")
    reason = REASON[:200]  # a reason is kept to 200 characters
    before = len(harness.texts_for("teacher_li"))
    first = await say(harness, "teacher_li", "待审批")
    second = await say(harness, "teacher_li", "待审批 2")
    sent = harness.texts_for("teacher_li")[before:]
    assert sent == [first, second]  # one text each: nothing split, nothing cut
    assert all(len(t.encode()) <= 2048 for t in sent)
    left = first.count(reason)
    assert 0 < left < 4 and f"还有 {4 - left} 条，回复「待审批 2」查看" in first
    assert second.count(reason) == 4 - left and "还有" not in second
    assert "批准 单号" in first and "批准 单号" in second
    assert "没有第3页" in await say(harness, "teacher_li", "待审批 3")


async def test_my_leaves_is_paged_for_a_parent_with_many(harness: Harness) -> None:
    days = ("11月30日", "12月1日", "12月2日", "12月3日", "12月4日", "12月7日", "12月8日")
    for day in days:
        number = await submit(harness, "parent_zhang", f"请假 张小明 {day} 事假 {REASON}")
        await say(harness, "parent_zhang", f"撤销 {number}")
        harness.clock.advance(minutes=1)  # within WeCom's 30 messages a minute to one member
    for day in days:
        await submit(harness, "parent_zhang", f"请假 张小红 {day} 事假 家中有事")
        harness.clock.advance(minutes=1)
    first = await say(harness, "parent_zhang", "我的请假")
    assert len(first.encode()) <= 2048 and not first.startswith("（1/")
    match = re.search(r"还有 (\d+) 条，回复「我的请假 2」查看", first)
    assert match, first
    second = await say(harness, "parent_zhang", "我的请假 2")
    assert len(second.encode()) <= 2048
    assert first.count("单号") + second.count("单号") == 14


async def test_an_echo_of_long_input_is_shortened_not_cut(harness: Harness) -> None:
    name = "王" * 900  # 2,700 bytes
    before = len(harness.texts_for("teacher_li"))
    await say(harness, "teacher_li", f"考勤 缺勤 {name}")
    await say(harness, "teacher_li", f"临时请假 {name} 发烧")
    await say(harness, "parent_liu", f"请假 {name} 病假")
    for text in harness.texts_for("teacher_li")[before:] + harness.texts_for("parent_liu")[-1:]:
        assert len(text.encode()) <= 2048 and not text.startswith("（1/"), text[:40]
        assert "…" in text


async def test_an_unreachable_member_is_told_to_the_admin_once(harness: Harness) -> None:
    harness.standin.absent.add("parent_liu")  # not in the app's visible range
    for _ in range(2):
        assert await harness.say("parent_liu", "帮助") == 200
        await harness.drain()
    assert harness.texts_for("parent_liu") == []
    [notice] = [t for t in harness.texts_for("admin_zhou") if "parent_liu" in t]
    assert "刘强" in notice and "可见范围" in notice
