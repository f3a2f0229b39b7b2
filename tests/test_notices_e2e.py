"""Notices (通知) end to end: encrypted callbacks in, what WeCom was asked to send out, what the
database holds."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from handlers import texts
from models.messaging import AuditEntry
from models.notice import Notice, NoticeFamily, NoticeRecipient
from models.repos.outbox import OutboxRepo
from tests.conftest import local
from tests.harness import FakeClock, Harness, prepare_database, running
from tests.test_jobs import job
from tests.test_leave_e2e import say

CLASS_1 = ("parent_zhang", "parent_lin", "parent_liu", "parent_huang")  # 初一(1)班's guardians


def notice_texts(h: Harness, user: str) -> list[str]:
    return [t for t in h.texts_for(user) if "【学校通知" in t or "【紧急通知" in t]


def notice_cards(h: Harness, user: str) -> list[dict]:  # type: ignore[type-arg]
    return [d.body["template_card"] for d in h.standin.messages_for(user)
            if d.msgtype == "template_card" and d.body["template_card"]["task_id"]
            .startswith("notice-")]


def sends(h: Harness) -> list[dict]:  # type: ignore[type-arg]
    return [body for path, body in h.standin.requests if path == "/cgi-bin/message/send"]


async def click(h: Harness, user: str, card: dict) -> int:  # type: ignore[type-arg]
    key = card["button_list"][0]["key"]
    return await h.post(h.inner_click_xml(user, card["task_id"], key))


async def send_notice(h: Harness, user: str, command: str) -> str:
    echo = await say(h, user, command)
    assert "回复「确认」" in echo, echo
    return await say(h, user, "确认")


async def families(h: Harness, number: int) -> list[NoticeFamily]:
    async with h.db.read() as session:
        notice = await session.scalar(select(Notice).where(Notice.number == number))
        assert notice is not None
        return list(await session.scalars(
            select(NoticeFamily).where(NoticeFamily.notice_id == notice.id)
            .order_by(NoticeFamily.id)))


# ---- sending ---------------------------------------------------------------------------


async def test_a_homeroom_notice_reaches_every_family_of_the_class_once(harness: Harness) -> None:
    h = harness
    echo = await say(h, "teacher_li", "通知 本班 周五下午3点在本班教室开家长会，请准时参加。")
    assert "范围：初一(1)班（3户家庭，3名学生）" in echo
    assert "【学校通知 通知1】\n周五下午3点在本班教室开家长会，请准时参加。\n——李静" in echo
    assert "确认后立即发送" in echo
    assert notice_texts(h, "parent_zhang") == []  # nothing before 确认
    done = await say(h, "teacher_li", "确认")
    assert done == "已发送通知1：初一(1)班，3户家庭（3名学生）。发送「回执 1」查看确认情况。"
    for parent in CLASS_1:
        assert len(notice_texts(h, parent)) == 1, parent
        assert len(notice_cards(h, parent)) == 1, parent
        assert notice_cards(h, parent)[0]["button_list"][0]["text"] == "收到"
    for outsider in ("parent_wu", "teacher_wang", "office_zhao"):
        assert notice_texts(h, outsider) == []
    # one message/send per part, all four guardians in it
    batched = [b for b in sends(h) if "|" in b["touser"]]
    assert len(batched) == 2
    assert sorted(batched[0]["touser"].split("|")) == sorted(CLASS_1)
    async with h.db.read() as session:
        notice = await session.scalar(select(Notice))
        assert notice is not None and notice.number == 1 and notice.sent_at is not None
        assert await session.scalar(select(func.count()).select_from(NoticeRecipient)) == 4
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.entity == "notice"))
        assert audit is not None and audit.actor == "teacher_li" and audit.action == "create"
    fams = await families(h, 1)
    assert [(f.family_key, f.students) for f in fams] == [
        ("parent_lin", "张小明"), ("parent_liu", "刘洋"), ("parent_huang", "黄欣怡")]


async def test_a_school_notice_reaches_a_family_with_two_children_once(harness: Harness) -> None:
    h = harness
    echo = await say(h, "office_zhao", "通知 全校 下周一起冬季作息时间调整。")
    assert "范围：全校（5户家庭，6名学生）" in echo
    await say(h, "office_zhao", "确认")
    assert len(notice_texts(h, "parent_zhang")) == 1
    assert len(notice_cards(h, "parent_zhang")) == 1
    for parent in (*CLASS_1, "parent_wu", "teacher_li"):
        assert len(notice_texts(h, parent)) == 1, parent
    fams = await families(h, 1)
    assert "张小明、张小红" in [f.students for f in fams]


async def test_the_guided_form_asks_scope_then_text_and_takes_one_image(harness: Harness) -> None:
    h = harness
    assert "发给谁" in await say(h, "principal_chen", "通知")
    assert "没有找到「初九」" in await say(h, "principal_chen", "初九")
    assert "通知内容" in await say(h, "principal_chen", "初一(2)班")
    echo = await say(h, "principal_chen", "明天体检，请空腹。")
    assert "范围：初一(2)班（3户家庭，3名学生）" in echo and "可以再发一张图片" in echo
    image = (f"<xml><ToUserName>c</ToUserName><FromUserName>principal_chen</FromUserName>"
             f"<CreateTime>{int(h.clock().timestamp())}</CreateTime><MsgType>image"
             f"</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>MEDIA_NOTICE_1</MediaId>"
             f"<MsgId>770001</MsgId><AgentID>1000002</AgentID></xml>")
    assert await h.post(image) == 200
    await h.drain()
    assert "已附上图片" in h.last_text("principal_chen")
    assert "已发送通知1" in await say(h, "principal_chen", "确认")
    got = [d.msgtype for d in h.standin.messages_for("parent_wu")]
    assert got == ["text", "image", "template_card"]


async def test_a_notice_of_1000_characters_arrives_whole_in_parts(harness: Harness) -> None:
    h = harness
    content = ("请各位家长注意：" + "寒假期间注意安全，不去危险水域。" * 70)[:1000]
    assert "已发送通知1" in await send_notice(h, "teacher_li", f"通知 本班 {content}")
    parts = [t for t in h.texts_for("parent_liu") if t.startswith("（")]
    assert len(parts) >= 2 and all(len(p.encode()) <= 2048 for p in parts)
    body = "".join(p.split("\n", 1)[1] for p in parts)
    assert content in body.replace("\n", "")
    assert len(notice_cards(h, "parent_liu")) == 1  # the card after the text, once


async def test_scopes_and_roles_are_refused_politely(harness: Harness) -> None:
    h = harness
    assert "只能向自己担任班主任的班级" in await say(h, "teacher_wang", "通知 初一(1)班 明天放假")
    assert "只能向自己担任班主任的班级" in await say(h, "teacher_wang", "通知 全校 明天放假")
    assert "紧急通知只能由政教处或校长发送" in await say(h, "teacher_li", "通知 紧急 本班 停课")
    assert await say(h, "guard_sun", "通知 全校 明天放假") == texts.FORBIDDEN
    assert await say(h, "parent_liu", "通知 全校 明天放假") == texts.FORBIDDEN
    assert "最多1000字" in await say(h, "teacher_li", "通知 本班 " + "长" * 1001)
    async with h.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Notice)) == 0
    assert h.standin.delivered and all("【学校通知" not in t for p in CLASS_1
                                       for t in h.texts_for(p))


# ---- receipts --------------------------------------------------------------------------


async def test_clicks_and_text_replies_count_once_and_receipts_are_exact(harness: Harness) -> None:
    h = harness
    await send_notice(h, "teacher_li", "通知 本班 周五家长会")
    card = notice_cards(h, "parent_zhang")[0]
    xml = h.inner_click_xml("parent_zhang", card["task_id"], card["button_list"][0]["key"])
    assert await h.post(xml) == 200
    assert await h.post(xml) == 200  # WeCom's retry of the same callback
    await h.drain()
    h.clock.advance(seconds=2)
    await click(h, "parent_zhang", card)  # a second tap: another click, its own code
    await h.drain()
    updates = [u for u in h.standin.card_updates if u["userids"] == ["parent_zhang"]]
    assert len(updates) == 2 and all(u["button"]["replace_name"] == "已收到" for u in updates)
    # the other guardian of the family: counted for the family already
    assert "您没有待确认的通知" in await say(h, "parent_lin", "收到")
    assert "已确认收到通知1" in await say(h, "parent_lin", "收到 1")
    assert "已确认收到通知1" in await say(h, "parent_liu", "收到 1")
    assert "您已确认收到" in await say(h, "parent_liu", "收到 1")
    # someone the notice did not go to: nothing changes
    await click(h, "parent_wu", card)
    await h.drain()
    assert h.last_text("parent_wu") == "这条通知不是发给您的。"
    await click(h, "stranger_1", card)
    await h.drain()
    assert h.last_text("stranger_1") == texts.NOT_IN_ROSTER
    assert "没有找到发给您的通知1" in await say(h, "parent_wu", "收到 1")
    receipt = await say(h, "teacher_li", "回执 1")
    assert "已收到 2/3" in receipt
    assert "初一(1)班（1户）：黄欣怡家" in receipt
    assert receipt == await say(h, "teacher_li", "通知1")
    [mine] = [d.body["template_card"] for d in h.standin.messages_for("teacher_li")
              if d.msgtype == "template_card"]
    await click(h, "teacher_li", mine)  # the sender's card: its 查看回执 button
    await h.drain()
    assert h.last_text("teacher_li") == receipt
    fams = {f.students: f for f in await families(h, 1)}
    assert fams["张小明"].confirmed_by == "parent_zhang"
    assert fams["黄欣怡"].confirmed_at is None
    assert "没有找到您发出的通知1" in await say(h, "teacher_wang", "回执 1")
    assert "通知1 初一(1)班" in await say(h, "teacher_li", "通知列表")
    assert "已收到 2/3" in await say(h, "teacher_li", "通知列表")
    mine = await say(h, "parent_huang", "我的通知")
    assert "通知1" in mine and "未确认" in mine


async def test_the_chase_goes_only_to_the_unconfirmed_once_then_the_summary(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 9, 0))
    async with running(demo_db, clock) as h:
        await send_notice(h, "teacher_li", "通知 本班 周五家长会")
        await say(h, "parent_zhang", "收到")
        clock.advance(hours=5, minutes=59)
        await job(h, "notices")
        assert not any(t.startswith("提醒") for t in h.texts_for("parent_liu"))
        clock.advance(hours=1)
        await job(h, "notices")
        for parent in ("parent_liu", "parent_huang"):
            assert h.last_text(parent).startswith("提醒：通知1您还没有确认收到"), parent
        for confirmed in ("parent_zhang", "parent_lin"):
            assert not any(t.startswith("提醒") for t in h.texts_for(confirmed))
        clock.advance(minutes=30)
        await job(h, "notices")
        assert sum(t.startswith("提醒") for t in h.texts_for("parent_liu")) == 1
        assert "最近一次提醒：11月26日(周四)15:59" in await say(h, "teacher_li", "回执 1")
        assert "刚提醒过" in await say(h, "teacher_li", "提醒 1")
        clock.advance(minutes=30)
        assert "已提醒2位" in await say(h, "teacher_li", "提醒 1")
        assert "刚提醒过" in await say(h, "teacher_li", "提醒 1")
        await say(h, "parent_liu", "收到")
        clock.now = local(2026, 11, 27, 7, 30)
        await job(h, "notice-summary")
        summary = h.last_text("teacher_li")
        assert "通知1（初一(1)班）已收到 2/3" in summary and "黄欣怡家" in summary


async def test_no_chase_in_quiet_hours(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 16, 0))
    async with running(demo_db, clock) as h:
        await send_notice(h, "teacher_li", "通知 本班 周五家长会")
        clock.advance(hours=6)  # 22:00
        await job(h, "notices")
        assert not any(t.startswith("提醒") for t in h.texts_for("parent_liu"))
        clock.now = local(2026, 11, 27, 7, 15)
        await job(h, "notices")
        assert h.last_text("parent_liu").startswith("提醒：通知1")


# ---- timing, recall ------------------------------------------------------------------------


async def test_a_scheduled_notice_leaves_on_time(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 8, 0))
    async with running(demo_db, clock) as h:
        echo = await say(h, "teacher_li", "通知 本班 今天降温，请添衣 定时 明天07:30")
        assert "定时：11月27日(周五)07:30发送" in echo
        assert "将于11月27日(周五)07:30发送" in await say(h, "teacher_li", "确认")
        clock.now = local(2026, 11, 27, 7, 29)
        await h.drain()
        assert notice_texts(h, "parent_liu") == []
        clock.now = local(2026, 11, 27, 7, 30)
        await h.drain()
        assert len(notice_texts(h, "parent_liu")) == 1
        assert h.standin.messages_for("parent_liu")[-1].at == clock().timestamp()


async def test_quiet_hours_hold_a_notice_but_not_an_urgent_one(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 22, 0))
    async with running(demo_db, clock) as h:
        echo = await say(h, "teacher_li", "通知 本班 明早带体检表")
        assert "现在是休息时间，将于11月27日(周五)07:00发送" in echo
        await say(h, "teacher_li", "确认")
        await send_notice(h, "principal_chen", "通知 紧急 全校 明天因暴雪停课")
        assert "【紧急通知 通知2】" in h.last_text("parent_liu") or \
            any("【紧急通知 通知2】" in t for t in h.texts_for("parent_liu"))
        assert not any("通知1" in t for t in notice_texts(h, "parent_liu"))
        clock.now = local(2026, 11, 27, 7, 0)
        await h.drain()
        assert any("【学校通知 通知1】" in t for t in h.texts_for("parent_liu"))


async def test_recall_within_a_day(harness: Harness) -> None:
    h = harness
    await send_notice(h, "teacher_li", "通知 本班 周五家长会")
    sent = {d.msgid for p in CLASS_1 for d in h.standin.messages_for(p)
            if d.msgtype in ("text", "template_card")}
    reply = await say(h, "teacher_li", "撤回 1")
    assert reply == "已撤回通知1，并告知了4位已收到的家长。"
    assert set(h.standin.recalled) == sent
    for parent in CLASS_1:
        assert h.last_text(parent) == "通知1已由发送人撤回，请忽略。"
    assert "已经撤回" in await say(h, "teacher_li", "撤回 1")
    assert "您没有待确认的通知" in await say(h, "parent_liu", "收到")
    await send_notice(h, "teacher_li", "通知 本班 下周一升旗")
    h.clock.advance(hours=25)
    assert "超过24小时" in await say(h, "teacher_li", "撤回 2")


async def test_a_teacher_who_is_a_parent_still_withdraws_her_leave(harness: Harness) -> None:
    h = harness
    echo = await say(h, "teacher_li", "请假 杨子涵 下周一 事假 有事")
    assert "回复「确认」" in echo
    number = int(re.search(r"单号(\d+)", await say(h, "teacher_li", "确认")).group(1))  # type: ignore[union-attr]
    assert "撤销" in await say(h, "teacher_li", f"撤回 {number}")


# ---- batches and the pace -------------------------------------------------------------------


def _big_roster(path: Path, families: int) -> Path:
    path.mkdir()
    rows = ["学籍号,姓名,年级,班级,家长姓名,家长企业微信ID,家长手机,关系"]
    rows += [f"G2026{i:06d},学生{i},初二,(1)班,家长{i},guardian_{i:04d},,母亲"
             for i in range(families)]
    (path / "students.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    staff = ("姓名,企业微信ID,角色,班级\n李老师,teacher_big,班主任,初二(1)班\n"
             "赵主任,office_big,政教处,\n")
    (path / "staff.csv").write_text(staff, encoding="utf-8")
    return path


async def test_a_class_of_1100_families_goes_out_in_batches_of_at_most_1000(
        sqlite_url: str, tmp_path: Path) -> None:
    await prepare_database(sqlite_url, roster_dir=_big_roster(tmp_path / "big", 1100))
    clock = FakeClock(local(2026, 11, 26, 9, 0))
    async with running(sqlite_url, clock) as h:
        # the directory as a fixed list: reading the roster per send is the simulator's way
        h.standin.oauth.directory = None
        for userid in ("teacher_big", "office_big", *(f"guardian_{i:04d}" for i in range(1100))):
            h.standin.add_member(userid)
        echo = await say(h, "teacher_big", "通知 本班 明天秋游，请带午餐。")
        assert "范围：初二(1)班（1100户家庭，1100名学生）" in echo
        await say(h, "teacher_big", "确认")
        batches = [len(b["touser"].split("|")) for b in sends(h)
                   if b["touser"].startswith("guardian_")]
        assert sorted(batches) == [100, 100, 1000, 1000]  # the text and the card, twice
        got = {d.touser for d in h.standin.delivered if d.msgtype == "template_card"
               and d.touser.startswith("guardian_")}
        assert len(got) == 1100
        await click(h, "guardian_0007", notice_cards(h, "guardian_0007")[0])
        await say(h, "guardian_1099", "收到")
        receipt = await say(h, "teacher_big", "回执 1")
        assert "已收到 2/1100" in receipt and "…等1098户" in receipt
        before = len(h.texts_for("teacher_big"))
        await say(h, "teacher_big", "回执 1 未读")
        pages = h.texts_for("teacher_big")[before:]
        assert len(pages) > 1 and all(len(p.encode()) <= 2048 for p in pages)
        listed = "".join(pages)
        assert listed.count("家") == 1098 and "学生7家" not in listed
        async with h.db.read() as session:
            paced = await OutboxRepo(session, 1).recent_sends({"guardian_0007"}, clock())
        # the notice's text and card (two batches, each counted for her) and her card's update
        assert len(paced["guardian_0007"]) == 3


async def test_a_renamed_guardian_and_sender_keep_their_notice(harness: Harness) -> None:
    from tests.test_directory_e2e import contact_event

    h = harness
    await send_notice(h, "teacher_li", "通知 本班 周五家长会")
    assert await h.post(contact_event(h, "update_user", "parent_liu", "Liu_Qiang")) == 200
    assert await h.post(contact_event(h, "update_user", "teacher_li", "Li_Jing")) == 200
    await h.drain()
    assert "已确认收到通知1" in await say(h, "liu_qiang", "收到")
    assert "已收到 1/3" in await say(h, "li_jing", "回执 1")
