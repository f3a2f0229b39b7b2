"""The 班主任's class page (/h5/class): today's class at a glance, 考勤 and 销假 from the page,
through the chat's services; only the viewer's own class."""

from __future__ import annotations

from sqlalchemy import select

from models.attendance import Absence
from models.leave import Leave
from tests.harness import Harness, student_id
from tests.pages import csrf_of, page, post_form
from tests.test_web_pass_page import approved, say

PAGE = "/h5/class"


async def test_the_class_at_a_glance(harness: Harness) -> None:
    await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    status, text = await page(harness, "teacher_li", PAGE)
    assert status == 200
    assert "初一(1)班" in text and "未上报" in text and "张小明" in text and "黄欣怡" in text
    assert "请假中" in text and "刘洋</b> 病假" in text
    # 李静 is also a parent in 初一(2)班: that class is not hers to see here
    assert "初一(2)班" not in text and "杨子涵" not in text and "吴俊杰" not in text


async def test_attendance_from_the_page_is_the_chats(harness: Harness) -> None:
    _, text = await page(harness, "teacher_li", PAGE)
    class_id = (await student_id(harness.db, "刘洋"))[1]
    huang, _ = await student_id(harness.db, "黄欣怡")
    zhang, _ = await student_id(harness.db, "张小明")
    resp = await post_form(harness, f"{PAGE}/attendance", {
        "csrf": csrf_of(text), "class": str(class_id), f"s{huang}": "day", f"s{zhang}": "am"})
    text = await resp.text()
    assert resp.status == 200 and "已记录今日考勤：缺勤2人。" in text and "已上报" in text
    async with harness.db.read() as session:
        rows = list(await session.scalars(select(Absence)))
    assert sorted(r.student_id for r in rows) == sorted([huang, zhang])
    assert "初一(1)班今天缺勤：" in await say(harness, "teacher_li", "考勤")
    assert "张小明（上午）" in harness.last_text("teacher_li")


async def test_close_a_leave_from_the_page(harness: Harness) -> None:
    await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    async with harness.db.read() as session:
        leave = await session.scalar(select(Leave))
    assert leave is not None
    _, text = await page(harness, "teacher_wang", PAGE)  # another class's 班主任
    assert "刘洋" not in text
    resp = await post_form(harness, f"{PAGE}/close/{leave.id}", {"csrf": csrf_of(text)})
    assert resp.status == 403 and "刘洋" not in await resp.text()
    class_id = (await student_id(harness.db, "刘洋"))[1]
    resp = await post_form(harness, f"{PAGE}/attendance", {"csrf": csrf_of(text),
                                                          "class": str(class_id)})
    assert resp.status == 403

    harness.client.session.cookie_jar.clear()
    _, text = await page(harness, "teacher_li", PAGE)
    resp = await post_form(harness, f"{PAGE}/close/{leave.id}", {"csrf": csrf_of(text)})
    text = await resp.text()
    assert f"已销假：刘洋 单号{leave.id}" in text
    async with harness.db.read() as session:
        assert (await session.get(Leave, leave.id)).status == "returned"  # type: ignore[union-attr]
    await harness.drain()
    assert "已销假" in harness.last_text("parent_liu")


async def test_not_for_parents_or_guards(harness: Harness) -> None:
    for who in ("parent_liu", "guard_sun"):
        harness.client.session.cookie_jar.clear()
        status, text = await page(harness, who, PAGE)
        assert status == 403 and "仅供班主任" in text
