"""WeCom's `change_contact` events, end to end: a renamed member keeps everything, a deleted
one's roles end and their pending approvals move on."""

from __future__ import annotations

from bot import keys
from models.repos.roster import RosterRepo
from tests.harness import Harness
from tests.test_leave_e2e import cards_for, click, leave, say, submit


def contact_event(h: Harness, change: str, userid: str, new_userid: str = "") -> str:
    new = f"<NewUserID><![CDATA[{new_userid}]]></NewUserID>" if new_userid else ""
    return (f"<xml><ToUserName><![CDATA[{h.config.wecom.corp_id}]]></ToUserName>"
            "<FromUserName><![CDATA[sys]]></FromUserName>"
            f"<CreateTime>{int(h.clock().timestamp())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>"
            f"<ChangeType><![CDATA[{change}]]></ChangeType>"
            f"<UserID><![CDATA[{userid}]]></UserID>{new}</xml>")


async def test_a_renamed_member_keeps_their_role_and_pending_cards(harness: Harness) -> None:
    h = harness
    number = await submit(h, "parent_zhang", "请假 张小明 下周二 事假 家里有事")
    [card] = cards_for(h, "teacher_li")
    assert await h.post(contact_event(h, "update_user", "teacher_li", "Li_Jing")) == 200
    await h.drain()
    assert h.standin.delivered[-1].touser != "sys"  # the event itself is answered by no one
    assert await click(h, "li_jing", card["task_id"], f"approve:{number}") == 200
    await h.drain()
    assert (await leave(h, number)).status == "approved"
    assert "【班主任】" in await say(h, "li_jing", "帮助")
    async with h.db.read() as session:
        assert await RosterRepo(session, h.app[keys.SCHOOL_ID]).roles_of("teacher_li") == set()


async def test_a_deleted_member_is_reported_and_their_approvals_move_on(harness: Harness) -> None:
    h = harness
    number = await submit(h, "parent_zhang", "请假 张小明 下周二 事假 家里有事")
    assert await h.post(contact_event(h, "delete_user", "teacher_li")) == 200
    await h.drain()
    [notice] = [t for t in h.texts_for("admin_zhou") if "通讯录删除" in t]
    assert "李静" in notice and "班主任" in notice and f"单号{number}" in notice
    [card] = cards_for(h, "office_zhao")
    assert await click(h, "office_zhao", card["task_id"], f"approve:{number}") == 200
    await h.drain()
    assert (await leave(h, number)).status == "approved"
    answer = await say(h, "teacher_li", "帮助")  # still a parent (杨子涵's), no more a 班主任
    assert "【家长】" in answer and "【班主任】" not in answer
