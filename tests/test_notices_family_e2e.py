"""Notices to 家校 parents end to end: a class with a 家校 parent and member parents gets a
`通知 本班 …`; the members get the card, the 家校 parent a 学校通知 news item whose link opens the
notice's page, where 收到 counts for the family in the sender's `回执`; nobody else sees it."""

from __future__ import annotations

from sqlalchemy import select
from yarl import URL

from bot import keys
from models.messaging import AuditEntry, OutboxMessage
from models.notice import NoticeFamily, NoticeRecipient
from tests.harness import Harness, make_family
from tests.pages import csrf_of, post_form
from tests.test_family_e2e import notices, sent_by_message_send
from tests.test_jobs import job
from tests.test_leave_e2e import say
from tests.test_notices_e2e import notice_cards, send_notice

TEXT = "周五下午3点在本班教室开家长会，请准时参加。"


async def test_a_family_parent_reads_the_notice_on_its_page_and_confirms(
        harness: Harness) -> None:
    h = harness
    await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu")
    done = await send_notice(h, "teacher_li", f"通知 本班 {TEXT}")
    assert done.startswith("已发送通知1：初一(1)班，3户家庭")

    # members: the text and the 收到 card by message/send; the 家校 parent: one news item
    assert len(notice_cards(h, "parent_huang")) == 1
    assert sent_by_message_send(h, "parent_liu") == []
    got = notices(h, "parent_liu")
    assert len(got) == 1 and got[0]["kind"] == "news"
    news = got[0]
    assert news["title"].startswith("【学校通知】通知1：周五下午3点")
    assert TEXT in news["description"] and "——李静" in news["description"]
    assert news["url"] == h.config.server.public_url.rstrip("/") + "/h5/notices/1"
    async with h.db.read() as session:
        row = await session.scalar(select(NoticeRecipient)
                                   .where(NoticeRecipient.userid == "parent_liu"))
        assert row is not None and row.channel == "家校" and row.status == "sent"

    # the link, signed in through school/getuserinfo: the notice and its 收到 button
    page = await h.sign_in("parent_liu", URL(news["url"]).path, kind="parent")
    html = await page.text()
    assert page.status == 200, html
    assert TEXT in html and "李静" in html and h.config.school.name in html
    assert ">收到</button>" in html and "已收到" not in html
    before = await say(h, "teacher_li", "回执 1")
    assert "已收到 0/3" in before and "刘洋家" in before

    # a POST without the session's token changes nothing
    refused = await post_form(h, "/h5/notices/1", {"csrf": "forged"})
    assert refused.status == 403
    tapped = await post_form(h, "/h5/notices/1", {"csrf": csrf_of(html)})
    after_html = await tapped.text()
    assert tapped.status == 200 and "已确认收到通知1" in after_html
    assert "已收到" in after_html and ">收到</button>" not in after_html
    again = await post_form(h, "/h5/notices/1", {"csrf": csrf_of(after_html)})
    assert "您已确认收到" in await again.text()

    receipts = await say(h, "teacher_li", "回执 1")
    assert "已收到 1/3" in receipts and "刘洋家" not in receipts
    async with h.db.read() as session:
        family = await session.scalar(select(NoticeFamily)
                                      .where(NoticeFamily.students == "刘洋"))
        assert family is not None and family.confirmed_by == "parent_liu"
        audits = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "notice", AuditEntry.action == "confirm")))
        assert [(a.actor, a.after["by"]) for a in audits] == [("parent_liu", "page")]

    # the list of the last 30 days shows it, confirmed
    listing = await h.client.get("/h5/notices")
    text = await listing.text()
    assert listing.status == 200 and "通知1" in text and "已确认" in text


