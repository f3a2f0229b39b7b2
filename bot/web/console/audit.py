"""`/admin/audit`: the audit log (篇六 第二十八条), searched by student, person, kind and date;
each entry with who, when, what and its values before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.web.console.common import (
    ACTION_NAMES,
    ENTITY_NAMES,
    STATUS_NAMES,
    int_param,
    page,
    person,
)
from bot.web.render import message
from models.messaging import AuditEntry
from models.repos.audit_search import AuditQuery, AuditSearchRepo
from models.repos.reports import ReportRepo
from models.repos.timeline import TimelineRepo
from models.repos.today import TodayRepo
from models.rules.console import AUDIT

routes = web.RouteTableDef()

PAGE_SIZE = 50
KEY_NAMES = {"status": "状态", "tier": "审批层级", "absent": "缺勤学生", "name": "姓名",
             "class_id": "班级", "active": "在读", "days": "天数", "leave": "单号",
             "closed": "已完成", "from": "从", "to": "到", "class": "班级", "classes": "班级数",
             "students": "学生数", "school_days": "上课日", "leaves": "请假条数", "case": "个案",
             "student_id": "学生", "student_no": "学籍号", "grade": "年级",
             "userid": "企业微信ID", "role": "角色", "phone": "手机", "relation": "关系",
             "guardian_id": "家长", "code": "代码"}
REPORT_NAMES = {"attendance": "考勤报表", "leaves": "请假记录"}
ACTOR_KINDS = {"cli": "命令行", "import": "名册导入"}
NOTES = {"roster import": "名册导入", "parent phoned": "已电话告知家长"}


@dataclass(frozen=True)
class Search:
    student: str
    person: str
    kind: str
    first: date | None
    last: date | None
    before: int | None

    def query_string(self, **changes: Any) -> str:
        values = {"student": self.student, "person": self.person, "kind": self.kind,
                  "from": self.first or "", "to": self.last or "", **changes}
        return urlencode({k: v for k, v in values.items() if v})


@routes.get("/admin/audit")
async def audit_page(request: web.Request) -> web.Response:
    app = request.app
    tz = app[keys.CONFIG].school.tz
    search = _search(request)
    if isinstance(search, str):
        return message(request, 400, "日期有误", search, link=("/admin/audit", "重新查询"))
    async with app[keys.DB].read() as session:
        repo = AuditSearchRepo(session, app[keys.SCHOOL_ID])
        query = AuditQuery(
            student_ids=await repo.students_matching(search.student) if search.student else None,
            actors=await repo.actors_matching(search.person) if search.person else None,
            action=search.kind or None,
            since=_midnight(search.first, tz) if search.first else None,
            until=_midnight(search.last + timedelta(days=1), tz) if search.last else None,
            before_id=search.before, limit=PAGE_SIZE)
        entries = await repo.search(query)
        labels = {c.id: c.label for c in await ReportRepo(session, app[keys.SCHOOL_ID]).classes()}
        students = await TodayRepo(session, app[keys.SCHOOL_ID]).students(_student_ids(entries))
        names = await TimelineRepo(session, app[keys.SCHOOL_ID]).names(
            {e.actor for e in entries})
    pupils = {sid: who.name for sid, who in students.items()}
    tiers = [t.role for t in app[keys.CONFIG].approval.chain]
    rows = [{"at": _full_stamp(e.at, tz), "who": _actor(e.actor, names),
             "what": ACTION_NAMES.get(e.action, e.action), "about": _about(e, labels, pupils),
             "before": _values(e.before, labels, pupils, tiers),
             "after": _values(e.after, labels, pupils, tiers),
             "note": _note(e.note)} for e in entries]
    more = (search.query_string(before=entries[-1].id) if len(entries) == PAGE_SIZE else None)
    return page(request, "console/audit.html", AUDIT, search=search, rows=rows, more=more,
                kinds=ACTION_NAMES, searched=bool(request.query))


def _search(request: web.Request) -> Search | str:
    q = request.query
    days: list[date | None] = []
    for name in ("from", "to"):
        text = q.get(name, "").strip()
        try:
            days.append(date.fromisoformat(text) if text else None)
        except ValueError:
            return f"「{text[:20]}」不是日期，请写成 2026-11-09 的样子。"
    kind = q.get("kind", "")
    return Search(q.get("student", "").strip()[:32], q.get("person", "").strip()[:64],
                  kind if kind in ACTION_NAMES else "", days[0], days[1],
                  int_param(request, "before"))


def _note(note: str | None) -> str:
    """A person's note (a rejection's reason) as written; the service's own notes in words or,
    when they are only for operators (`tier=1 approvers=2`), not at all."""
    if not note:
        return ""
    return NOTES.get(note, "" if note.isascii() else note)


def _full_stamp(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _student_ids(entries: list[AuditEntry]) -> list[int]:
    """Students the entries name: their own rows, 旷课 records, absences listed, exports."""
    found: set[int] = set()
    for e in entries:
        if e.entity == "student" and e.entity_id.isdigit():
            found.add(int(e.entity_id))
        if e.entity == "truancy":
            head = e.entity_id.partition(":")[0]
            if head.isdigit():
                found.add(int(head))
        for values in (e.before or {}, e.after or {}):
            found.update(i for i in values.get("absent", []) if isinstance(i, int))
            if isinstance(values.get("student_id"), int):
                found.add(values["student_id"])
    return sorted(found)


def _actor(actor: str, names: dict[str, str]) -> str:
    kind, _, who = actor.partition(":")
    if who and kind in ACTOR_KINDS:
        return f"{ACTOR_KINDS[kind]}（{who}）"
    return person(actor, names)


def _about(e: AuditEntry, labels: dict[int, str], pupils: dict[int, str]) -> str:
    """What the entry is about, in words: 请假 单号12, 考勤 初一(1)班 2026-11-26, …"""
    what = ENTITY_NAMES.get(e.entity, e.entity)
    head, _, tail = e.entity_id.partition(":")
    if e.entity == "leave":
        return f"{what} 单号{e.entity_id}"
    if e.entity == "attendance" and head.isdigit():
        return f"{what} {labels.get(int(head), head)} {tail}"
    if e.entity == "truancy" and head.isdigit():
        return f"{what} {pupils.get(int(head), head)} {tail}"
    if e.entity == "student" and e.entity_id.isdigit():
        return f"{what} {pupils.get(int(e.entity_id), e.entity_id)}"
    if e.entity == "report":
        if head == "dropout":
            return f"辍学报告 个案{tail}"
        return REPORT_NAMES.get(e.entity_id, e.entity_id)
    return f"{what} #{e.entity_id}"


def _values(values: dict[str, Any] | None, labels: dict[int, str], pupils: dict[int, str],
            tiers: list[str]) -> list[str]:
    """`key: value` lines in words; ids of classes and students as their names."""
    if not values:
        return []
    lines = []
    for key, value in values.items():
        if key == "status" and isinstance(value, str):
            shown = STATUS_NAMES.get(value, value)
        elif key == "absent" and isinstance(value, list):
            shown = "、".join(pupils.get(i, str(i)) for i in value) or "无"
        elif key == "tier" and isinstance(value, int) and 0 <= value < len(tiers):
            shown = tiers[value]
        elif key == "class_id" and isinstance(value, int):
            shown = labels.get(value, str(value))
        elif key == "student_id" and isinstance(value, int):
            shown = pupils.get(value, str(value))
        elif isinstance(value, bool):
            shown = "是" if value else "否"
        elif value is None:
            shown = "—"
        else:
            shown = str(value)
        lines.append(f"{KEY_NAMES.get(key, key)}：{shown}")
    return lines
