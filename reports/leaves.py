"""The leave workbook: every leave with a day in the range, in any state, one row each.

The reason is left out: a medical reason is shown to the approver only (PRODUCT.md, records and
privacy). 天数 is the leave's whole length in school days (half days count 0.5), not clipped to
the range; 审批人 and 审批时间 are the approver's (empty for a leave withdrawn while pending);
times are the school's wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.config import Config
from models.db import Database
from models.repos.reports import LeaveLine, ReportRepo
from reports.common import Destination, check_range, local_naive, opened, record_export, stamp
from services.leave.views import STATUS_NAMES

SHEET_TITLE = "请假记录"
HEADER = ("单号", "学籍号", "姓名", "班级", "类型", "天数", "开始日期", "开始", "结束日期", "结束",
          "状态", "提交时间", "审批人", "审批时间", "离校时间", "返校时间")
DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
WIDTHS = {"A": 8, "B": 14, "D": 12, "G": 12, "I": 12, "L": 17, "N": 17, "O": 17, "P": 17}


@dataclass(frozen=True)
class LeaveExport:
    first: date
    last: date
    leaves: int


async def export_leaves(db: Database, config: Config, school_id: int, first: date, last: date,
                        out: Destination, *, actor: str, now: datetime) -> LeaveExport:
    """Write the leave workbook for [first, last] and audit it."""
    check_range(first, last)
    tz = config.school.tz
    book = Workbook(write_only=True)
    book.properties.creator = "请假通"
    book.properties.created = now.astimezone(UTC).replace(tzinfo=None)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A3"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.append([f"{config.school.name} 请假记录（{first}至{last}，导出于{stamp(now, tz)}）"])
    sheet.append(list(HEADER))
    count = 0
    async with opened(out) as target:
        async with db.read() as session:
            repo = ReportRepo(session, school_id)
            names = await repo.staff_names()
            async for line in repo.leaves_between(first, last):
                sheet.append(_row(sheet, line, names, tz))
                count += 1
        book.save(target)
        await record_export(db, school_id, actor=actor, report="leaves", now=now, params={
            "from": first.isoformat(), "to": last.isoformat(), "leaves": count})
    return LeaveExport(first, last, count)


def _row(sheet: WriteOnlyWorksheet, line: LeaveLine, names: dict[str, str],
         tz: tzinfo) -> list[Any]:
    approver = names.get(line.decided_by, line.decided_by) if line.decided_by else None
    return [line.id, line.student_no, line.student_name, line.class_label, line.kind, line.days,
            _cell(sheet, line.start_date, DATE_FORMAT), _start(line),
            _cell(sheet, line.end_date, DATE_FORMAT), _end(line),
            STATUS_NAMES.get(line.status, line.status),
            _cell(sheet, local_naive(line.submitted_at, tz), TIME_FORMAT), approver,
            _cell(sheet, local_naive(line.decided_at if approver else None, tz), TIME_FORMAT),
            _cell(sheet, local_naive(line.exited_at, tz), TIME_FORMAT),
            _cell(sheet, local_naive(line.returned_at, tz), TIME_FORMAT)]


def _cell(sheet: WriteOnlyWorksheet, value: date | datetime | None, number_format: str
          ) -> WriteOnlyCell | None:
    """A date cell Excel shows as a date (a number underneath), or an empty cell."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _start(line: LeaveLine) -> str:
    if line.window_start is not None:
        return _clock(line.window_start)
    return "下午" if line.start_slot % 2 else "上午"


def _end(line: LeaveLine) -> str:
    if line.window_end is not None:
        return _clock(line.window_end)
    return "下午" if line.end_slot % 2 else "上午"


def _clock(moment: time) -> str:
    return f"{moment:%H:%M}"
