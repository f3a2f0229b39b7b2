"""The 因病缺课登记表: every illness absence touching the range, one row each.

Per absence: the child, class, a guardian's phone, the symptoms, the first and last day absent,
the diagnosis (or 未就诊) with who answered and when, and who registered it. Health data: only
a 校医, 校长 or 班主任 may export it (`--actor` their userid); the export is audited like every
other, and each child in it is logged as read by the exporter (services/privacy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Config
from models.db import Database
from models.messages import Notifier
from models.repos.health import HealthRepo
from models.repos.ladder import LadderRepo
from models.repos.reports import ReportRepo
from models.repos.roster import RosterRepo
from models.rules.privacy import HEALTH_READERS, may_read
from reports.common import (
    Destination,
    ReportError,
    check_range,
    local_naive,
    opened,
    record_export,
    stamp,
    titled_sheet,
)
from services.privacy import Privacy

SHEET_TITLE = "因病缺课登记表"
HEADER = ("序号", "学籍号", "姓名", "班级", "家长电话", "症状", "缺课开始", "缺课结束", "来源",
          "诊断", "诊断登记人", "诊断登记时间", "登记人", "登记时间")
SOURCES = {"attendance": "班主任考勤", "leave": "病假"}
WIDTHS = {"B": 14, "D": 12, "E": 14, "F": 18, "G": 12, "H": 12, "J": 18, "L": 17, "N": 17}


@dataclass(frozen=True)
class IllnessExport:
    first: date
    last: date
    absences: int


async def export_illness(db: Database, config: Config, school_id: int, first: date, last: date,
                         out: Destination, *, actor: str, now: datetime) -> IllnessExport:
    check_range(first, last)
    tz = config.school.tz
    reader = actor.removeprefix("cli:")
    async with db.read() as session:
        if not may_read(await RosterRepo(session, school_id).roles_of(reader)):
            raise ReportError(f"{reader} may not see symptoms and diagnoses: export as a "
                              f"{'、'.join(sorted(HEALTH_READERS))} (--actor their userid)")
        health = HealthRepo(session, school_id)
        rows = await health.between(first, last)
        ladder = LadderRepo(session, school_id)
        cards = await ladder.cards(sorted({r.student_id for r in rows}))
        phones = {sid: next((p for _, _, p in await ladder.guardian_contacts(sid) if p), "")
                  for sid in cards}
        names = await ReportRepo(session, school_id).staff_names()
    book, sheet = titled_sheet(SHEET_TITLE, f"{config.school.name} 因病缺课登记表（{first}至"
                               f"{last}，导出于{stamp(now, tz)}）", HEADER, now)
    for number, row in enumerate(rows, start=1):
        card = cards[row.student_id]
        sheet.append([number, card.student_no, card.name, card.class_label,
                      phones.get(row.student_id) or None, "、".join(row.symptoms) or "未登记",
                      row.day, row.last_day, SOURCES.get(row.source, row.source),
                      row.diagnosis or "待追踪",
                      names.get(row.diagnosed_by, row.diagnosed_by) if row.diagnosed_by else None,
                      local_naive(row.diagnosed_at, tz),
                      names.get(row.recorded_by, row.recorded_by),
                      local_naive(row.recorded_at, tz)])
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    async with opened(out) as target:
        book.save(target)
        await record_export(db, school_id, actor=actor, report="illness", now=now, params={
            "from": first.isoformat(), "to": last.isoformat(), "absences": len(rows)})
    async with db.unit_of_work() as session:
        await Privacy(HealthRepo(session, school_id), RosterRepo(session, school_id), Notifier(),
                      config, now).disclose(reader, [r.student_id for r in rows], "症状、诊断",
                                            "登记表")
    return IllnessExport(first, last, len(rows))
