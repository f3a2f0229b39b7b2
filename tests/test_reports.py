"""The exports: a known October checked cell by cell, a dropout case in Word, the CLI's refusals.

The month (tests/report_month.py) is lived through the chat and the truancy run; every figure
expected here was counted by hand from its story.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from sqlalchemy import select

from bot import cli, keys
from bot.school import open_school
from models.attendance import EscalationStep, Truancy
from models.db import Database
from models.messaging import AuditEntry
from models.roster import Student
from reports.attendance import export_attendance
from reports.leaves import export_leaves
from tests.conftest import local
from tests.harness import FakeClock, make_config, running
from tests.report_month import SCHOOL_DAYS, build_october
from tests.test_attendance_e2e import config_file
from tests.test_jobs import school_days_from
from tests.test_leave_e2e import say

EXPORTED = FakeClock(local(2026, 11, 2, 9, 0))  # the admin exports on a Monday morning
OCTOBER = ["--from", "2026-10-01", "--to", "2026-10-31"]

# ---- what the month must read, counted by hand ----------------------------------------------

DAY_HEADERS = ["10月8日(四)", "10月9日(五)", "10月10日(六,调休)", "10月12日(一)", "10月13日(二)",
               "10月14日(三)", "10月15日(四)", "10月16日(五)", "10月19日(一)", "10月20日(二)",
               "10月21日(三)", "10月22日(四)", "10月23日(五)", "10月26日(一)", "10月27日(二)",
               "10月28日(三)", "10月29日(四)", "10月30日(五)"]
U = "未报"
# (学籍号, 姓名, the days not 出勤, (出勤, 病假, 事假, 旷课, 未报))
CLASS_1 = [
    ("G2026070101", "张小明", {12: "病", 13: "病"}, (16, 2, 0, 0, 0)),
    ("G2026070102", "刘洋", {14: "事", 21: "旷"}, (16, 0, 1, 1, 0)),  # the 14th: 补假
    ("G2026070103", "黄欣怡", {10: "上午旷 下午出勤"}, (17.5, 0, 0, 0.5, 0)),
]
CLASS_2 = [
    ("G2026070201", "张小红", {9: U, 15: "上午出勤 下午事", 20: U, 27: "旷"}, (14.5, 0, 0.5, 1, 2)),
    ("G2026070202", "杨子涵", {9: U, 20: U, 26: "上午事 下午旷"}, (15, 0, 0.5, 0.5, 2)),
    ("G2026070203", "吴俊杰", {9: U, 20: U, 22: "上午出勤 下午事"}, (15.5, 0, 0.5, 0, 2)),
]
SUMMARY_HEADER = ["班级", "在籍人数", "上课日数", "未报天数", "应出勤人天", "出勤人天", "病假人天",
                  "事假人天", "旷课人天", "未报人天", "出勤率"]
SUMMARY_1 = ["初一(1)班", 3, 18, 0, 54, 49.5, 2, 1, 1.5, 0, 49.5 / 54]
SUMMARY_2 = ["初一(2)班", 3, 18, 2, 48, 45, 0, 1.5, 1.5, 6, 45 / 48]
SUMMARY_ALL = ["合计", 6, 18, 2, 102, 94.5, 2, 2.5, 3, 6, 94.5 / 102]
LIVE_TRUANCY = {("G2026070103", date(2026, 10, 10)): 0.5, ("G2026070102", date(2026, 10, 21)): 1,
                ("G2026070202", date(2026, 10, 26)): 0.5, ("G2026070201", date(2026, 10, 27)): 1}
LEAVE_HEADER = ["单号", "学籍号", "姓名", "班级", "类型", "天数", "开始日期", "开始", "结束日期",
                "结束", "状态", "提交时间", "审批人", "审批时间", "离校时间", "返校时间"]


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 10, day, hour, minute)


def expected_leaves(n: dict[str, int]) -> list[list[Any]]:
    d = at
    return [
        [n["张小明病假"], "G2026070101", "张小明", "初一(1)班", "病假", 2, d(12, 0, 0), "上午",
         d(13, 0, 0), "下午", "已销假", d(9, 7, 30), "李静", d(9, 7, 35), d(12, 7, 30),
         d(14, 7, 40)],
        [n["刘洋补假"], "G2026070102", "刘洋", "初一(1)班", "事假", 1, d(14, 0, 0), "上午",
         d(14, 0, 0), "下午", "已批准", d(15, 7, 30), "李静", d(15, 7, 35), None, None],
        [n["张小红半天"], "G2026070201", "张小红", "初一(2)班", "事假", 0.5, d(15, 0, 0), "下午",
         d(15, 0, 0), "下午", "已批准", d(15, 7, 45), "王海燕", d(15, 7, 50), None, None],
        [n["吴俊杰临时"], "G2026070203", "吴俊杰", "初一(2)班", "临时请假", 1, d(22, 0, 0),
         "10:00", d(22, 0, 0), "16:00", "已销假", d(22, 10, 0), "王海燕", d(22, 10, 0),
         d(22, 10, 15), d(22, 15, 30)],
        [n["杨子涵上午"], "G2026070202", "杨子涵", "初一(2)班", "事假", 0.5, d(26, 0, 0), "上午",
         d(26, 0, 0), "上午", "已批准", d(26, 7, 30), "王海燕", d(26, 7, 35), None, None],
        [n["张小红驳回"], "G2026070201", "张小红", "初一(2)班", "事假", 1, d(27, 0, 0), "上午",
         d(27, 0, 0), "下午", "已驳回", d(27, 7, 30), "王海燕", d(27, 7, 35), None, None],
        [n["黄欣怡撤销"], "G2026070103", "黄欣怡", "初一(1)班", "事假", 1, d(29, 0, 0), "上午",
         d(29, 0, 0), "下午", "已撤销", d(28, 7, 30), None, None, None, None],
    ]


# ---- the month, built once --------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    url: str
    config: Path
    leaves: dict[str, int]
    folder: Path


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> Month:
    folder = tmp_path_factory.mktemp("october")
    url = f"sqlite+aiosqlite:///{folder}/school.db"
    leaves = asyncio.run(build_october(url))
    return Month(url, config_file(folder, url), leaves, folder)


def run(month: Month, *argv: str) -> int:
    return cli.main([*argv, "--config", str(month.config)], clock=EXPORTED)


def rows(sheet: Any) -> list[list[Any]]:
    """Each row's values with the empty cells at its end dropped."""
    out = []
    for row in sheet.iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        out.append(values)
    return out


