"""The report of a dropout case to the 教体局, as a Word document the 校长 prints and signs.

篇三 §四.5: 无故不到校达15天以上视为辍学; the 班主任 reports to the 校长 and visits the home to find
the reason and urge the child back; the 校长 reports to the bureau at once. A case is the
escalation ladder's `dropout` step (models.attendance.EscalationStep); its number is that
row's id. The document is built from the records as they are when it is exported: the 旷课
records (voided ones left out), the ladder's steps, the home visits and what the 班主任 wrote,
the guardians' contacts. The draft the 校长 got in chat is a snapshot of the same facts on the
day the case opened, before any home visit was written up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.attendance import EscalationStep, HomeVisit
from models.db import Database
from models.repos.ladder import LadderRepo, StudentCard
from models.repos.reports import ReportRepo
from models.repos.roster import RosterRepo
from reports.common import Destination, ReportError, opened, record_export, stamp

FONT = "宋体"
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class DropoutCase:
    """Everything the report says, read in one session."""

    number: int
    step: EscalationStep
    student: StudentCard
    teachers: list[str]
    guardians: list[tuple[str, str, str | None]]
    steps: list[EscalationStep]
    truancy: dict[date, float]
    term_truancy: float
    visits: list[HomeVisit]
    names: dict[str, str]

    @property
    def episode_start(self) -> date:
        return date.fromisoformat(self.step.episode.removeprefix("from:"))


async def export_dropout(db: Database, config: Config, school_id: int, case: int,
                         out: Destination, *, actor: str, now: datetime) -> DropoutCase:
    """Write the Word report of dropout case `case` (an escalation_step id) and audit it."""
    today = now.astimezone(config.school.tz).date()
    async with db.read() as session:
        found = await _read_case(session, config, school_id, case, today)
    document = _document(found, config, now)
    async with opened(out) as target:
        document.save(str(target) if isinstance(target, Path) else target)
        await record_export(db, school_id, actor=actor, report=f"dropout:{case}", now=now,
                            params={"case": case, "student_id": found.student.id})
    return found


async def _read_case(session: AsyncSession, config: Config, school_id: int, case: int,
                     today: date) -> DropoutCase:
    repo = ReportRepo(session, school_id)
    step = await repo.dropout_case(case)
    if step is None:
        known = ", ".join(f"{n} ({day})" for n, day in await repo.dropout_cases())
        raise ReportError(f"no dropout case {case}" + (f"; cases: {known}" if known else
                                                       "; there are no dropout cases"))
    ladder = LadderRepo(session, school_id)
    student = (await ladder.cards([step.student_id]))[step.student_id]
    start = date.fromisoformat(step.episode.removeprefix("from:"))
    term = config.calendar.term_of(step.day)
    term_start = term.start if term is not None else start
    term_records = await repo.truancy(step.student_id, term_start, today)
    since = datetime.combine(term_start, time(0), config.school.tz).astimezone(UTC)
    return DropoutCase(
        number=case, step=step, student=student,
        teachers=await RosterRepo(session, school_id).homeroom_teachers(
            student.class_id),
        guardians=await ladder.guardian_contacts(step.student_id),
        steps=await repo.steps(step.student_id, step.episode),
        truancy={d: v for d, v in term_records.items() if d >= start},
        term_truancy=sum(term_records.values()),
        visits=await repo.home_visits(step.student_id, since),
        names=await repo.staff_names())


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _days(value: float) -> str:
    return f"{value:g}"


def _document(case: DropoutCase, config: Config, now: datetime) -> DocumentObject:
    tz, t = config.school.tz, config.truancy
    s = case.student
    doc = _blank(config.school.name, now)
    _centered(doc, f"关于学生{s.name}辍学情况的报告", size=18, bold=True)
    _centered(doc, f"（辍学案件第{case.number}号）", size=12)
    doc.add_paragraph("教体局：")
    total = sum(case.truancy.values())
    _body(doc, f"我校{s.class_label}学生{s.name}（学籍号{s.student_no}）自"
               f"{_day(case.episode_start)}起无故不到校，至{_day(case.step.day)}已达"
               f"{t.dropout_after_days}天，按《学生学籍管理制度》“无故不到校达"
               f"{t.dropout_after_days}天以上视为辍学”的规定，认定为辍学。现将有关情况报告如下。")
    _heading(doc, "一、学生基本情况")
    teachers = "、".join(case.names.get(u, u) for u in case.teachers) or "（未登记）"
    guardians = "；".join(f"{name}（{relation}）{phone or '无电话'}"
                          for name, relation, phone in case.guardians) or "（未登记）"
    _table(doc, [("姓名", s.name), ("学籍号", s.student_no), ("班级", s.class_label),
                 ("班主任", teachers), ("监护人及电话", guardians)])
    _heading(doc, "二、缺勤情况")
    _body(doc, f"自{_day(case.episode_start)}起记旷课{_days(total)}天"
               f"（{len(case.truancy)}个上课日，截至{_day(now.astimezone(tz).date())}）；"
               f"本学期累计旷课{_days(case.term_truancy)}天。")
    if total < t.dropout_after_days:
        _body(doc, f"注意：部分旷课记录已因补办请假撤销，现计{_days(total)}天，低于"
                   f"{t.dropout_after_days}天的认定标准，请核实是否仍需上报。")
    _table(doc, [("日期", "旷课（天）")] + [(f"{_day(d)}（周{WEEKDAYS[d.weekday()]}）", _days(v))
                                          for d, v in sorted(case.truancy.items())])
    _heading(doc, "三、学校所做工作")
    for line in _actions(case, config):
        _body(doc, line)
    _heading(doc, "四、查明的原因")
    notes = [v for v in case.visits if v.notes]
    for visit in notes:
        _body(doc, f"{case.names.get(visit.closed_by or '', visit.closed_by or '班主任')}"
                   f"（{stamp(visit.closed_at or visit.opened_at, tz)}家访）：{visit.notes}")
    if not notes:
        _body(doc, "班主任尚未完成家访，原因尚待查明。")
    _heading(doc, "五、下一步工作")
    _body(doc, "学校将继续与家长联系，由班主任家访劝返，敦促其到校。根据规定，请当地教育部门会同"
               "派出所依法对其父母或其他监护人采取教育或行政措施，督促其送子女复学。")
    _signature(doc, config.school.name)
    _footnote(doc, f"本报告由请假通根据考勤、旷课和家访记录于{stamp(now, tz)}生成，"
                   "上报前请核实并签字盖章。")
    return doc


def _actions(case: DropoutCase, config: Config) -> list[str]:
    t, tz = config.truancy, config.school.tz
    lines = ["1. 每个旷课日当天，已通知家长和班主任。"]
    what = {
        "office": f"连续旷课达{t.office_after_days}天，已告知政教处，并布置班主任家访。",
        "principal": f"连续旷课达{t.principal_after_days}天，已向校长发出辍学预警。",
        "dropout": f"无故不到校达{t.dropout_after_days}天，已报告校长，并要求班主任家访。",
    }
    for step in case.steps:
        if step.step in what:
            lines.append(f"{len(lines) + 1}. {_day(step.day)}：{what[step.step]}")
    for visit in case.visits:
        if visit.closed_at is not None:
            who = case.names.get(visit.closed_by or "", visit.closed_by or "班主任")
            lines.append(f"{len(lines) + 1}. {stamp(visit.closed_at, tz)}：班主任{who}完成家访。")
        else:
            lines.append(f"{len(lines) + 1}. {stamp(visit.opened_at, tz)}布置的家访尚未完成。")
    return lines


# ---- layout ---------------------------------------------------------------------------------


def _blank(school: str, now: datetime) -> DocumentObject:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(12)  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    props = doc.core_properties
    props.author = school
    props.title = "辍学情况报告"
    props.created = props.modified = now.astimezone(UTC).replace(tzinfo=None)
    props.last_modified_by = "请假通"
    return doc


def _centered(doc: DocumentObject, text: str, *, size: int, bold: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size, run.bold = Pt(size), bold


def _heading(doc: DocumentObject, text: str) -> None:
    doc.add_paragraph().add_run(text).bold = True


def _body(doc: DocumentObject, text: str) -> None:
    paragraph = doc.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(24)


def _table(doc: DocumentObject, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for left, right in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = left, right


def _signature(doc: DocumentObject, school: str) -> None:
    doc.add_paragraph()
    for text in (f"报告单位：{school}（盖章）", "校长（签字）：________________",
                 "日期：          年      月      日"):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _footnote(doc: DocumentObject, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