async def test_a_viewer_the_notice_did_not_reach_is_refused(harness: Harness) -> None:
    h = harness
    await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu")
    await send_notice(h, "teacher_li", f"通知 本班 {TEXT}")
    # a member parent of another class, and a teacher who did not send it
    for who in ("parent_wu", "teacher_wang"):
        h.client.session.cookie_jar.clear()
        page = await h.sign_in(who, "/h5/notices/1")
        html = await page.text()
        assert page.status == 403 and TEXT not in html and "无法查看这条通知" in html
        nothing = await h.sign_in(who, "/h5/notices/99")
        assert nothing.status == 403 and "无法查看这条通知" in await nothing.text()
        tapped = await post_form(h, "/h5/notices/1", {"csrf": csrf_of(html)})
        assert tapped.status == 403
    # the 家校 parent it went to does see it
    h.client.session.cookie_jar.clear()
    page = await h.sign_in("parent_liu", "/h5/notices/1", kind="parent")
    assert page.status == 200
    # the sender sees it with its count, and no 收到 button
    h.client.session.cookie_jar.clear()
    page = await h.sign_in("teacher_li", "/h5/notices/1")
    html = await page.text()
    assert page.status == 200 and "已收到 0/3" in html and ">收到</button>" not in html
    assert "已收到 0/3" in await say(h, "teacher_li", "回执 1")


async def test_an_unreachable_family_parent_is_told_to_the_admin_once(harness: Harness) -> None:
    h = harness
    await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu")
    h.standin.absent.add("parent_liu")
    await send_notice(h, "teacher_li", f"通知 本班 {TEXT}")
    await send_notice(h, "teacher_li", "通知 本班 下周一体检。")
    assert notices(h, "parent_liu") == []
    assert len(notice_cards(h, "parent_huang")) == 2
    async with h.db.read() as session:
        rows = list(await session.scalars(select(NoticeRecipient)
                                          .where(NoticeRecipient.userid == "parent_liu")))
        assert [r.status for r in rows] == ["dead", "dead"]
        told = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.touser == "admin_zhou")))
    about = [m for m in told if "parent_liu" in str(m.payload.get("content", ""))]
    assert len(about) == 1 and "家校通讯录" in about[0].payload["content"]


async def test_the_image_goes_on_the_page_not_into_the_school_notice(harness: Harness) -> None:
    h = harness
    await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_wu")
    assert "通知内容" in await say(h, "principal_chen", "通知 初一(2)班")
    assert "可以再发一张图片" in await say(h, "principal_chen", "明天体检，请空腹。")
    image = (f"<xml><ToUserName>c</ToUserName><FromUserName>principal_chen</FromUserName>"
             f"<CreateTime>{int(h.clock().timestamp())}</CreateTime><MsgType>image"
             f"</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>MEDIA_NOTICE_1</MediaId>"
             f"<MsgId>770002</MsgId><AgentID>1000002</AgentID></xml>")
    assert await h.post(image) == 200
    await h.drain()
    assert "已发送通知1" in await say(h, "principal_chen", "确认")
    got = notices(h, "parent_wu")
    assert [n["kind"] for n in got] == ["news"]  # one item: no image, no card
    page = await h.sign_in("parent_wu", URL(got[0]["url"]).path, kind="parent")
    html = await page.text()
    assert page.status == 200 and 'src="/h5/notices/1/image"' in html
    picture = await h.client.get("/h5/notices/1/image")
    assert picture.status == 200 and picture.content_type == "image/png"
    assert (await picture.read()).startswith(b"\x89PNG")
    h.client.session.cookie_jar.clear()
    stranger = await h.sign_in("parent_liu", "/h5/notices/1/image")
    assert stranger.status == 403 and stranger.content_type == "text/html"


async def test_the_chase_reaches_a_family_parent_as_a_link_to_the_page(harness: Harness) -> None:
    h = harness
    await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu")
    await send_notice(h, "teacher_li", f"通知 本班 {TEXT}")
    h.clock.advance(hours=6, minutes=1)
    await job(h, "notices")
    chased = notices(h, "parent_liu")[-1]
    assert chased["kind"] == "news" and chased["title"].startswith("提醒：通知1您还没有确认收到")
    assert chased["url"].endswith("/h5/notices/1") and "收到 1" not in chased["description"]
    assert h.last_text("parent_huang").startswith("提醒：通知1您还没有确认收到")
    assert "回复「收到 1」" in h.last_text("parent_huang")
    assert sent_by_message_send(h, "parent_liu") == []