def class_rows(students: list[tuple[str, str, dict[int, str], tuple[float, ...]]]
               ) -> list[list[Any]]:
    return [[no, name, *[marks.get(d.day, "出勤") for d in SCHOOL_DAYS], *totals]
            for no, name, marks, totals in students]


def check_attendance(book: Any, *, classes: tuple[str, ...] = ("初一(1)班", "初一(2)班")) -> None:
    """Every cell of the October workbook (or of one class's) against the hand counts."""
    assert book.sheetnames == ["汇总", *classes]
    summary = rows(book["汇总"])
    assert summary[0] == ["示范中学 考勤汇总（2026-10-01至2026-10-31，导出于2026-11-02 09:00）"]
    assert summary[1] == SUMMARY_HEADER
    expected = {"初一(1)班": SUMMARY_1, "初一(2)班": SUMMARY_2}
    wanted = [expected[c] for c in classes]
    total = SUMMARY_ALL if len(classes) == 2 else ["合计", *wanted[0][1:]]
    for got, want in zip(summary[2:2 + len(classes) + 1], [*wanted, total], strict=True):
        assert got[:-1] == want[:-1]
        assert got[-1] == pytest.approx(want[-1])
    assert book["汇总"].cell(3, 11).number_format == "0.00%"
    assert summary[3 + len(classes)] == []
    assert summary[4 + len(classes)] == ["统计口径："]
    for label, students in (("初一(1)班", CLASS_1), ("初一(2)班", CLASS_2)):
        if label not in classes:
            continue
        sheet = rows(book[label])
        assert sheet[0] == [f"{label} 考勤明细（2026-10-01至2026-10-31）"]
        assert sheet[1] == ["学籍号", "姓名", *DAY_HEADERS, "出勤", "病假", "事假", "旷课", "未报"]
        assert sheet[2:] == class_rows(students)
        for row in sheet[2:]:  # the counts are numbers, not text
            assert all(isinstance(v, int | float) for v in row[-5:])


