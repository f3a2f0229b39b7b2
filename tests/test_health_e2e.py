"""因病缺勤登记追踪 through the real app: symptoms with the report, a cluster told once, the 校医's
daily summary with the zero report and the missing class, the next morning's follow-up, 病假."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import keys
from models.health import HealthAlert, HealthConsent, IllnessAbsence
from models.repos.roster import RosterRepo
from reports.illness import export_illness
from tests.conftest import local
from tests.harness import (
    DEMO_ROSTER,
    FakeClock,
    Harness,
    consent_all,
    prepare_database,
    running,
    student_id,
)
from tests.test_jobs import job
from tests.test_leave_e2e import code_from, say, submit


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


@pytest.fixture
async def november_db(sqlite_url: str, tmp_path: Path) -> str:
    """The demo school, except that the roster gives 刘洋 no 性别 and no 出生日期."""
    roster = tmp_path / "roster"
    roster.mkdir()
    students = (DEMO_ROSTER / "students.csv").read_text(encoding="utf-8")
    assert "刘洋,初一,(1)班,刘强,parent_liu,13800000003,父亲,男,2013-09-02" in students
    (roster / "students.csv").write_text(students.replace("父亲,男,2013-09-02", "父亲,,"),
                                         encoding="utf-8")
    (roster / "staff.csv").write_bytes((DEMO_ROSTER / "staff.csv").read_bytes())
    await prepare_database(sqlite_url, roster_dir=roster)
    await consent_all(sqlite_url)  # the families agreed to keep health details
    return sqlite_url


async def live_november(h: Harness) -> None:
    """张小红's 病假 of 10–11 November, 未就诊, back on the 12th; 张小明 (流感) and 刘洋 (no answer)
    reported sick by 李静 on the 25th."""
    h.clock.now = local(2026, 11, 6, 16, 0)  # a Friday
    number = await submit(h, "parent_zhang", "请假 张小红 下周二至周三 病假 发烧")
    h.clock.now = local(2026, 11, 6, 16, 5)
    assert "已批准" in await say(h, "teacher_wang", f"批准 {number}")
    code = code_from(h.texts_for("parent_zhang")[-1])
    h.clock.now = local(2026, 11, 10, 7, 30)
    assert "已登记" in await say(h, "guard_sun", f"放行 {code}")
    h.clock.now = local(2026, 11, 11, 8, 0)
    await job(h, "illness-followup")
    h.clock.now = local(2026, 11, 11, 9, 0)
    assert "未就诊" in await say(h, "parent_zhang", "诊断 张小红 未就诊")
    h.clock.now = local(2026, 11, 12, 7, 40)
    assert "已销假" in await say(h, "guard_sun", f"返校 {code}")
    h.clock.now = local(2026, 11, 25, 8, 40)
    await say(h, "teacher_li", "考勤 缺勤 张小明(发热、咳嗽) 刘洋(腹泻)")
    h.clock.now = local(2026, 11, 26, 8, 0)
    await job(h, "illness-followup")
    h.clock.now = local(2026, 11, 26, 9, 0)
    assert "流感" in await say(h, "teacher_li", "诊断 张小明 流感")


async def test_the_register_of_a_known_month_cell_by_cell(november_db: str,
                                                         tmp_path: Path) -> None:
    async with running(november_db, FakeClock(local(2026, 11, 6, 16, 0))) as h:
        await live_november(h)
        out = tmp_path / "illness.xlsx"
        done = await export_illness(h.db, h.config, h.app[keys.SCHOOL_ID], date(2026, 11, 1),
                                    date(2026, 11, 30), out, actor="cli:doctor_he",
                                    now=local(2026, 11, 30, 17, 0))
    assert done.absences == 3
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet["A1"].value == ("示范中学 因病缺课登记表（2026-11-01至2026-11-30，"
                                 "导出于2026-11-30 17:00）")
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0] == [
        "序号", "学籍号", "姓名", "性别", "年龄", "班级", "家长电话", "症状", "发病日期",
        "是否就诊", "诊断", "缺课开始", "缺课结束", "来源", "追问日期", "诊断登记人",
        "诊断登记时间", "返校日期", "复课证明", "登记人", "登记时间"]
    day = datetime(2026, 11, 25)
    asked = datetime(2026, 11, 26)
    assert rows[1:] == [
        [1, "G2026070201", "张小红", "女", 13, "初一(2)班", "13800000001", "发热", None, "否",
         None, datetime(2026, 11, 10), datetime(2026, 11, 11), "病假", datetime(2026, 11, 11),
         "张伟", datetime(2026, 11, 11, 9, 0), datetime(2026, 11, 12), None, "王海燕",
         datetime(2026, 11, 6, 16, 5)],
        [2, "G2026070101", "张小明", "男", 13, "初一(1)班", "13800000001", "发热、咳嗽", None,
         "是", "流感", day, day, "班主任考勤", asked, "李静", datetime(2026, 11, 26, 9, 0), None,
         None, "李静", datetime(2026, 11, 25, 8, 40)],
        [3, "G2026070102", "刘洋", None, None, "初一(1)班", "13800000003", "腹泻", None, None,
         "待追踪", day, day, "班主任考勤", asked, None, None, None, None, "李静",
         datetime(2026, 11, 25, 8, 40)]]
    for row in sheet.iter_rows(min_row=3):
        assert row[0].data_type == "n" and type(row[0].value) is int  # 序号
        assert row[4].value is None or type(row[4].value) is int  # 年龄, whole years
        for cell in (row[11], row[12], row[14], row[17]):  # the days: date cells, no time
            assert cell.value is None or (cell.is_date and cell.number_format == "yyyy-mm-dd")
        for cell in (row[16], row[20]):  # the moments: date and time
            assert cell.value is None or (cell.is_date and "h:mm" in cell.number_format)
