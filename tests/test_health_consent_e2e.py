"""Health details under 个人信息保护法, through the real app: the guardian's consent asked once,
a refusal that keeps no symptom anywhere, consent counting from its answer on, every look by
staff logged, the purge after the school year, and `我的数据`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models.health import HealthAlert, HealthConsent, HealthRead, IllnessAbsence
from models.leave import Leave
from models.messaging import AuditEntry, OutboxMessage
from models.rules.textparts import size
from reports.common import ReportError
from reports.illness import export_illness
from tests.conftest import local
from tests.harness import FakeClock, Harness, consent_all, make_family, running, student_id
from tests.pages import csrf_of, post_form
from tests.test_family_e2e import notices
from tests.test_jobs import job
from tests.test_leave_e2e import say, submit

ASK = ("【健康信息保存征求意见】孩子{name}请了病假或因病缺课。学校想为孩子保存健康信息，"
       "需要您单独同意：\n保存什么：症状、诊断、复课证明；\n谁能看：审批人、班主任、校医、校长（每次查看都有记录）；\n"
       "保存多久：到本学年结束后180天，到期删除。\n同意请回复：同意\n不同意请回复：不同意\n"
       "不同意也照常请假，只是不记录病情，班主任会电话了解孩子情况。")
HEALTH_WORDS = ("发烧", "发热", "咳嗽", "流感")


async def rows(h: Harness, model: type) -> list:  # type: ignore[type-arg]
    async with h.db.read() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


def asks(h: Harness, userid: str) -> list[str]:
    return [t for t in h.texts_for(userid) if t.startswith("【健康信息保存征求意见】")]


async def test_a_refusal_keeps_no_symptom_in_any_row_audit_or_message(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        echo = await say(h, "parent_liu", "请假 刘洋 今天 病假 发烧咳嗽")
        assert "事由：病情未记录（家长同意保存健康信息后才记录）" in echo and "发烧" not in echo
        number = await say(h, "parent_liu", "确认")
        [leave] = await rows(h, Leave)
        assert f"单号{leave.id}" in number
        await say(h, "teacher_li", f"批准 {leave.id}")
        assert asks(h, "parent_liu") == []  # asked by the next morning's follow-up
        clock.now = local(2026, 11, 26, 8, 0)
        await job(h, "illness-followup")
        assert asks(h, "parent_liu") == [ASK.format(name="刘洋")]
        assert h.last_text("teacher_li") == (
            "刘洋11月25日因病缺课。家长尚未同意学校保存健康信息，症状和诊断不作登记，"
            "请电话了解孩子情况（不必回复诊断）。")
        assert await say(h, "parent_liu", "不同意") == (
            "已记录：您不同意学校保存刘洋的健康信息。请病假照常，病情不作记录，班主任会电话了解。"
            "想改变主意，随时回复：同意")
        assert await say(h, "teacher_li", "诊断 刘洋 流感") == (
            "刘洋的家长未同意学校保存健康信息，诊断未记录。请电话了解孩子情况；"
            "家长同意后，以后的病情才会记录。")
        clock.now = local(2026, 11, 27, 8, 40)
        assert (await say(h, "teacher_li", "考勤 缺勤 刘洋(发热)")).startswith(
            "已记录初一(1)班11月27日考勤：缺勤1人。其中因病1人；刘洋的家长未同意保存健康信息，"
            "症状不登记，请电话了解。")
        clock.now = local(2026, 11, 30, 8, 0)
        await job(h, "illness-followup")
        assert h.last_text("teacher_li").startswith("刘洋11月27日因病缺课。家长未同意")
        assert not any("就诊了吗" in t for t in h.texts_for("teacher_li"))
        assert len(asks(h, "parent_liu")) == 1  # asked once
        assert [(str(r.day), r.symptoms, r.diagnosis) for r in await rows(h, IllnessAbsence)] == [
            ("2026-11-25", [], None), ("2026-11-27", [], None)]
        [saved] = await rows(h, Leave)
        assert saved.reason == "病情未记录（家长同意保存健康信息后才记录）"
        [consent] = await rows(h, HealthConsent)
        assert (consent.guardian, consent.answer, consent.channel) == (
            "parent_liu", False, "企业微信")
        kept = [json.dumps([a.before, a.after, a.note], ensure_ascii=False)
                for a in await rows(h, AuditEntry)]
        kept += [json.dumps(m.payload, ensure_ascii=False) for m in await rows(h, OutboxMessage)]
        assert kept and not [k for k in kept if any(w in k for w in HEALTH_WORDS)]


async def test_consent_counts_from_its_answer_and_never_reaches_back(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热)")
        clock.now = local(2026, 11, 26, 8, 0)
        await job(h, "illness-followup")
        assert asks(h, "parent_zhang") == [ASK.format(name="张小明")]
        assert asks(h, "parent_lin") == [ASK.format(name="张小明")]
        assert await say(h, "parent_zhang", "同意") == (
            "已记录：您同意学校保存张小明的健康信息（症状、诊断、复课证明），从现在起的病假会记录。"
            "想改变主意，随时回复：不同意")
        assert await say(h, "parent_wu", "同意") == (
            "学校还没有就保存孩子的健康信息征求过您的意见，不需要回复。")
        clock.now = local(2026, 11, 26, 8, 40)
        reply = await say(h, "teacher_li", "考勤 缺勤 张小明(咳嗽)")
        assert "其中因病1人，已登记症状。" in reply
        clock.now = local(2026, 11, 27, 8, 0)
        await job(h, "illness-followup")
        assert len(asks(h, "parent_zhang")) == 1
        assert h.last_text("teacher_li").startswith("张小明11月26日因病缺课（咳嗽）。就诊了吗")
        assert [(str(r.day), r.symptoms) for r in await rows(h, IllnessAbsence)] == [
            ("2026-11-25", []), ("2026-11-26", ["咳嗽"])]
        assert await say(h, "teacher_li", "诊断 张小明 流感") == (
            "已记录张小明11月26日因病缺课的诊断：流感。")
        sid, _ = await student_id(h.db, "张小明")
        assert [(r.reader, r.student_id, r.what, r.via) for r in await rows(h, HealthRead)] == [
            ("teacher_li", sid, "症状", "追踪"), ("teacher_li", sid, "诊断", "诊断回复")]
        audit = [(a.actor, a.action, a.after) for a in await rows(h, AuditEntry)
                 if a.action == "health_consent"]
        assert audit == [("parent_zhang", "health_consent", {"consent": True})]


async def test_a_family_parent_answers_on_the_page_the_school_notice_opens(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await make_family(h.db, 1, "parent_liu")
        await say(h, "teacher_li", "考勤 缺勤 刘洋(发热)")
        clock.now = local(2026, 11, 26, 8, 0)
        await job(h, "illness-followup")
        [news] = notices(h, "parent_liu")
        assert (news["kind"], news["title"]) == ("news", "健康信息保存征求意见")
        assert news["description"].startswith("孩子刘洋请了病假或因病缺课")
        assert news["url"] == h.config.server.public_url.rstrip("/") + "/h5/consent"
        page = await h.sign_in("parent_liu", "/h5/consent", kind="parent")
        html = await page.text()
        assert page.status == 200 and "刘洋：未答复" in html
        assert "保存什么：症状、诊断、复课证明；" in html
        forged = await post_form(h, "/h5/consent", {"csrf": "forged", "answer": "yes"})
        assert forged.status == 403
        done = await post_form(h, "/h5/consent", {"csrf": csrf_of(html), "answer": "yes"})
        after = await done.text()
        assert done.status == 200 and "刘洋：同意" in after
        assert "已记录：您同意学校保存孩子的健康信息，从现在起的病假会记录。" in after
        [consent] = await rows(h, HealthConsent)
        assert (consent.guardian, consent.channel, consent.answer) == ("parent_liu", "家校", True)
        clock.now = local(2026, 11, 26, 8, 40)
        await say(h, "teacher_li", "考勤 缺勤 刘洋(咳嗽)")
        assert [r.symptoms for r in await rows(h, IllnessAbsence)] == [[], ["咳嗽"]]
        await post_form(h, "/auth/signout", {"csrf": csrf_of(after)})
        stranger = await h.sign_in("parent_huang", "/h5/consent")
        assert "学校还没有就保存孩子的健康信息征求过您的意见" in await stranger.text()


async def test_every_look_by_staff_is_logged_and_others_are_refused(demo_db: str,
                                                                     tmp_path: Path) -> None:
    await consent_all(demo_db)
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        sid, _ = await student_id(h.db, "张小明")
        liu, _ = await student_id(h.db, "刘洋")
        number = await submit(h, "parent_liu", "请假 刘洋 明天 病假 咳嗽")
        assert "事由：咳嗽" in await say(h, "teacher_li", f"查看 {number}")
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热)")
        assert await say(h, "doctor_he", "诊断 张小明 流感") == (
            "已记录张小明11月25日因病缺课的诊断：流感。")
        clock.now = local(2026, 11, 25, 10, 0)
        await job(h, "health-summary")
        assert "症状：发热1人" in h.last_text("doctor_he")
        await export_illness(h.db, h.config, 1, date(2026, 11, 1), date(2026, 11, 30),
                             tmp_path / "a.xlsx", actor="cli:doctor_he", now=clock())
        with pytest.raises(ReportError, match="office_zhao may not see"):
            await export_illness(h.db, h.config, 1, date(2026, 11, 1), date(2026, 11, 30),
                                 tmp_path / "b.xlsx", actor="office_zhao", now=clock())
        assert not (tmp_path / "b.xlsx").exists()
        other = await export_illness(h.db, h.config, 1, date(2026, 11, 1), date(2026, 11, 30),
                                     tmp_path / "c.xlsx", actor="cli:teacher_wang", now=clock())
        assert other.absences == 0  # 初一(2)班's 班主任 sees none of 初一(1)班's children
        at = [datetime(2026, 11, 25, 0, 40), datetime(2026, 11, 25, 2, 0)]
        assert [(r.reader, r.student_id, r.what, r.via, r.at.replace(tzinfo=None))
                for r in await rows(h, HealthRead)] == [
            ("teacher_li", liu, "症状", "审批卡片", at[0]),
            ("teacher_li", liu, "症状", "查看", at[0]),
            ("doctor_he", sid, "诊断", "诊断回复", at[0]),
            ("doctor_he", sid, "症状", "日报", at[1]),
            ("doctor_he", sid, "症状、诊断", "登记表", at[1])]


async def test_the_purge_blanks_what_is_past_its_school_year_and_nothing_else(
        demo_db: str) -> None:
    clock = FakeClock(local(2027, 1, 27, 3, 45))
    async with running(demo_db, clock) as h:
        zhang, cls = await student_id(h.db, "张小明")
        liu, _ = await student_id(h.db, "刘洋")
        async with h.db.unit_of_work() as session:
            # 2025-2026 (no term configured: the year ends 31 July) and 2026-2027 (ends 2 July).
            for who, day in ((zhang, date(2026, 5, 11)), (liu, date(2026, 11, 25))):
                session.add(IllnessAbsence(
                    school_id=1, student_id=who, class_id=cls, day=day, last_day=day,
                    symptoms=["发热"], source="attendance", recorded_by="teacher_li",
                    recorded_at=clock(), diagnosis="流感", diagnosed_by="doctor_he",
                    diagnosed_at=clock(), onset=day, certificate_media="media-cert",
                    certificate_at=clock(), certificate_confirmed_by="doctor_he",
                    certificate_confirmed_at=clock()))
                session.add(HealthAlert(school_id=1, class_id=cls, symptom="发热", day=day,
                                        students=[who], created_at=clock()))
                for kind, reason in (("病假", "发烧"), ("事假", "探亲")):
                    session.add(Leave(
                        school_id=1, student_id=who, kind=kind, start_date=day, end_date=day,
                        start_slot=0, end_slot=1, days=1, routing_days=1, reason=reason,
                        health={"symptoms": ["发热"], "onset": str(day), "diagnosis": "流感"}
                        if kind == "病假" else None,
                        evidence_media_id="MEDIA_NOTE" if kind == "病假" else None,
                        status="approved", tier_index=0, tier_since=clock(),
                        submitted_by="parent_zhang", submitted_at=clock()))

        async def state() -> list[tuple[str, list[str], str | None]]:
            absences = await rows(h, IllnessAbsence)
            for r in absences:  # the rest goes with the symptoms; the confirmation is a fact
                kept = r.symptoms != []
                assert (r.onset is not None, r.certificate_media is not None) == (kept, kept)
                assert r.certificate_confirmed_at is not None
            return [(str(r.day), r.symptoms, r.diagnosis) for r in absences]

        async def reasons() -> list[str]:
            leaves = await rows(h, Leave)
            assert all((leave.health is not None) == (leave.reason == "发烧")
                       == (leave.evidence_media_id is not None) for leave in leaves)
            return [leave.reason for leave in leaves]

        await job(h, "health-purge")  # 31 July 2026 + 180 days is today: still kept
        assert await state() == [("2026-05-11", ["发热"], "流感"), ("2026-11-25", ["发热"], "流感")]
        assert await reasons() == ["发烧", "探亲", "发烧", "探亲"]
        clock.now = local(2027, 1, 28, 3, 45)
        await job(h, "health-purge")
        assert await state() == [("2026-05-11", [], None), ("2026-11-25", ["发热"], "流感")]
        assert [str(a.day) for a in await rows(h, HealthAlert)] == ["2026-11-25"]
        assert await reasons() == ["病情已按期删除", "探亲", "发烧", "探亲"]
        clock.now = local(2027, 12, 30, 3, 45)  # 2 July 2027 + 180 days has passed
        await job(h, "health-purge")
        assert await state() == [("2026-05-11", [], None), ("2026-11-25", [], None)]
        assert await reasons() == ["病情已按期删除", "探亲", "病情已按期删除", "探亲"]
        assert await rows(h, HealthAlert) == []


async def test_my_data_shows_a_parent_what_is_kept_in_pages_that_fit(demo_db: str) -> None:
    await consent_all(demo_db)
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热、咳嗽)")
        await say(h, "teacher_li", "诊断 张小明 流感")
        assert await say(h, "parent_zhang", "我的数据") == (
            "学校保存的您孩子的信息：\n"
            "【张小明】初一(1)班 学籍号G2026070101\n"
            "健康信息：您的答复 同意（2026年8月25日）；目前保存孩子的症状和诊断\n"
            "请假：无\n"
            "因病缺课 2026年11月25日；症状：发热、咳嗽；诊断：流感\n"
            "【张小红】初一(2)班 学籍号G2026070201\n"
            "健康信息：您的答复 同意（2026年8月25日）；目前保存孩子的症状和诊断\n"
            "请假：无\n"
            "因病缺课：无\n"
            "健康信息（症状、诊断）只有审批人、班主任、校医、校长能看，学年结束后按期删除。")
        zhang, cls = await student_id(h.db, "张小明")
        async with h.db.unit_of_work() as session:
            for n in range(60):
                day = date(2026, 9, 1 + n % 30) if n < 30 else date(2026, 10, 1 + n % 30)
                session.add(IllnessAbsence(
                    school_id=1, student_id=zhang, class_id=cls, day=day, last_day=day,
                    symptoms=["发热", "咳嗽", "头痛"], source="attendance",
                    recorded_by="teacher_li", recorded_at=clock(), diagnosis="上呼吸道感染"))
        first = await say(h, "parent_zhang", "我的数据")
        assert size(first) <= 2048 and "回复「我的数据 2」查看" in first
        second = await say(h, "parent_zhang", "我的数据 2")
        assert size(second) <= 2048 and second.startswith("学校保存的您孩子的信息：")
        assert await say(h, "parent_zhang", "我的数据 99") == (
            "没有第99页。发送「我的数据」从第1页看起。")