# ---- the workbooks --------------------------------------------------------------------------


def test_the_attendance_workbook_cell_by_cell(october: Month,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = october.folder / "october.xlsx"
    assert run(october, "report", "attendance", *OCTOBER, "--out", str(out),
               "--actor", "admin_zhou") == 0
    assert capsys.readouterr().out.strip() == (f"wrote {out}: 2 classes, 6 students, "
                                               "18 school days")
    check_attendance(openpyxl.load_workbook(out))


def test_the_truant_days_are_the_live_truancy_records(october: Month) -> None:
    """The workbook's 旷 is what the truancy run recorded, the voided 补假 record left out."""
    async def records() -> tuple[dict[tuple[str, date], float], list[date]]:
        db = Database(october.url)
        try:
            async with db.read() as session:
                found = await session.execute(
                    select(Student.student_no, Truancy.day, Truancy.days, Truancy.voided_at)
                    .join(Student, Student.id == Truancy.student_id))
                live, voided = {}, []
                for no, day, days, voided_at in found:
                    if voided_at is None:
                        live[(no, day)] = float(days)
                    else:
                        voided.append(day)
                return live, voided
        finally:
            await db.dispose()

    live, voided = asyncio.run(records())
    assert live == LIVE_TRUANCY and voided == [date(2026, 10, 14)]
    per_student = {no: sum(v for (n, _), v in live.items() if n == no)
                   for no, *_ in CLASS_1 + CLASS_2}
    assert per_student == {no: totals[3] for no, _, _, totals in CLASS_1 + CLASS_2}


def test_one_class_only(october: Month) -> None:
    out = october.folder / "class2.xlsx"
    assert run(october, "report", "attendance", *OCTOBER, "--out", str(out),
               "--class", "初一（2）班") == 0  # full-width brackets, as people type them
    check_attendance(openpyxl.load_workbook(out), classes=("初一(2)班",))


def test_the_leave_workbook_cell_by_cell(october: Month) -> None:
    out = october.folder / "leaves.xlsx"
    assert run(october, "report", "leaves", *OCTOBER, "--out", str(out)) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["请假记录"]
    sheet = book["请假记录"]
    got = rows(sheet)
    assert got[0] == ["示范中学 请假记录（2026-10-01至2026-10-31，导出于2026-11-02 09:00）"]
    assert got[1] == LEAVE_HEADER
    expected = expected_leaves(october.leaves)
    assert len(got) == 2 + len(expected)  # 吴俊杰's November leave is not in October
    for row, want in zip(got[2:], expected, strict=True):
        while want and want[-1] is None:
            want = want[:-1]
        assert row == want
    assert sheet["G3"].number_format == "yyyy-mm-dd" and sheet["L3"].number_format.endswith("hh:mm")


def test_exports_are_audited(october: Month) -> None:
    out = october.folder / "audited.xlsx"
    assert run(october, "report", "attendance", *OCTOBER, "--out", str(out),
               "--actor", "admin_zhou", "--class", "初一(1)班") == 0
    assert run(october, "report", "leaves", "--from", "2026-10-12", "--to", "2026-10-16",
               "--out", str(october.folder / "week.xlsx")) == 0

    async def entries() -> list[AuditEntry]:
        db = Database(october.url)
        try:
            async with db.read() as session:
                return list(await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "report_exported")
                    .order_by(AuditEntry.id)))
        finally:
            await db.dispose()

    found = [(e.actor, e.entity, e.entity_id, e.at, e.after) for e in asyncio.run(entries())]
    assert found[-2:] == [
        ("cli:admin_zhou", "report", "attendance", EXPORTED.now, {
            "from": "2026-10-01", "to": "2026-10-31", "class": "初一(1)班", "classes": 1,
            "students": 3, "school_days": 18}),
        ("cli:admin", "report", "leaves", EXPORTED.now,
         {"from": "2026-10-12", "to": "2026-10-16", "leaves": 3}),
    ]


