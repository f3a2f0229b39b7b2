"""WeCom's documented limits, end to end: what we send always fits them."""

from __future__ import annotations

from tests.harness import Harness
from tests.test_leave_e2e import say, submit

REASON = "孩子需要去医院复查医生要求家长陪同并在家休息观察一天" * 7  # 175 characters, 525 bytes


async def test_a_long_list_arrives_whole_in_numbered_parts(harness: Harness) -> None:
    for parent, child, day in (("parent_zhang", "张小明", "下周一"),
                               ("parent_zhang", "张小明", "下周二"),
                               ("parent_liu", "刘洋", "下周二"),
                               ("parent_huang", "黄欣怡", "下周三")):
        await submit(harness, parent, f"请假 {child} {day} 事假 {REASON}")
    before = len(harness.texts_for("teacher_li"))
    await say(harness, "teacher_li", "待审批")
    parts = harness.texts_for("teacher_li")[before:]
    assert len(parts) >= 2
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert [p.split("\n", 1)[0] for p in parts] == [f"（{i}/{len(parts)}）"
                                                    for i in range(1, len(parts) + 1)]
    whole = "\n".join(p.split("\n", 1)[1] for p in parts)
    assert whole.count(REASON) == 4  # every reason whole: nothing was cut


async def test_an_unreachable_member_is_told_to_the_admin_once(harness: Harness) -> None:
    harness.standin.absent.add("parent_liu")  # not in the app's visible range
    for _ in range(2):
        assert await harness.say("parent_liu", "帮助") == 200
        await harness.drain()
    assert harness.texts_for("parent_liu") == []
    [notice] = [t for t in harness.texts_for("admin_zhou") if "parent_liu" in t]
    assert "刘强" in notice and "可见范围" in notice
