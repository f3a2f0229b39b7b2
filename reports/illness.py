"""The 因病缺课登记表: every illness absence touching the range, one row each.

Per absence: the child (学籍号, name, 性别, age in whole years on the first day absent), class,
a guardian's phone, the symptoms, the onset date, whether a doctor was seen and the diagnosis,
the first and last day absent, the follow-up (when it was asked, who answered and when), the
return (销假 of a 病假) and the 复课证明, and who registered it. A column whose facts a child's
record does not have (no onset given, no certificate sent, no 出生日期 in the roster) is left
blank. Health data: only a 校医, 校长 or 班主任 may export it (CLI: `--actor`
their userid; console: 校长 and 校医); the export is audited like every other, and each child in
it is logged as read by the exporter (services/privacy.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Config
from models.db import Database
from models.health import IllnessAbsence
from models.messages import Notifier
from models.repos.health import HealthRepo
from models.repos.ladder import LadderRepo, StudentCard
from models.repos.reports import ReportRepo
from models.repos.roster import RosterRepo
from models.rules.age import age_on
from models.rules.privacy import HEALTH_READERS, SCHOOL_READERS, may_read
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
from services.health import NOT_SEEN
from services.privacy import Privacy

SHEET_TITLE = "因病缺课登记表"
HEADER = ("序号", "学籍号", "姓名", "性别", "年龄", "班级", "家长电话", "症状", "发病日期",
          "是否就诊", "诊断", "缺课开始", "缺课结束", "来源", "追问日期", "诊断登记人",
          "诊断登记时间", "返校日期", "复课证明", "登记人", "登记时间")
SOURCES = {"attendance": "班主任考勤", "leave": "病假"}
PENDING = "待追踪"
WIDTHS = {"B": 14, "F": 12, "G": 14, "H": 18, "I": 12, "K": 18, "L": 12, "M": 12, "O": 12,
          "Q": 17, "R": 12, "U": 17}


@dataclass(frozen=True)
class IllnessExport:
    first: date
    last: date
    absences: int


@dataclass(frozen=True)
class _Facts:
    """What the register shows beside an absence, read once for all its rows."""

    cards: dict[int, StudentCard]
    phones: dict[int, str]
    names: dict[str, str]
    returns: dict[int, datetime]


async def export_illness(db: Database, config: Config, school_id: int, first: date, last: date,
                         out: Destination, *, actor: str, now: datetime) -> IllnessExport:
    check_range(first, last)
    tz = config.school.tz
    reader = actor.removeprefix("cli:")
    async with db.read() as session:
        roster = RosterRepo(session, school_id)
        roles = await roster.roles_of(reader)
        if not may_read(roles):
            raise ReportError(f"{reader} may not see symptoms and diagnoses: export as a "
                              f"{'、'.join(sorted(HEALTH_READERS))} (--actor their userid)")
        health = HealthRepo(session, school_id)
        rows = await health.between(first, last)
        if roles.isdisjoint(SCHOOL_READERS):  # a 班主任: the children now in their classes
            own = await Privacy(health, roster, Notifier(), config, now).own_students(
                reader, {r.student_id for r in rows})
            rows = [r for r in rows if r.student_id in own]
        ladder = LadderRepo(session, school_id)
        cards = await ladder.cards(sorted({r.student_id for r in rows}))
        phones = {sid: next((p for _, _, p in await ladder.guardian_contacts(sid) if p), "")
                  for sid in cards}
        names = await ReportRepo(session, school_id).staff_names()
        # a guardian who answered the follow-up is named as students.csv names them
        for userid in {u for r in rows for u in (r.recorded_by, r.diagnosed_by)
                       if u and u not in names}:
            names[userid] = await roster.display_name(userid) or userid
        facts = _Facts(cards, phones, names,
                       await health.returns([r.leave_id for r in rows if r.leave_id]))
    book, sheet = titled_sheet(SHEET_TITLE, f"{config.school.name} 因病缺课登记表（{first}至"
                               f"{last}，导出于{stamp(now, tz)}）", HEADER, now)
    for number, row in enumerate(rows, start=1):
        sheet.append(_line(number, row, facts, config))
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


def _line(number: int, row: IllnessAbsence, facts: _Facts, config: Config) -> list[object]:
    """One absence's cells: numbers as numbers, dates and times as cells of their own kind."""
    tz = config.school.tz
    card = facts.cards[row.student_id]
    seen = None if row.diagnosis is None else ("否" if row.diagnosis == NOT_SEEN else "是")
    diagnosis = PENDING if row.diagnosis is None else (
        None if row.diagnosis == NOT_SEEN else row.diagnosis)
    returned = facts.returns.get(row.leave_id) if row.leave_id else None
    returned_on = returned.astimezone(tz).date() if returned else None
    return [number, card.student_no, card.name, card.sex, age_on(card.birth_date, row.day),
            card.class_label, facts.phones.get(row.student_id) or None,
            "、".join(row.symptoms) or "未登记", row.onset, seen, diagnosis, row.day, row.last_day,
            SOURCES.get(row.source, row.source), row.asked_on,
            _name(facts, row.diagnosed_by), local_naive(row.diagnosed_at, tz),
            returned_on, _certificate(facts, row), _name(facts, row.recorded_by),
            local_naive(row.recorded_at, tz)]


def _certificate(facts: _Facts, row: IllnessAbsence) -> str | None:
    """The 复课证明: confirmed by whom, waiting for the 校医, or none sent (blank)."""
    if row.certificate_confirmed_by is not None:
        return f"已确认（{_name(facts, row.certificate_confirmed_by)}）"
    return "已交，待校医确认" if row.certificate_media is not None else None


def _name(facts: _Facts, userid: str | None) -> str | None:
    return None if userid is None else facts.names.get(userid, userid)
