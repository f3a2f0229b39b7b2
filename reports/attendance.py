"""The attendance workbook: a summary sheet (a row per class) and a sheet per class (a row per
student, a column per school day).

What the figures mean (also written under the summary table, for whoever reads the file):
- School days are the calendar's (config [calendar]: national working days, 调休 Saturdays
  included, inside the terms, with the school's own days off and make-up days).
- Each student's school day is marked by models.rules.daymarks: 出勤, 病, 事, 旷 or 未报, per
  half day; a half counts 0.5 in every day count.
- A day the class did not report is 未报 for all its students: neither present nor absent. It
  counts in the class's 未报天数 (school days without a report) and in 未报人天.
- 应出勤人天 = enrolled × the school days the class reported; 出勤率 = 出勤人天 / 应出勤人天, so an
  unreported day lowers neither the rate nor the absence counts (nobody knows who was there).
  出勤 + 病假 + 事假 + 旷课 = 应出勤人天, and adding 未报人天 gives enrolled × school days.
- Enrolled are the roster's active students now, each in their current class.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from bot.config import Config
from models.db import Database
from models.repos.reports import AbsenceRow, ClassRow, ReportRepo, StudentRow
from models.roster_import import roster_label
from models.rules.calendar import DayKind, SchoolCalendar
from models.rules.daymarks import (
    PERSONAL,
    PRESENT,
    SICK,
    TRUANT,
    UNREPORTED,
    day_mark,
)
from reports.common import Destination, ReportError, check_range, opened, record_export, stamp

BATCH_CLASSES = 50  # classes whose rows are read and written at a time: memory stays flat
WEEKDAYS = "一二三四五六日"
SUMMARY_TITLE = "汇总"
SUMMARY_HEADER = ("班级", "在籍人数", "上课日数", "未报天数", "应出勤人天", "出勤人天", "病假人天",
                  "事假人天", "旷课人天", "未报人天", "出勤率")
STUDENT_TOTALS = ("出勤", "病假", "事假", "旷课", "未报")
NOTES = (
    "统计口径：",
    "1. 上课日：国家法定工作日（含调休上班的周六、周日）与本校学期的交集，按本校校历调整。",
    "2. 出勤、病假、事假、旷课均按半天计，半天记0.5天；明细表中半天写作“上午旷 下午出勤”。",
    "3. 班级当天未报考勤的，该班学生当天记“未报”，既不计出勤也不计缺勤；"
    "未报天数为该班未报考勤的上课日数，合计行为各班之和。",
    "4. 报缺勤且有已批准（或已销假）的请假覆盖的，按请假类型记病假或事假（临时请假记事假）；"
    "没有请假覆盖的记旷课，与旷课记录一致（补假后撤销的旷课不计）。",
    "5. 应出勤人天 = 在籍人数 × 已报考勤的上课日数；出勤率 = 出勤人天 ÷ 应出勤人天。",
    "6. 在籍人数为导出时名册中的在读学生，按其当前班级统计。",
)
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")


@dataclass
class Tally:
    """Day counts of one student, one class or the school."""

    present: float = 0.0
    sick: float = 0.0
    personal: float = 0.0
    truant: float = 0.0
    unreported: float = 0.0

    def add(self, other: Tally) -> None:
        self.present += other.present
        self.sick += other.sick
        self.personal += other.personal
        self.truant += other.truant
        self.unreported += other.unreported

    def values(self) -> tuple[float, float, float, float, float]:
        return (self.present, self.sick, self.personal, self.truant, self.unreported)


@dataclass
class ClassSummary:
    """One summary row: a class, or the whole export (合计)."""

    label: str
    enrolled: int
    school_days: int
    unreported_days: int
    expected: int
    tally: Tally = field(default_factory=Tally)

    @property
    def rate(self) -> float | None:
        return self.tally.present / self.expected if self.expected else None


@dataclass(frozen=True)
class AttendanceExport:
    """What was written: the school days and each class's figures (for callers and tests)."""

    first: date
    last: date
    school_days: tuple[date, ...]
    classes: tuple[ClassSummary, ...]
    total: ClassSummary


def school_days(calendar: SchoolCalendar, first: date, last: date) -> list[date]:
    """The school days from first to last; refuses a range the calendar cannot classify."""
    days = []
    for day, kind in calendar.school_days(first, last):
        if kind is DayKind.UNKNOWN:
            raise ReportError(f"the national calendar does not know {day.year} yet ({day}); "
                              "upgrade chinesecalendar or declare the year in [calendar]")
        if kind is DayKind.SCHOOL_DAY:
            days.append(day)
    return days


async def export_attendance(db: Database, config: Config, school_id: int, first: date,
                            last: date, out: Destination, *, class_label: str | None = None,
                            actor: str, now: datetime) -> AttendanceExport:
    """Write the attendance workbook for [first, last] (one class, or all) and audit it."""
    check_range(first, last)
    days = school_days(config.calendar, first, last)
    async with opened(out) as target:
        async with db.read() as session:
            repo = ReportRepo(session, school_id)
            await repo.plan_each_batch()
            classes = _pick(await repo.classes(), class_label)
            workbook = _Workbook(first, last, days, now)
            summaries = [s async for s in workbook.class_sheets(repo, classes)]
            total = workbook.summary(config.school.name, summaries, now, config.school.tz)
        workbook.save(target)
        await record_export(db, school_id, actor=actor, report="attendance", now=now, params={
            "from": first.isoformat(), "to": last.isoformat(), "class": class_label,
            "classes": len(summaries), "students": total.enrolled, "school_days": len(days)})
    return AttendanceExport(first, last, tuple(days), tuple(summaries), total)


