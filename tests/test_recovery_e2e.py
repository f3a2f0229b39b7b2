"""A 病假's health answers and the 复课证明 through the real app: the dialog asks symptoms,
onset and the doctor's diagnosis and the approved leave keeps them; a leave that needs a 复课证明
is not closed by 销假 until the photo is in and the 校医 confirmed it, and the gate says so."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import keys
from bot.config import HealthConfig
from handlers.texts import UNSUPPORTED_MESSAGE
from models.health import HealthRead, IllnessAbsence
from reports.illness import export_illness
from tests.conftest import local
from tests.harness import FakeClock, Harness, consent_all, running
from tests.test_leave_e2e import approved_code, cards_for, click, leave, say, submit


@pytest.fixture(autouse=True)
async def families_consented(demo_db: str) -> None:
    """The families agreed to keep health details (what happens without: test_health_consent)."""
    await consent_all(demo_db)


async def absences(h: Harness) -> list[IllnessAbsence]:
    async with h.db.read() as session:
        return list(await session.scalars(select(IllnessAbsence).order_by(IllnessAbsence.id)))


async def register_row(h: Harness, tmp_path: Path) -> dict[str, object]:
    """The one row of November's 因病缺课登记表, exported by the 校医, by column name."""
    out = tmp_path / "illness.xlsx"
    await export_illness(h.db, h.config, h.app[keys.SCHOOL_ID], date(2026, 11, 1),
                         date(2026, 11, 30), out, actor="cli:doctor_he", now=h.clock())
    sheet = load_workbook(out).active
    assert sheet is not None
    header, row = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    return dict(zip(header, row, strict=True))


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
        demo_db: str, tmp_path: Path) -> None:
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
        assert (await register_row(h, tmp_path))["发病日期"] == datetime(2026, 11, 24)


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


# ---- 复课证明 --------------------------------------------------------------------------------


