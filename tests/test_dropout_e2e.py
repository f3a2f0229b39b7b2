"""控辍保学 through the real app: a run of absence opens a case, every step is recorded with its
outcome, the case closes once the child is back, 休学 stops 旷课, and the month's ledger lists it
all (checked cell by cell)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from models.attendance import Truancy
from models.dropout import CaseAction, DropoutCase, Suspension
from models.messaging import AuditEntry
from models.repos.attendance import AttendanceRepo
from reports.ledger import HEADER, export_ledger
from tests.conftest import local
from tests.harness import FakeClock, Harness, running, student_id
from tests.test_jobs import job, school_days_from
from tests.test_leave_e2e import say


async def school_day(h: Harness, clock: FakeClock, day: date, class_id: int,
                     absent: list[int]) -> None:
    """One school day: the class reports (these absent all day), then 旷课 and the ladder."""
    clock.now = local(day.year, day.month, day.day, 17, 0)
    async with h.db.unit_of_work() as session:
        slot = day.toordinal() * 2
        await AttendanceRepo(session, 1).save_report(class_id, day, "teacher_li", clock(),
                                                     [(s, slot, slot + 1) for s in absent])
    await job(h, "truancy")
    await job(h, "escalation")


async def cases(h: Harness) -> list[DropoutCase]:
    async with h.db.read() as session:
        return list(await session.scalars(select(DropoutCase).order_by(DropoutCase.id)))


async def test_a_case_from_five_days_away_to_closed_with_every_step(
        demo_db: str, tmp_path: Path) -> None:
    clock = FakeClock(local(2026, 11, 9, 17, 0))
    async with running(demo_db, clock) as h:
        liu_yang, class_1 = await student_id(h.db, "刘洋")
        days = school_days_from(date(2026, 11, 9), 27, h)
        for day in days[:4]:
            await school_day(h, clock, day, class_1, [liu_yang])
        assert await cases(h) == []
        await school_day(h, clock, days[4], class_1, [liu_yang])
        [case] = await cases(h)
        assert (case.level, case.status, case.days_absent, case.opened_on) == (
            "疑似辍学", "在劝", 5, days[4])
        told = [t for t in h.texts_for("teacher_li") if "疑似辍学" in t]
        assert len(told) == 1 and "家访 刘洋 电话 未接通" in told[0]
        assert len([t for t in h.texts_for("office_zhao") if "疑似辍学" in t]) == 1

        # Each step, with its outcome, by the people who take it.
        assert await say(h, "teacher_li", "家访 刘洋 电话 未接通") == "已记录对刘洋家长的电话联系。"
        assert await say(h, "teacher_li", "家访 刘洋 见到爷爷，孩子在家玩手机不肯上学") == (
            "已记录对刘洋的家访。")
        assert await say(h, "principal_chen", "劝返 刘洋 会同村委家访，家长同意下周一送回") == (
            "已记录对刘洋的劝返情况。")
        assert await say(h, "office_zhao", "去向 刘洋 在家") == "已记录刘洋的去向。"
        assert await say(h, "parent_liu", "劝返 刘洋 好的") == (
            "抱歉，这项操作不在您的权限范围内。发送「帮助」可查看您能办理的事项。")

        # Still away at fifteen days: 辍学, the same case.
        for day in days[5:15]:
            await school_day(h, clock, day, class_1, [liu_yang])
        [case] = await cases(h)
        assert (case.level, case.status, case.days_absent) == ("辍学", "在劝", 15)

        # Back: 已返校 from the first day, 已销号 after ten school days at school.
        await school_day(h, clock, days[15], class_1, [])
        [case] = await cases(h)
        assert (case.status, case.returned_on, case.closed_on) == ("已返校", days[15], None)
        for day in days[16:25]:
            await school_day(h, clock, day, class_1, [])
        [case] = await cases(h)
        assert (case.status, case.returned_on, case.closed_on) == ("已销号", days[15], days[24])
        closed = [t for t in h.texts_for("teacher_li") if "已销号" in t]
        assert len(closed) == 1 and "刘洋" in closed[0]
        assert await say(h, "teacher_li", "家访 刘洋 电话 已返校") == (
            "刘洋没有在办的控辍保学个案，电话情况未记录。")

        async with h.db.read() as session:
            actions = [(a.kind, a.outcome, a.taken_by) for a in await session.scalars(
                select(CaseAction).order_by(CaseAction.id))]
            audited = [e.action for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "dropout_case")
                .order_by(AuditEntry.id))]
        # (What staff type is NFKC-folded: the full-width comma is stored as ",".)
        assert actions == [("电话", "未接通", "teacher_li"),
                           ("家访", "见到爷爷,孩子在家玩手机不肯上学", "teacher_li"),
                           ("劝返", "会同村委家访,家长同意下周一送回", "principal_chen")]
        assert audited == ["dropout_case_opened", "dropout_step_recorded",
                           "dropout_step_recorded", "dropout_step_recorded",
                           "dropout_whereabouts", *["dropout_case_changed"] * 12]

        # The ledger of November, cell by cell; October had no case: a zero report.
        out = tmp_path / "ledger.xlsx"
        done = await export_ledger(h.db, h.config, 1, "2026-11", out, actor="office_zhao",
                                   now=clock())
        assert done.cases == 1
        sheet = load_workbook(out).active
        assert sheet is not None
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0].startswith(f"{h.config.school.name} 控辍保学台账 2026年11月")
        assert tuple(rows[1]) == HEADER
        assert rows[2] == [
            1, "G2026070102", "刘洋", "初一(1)班", "辍学", datetime(2026, 11, 13), 15, "在家",
            "李静", "刘强（父亲）13800000003",
            "11-13 电话（李静）：未接通\n11-13 家访（李静）：见到爷爷,孩子在家玩手机不肯上学\n"
            "11-13 劝返（陈志华）：会同村委家访,家长同意下周一送回",
            "已销号", datetime(2026, 11, 30), datetime(2026, 12, 11)]
        assert len(rows) == 3
        await export_ledger(h.db, h.config, 1, "2026-10", out, actor="office_zhao", now=clock())
        sheet = load_workbook(out).active
        assert sheet is not None
        assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [
            "本月无疑似辍学或辍学学生（零报告）"]


async def test_no_truancy_during_a_suspension_and_again_after_it(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 9, 8, 0))
    async with running(demo_db, clock) as h:
        liu_yang, class_1 = await student_id(h.db, "刘洋")
        assert await say(h, "teacher_li", "休学 刘洋 2026-11-09 至 2026-11-13 病休") == (
            "抱歉，这项操作不在您的权限范围内。发送「帮助」可查看您能办理的事项。")
        for text, answer in [
            ("休学 刘洋 2026-02-30 至 2026-11-13 病休", "日期不存在"),
            ("休学 刘洋 2026-11-13 至 2026-11-09 病休", "结束日期须在开始日期之后"),
            ("休学 刘洋 明天 病休", "休学的写法"),
            ("休学 王不存在 2026-11-09 至 2026-11-13 病休", "没有找到学生「王不存在」"),
        ]:
            assert answer in await say(h, "principal_chen", text)
        assert await say(h, "principal_chen", "休学 刘洋 2026年11月9日 至 2026-11-13 病休") == (
            "已登记刘洋休学：2026-11-09至2026-11-13（病休）。休学期间不记旷课；期满请按时返校。")
        for day in school_days_from(date(2026, 11, 9), 6, h):
            await school_day(h, clock, day, class_1, [liu_yang])
        async with h.db.read() as session:
            marked = [t.day for t in await session.scalars(select(Truancy))]
            [suspension] = list(await session.scalars(select(Suspension)))
        assert marked == [date(2026, 11, 16)]  # the Monday after it ended
        assert (suspension.recorded_by, suspension.reason) == ("principal_chen", "病休")
        assert await say(h, "principal_chen", "劝返 刘洋 电话联系") == (
            "刘洋没有在办的控辍保学个案。")


async def test_the_principal_is_reminded_of_the_ledger_on_its_day(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 24, 9, 0))
    async with running(demo_db, clock) as h:
        await job(h, "dropout-ledger")
        assert h.texts_for("principal_chen") == []
        clock.now = local(2026, 11, 25, 9, 0)
        await job(h, "dropout-ledger")
        assert h.texts_for("principal_chen") == [
            "控辍保学月报：本月没有疑似辍学或辍学学生，台账为零报告。请核对后上报教育主管部门。"
            "导出台账：在管理端下载，或运行 qingjia report dropout-ledger --month 2026-11 "
            "--out 台账.xlsx"]


async def test_help_names_the_case_commands(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 24, 9, 0))
    async with running(demo_db, clock) as h:
        assert "休学 学生 开始日期 至 结束日期 事由" in await say(h, "principal_chen", "帮助")
        assert "家访 学生 电话 结果" in await say(h, "teacher_li", "帮助")
        assert "劝返 学生 情况" in await say(h, "office_zhao", "帮助")
