"""家长's pages: asking for leave (/h5/leave/new) with the chat's grammar or the calendar, the
same echo as chat, 确认; my leaves (/h5/leaves) with the timeline and 撤销. Only own children."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from yarl import URL

from bot import keys
from bot.config import StorageConfig
from models.leave import Leave
from models.messaging import AuditEntry
from tests.harness import FakeClock, Harness, consent_all, running
from tests.pages import csrf_of, hidden_fields, page, post_form

NEW, MINE = "/h5/leave/new", "/h5/leaves"


async def leaves_in_db(h: Harness) -> list[Leave]:
    async with h.db.read() as session:
        return list(await session.scalars(select(Leave).order_by(Leave.id)))


async def echo_of(h: Harness, who: str, **answers: str | list[str]) -> tuple[int, str]:
    status, form = await page(h, who, NEW)
    assert status == 200, form
    resp = await post_form(h, NEW, {"csrf": csrf_of(form), "step": "check", **answers})
    return resp.status, await resp.text()


def rows_of(echo_page: str) -> list[str]:
    return [f"{dt}：{dd}" for dt, dd in re.findall(r"<dt>(.+?)</dt><dd>(.+?)</dd>", echo_page)]


async def test_a_parent_asks_for_leave_with_the_chats_words(demo_db: str,
                                                            harness: Harness) -> None:
    await consent_all(demo_db)  # the family agreed to keep health details: the reason is kept
    status, echo = await echo_of(harness, "parent_liu", dates="明天", kind="病假", reason="头疼")
    assert status == 200 and "请核对" in echo
    # the same echo as chat's, row for row
    await harness.say("parent_liu", "请假 刘洋 明天 病假 头疼")
    await harness.drain()
    chat = harness.last_text("parent_liu").splitlines()
    assert len(rows_of(echo)) == 6 and chat[0] == "请核对："  # 症状：头痛 read from the reason
    assert rows_of(echo) == chat[1:1 + len(rows_of(echo))]
    assert not await leaves_in_db(harness)  # nothing stored before 确认
    await harness.say("parent_liu", "取消")
    await harness.drain()

    resp = await post_form(harness, NEW, {**hidden_fields(echo), "step": "confirm"},
                           follow=False)
    assert resp.status == 303
    listing = await harness.client.get(resp.headers["Location"])
    text = await listing.text()
    [leave] = await leaves_in_db(harness)
    assert leave.status == "pending" and leave.kind == "病假" and leave.reason == "头疼"
    assert leave.start_date.isoformat() == "2026-11-27" and leave.submitted_by == "parent_liu"
    assert f"单号{leave.id}" in text and "待审批" in text and "提交" in text
    await harness.drain()
    assert any(d.msgtype == "template_card" for d in harness.standin.messages_for("teacher_li"))


async def test_a_sick_leave_page_takes_symptoms_onset_and_diagnosis(demo_db: str,
                                                                    harness: Harness) -> None:
    await consent_all(demo_db)  # the family agreed to keep health details
    status, form = await page(harness, "parent_liu", NEW)
    assert 'type="checkbox" name="symptoms" value="结膜充血"' in form and 'name="onset"' in form
    status, echo = await echo_of(harness, "parent_liu", dates="明天", kind="病假", reason="不舒服",
                                 symptoms=["腹泻", "发热"], onset="2026-11-30", diagnosis="")
    assert status == 400 and "症状开始日期不能晚于今天。" in echo
    assert 'value="腹泻" checked' in echo  # the ticks kept on the form shown again
    status, echo = await echo_of(harness, "parent_liu", dates="明天", kind="病假", reason="不舒服",
                                 symptoms=["腹泻", "发热"], onset="2026-11-25",
                                 diagnosis="诺如病毒")
    assert status == 200
    assert rows_of(echo)[4:7] == ["症状：发热、腹泻", "起病：11月25日", "就诊：诺如病毒"]
    carried: dict[str, str | list[str]] = {**hidden_fields(echo), "step": "confirm",
                                           "symptoms": re.findall(
                                               r'name="symptoms" value="([^"]+)"', echo)}
    resp = await post_form(harness, NEW, carried, follow=False)
    assert resp.status == 303
    [leave] = await leaves_in_db(harness)
    assert leave.health == {"symptoms": ["发热", "腹泻"], "onset": "2026-11-25",
                            "diagnosis": "诺如病毒"}


async def test_dates_from_the_calendar(harness: Harness) -> None:
    child = str(await _child(harness, "张小红"))
    status, echo = await echo_of(harness, "parent_zhang", child=child, start="2026-11-30",
                                 end="2026-12-01", kind="事假", reason="家中有事")
    assert status == 200
    assert "张小红" in echo and "11月30日" in echo and "12月1日" in echo and "共2个上课日" in echo


async def test_bad_answers_are_shown_and_nothing_is_stored(harness: Harness) -> None:
    status, text = await echo_of(harness, "parent_zhang", dates="下下下周八", kind="请假",
                                 reason="")
    assert status == 400
    assert "请选择孩子" in text and "请选择病假或事假" in text and "请填写事由" in text
    assert 'value="下下下周八"' in text  # the form keeps what was typed
    status, text = await echo_of(harness, "parent_liu", start="2026-12-02",
                                 end="2026-12-01", kind="事假", reason="有事")
    assert status == 400 and "结束日期不能早于开始日期" in text
    assert not await leaves_in_db(harness)


async def test_only_own_children(harness: Harness) -> None:
    liu_yang = await _child(harness, "刘洋")
    status, text = await echo_of(harness, "parent_zhang", child=str(liu_yang), dates="明天",
                                 kind="病假", reason="发烧")
    assert status == 400 and "请选择孩子" in text and "刘洋" not in text
    status, form = await page(harness, "parent_zhang", NEW)
    assert "刘洋" not in form and "张小明" in form
    # the echo's hidden answers changed to another's child before 确认
    status, echo = await echo_of(harness, "parent_zhang", child=str(await _child(
        harness, "张小明")), dates="明天", kind="病假", reason="发烧")
    forged = {**hidden_fields(echo), "step": "confirm", "child": str(liu_yang)}
    resp = await post_form(harness, NEW, forged)
    assert resp.status == 400 and not await leaves_in_db(harness)


async def test_someone_with_no_children_cannot_ask(harness: Harness) -> None:
    status, text = await page(harness, "teacher_wang", NEW)
    assert status == 403 and "没有您名下的在读学生" in text


async def test_the_form_needs_its_csrf_token(harness: Harness) -> None:
    await page(harness, "parent_liu", NEW)
    resp = await post_form(harness, NEW, {"csrf": "forged", "step": "confirm", "dates": "明天",
                                          "kind": "病假", "reason": "头疼"})
    assert resp.status == 403 and not await leaves_in_db(harness)


async def test_my_leaves_and_withdraw(harness: Harness) -> None:
    status, echo = await echo_of(harness, "parent_liu", dates="明天", kind="事假", reason="有事")
    await post_form(harness, NEW, {**hidden_fields(echo), "step": "confirm"})
    [leave] = await leaves_in_db(harness)

    harness.client.session.cookie_jar.clear()
    status, theirs = await page(harness, "parent_zhang", MINE)
    assert status == 200 and "刘洋" not in theirs and f"单号{leave.id}" not in theirs
    resp = await post_form(harness, f"{MINE}/{leave.id}/withdraw", {"csrf": csrf_of(theirs)})
    assert f"没有找到您的单号{leave.id}" in await resp.text()
    assert (await leaves_in_db(harness))[0].status == "pending"

    harness.client.session.cookie_jar.clear()
    status, mine = await page(harness, "parent_liu", MINE)
    assert "刘洋" in mine and "待审批" in mine and "撤销" in mine
    resp = await post_form(harness, f"{MINE}/{leave.id}/withdraw", {"csrf": csrf_of(mine)})
    text = await resp.text()
    assert f"已撤销单号{leave.id}" in text and "已撤销" in text
    assert (await leaves_in_db(harness))[0].status == "withdrawn"
    assert 'action="/h5/leaves/' not in text  # nothing left to withdraw


async def _child(h: Harness, name: str) -> int:
    from tests.harness import student_id

    return (await student_id(h.db, name))[0]


# ---- the hospital note photo ---------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LONG_SICK = {"dates": "11月30日到12月3日", "kind": "病假", "reason": "肺炎住院"}


@pytest.fixture
async def uploads(demo_db: str, clock: FakeClock, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running(demo_db, clock, storage=StorageConfig(tmp_path / "store")) as h:
        yield h


async def ask_with_photo(h: Harness, photo: tuple[str, bytes, str] | None) -> tuple[int, str]:
    _, form = await page(h, "parent_liu", NEW)
    resp = await post_form(h, NEW, {"csrf": csrf_of(form), "step": "check", **LONG_SICK},
                           files={"photo": photo} if photo else None)
    return resp.status, await resp.text()


async def test_a_long_sick_leave_needs_the_photo_and_only_approvers_see_it(
        uploads: Harness, tmp_path: Path) -> None:
    h = uploads
    status, text = await ask_with_photo(h, None)
    assert status == 400 and "请上传县级以上医院的诊断证明照片" in text
    status, echo = await ask_with_photo(h, ("note.png", PNG, "image/png"))
    assert status == 200 and "已上传诊断书" in echo and "note.png" not in echo
    await post_form(h, NEW, {**hidden_fields(echo), "step": "confirm"})
    [leave] = await leaves_in_db(h)
    assert leave.evidence_media_id and leave.evidence_media_id.startswith("upload:")
    [stored] = (tmp_path / "store" / "evidence").iterdir()
    assert stored.read_bytes() == PNG and stored.suffix == ".png"
    await h.drain()
    approvers = sorted({d.touser for d in h.standin.delivered if d.msgtype == "template_card"})
    assert approvers
    link = next(t for t in h.texts_for(approvers[0]) if "诊断书照片" in t)
    path = URL(link.split("：", 1)[1]).path
    assert path == f"/h5/evidence/{leave.id}"

    resp = await h.client.get(path)  # the parent who uploaded it is no approver
    assert resp.status == 403
    for who in ("teacher_wang", approvers[0]):
        h.client.session.cookie_jar.clear()
        resp = await h.sign_in(who, path)
        if who == "teacher_wang":
            assert resp.status == 403
    assert resp.status == 200 and resp.content_type == "image/png" and await resp.read() == PNG
    async with h.db.read() as session:
        viewed = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evidence_viewed")))
    assert [(v.actor, v.entity_id) for v in viewed] == [(approvers[0], str(leave.id))]


@pytest.mark.parametrize(("photo", "problem"), [
    (("note.jpg", b"just text, not a picture", "image/jpeg"), "只能是 JPEG、PNG、GIF 或 WebP"),
    (("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png"), "不能超过 10 MB"),
])
async def test_a_bad_photo_is_refused(uploads: Harness, tmp_path: Path,
                                      photo: tuple[str, bytes, str], problem: str) -> None:
    status, text = await ask_with_photo(uploads, photo)
    assert status == 400 and problem in text
    assert not (tmp_path / "store").exists() and not await leaves_in_db(uploads)


async def test_a_photo_of_an_abandoned_form_is_swept_and_a_leaves_is_kept(
        uploads: Harness, clock: FakeClock, tmp_path: Path) -> None:
    h = uploads
    status, _ = await ask_with_photo(h, ("first.png", PNG, "image/png"))  # left on the echo
    assert status == 200
    status, echo = await ask_with_photo(h, ("second.png", PNG, "image/png"))
    await post_form(h, NEW, {**hidden_fields(echo), "step": "confirm"})
    [leave] = await leaves_in_db(h)
    owned = (leave.evidence_media_id or "").removeprefix("upload:")
    folder = tmp_path / "store" / "evidence"
    assert len(list(folder.iterdir())) == 2
    written = clock().timestamp()  # the files' own time, as the fake clock has it
    for path in folder.iterdir():
        os.utime(path, (written, written))

    clock.advance(hours=23)  # not a day old yet: a parent may still come back to the form
    await h.app[keys.JOB_RUNNER].run("message-retention", clock().date(), force=True)
    assert len(list(folder.iterdir())) == 2
    clock.advance(hours=2)
    await h.app[keys.JOB_RUNNER].run("message-retention", clock().date(), force=True)
    assert [p.name for p in folder.iterdir()] == [owned]