def image_xml(h: Harness, userid: str, media_id: str, msg_id: int) -> str:
    return (f"<xml><ToUserName>c</ToUserName><FromUserName>{userid}</FromUserName>"
            f"<CreateTime>{int(h.clock().timestamp())}</CreateTime><MsgType>image</MsgType>"
            f"<PicUrl>http://x/y.jpg</PicUrl><MediaId>{media_id}</MediaId>"
            f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")


async def send_photo(h: Harness, userid: str, media_id: str, msg_id: int) -> str:
    assert await h.post(image_xml(h, userid, media_id, msg_id)) == 200
    await h.drain()
    return h.last_text(userid)


async def test_a_notifiable_diagnosis_holds_the_leave_open_until_the_doctor_confirms(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        number, code = await approved_code(h, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                           "teacher_li")
        # No diagnosis yet, one day: nothing asked.
        assert not any("复课证明" in t for t in h.texts_for("parent_zhang"))
        assert await say(h, "parent_zhang", "诊断 张小明 甲型流感") == (
            f"张小明的病假（单号{number}）诊断为流感，返校前需要复课证明：请在这里直接发送"
            "医院开具的复课证明照片，校医确认后即可销假。")
        assert "已记录张小明11月26日因病缺课的诊断：甲型流感。" in h.texts_for("parent_zhang")

        clock.now = local(2026, 11, 27, 7, 40)
        assert await say(h, "teacher_li", "销假 张小明") == (
            f"暂不能销假：张小明的病假（单号{number}）诊断为流感，须交复课证明并经校医确认。"
            "家长还没有发送复课证明照片（已提醒家长）。")
        assert await say(h, "guard_sun", f"返校 {code}") == (
            f"张小明未交复课证明，请联系校医。暂不能销假（单号{number}）。")
        assert (await leave(h, number)).status == "approved"
        asked = [t for t in h.texts_for("parent_zhang") if "返校前需要复课证明" in t]
        assert len(asked) == 1  # asked once, however often 销假 is tried
        assert await say(h, "doctor_he", "复课 张小明 确认") == (
            "张小明的家长还没有发送复课证明照片，暂不能确认。")

        assert await send_photo(h, "parent_zhang", "MEDIA_CERT_1", 990001) == (
            "已收到张小明的复课证明照片，等待校医确认；确认后班主任即可销假。")
        doctor = h.standin.messages_for("doctor_he")
        assert [d.body["image"]["media_id"] for d in doctor if d.msgtype == "image"] == [
            "MEDIA_CERT_1"]
        [card] = cards_for(h, "doctor_he")
        assert card["main_title"]["title"] == "复课证明待确认"
        assert h.last_text("doctor_he") == "核对后回复：复课 张小明 确认（或点卡片上的「确认」）。"
        assert (await say(h, "teacher_li", "销假 张小明")).endswith(
            "复课证明已上传，等待校医确认。")
        assert await say(h, "guard_sun", f"返校 {code}") == (
            f"张小明复课证明还未经校医确认，请联系校医。暂不能销假（单号{number}）。")

        assert await say(h, "doctor_he", "复课 张小明 确认") == (
            f"已确认张小明的复课证明（病假单号{number}），已告知班主任和家长。")
        assert h.last_text("teacher_li") == (
            f"张小明的复课证明已由校医确认（病假单号{number}），可以销假。")
        assert await say(h, "doctor_he", "复课 张小明 确认") == (
            "这名学生目前没有需要复课证明的病假。")
        assert (await say(h, "teacher_li", "销假 张小明")).startswith("已销假：张小明")
        assert (await leave(h, number)).status == "returned"
        [row] = await absences(h)
        assert (row.certificate_media, row.certificate_confirmed_by) == ("MEDIA_CERT_1",
                                                                         "doctor_he")


async def test_the_doctor_confirms_on_the_card_and_the_gate_closes_the_leave(
        demo_db: str, tmp_path: Path) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        number, code = await approved_code(h, "parent_zhang", "请假 张小明 明天 病假 出水痘了",
                                           "teacher_li")
        await say(h, "teacher_li", "诊断 张小明 水痘")
        assert "诊断为水痘，返校前需要复课证明" in h.last_text("parent_zhang")
        assert "需要为孩子请假吗" in await say(h, "parent_zhang", "你好")  # an offer waits
        assert await send_photo(h, "parent_zhang", "MEDIA_CERT_2", 990002) == (
            "已收到张小明的复课证明照片，等待校医确认；确认后班主任即可销假。")
        [card] = cards_for(h, "doctor_he")
        key = card["button_list"][0]["key"]
        assert await click(h, "doctor_he", card["task_id"], key) == 200
        await h.drain()
        assert h.last_text("doctor_he") == (
            f"已确认张小明的复课证明（病假单号{number}），已告知班主任和家长。")
        assert await click(h, "doctor_he", card["task_id"], key) == 200  # a second click
        await h.drain()
        clock.now = local(2026, 11, 27, 7, 40)
        assert (await say(h, "guard_sun", f"返校 {code}")).startswith("已登记：张小明")
        assert (await leave(h, number)).status == "returned"
        async with h.db.read() as session:
            looks = [(r.reader, r.what, r.via) for r in await session.scalars(
                select(HealthRead).order_by(HealthRead.id))]
        assert ("doctor_he", "复课证明", "复课证明卡片") in looks
        row = await register_row(h, tmp_path)
        assert (row["诊断"], row["返校日期"], row["复课证明"], row["发病日期"]) == (
            "水痘", datetime(2026, 11, 27), "已确认（何丽）", None)  # one message: no onset asked


async def test_a_plain_sick_leave_closes_as_before_and_a_stray_photo_is_no_certificate(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        number, _ = await approved_code(h, "parent_zhang", "请假 张小明 明天 病假 发烧",
                                        "teacher_li")
        await say(h, "parent_zhang", "诊断 张小明 普通感冒")
        assert await send_photo(h, "parent_zhang", "MEDIA_X", 990003) == UNSUPPORTED_MESSAGE
        clock.now = local(2026, 11, 27, 7, 40)
        assert (await say(h, "teacher_li", f"销假 {number}")).startswith("已销假：张小明")


async def test_a_long_sick_leave_asks_for_the_certificate_when_approved(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock,
                       health=HealthConfig(certificate_after_days=1, notifiable=())) as h:
        number = await submit(h, "parent_zhang", "请假 张小明 明天到后天 病假 发烧")
        await say(h, "teacher_li", f"批准 {number}")
        assert h.last_text("parent_zhang") == (
            f"张小明的病假（单号{number}）超过1个上课日，返校前需要复课证明：请在这里直接发送"
            "医院开具的复课证明照片，校医确认后即可销假。")
        assert (await say(h, "teacher_li", f"销假 {number}")).startswith(
            f"暂不能销假：张小明的病假（单号{number}）超过1个上课日，须交复课证明")