async def test_a_web_page_gets_the_same_workbooks_as_a_stream(october: Month) -> None:
    db, school = await open_school(make_config(october.url), EXPORTED.now)
    try:
        attendance, leaves = io.BytesIO(), io.BytesIO()
        done = await export_attendance(db, make_config(october.url), school, date(2026, 10, 1),
                                       date(2026, 10, 31), attendance, actor="admin_zhou",
                                       now=EXPORTED.now)
        await export_leaves(db, make_config(october.url), school, date(2026, 10, 1),
                            date(2026, 10, 31), leaves, actor="admin_zhou", now=EXPORTED.now)
    finally:
        await db.dispose()
    assert done.total.tally.present == 94.5 and len(done.school_days) == 18
    check_attendance(openpyxl.load_workbook(attendance))
    assert len(rows(openpyxl.load_workbook(leaves)["请假记录"])) == 2 + 7


# ---- the dropout case -----------------------------------------------------------------------


def docx_text(path: Path) -> tuple[list[str], list[list[str]]]:
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    tables = [[" | ".join(c.text for c in row.cells) for row in t.rows] for t in document.tables]
    return paragraphs, tables


async def test_the_dropout_case_as_a_word_report(demo_db: str, tmp_path: Path) -> None:
    clock = FakeClock(local(2026, 11, 9, 8, 0))
    async with running(demo_db, clock) as h:
        days = school_days_from(date(2026, 11, 9), 15, h)
        for day in days:
            clock.now = local(day.year, day.month, day.day, 8, 0)
            await say(h, "teacher_li", "考勤 缺勤 刘洋")
            if day == date(2026, 11, 12):  # the day after the office was told
                clock.now = local(2026, 11, 12, 12, 0)
                visit = "家访 刘洋 父母在外务工，孩子由祖父母照看，不愿上学；已劝说，家长答应送回"
                assert "已记录" in await say(h, "teacher_li", visit)
            clock.now = local(day.year, day.month, day.day, 16, 30)
            for job in ("truancy", "escalation"):
                await h.app[keys.JOB_RUNNER].run(job, day)
            await h.drain()
        async with h.db.read() as session:
            case = await session.scalar(select(EscalationStep.id)
                                        .where(EscalationStep.step == "dropout"))
    assert case is not None
    config, out = config_file(tmp_path, demo_db), tmp_path / "case.docx"
    printed = FakeClock(local(2026, 11, 30, 9, 0))
    code = await asyncio.to_thread(cli.main, ["report", "dropout", "--case", str(case),
                                              "--out", str(out), "--config", str(config)],
                                   clock=printed)
    assert code == 0
    paragraphs, tables = docx_text(out)
    assert paragraphs[:4] == [
        "关于学生刘洋辍学情况的报告", f"（辍学案件第{case}号）", "教体局：",
        "我校初一(1)班学生刘洋（学籍号G2026070102）自2026年11月9日起无故不到校，至2026年11月27日"
        "已达15天，按《学生学籍管理制度》“无故不到校达15天以上视为辍学”的规定，认定为辍学。"
        "现将有关情况报告如下。"]
    assert tables[0] == ["姓名 | 刘洋", "学籍号 | G2026070102", "班级 | 初一(1)班",
                         "班主任 | 李静", "监护人及电话 | 刘强（父亲）13800000003"]
    assert "自2026年11月9日起记旷课15天（15个上课日，截至2026年11月30日）；本学期累计旷课15天。" \
        in paragraphs
    assert tables[1][0] == "日期 | 旷课（天）"
    assert tables[1][1:] == [f"{d.year}年{d.month}月{d.day}日（周{'一二三四五六日'[d.weekday()]}）"
                             " | 1" for d in days]
    school_did = paragraphs[paragraphs.index("三、学校所做工作") + 1:
                            paragraphs.index("四、查明的原因")]
    assert school_did == [
        "1. 每个旷课日当天，已通知家长和班主任。",
        "2. 2026年11月11日：连续旷课达3天，已告知政教处，并布置班主任家访。",
        "3. 2026年11月20日：连续旷课达10天，已向校长发出辍学预警。",
        "4. 2026年11月27日：无故不到校达15天，已报告校长，并要求班主任家访。",
        "5. 2026-11-12 12:00：班主任李静完成家访。"]
    reasons = paragraphs[paragraphs.index("四、查明的原因") + 1]
    # what the 班主任 typed, as the chat stores it (full-width punctuation normalised)
    assert reasons == ("李静（2026-11-12 12:00家访）：父母在外务工,孩子由祖父母照看,不愿上学;"
                       "已劝说,家长答应送回")
    assert "报告单位：示范中学（盖章）" in paragraphs
    assert "校长（签字）：________________" in paragraphs
    assert paragraphs[-1] == ("本报告由请假通根据考勤、旷课和家访记录于2026-11-30 09:00生成，"
                              "上报前请核实并签字盖章。")