def _pick(classes: list[ClassRow], wanted: str | None) -> list[ClassRow]:
    if wanted is None:
        return classes
    label = roster_label("", wanted)
    found = [c for c in classes if c.label == label]
    if not found:
        raise ReportError(f"no class {wanted!r} in this school")
    return found


class _Workbook:
    """One write-only workbook being filled: the summary first, then a sheet per class."""

    def __init__(self, first: date, last: date, days: Sequence[date], now: datetime) -> None:
        self.first, self.last = first, last
        self.days = list(days)
        self.index = {day: i for i, day in enumerate(self.days)}
        self.book = Workbook(write_only=True)
        self.book.properties.creator = "请假通"
        self.book.properties.created = now.astimezone(UTC).replace(tzinfo=None)
        self.summary_sheet = self.book.create_sheet(SUMMARY_TITLE)
        self.day_headers = [_day_header(day) for day in self.days]

    async def class_sheets(self, repo: ReportRepo,
                           classes: Sequence[ClassRow]) -> AsyncIterator[ClassSummary]:
        """Read a batch of classes at a time and write each class's sheet; yield its summary."""
        for start in range(0, len(classes), BATCH_CLASSES):
            batch = classes[start:start + BATCH_CLASSES]
            ids = [c.id for c in batch]
            students = await repo.students(ids)
            reported = await repo.reported_days(ids, self.first, self.last)
            absences = await repo.absences(ids, self.first, self.last)
            by_class: dict[int, list[StudentRow]] = defaultdict(list)
            for student in students:
                by_class[student.class_id].append(student)
            absent: dict[int, list[AbsenceRow]] = defaultdict(list)
            for row in absences:
                if row.day in self.index:
                    absent[row.student_id].append(row)
            for cls in batch:
                yield self._class_sheet(cls, by_class[cls.id], reported, absent)

    def _class_sheet(self, cls: ClassRow, students: list[StudentRow],
                     reported: set[tuple[int, date]],
                     absent: dict[int, list[AbsenceRow]]) -> ClassSummary:
        sheet = self.book.create_sheet(_sheet_title(cls.label))
        sheet.freeze_panes = "C3"
        sheet.column_dimensions["A"].width = 14
        sheet.append([f"{cls.label} 考勤明细（{self.first}至{self.last}）"])
        sheet.append(["学籍号", "姓名", *self.day_headers, *STUDENT_TOTALS])
        base = [PRESENT if (cls.id, day) in reported else UNREPORTED for day in self.days]
        reported_count = base.count(PRESENT)
        summary = ClassSummary(cls.label, len(students), len(self.days),
                               len(self.days) - reported_count, len(students) * reported_count)
        for student in students:
            row, tally = self._student_row(base, reported_count, absent.get(student.id, ()))
            sheet.append([student.student_no, student.name, *row, *tally.values()])
            summary.tally.add(tally)
        sheet.close()  # its rows are on disk now; frees the open file
        return summary

    def _student_row(self, base: list[str], reported_count: int,
                     absences: Sequence[AbsenceRow]) -> tuple[list[str], Tally]:
        tally = Tally(present=float(reported_count),
                      unreported=float(len(self.days) - reported_count))
        if not absences:
            return base, tally
        row = list(base)
        for absence in absences:
            i = self.index[absence.day]
            if row[i] == UNREPORTED:
                continue
            mark = day_mark(absence.day, True, (absence.start_slot, absence.end_slot),
                            absence.covers)
            row[i] = mark.text
            tally.present -= 1 - mark.share(PRESENT)
            tally.sick += mark.share(SICK)
            tally.personal += mark.share(PERSONAL)
            tally.truant += mark.share(TRUANT)
        return row, tally

    def summary(self, school: str, classes: Sequence[ClassSummary], now: datetime,
                tz: tzinfo) -> ClassSummary:
        """Write the summary sheet (a row per class, the total, the notes); return the total."""
        sheet = self.summary_sheet
        sheet.column_dimensions["A"].width = 16
        sheet.append([f"{school} 考勤汇总（{self.first}至{self.last}，导出于{stamp(now, tz)}）"])
        sheet.append(list(SUMMARY_HEADER))
        total = ClassSummary("合计", 0, len(self.days), 0, 0)
        for row in classes:
            sheet.append(self._summary_row(row))
            total.enrolled += row.enrolled
            total.unreported_days += row.unreported_days
            total.expected += row.expected
            total.tally.add(row.tally)
        sheet.append(self._summary_row(total))
        sheet.append([])
        for line in NOTES:
            sheet.append([line])
        return total

    def _summary_row(self, row: ClassSummary) -> list[Any]:
        rate = WriteOnlyCell(self.summary_sheet, value=row.rate)
        rate.number_format = "0.00%"
        return [row.label, row.enrolled, row.school_days, row.unreported_days, row.expected,
                *row.tally.values(), rate]

    def save(self, target: Path | IO[bytes]) -> None:
        self.book.save(target)


def _day_header(day: date) -> str:
    weekday = WEEKDAYS[day.weekday()]
    extra = ",调休" if day.weekday() >= 5 else ""  # a weekend school day is a make-up day
    return f"{day.month}月{day.day}日({weekday}{extra})"


def _sheet_title(label: str) -> str:
    """A class label as a legal sheet name (31 characters, none of \\ * ? : / [ ])."""
    return _BAD_TITLE.sub("_", label)[:31] or "班级"
