"""The leave lifecycle end to end: encrypted callbacks in, what WeCom was asked to send out."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from models.attendance import AttendanceReport
from models.leave import Leave
from models.messaging import AuditEntry
from tests.harness import Harness, consent_all

CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
QR = re.compile(r"查看放行码：\S+/h5/pass/([\w-]+)")


@pytest.fixture(autouse=True)
async def _consented(demo_db: str) -> None:
    """Every family has agreed to keep health details: these tests are about leaves."""
    await consent_all(demo_db)


async def say(h: Harness, user: str, text: str) -> str:
    """Send a message, let the workers run, return the last text the sender received."""
    before = len(h.texts_for(user))
    assert await h.say(user, text) == 200
    await h.drain()
    texts = h.texts_for(user)
    return texts[-1] if len(texts) > before else ""


async def submit(h: Harness, parent: str, request: str) -> int:
    echo = await say(h, parent, request)
    assert "回复「确认」" in echo, echo
    done = await say(h, parent, "确认")
    match = re.search(r"单号(\d+)", done)
    assert match, done
    return int(match.group(1))


async def leave(h: Harness, leave_id: int) -> Leave:
    async with h.db.read() as session:
        row = await session.get(Leave, leave_id)
        assert row is not None
        return row


def cards_for(h: Harness, user: str) -> list[dict]:  # type: ignore[type-arg]
    return [d.body["template_card"] for d in h.standin.messages_for(user)
            if d.msgtype == "template_card"]


async def click(h: Harness, user: str, task_id: str, key: str) -> int:
    return await h.post(h.inner_click_xml(user, task_id, key))


def code_from(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match.group(1)


# ---- submit, count, echo ------------------------------------------------------------


async def test_one_message_request_is_echoed_then_routed_to_the_homeroom_teacher(
        harness: Harness) -> None:
    echo = await say(harness, "parent_zhang", "请假 张小明 明天 病假 发烧")
    assert "11月27日(周五)，共1个上课日" in echo and "审批：班主任" in echo
    number = await submit(harness, "parent_zhang", "请假 张小明 下周一至周三 事假 家中有事")
    card = cards_for(harness, "teacher_li")[-1]
    assert card["main_title"]["title"] == f"请假审批 单号{number}"
    rows = {r["keyname"]: r["value"] for r in card["horizontal_content_list"]}
    assert rows["时间"] == "11月30日(周一)至12月2日(周三)，共3个上课日"
    assert rows["事由"] == "家中有事"
    assert cards_for(harness, "teacher_wang") == []


async def test_guided_dialog_asks_step_by_step(harness: Harness) -> None:
    assert "哪个孩子" in await say(harness, "parent_zhang", "请假")
    assert "哪天" in await say(harness, "parent_zhang", "张小红")
    assert "病假还是事假" in await say(harness, "parent_zhang", "下周一到周二")
    assert "事由" in await say(harness, "parent_zhang", "事假")
    echo = await say(harness, "parent_zhang", "去外地参加婚礼")
    assert "张小红" in echo and "共" in echo
    assert "单号" in await say(harness, "parent_zhang", "确认")
    assert cards_for(harness, "teacher_wang")


async def test_cancel_leaves_the_dialog_and_nothing_is_stored(harness: Harness) -> None:
    await say(harness, "parent_liu", "请假 明天 病假")
    assert await say(harness, "parent_liu", "取消") == "已取消。"
    assert "没有待确认" in await say(harness, "parent_liu", "确认")
    async with harness.db.read() as session:
        assert (await session.scalars(select(Leave))).all() == []


async def test_bare_phrase_without_the_command_word_starts_a_request(harness: Harness) -> None:
    reply = await say(harness, "parent_liu", "明天病假")
    assert "事由" in reply


async def test_refusals_say_why(harness: Harness) -> None:
    assert "结束" in await say(harness, "parent_liu", "请假 后天到今天 事假 有事")
    await say(harness, "parent_liu", "取消")
    old = await say(harness, "parent_liu", "请假 11月2日 事假 补请")
    assert "补假" in old or "上课日之前" in old
    # A year nobody declared: tests/test_calendar_e2e.py (its own calendar, not the package's).


async def test_overlap_with_an_open_leave_is_refused(harness: Harness) -> None:
    await submit(harness, "parent_liu", "请假 下周一到周二 事假 探亲")
    reply = await say(harness, "parent_liu", "请假 下周二 病假 发烧")
    assert "重叠" in reply


async def test_a_parent_cannot_ask_for_another_familys_child(harness: Harness) -> None:
    reply = await say(harness, "parent_liu", "请假 张小明 明天 病假 发烧")
    assert "您名下没有" in reply
    assert cards_for(harness, "teacher_li") == []


# ---- routing ---------------------------------------------------------------------------


async def test_longer_leaves_go_up_the_tiers(harness: Harness) -> None:
    await submit(harness, "parent_liu", "请假 12月1日到12月4日 事假 探亲")  # 4 days
    assert cards_for(harness, "office_zhao") and not cards_for(harness, "teacher_li")
    # Tue 1 to Tue 8 December: 6 school days, more than a week (篇三: 两周以内由主管校长批准)
    echo = await say(harness, "parent_huang", "请假 12月1日到12月8日 事假 出国")
    assert "共6个上课日" in echo and "审批：校长" in echo and "休学" not in echo
    number = await submit(harness, "parent_huang", "请假 12月1日到12月8日 事假 出国")
    card = cards_for(harness, "principal_chen")[-1]
    assert card["main_title"]["title"] == f"请假审批 单号{number}"
    assert "休学" not in card["sub_title_text"]
    assert len(cards_for(harness, "office_zhao")) == 1  # the 4-day leave's only


async def test_more_than_two_weeks_goes_to_the_principal_with_a_line_on_suspension(
        harness: Harness) -> None:
    """篇四: 两周以上由校长批准; 篇三 §四.1 says when 休学 applies instead."""
    echo = await say(harness, "parent_liu", "请假 12月1日到12月15日 事假 出国")
    assert "共11个上课日" in echo and "审批：校长" in echo
    assert "超过10个上课日" in echo and "因伤病需长期治疗" in echo and "超过6周" in echo
    assert "休学" in echo and "回复「确认」" in echo
    done = await say(harness, "parent_liu", "确认")
    assert "等待校长审批" in done
    number = int(re.search(r"单号(\d+)", done).group(1))  # type: ignore[union-attr]
    card = cards_for(harness, "principal_chen")[-1]
    assert card["main_title"]["title"] == f"请假审批 单号{number}"
    assert "超过10个上课日" in card["sub_title_text"] and "休学" in card["sub_title_text"]
    assert cards_for(harness, "office_zhao") == [] and cards_for(harness, "teacher_li") == []
    assert not any("休学" in t for t in harness.texts_for("teacher_li"))
    row = await leave(harness, number)
    assert (row.status, row.tier_index, row.routing_days) == ("pending", 2, 11)
    assert "没有找到" in await say(harness, "office_zhao", f"批准 {number}")
    assert f"单号{number}" in await say(harness, "principal_chen", "待审批")
    await say(harness, "principal_chen", f"批准 {number}")
    assert code_from(harness.last_text("parent_liu"))


async def test_back_to_back_leaves_are_counted_together(harness: Harness) -> None:
    await submit(harness, "parent_liu", "请假 12月2日到12月4日 事假 探亲")  # Wed–Fri: 3 days
    assert len(cards_for(harness, "teacher_li")) == 1
    echo = await say(harness, "parent_liu", "请假 12月7日到12月8日 事假 探亲")  # Mon–Tue
    assert "审批：政教处" in echo


# ---- evidence -----------------------------------------------------------------------------


async def test_a_long_sick_leave_needs_a_photo_which_the_approver_sees(harness: Harness) -> None:
    reply = await say(harness, "parent_liu", "请假 12月1日到12月4日 病假 肺炎住院")
    assert "诊断书" in reply
    image = (f"<xml><ToUserName>c</ToUserName><FromUserName>parent_liu</FromUserName>"
             f"<CreateTime>{int(harness.clock().timestamp())}</CreateTime><MsgType>image"
             f"</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>MEDIA_NOTE_1</MediaId>"
             f"<MsgId>880001</MsgId><AgentID>1000002</AgentID></xml>")
    assert await harness.post(image) == 200
    await harness.drain()
    assert "已上传诊断书" in harness.last_text("parent_liu")
    await say(harness, "parent_liu", "确认")
    received = harness.standin.messages_for("office_zhao")
    assert [d.body["image"]["media_id"] for d in received if d.msgtype == "image"] == [
        "MEDIA_NOTE_1"]


# ---- deciding -----------------------------------------------------------------------------


async def test_approve_by_button_sends_the_pass_and_updates_the_card(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 病假 发烧")
    card = cards_for(harness, "teacher_li")[-1]
    assert await click(harness, "teacher_li", card["task_id"], f"approve:{number}") == 200
    await harness.drain()
    parent = harness.last_text("parent_zhang")
    assert f"单号{number}" in parent and code_from(parent)
    assert QR.search(parent)
    assert harness.standin.card_updates[-1]["button"]["replace_name"] == "已批准"
    assert "已批准" in harness.last_text("parent_lin")
    assert (await leave(harness, number)).status == "approved"


async def test_a_retried_click_has_one_effect(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 病假 发烧")
    card = cards_for(harness, "teacher_li")[-1]
    xml = harness.inner_click_xml("teacher_li", card["task_id"], f"approve:{number}")
    for _ in range(3):
        assert await harness.post(xml) == 200
    await harness.drain()
    passes = [t for t in harness.texts_for("parent_zhang") if "放行码" in t]
    assert len(passes) == 1


async def test_two_approvers_at_once_one_wins(harness: Harness) -> None:
    number = await submit(harness, "parent_liu", "请假 12月1日到12月4日 事假 探亲")
    office_card = cards_for(harness, "office_zhao")[-1]
    statuses = await asyncio.gather(
        click(harness, "office_zhao", office_card["task_id"], f"approve:{number}"),
        harness.say("principal_chen", f"驳回 {number} 时间太长"))
    assert list(statuses) == [200, 200]
    await harness.drain()
    row = await leave(harness, number)
    loser = "principal_chen" if row.decided_by == "office_zhao" else "office_zhao"
    assert "已由" in harness.last_text(loser)
    audit_steps = await history(harness, number)
    assert audit_steps.count("approved") + audit_steps.count("rejected") == 1


async def test_reject_by_button_asks_for_the_reason(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    card = cards_for(harness, "teacher_li")[-1]
    await click(harness, "teacher_li", card["task_id"], f"reject:{number}")
    await harness.drain()
    assert "驳回理由" in harness.last_text("teacher_li")
    await say(harness, "teacher_li", "期末考试不能请假")
    assert "期末考试不能请假" in harness.last_text("parent_zhang")
    assert harness.standin.card_updates[-1]["button"]["replace_name"] == "已驳回"
    assert (await leave(harness, number)).status == "rejected"


async def test_an_attendance_report_typed_while_a_reason_is_awaited_is_not_the_reason(
        harness: Harness) -> None:
    """驳回 17, then 考勤 全勤: the attendance is recorded, the parent hears nothing, the teacher
    is asked again for the reason, and the next plain text is the reason."""
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    assert "驳回理由" in await say(harness, "teacher_li", f"驳回 {number}")
    parent_before = harness.texts_for("parent_zhang")
    teacher_before = len(harness.texts_for("teacher_li"))

    assert await harness.say("teacher_li", "考勤 全勤") == 200
    await harness.drain()
    answers = harness.texts_for("teacher_li")[teacher_before:]
    assert len(answers) == 2, answers
    assert answers[0].startswith("已记录初一(1)班11月26日考勤：全勤。")
    assert answers[1] == (f"还在等待单号{number}的驳回理由：请直接回复理由，家长会看到它。"
                          "发送「取消」可放弃。")
    assert harness.texts_for("parent_zhang") == parent_before
    assert (await leave(harness, number)).status == "pending"
    async with harness.db.read() as session:
        reports = (await session.scalars(select(AttendanceReport))).all()
    assert [(r.day.isoformat(), r.reported_by) for r in reports] == [("2026-11-26", "teacher_li")]

    await say(harness, "teacher_li", "请先补交作业")
    assert "驳回理由：请先补交作业" in harness.last_text("parent_zhang")
    row = await leave(harness, number)
    assert (row.status, row.decision_note) == ("rejected", "请先补交作业")


async def test_only_the_routed_approver_or_higher_may_decide(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    assert "没有找到" in await say(harness, "teacher_wang", f"批准 {number}")
    assert (await leave(harness, number)).status == "pending"
    await say(harness, "principal_chen", f"批准 {number}")
    assert (await leave(harness, number)).status == "approved"


async def test_a_guard_typing_an_approval_is_refused(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    reply = await say(harness, "guard_sun", f"批准 {number}")
    assert "权限" in reply
    assert (await leave(harness, number)).status == "pending"


# ---- the pass and the gate ------------------------------------------------------------------


async def approved_code(h: Harness, parent: str, request: str, approver: str) -> tuple[int, str]:
    number = await submit(h, parent, request)
    await say(h, approver, f"批准 {number}")
    return number, code_from(h.last_text(parent))


async def test_the_qr_link_shows_the_code_and_the_database_never_holds_it(
        harness: Harness) -> None:
    number, code = await approved_code(harness, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                       "teacher_li")
    token = QR.search(harness.last_text("parent_zhang")).group(1)  # type: ignore[union-attr]
    resp = await harness.client.get(f"/pass/{token}.png")
    assert resp.status == 200 and resp.content_type == "image/png"
    assert (await harness.client.get("/pass/notatoken.png")).status == 404
    row = await leave(harness, number)
    assert row.pass_digest and code.replace("-", "") not in str(vars(row))


async def test_gate_check_exit_once_and_return(harness: Harness) -> None:
    number, code = await approved_code(harness, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                       "teacher_li")
    assert "还未到" in await say(harness, "guard_sun", code)
    harness.clock.advance(days=1, hours=2)  # Friday 10:00
    check = await say(harness, "guard_sun", f"核验 {code.lower()}")
    assert "有效" in check and "张小明" in check and "初一(1)班" in check and "李静" in check
    assert "发烧" not in check
    assert "离校" in await say(harness, "guard_sun", f"放行 {code}")
    assert "10:00 离校" in harness.last_text("parent_zhang")
    assert "10:00 离校" in harness.last_text("teacher_li")
    assert "已使用" in await say(harness, "guard_sun", f"放行 {code.replace('-', '')}")
    harness.clock.advance(hours=3)
    assert "返校" in await say(harness, "guard_sun", f"返校 {code}")
    row = await leave(harness, number)
    assert row.status == "returned" and row.days == 1


async def test_an_expired_pass_is_refused(harness: Harness) -> None:
    _, code = await approved_code(harness, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                  "teacher_li")
    harness.clock.advance(days=2)
    assert "过期" in await say(harness, "guard_sun", code)


async def test_wrong_codes_are_counted_and_told_but_a_valid_pass_is_never_locked_out(
        harness: Harness) -> None:
    _, code = await approved_code(harness, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                  "teacher_li")
    harness.clock.advance(days=1, hours=1)  # Friday 09:00, the pass is good
    for wrong in ["AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD"]:
        assert await say(harness, "guard_sun", wrong) == "⛔ 放行码无效，请核对后重试。"
    assert harness.texts_for("office_zhao") == []
    fifth = await say(harness, "guard_sun", "EEEE-EEEE")
    assert "已输错5次" in fifth and "政教处" in fifth and "暂停" not in fifth
    [alert] = [t for t in harness.texts_for("office_zhao") if "输错放行码" in t]
    assert "孙大勇" in alert and "5次" in alert
    assert "有效" in await say(harness, "guard_sun", f"核验 {code}")  # never locked out
    assert "离校" in await say(harness, "guard_sun", f"放行 {code}")
    for wrong in ["FFFF-FFFF", "GGGG-GGGG", "HHHH-HHHH", "JJJJ-JJJJ"]:
        await say(harness, "guard_sun", wrong)
    assert "已输错9次" not in harness.last_text("guard_sun")
    assert "已输错10次" in await say(harness, "guard_sun", "KKKK-KKKK")
    assert len([t for t in harness.texts_for("office_zhao") if "输错放行码" in t]) == 2


# ---- return and withdrawal -------------------------------------------------------------------


async def test_homeroom_teacher_closes_a_leave_early(harness: Harness) -> None:
    number, _ = await approved_code(harness, "parent_zhang", "请假 张小明 明天到下周三 事假 探亲",
                                    "office_zhao")
    harness.clock.advance(days=4, hours=1)  # Monday 09:00
    assert "已销假" in await say(harness, "teacher_li", "销假 张小明")
    row = await leave(harness, number)
    assert row.status == "returned" and row.days == 1.5  # Friday and Monday morning
    assert "返校" in harness.last_text("parent_zhang")


async def test_withdraw_pending_and_approved_before_start(harness: Harness) -> None:
    first = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    assert "已撤销" in await say(harness, "parent_zhang", f"撤销 {first}")
    assert "撤销" in harness.last_text("teacher_li")
    second, _ = await approved_code(harness, "parent_zhang", "请假 张小明 下周一 事假 有事",
                                    "teacher_li")
    assert "已撤销" in await say(harness, "parent_zhang", f"撤销 {second}")
    third, _ = await approved_code(harness, "parent_zhang", "请假 张小明 明天 事假 有事",
                                   "teacher_li")
    harness.clock.advance(days=1, hours=1)
    assert "不能撤销" in await say(harness, "parent_zhang", f"撤销 {third}")


async def test_withdrawing_another_familys_leave_reveals_nothing(harness: Harness) -> None:
    number = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    reply = await say(harness, "parent_liu", f"撤销 {number}")
    assert reply == f"没有找到您的单号{number}。发送「我的请假」可查看单号。"
    assert (await leave(harness, number)).status == "pending"


# ---- in-school temporary leave ------------------------------------------------------------------


async def test_temporary_leave_tells_the_parent_and_gives_the_teacher_the_pass(
        harness: Harness) -> None:
    harness.clock.advance(hours=2)  # 10:00
    reply = await say(harness, "teacher_li", "临时请假 张小明 发烧 至 16:00 已电话")
    code = code_from(reply)
    assert any("电话联系" in t and "16:00" in t for t in harness.texts_for("parent_zhang"))
    assert "有效" in await say(harness, "guard_sun", code)
    other = await say(harness, "teacher_wang", "临时请假 张小明 发烧")
    assert "没有叫" in other


# ---- audit and history -------------------------------------------------------------------------


async def history(h: Harness, number: int) -> list[str]:
    async with h.db.read() as session:
        rows = await session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "leave", AuditEntry.entity_id == str(number))
            .order_by(AuditEntry.id))
        return list(rows)


async def test_every_step_is_audited_and_shown_to_the_parent(harness: Harness) -> None:
    number, code = await approved_code(harness, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                       "teacher_li")
    harness.clock.advance(days=1, hours=1)
    await say(harness, "guard_sun", f"放行 {code}")
    await say(harness, "guard_sun", f"返校 {code}")
    assert await history(harness, number) == ["submitted", "routed", "approved", "exited",
                                              "returned"]
    mine = await say(harness, "parent_zhang", "我的请假")
    assert "提交（张伟）" in mine and "批准（李静）" in mine and "离校（孙大勇）" in mine
    seen = await say(harness, "teacher_li", f"查看 {number}")
    assert "事由：发烧" in seen and "返校销假（孙大勇）" in seen
    assert "没有找到" in await say(harness, "teacher_wang", f"查看 {number}")


async def test_a_command_typed_while_a_reason_is_awaited_is_a_command(harness: Harness) -> None:
    first = await submit(harness, "parent_zhang", "请假 张小明 明天 事假 有事")
    second = await submit(harness, "parent_liu", "请假 明天 事假 有事")
    await say(harness, "teacher_li", f"驳回 {first}")
    assert "单号" in await say(harness, "teacher_li", f"批准 {second}")
    assert (await leave(harness, second)).status == "approved"
    assert (await leave(harness, first)).status == "pending"
    await say(harness, "teacher_li", "时间冲突")
    assert (await leave(harness, first)).status == "rejected"