# ---- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["attendance", "--from", "2026-10-32", "--to", "2026-10-31"],
     "qingjia: --from: not a date like 2026-12-01: '2026-10-32'"),
    (["attendance", "--from", "2026-10-01", "--to", "10/31"],
     "qingjia: --to: not a date like 2026-12-01: '10/31'"),
    (["attendance", "--from", "2026-10-31", "--to", "2026-10-01"],
     "qingjia: --from 2026-10-31 is after --to 2026-10-01"),
    (["leaves", "--from", "2026-10-31", "--to", "2026-10-01"],
     "qingjia: --from 2026-10-31 is after --to 2026-10-01"),
    (["attendance", *OCTOBER, "--class", "初一(9)班"],
     "qingjia: no class '初一(9)班' in this school"),
    (["attendance", "--from", "2026-01-01", "--to", "2027-12-31"],
     "qingjia: 2026-01-01 to 2027-12-31 is longer than 366 days; export a school year at most"),
    (["dropout", "--case", "999"], "qingjia: no dropout case 999; there are no dropout cases"),
    (["dropout", "--case", "第一"], "qingjia: --case: not a case number: '第一'"),
    (["dropout-ledger", "--month", "2026-13"],
     "qingjia: --month: not a month like 2026-12: '2026-13'"),
    (["dropout-ledger", "--month", "十一月"],
     "qingjia: --month: not a month like 2026-12: '十一月'"),
])
def test_a_refusal_is_one_line_and_writes_nothing(
        october: Month, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = october.folder / "refused" / ("r.docx" if argv[0] == "dropout" else "r.xlsx")
    out.parent.mkdir(exist_ok=True)
    before = _exports(october)
    assert run(october, "report", *argv, "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert err == message + "\n"
    assert list(out.parent.iterdir()) == []  # no file, no half-written part
    assert _exports(october) == before


def test_the_out_file_must_fit_the_report(october: Month,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert run(october, "report", "attendance", *OCTOBER, "--out", "x.csv") == 1
    assert capsys.readouterr().err == ("qingjia: --out: the attendance report is a .xlsx file: "
                                       "x.csv\n")
    assert run(october, "report", "leaves", *OCTOBER, "--out", "nowhere/x.xlsx") == 1
    assert capsys.readouterr().err == "qingjia: --out: no folder nowhere\n"


def test_the_help_says_what_a_case_number_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--help"]) == 0
    listing = capsys.readouterr().out
    assert all(kind in listing for kind in ("attendance", "leaves", "dropout"))
    assert cli.main(["report", "dropout", "--help"]) == 0
    assert "escalation_step.id" in capsys.readouterr().out


def _exports(month: Month) -> int:
    async def count() -> int:
        db = Database(month.url)
        try:
            async with db.read() as session:
                return len(list(await session.scalars(
                    select(AuditEntry.id).where(AuditEntry.action == "report_exported"))))
        finally:
            await db.dispose()
    return asyncio.run(count())


# ---- PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_the_month_on_postgres(pg_url: str) -> None:
    leaves = await build_october(pg_url)
    config = make_config(pg_url)
    db, school = await open_school(config, EXPORTED.now)
    try:
        attendance, leave_book = io.BytesIO(), io.BytesIO()
        await export_attendance(db, config, school, date(2026, 10, 1), date(2026, 10, 31),
                                attendance, actor="admin_zhou", now=EXPORTED.now)
        await export_leaves(db, config, school, date(2026, 10, 1), date(2026, 10, 31),
                            leave_book, actor="admin_zhou", now=EXPORTED.now)
    finally:
        await db.dispose()
    check_attendance(openpyxl.load_workbook(attendance))
    got = rows(openpyxl.load_workbook(leave_book)["请假记录"])[2:]
    want = expected_leaves(leaves)
    assert [r + [None] * (16 - len(r)) for r in got] == want
