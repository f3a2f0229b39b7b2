"""`/admin/students`: find a student in the viewer's classes; `/admin/students/{id}`: the term's
timeline of one student: leaves and what happened to them, reported absences, 旷课, the ladder's
steps, home visits and gate events, each with who and when.

A leave's reason (事由) is shown to the person who approved or rejected that leave and to no
one else: a medical reason is the approver's to see (PRODUCT.md, records and privacy), and a
page cannot tell a medical reason from another, so every reason is treated as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from aiohttp import web

from bot import keys
from bot.web.console.common import (
    ACTION_NAMES,
    STATUS_NAMES,
    classes_in_scope,
    day_text,
    halves_text,
    int_param,
    page,
    person,
    refused,
    span_text,
    stamp,
    today_of,
)
from bot.web.console.term import current_term
from bot.web.console.today import rung_names
from bot.web.render import message
from bot.web.viewer import viewer_of
from models.leave import Leave
from models.repos.roster import RosterRepo
from models.repos.timeline import StudentTerm, TimelineRepo
from models.rules.console import STUDENTS

routes = web.RouteTableDef()
REASON_HIDDEN = "仅审批人可见"


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    text: str
    who: str
    tone: str = ""  # a css hint: leave, absent, truant, ladder, visit, gate


@routes.get("/admin/students")
async def find_students(request: web.Request) -> web.Response:
    app = request.app
    scope, classes = await classes_in_scope(request)
    text = request.query.get("q", "").strip()[:32]
    class_id = int_param(request, "class")
    if class_id is not None and not scope.sees(class_id):
        return refused(request, f"students:class:{class_id}")
    labels = {c.id: c.label for c in classes}
    wanted = ([class_id] if class_id is not None
              else None if scope.whole_school else sorted(scope.classes))
    found = []
    if text or class_id is not None or not scope.whole_school:
        async with app[keys.DB].read() as session:
            found = await TimelineRepo(session, app[keys.SCHOOL_ID]).find(text, wanted)
    return page(request, "console/students.html", STUDENTS, q=text, class_id=class_id,
                classes=classes, searched=bool(text) or class_id is not None,
                students=[{"id": s.id, "name": s.name, "no": s.student_no,
                           "label": labels.get(s.class_id, "")} for s in found])


@routes.get("/admin/students/{id:\\d{1,12}}")
async def student_page(request: web.Request) -> web.Response:
    app = request.app
    config = app[keys.CONFIG]
    student_id = int(request.match_info["id"])
    scope, _ = await classes_in_scope(request)
    async with app[keys.DB].read() as session:
        roster = RosterRepo(session, app[keys.SCHOOL_ID])
        student = await roster.student(student_id)
        if student is None:
            return message(request, 404, "没有这个学生", "学生不存在，或不在本校名册中。",
                           link=("/admin/students", "查找学生"))
        if not scope.sees(student.class_id):
            return refused(request, f"student:{student_id}")
        school_class = await roster.school_class(student.class_id)
        _, today = today_of(request)
        term = current_term(config.calendar, today)
        timeline = TimelineRepo(session, app[keys.SCHOOL_ID])
        first, last = (term.start, term.end) if term else (today, today)
        records = await timeline.term(student_id, first, last)
        names = await timeline.names(_people(records))
    tz = config.school.tz
    viewer = viewer_of(request)
    return page(request, "console/student.html", STUDENTS, student=student,
                class_label=school_class.label if school_class else "",
                term=term.name if term else "", enrolled=student.active,
                leaves=[_leave(leave, viewer.userid, names) for leave in records.leaves],
                events=_events(records, names, tz, rung_names(config)),
                stamp=lambda m: stamp(m, tz), hidden=REASON_HIDDEN)


def _people(records: StudentTerm) -> set[str]:
    found = {e.actor for e in records.leave_history}
    found |= {a.reported_by for a in records.absences}
    found |= {v.closed_by for v in records.visits if v.closed_by}
    found |= {c.guard for c in records.gate_checks}
    found |= {leave.decided_by for leave in records.leaves if leave.decided_by}
    return found


def _leave(leave: Leave, viewer: str, names: dict[str, str]) -> dict[str, Any]:
    return {"id": leave.id, "kind": leave.kind, "days": f"{leave.days:g}",
            "span": span_text(leave.start_date, leave.start_slot, leave.end_date, leave.end_slot),
            "status": STATUS_NAMES.get(leave.status, leave.status),
            "decided_by": person(leave.decided_by, names),
            "reason": leave.reason if leave.decided_by == viewer else None}


def _events(records: StudentTerm, names: dict[str, str], tz: tzinfo,
            rungs: dict[str, str]) -> list[Event]:
    """Everything that happened to the student this term, newest first."""
    leaves = {str(leave.id): leave for leave in records.leaves}
    events = []
    for entry in records.leave_history:
        leave = leaves[entry.entity_id]
        span = span_text(leave.start_date, leave.start_slot, leave.end_date, leave.end_slot)
        events.append(Event(entry.at, ACTION_NAMES.get(entry.action, entry.action),
                            f"单号{leave.id} {leave.kind} {span}",
                            person(entry.actor, names),
                            "gate" if entry.action in ("exited", "returned") else "leave"))
    moved = {(e.at, e.actor) for e in records.leave_history if e.action in ("exited", "returned")}
    for check in records.gate_checks:
        if (check.at, check.guard) in moved:  # the 放行 / 返校 itself, already listed
            continue
        events.append(Event(check.at, "门卫核验", f"单号{check.leave_id} 的放行码",
                            person(check.guard, names), "gate"))
    for absence in records.absences:
        events.append(Event(absence.reported_at, "报缺勤",
                            f"{day_text(absence.day)} "
                            f"{halves_text(absence.start_slot, absence.end_slot)}",
                            person(absence.reported_by, names), "absent"))
    for record in records.truancy:
        events.append(Event(record.created_at, "旷课",
                            f"{day_text(record.day)} {record.days:g}天", "系统", "truant"))
        if record.voided_at is not None:
            events.append(Event(record.voided_at, "旷课撤销",
                                f"{day_text(record.day)}（补假 单号{record.voided_by_leave}）",
                                "系统", "leave"))
    for step in records.steps:
        events.append(Event(step.created_at, "旷课预警", rungs.get(step.step, step.step),
                            "系统", "ladder"))
    for visit in records.visits:
        events.append(Event(visit.opened_at, "安排家访", "班主任需家访", "系统", "visit"))
        if visit.closed_at is not None:
            events.append(Event(visit.closed_at, "完成家访", visit.notes or "",
                                person(visit.closed_by, names), "visit"))
    order = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [event for _, event in order]

