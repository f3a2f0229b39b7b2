"""The monthly 控辍保学 ledger (台账): every suspected or actual dropout case open in the month.

One row per case: who, class, level, days away, whereabouts, the 班主任 responsible, the parents'
contacts, each step taken with its date and outcome, and the status (在劝 / 已返校 / 已销号).
Names of staff are as staff.csv gives them; dates are the school's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from openpyxl.styles import Alignment

from bot.config import Config
from models.db import Database
from models.repos.dropout import DropoutRepo, LedgerLine
from models.repos.ladder import LadderRepo
from models.repos.reports import ReportRepo
from models.rules.dropout import month_bounds
from reports.common import (
    Destination,
    ReportError,
    opened,
    record_export,
    stamp,
    titled_sheet,
)

SHEET_TITLE = "控辍保学台账"
HEADER = ("序号", "学籍号", "姓名", "班级", "类别", "建档日期", "连续未到校（上课日）", "去向",
          "责任教师", "家长联系方式", "劝返措施（日期、方式、结果）", "状态", "返校日期",
          "销号日期")
WIDTHS = {"B": 14, "D": 12, "F": 12, "H": 20, "J": 26, "K": 60, "M": 12, "N": 12}


@dataclass(frozen=True)
class LedgerExport:
    month: str
    cases: int


def month_range(month: str) -> tuple[date, date]:
    """"2026-12" → (2026-12-01, 2026-12-31); ReportError for anything else."""
    try:
        return month_bounds(month)
    except ValueError as exc:
        raise ReportError(f"--month: not a month like 2026-12: {month!r}") from exc


async def export_ledger(db: Database, config: Config, school_id: int, month: str,
                        out: Destination, *, actor: str, now: datetime) -> LedgerExport:
    """Write the ledger of `month` (YYYY-MM) and audit the export."""
    first, last = month_range(month)
    async with db.read() as session:
        lines = await DropoutRepo(session, school_id).ledger(first, last)
        names = await ReportRepo(session, school_id).staff_names()
        ladder = LadderRepo(session, school_id)
        contacts = {line.case.student_id: await ladder.guardian_contacts(line.case.student_id)
                    for line in lines}
    book, sheet = titled_sheet(SHEET_TITLE, f"{config.school.name} 控辍保学台账 {first.year}年"
                               f"{first.month}月（导出于{stamp(now, config.school.tz)}）",
                               HEADER, now)
    for number, line in enumerate(lines, start=1):
        sheet.append(_row(number, line, names, contacts[line.case.student_id]))
    if not lines:
        sheet.append(["本月无疑似辍学或辍学学生（零报告）"])
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    async with opened(out) as target:
        book.save(target)
        await record_export(db, school_id, actor=actor, report="dropout-ledger", now=now,
                            params={"month": month, "cases": len(lines)})
    return LedgerExport(month, len(lines))


def _row(number: int, line: LedgerLine, names: dict[str, str],
         contacts: list[tuple[str, str, str | None]]) -> list[object]:
    case = line.case
    steps = "\n".join(f"{a.taken_on:%m-%d} {a.kind}（{names.get(a.taken_by, a.taken_by)}）："
                      f"{a.outcome}" for a in line.actions) or "尚无记录"
    parents = "；".join(f"{name}（{relation}）{phone or '无电话'}"
                        for name, relation, phone in contacts)
    return [number, line.student_no, line.name, line.class_label, case.level, case.opened_on,
            case.days_absent, case.whereabouts or "不明",
            "、".join(names.get(t, t) for t in line.teachers) or "未设班主任", parents or "无",
            steps, case.status, case.returned_on, case.closed_on]
