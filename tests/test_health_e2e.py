"""因病缺勤登记追踪 through the real app: symptoms with the report, a cluster told once, the 校医's
daily summary with the zero report and the missing class, the next morning's follow-up, 病假."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from models.health import HealthAlert, HealthConsent, IllnessAbsence
from models.repos.roster import RosterRepo
from reports.illness import HEADER, export_illness
from tests.conftest import local
from tests.harness import FakeClock, Harness, running, student_id
from tests.test_jobs import job
from tests.test_leave_e2e import say, submit


async def absences(h: Harness) -> list[IllnessAbsence]:
    async with h.db.read() as session:
        return list(await session.scalars(select(IllnessAbsence).order_by(IllnessAbsence.id)))


async def consented(h: Harness, *names: str) -> None:
    """Every guardian of these demo children has said 同意 to keeping health details."""
    async with h.db.unit_of_work() as session:
        for name in names:
            sid, _ = await student_id(h.db, name)
            for guardian in await RosterRepo(session, 1).guardians_of(sid):
                session.add(HealthConsent(school_id=1, student_id=sid, guardian=guardian,
                                          channel="企业微信", created_at=h.clock(),
                                          asked_at=h.clock(), answer=True,
                                          answered_at=h.clock()))


async def test_three_with_fever_in_one_class_alert_the_doctor_and_principal_once(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await consented(h, "张小明", "刘洋", "黄欣怡")
        reply = await say(h, "teacher_li", "考勤 缺勤 张小明(发热) 刘洋(发烧、咳嗽) 黄欣怡(发热)")
        assert reply.startswith("已记录初一(1)班11月25日考勤：缺勤3人。其中因病3人，已登记症状。")
        alert = ("【聚集性病例预警】初一(1)班近3个上课日有3名学生发热：张小明、刘洋、黄欣怡。请校医"
                 "立即核实；确认为聚集性疫情的，须在24小时内报告属地疾病预防控制机构和教育行政部门。")
        assert h.texts_for("doctor_he") == [alert]
        assert h.texts_for("principal_chen") == [alert]
        # The report corrected: the same cluster is not told again.
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热、咳嗽) 刘洋(发热) 黄欣怡(发热)")
        assert len(h.texts_for("doctor_he")) == 1
        rows = await absences(h)
        assert [(r.symptoms, r.source, r.recorded_by) for r in rows] == [
            (["发热", "咳嗽"], "attendance", "teacher_li"),
            (["发热", "咳嗽"], "attendance", "teacher_li"),
            (["发热"], "attendance", "teacher_li")]
        async with h.db.read() as session:
            [saved] = list(await session.scalars(select(HealthAlert)))
        assert (saved.symptom, len(saved.students)) == ("发热", 3)


async def test_the_summary_counts_a_zero_report_and_names_the_class_missing(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await say(h, "teacher_li", "考勤 全勤")
        clock.now = local(2026, 11, 25, 10, 0)
        await job(h, "health-summary")
        assert h.texts_for("doctor_he") == [
            "11月25日因病缺课日报：1/2个班已上报，因病缺课0人（症状：无）。\n未上报：初一(2)班"]
        assert h.texts_for("office_zhao") == []  # the school has a 校医


async def test_a_diagnosis_is_asked_the_next_morning_and_recorded(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await consented(h, "张小明")
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热)")
        clock.now = local(2026, 11, 25, 10, 0)
        await job(h, "health-summary")
        assert h.texts_for("doctor_he")[-1].startswith(
            "11月25日因病缺课日报：1/2个班已上报，因病缺课1人（症状：发热1人）。\n分班：初一(1)班1人")
        clock.now = local(2026, 11, 26, 8, 0)
        await job(h, "illness-followup")
        assert h.last_text("teacher_li") == (
            "张小明11月25日因病缺课（发热）。就诊了吗，诊断是什么？请回复：诊断 张小明 诊断结果\n"
            "（没有就诊请回复：诊断 张小明 未就诊）")
        await job(h, "illness-followup")  # asked once
        assert sum("就诊了吗" in t for t in h.texts_for("teacher_li")) == 1
        assert await say(h, "parent_liu", "诊断 张小明 感冒") == "您的孩子中没有「张小明」。"
        assert await say(h, "teacher_li", "诊断 张小明 流感") == (
            "已记录张小明11月25日因病缺课的诊断：流感。")
        assert await say(h, "parent_zhang", "诊断 张小明 流感（医院确诊）") == (
            "已记录张小明11月25日因病缺课的诊断：流感(医院确诊)。")
        assert await say(h, "guard_sun", "诊断 张小明 流感") == (
            "抱歉，这项操作不在您的权限范围内。发送「帮助」可查看您能办理的事项。")
        [row] = await absences(h)
        assert (row.diagnosis, row.diagnosed_by) == ("流感(医院确诊)", "parent_zhang")


async def test_an_approved_sick_leave_is_an_illness_absence_with_its_symptoms(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 0))
    async with running(demo_db, clock) as h:
        await consented(h, "刘洋")
        number = await submit(h, "parent_liu", "请假 刘洋 明天 病假 发烧咳嗽")
        assert await absences(h) == []  # not until it is approved
        await say(h, "teacher_li", f"批准 {number}")
        [row] = await absences(h)
        assert (row.symptoms, row.source, row.leave_id, str(row.day)) == (
            ["发热", "咳嗽"], "leave", number, "2026-11-26")


async def test_the_register_lists_each_absence_with_its_diagnosis(demo_db: str,
                                                                   tmp_path: Path) -> None:
    clock = FakeClock(local(2026, 11, 25, 8, 40))
    async with running(demo_db, clock) as h:
        await consented(h, "张小明", "刘洋")
        await say(h, "teacher_li", "考勤 缺勤 张小明(发热、咳嗽) 刘洋(腹泻)")
        clock.now = local(2026, 11, 26, 9, 0)
        await say(h, "teacher_li", "诊断 张小明 流感")
        out = tmp_path / "illness.xlsx"
        done = await export_illness(h.db, h.config, 1, date(2026, 11, 1), date(2026, 11, 30), out,
                                    actor="doctor_he", now=clock())
        assert done.absences == 2
        sheet = load_workbook(out).active
        assert sheet is not None
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert tuple(rows[0]) == HEADER
        day = datetime(2026, 11, 25)
        assert rows[1:] == [
            [1, "G2026070101", "张小明", "初一(1)班", "13800000001", "发热、咳嗽", day, day,
             "班主任考勤", "流感", "李静", datetime(2026, 11, 26, 9, 0), "李静",
             datetime(2026, 11, 25, 8, 40)],
            [2, "G2026070102", "刘洋", "初一(1)班", "13800000003", "腹泻", day, day, "班主任考勤",
             "待追踪", None, None, "李静", datetime(2026, 11, 25, 8, 40)]]
