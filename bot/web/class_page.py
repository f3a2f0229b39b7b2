"""`/h5/class`: a 班主任's classes today at a glance, with the chat's actions (`考勤`, `销假`).

Per class: the attendance report (made or not, and when), who is absent, on leave, out through
the gate now, and whose leave waits for a decision; a form to report or correct today's 考勤 (a
student present, absent all day, or one half), and 销假 on each open leave. It reads today's
picture as the console does (bot/web/console/picture.py) and acts through the same services as
the chat. Only the viewer's own classes as 班主任.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from bot import keys
from bot.web.console.common import day_text, stamp
from bot.web.console.picture import ClassToday, load_picture
from bot.web.desk import open_desk, reading_desk
from bot.web.render import message, render
from bot.web.viewer import viewer_of
from models.repos.reports import ReportRepo
from models.repos.today import LeaveNow
from models.rules.calendar import DayKind
from models.rules.dates import DateSpan
from models.rules.schooldays import describe_span
from models.rules.slots import slot
from services.attendance import save_attendance
from services.leave.closing import close_by_teacher, of_teachers_class
from services.leave.desk import LeaveDesk

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

PAGE = "/h5/class"
CHOICES = (("", "出勤"), ("day", "缺勤"), ("am", "上午缺"), ("pm", "下午缺"))
NOT_HOMEROOM = "本班今日页面仅供班主任查看自己的班级。"


@dataclass(frozen=True)
class Line:
    """A leave on the page: who, what, when, and whether 销假 applies."""

    id: int
    name: str
    text: str
    closable: bool


@routes.get(PAGE)
async def class_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(PAGE + "/attendance")
async def report(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    form = await request.post()
    class_id = form.get("class", "")
    if not isinstance(class_id, str) or not class_id.isdigit() \
            or int(class_id) not in viewer.reader.classes:
        return _refused(request)
    async with open_desk(request) as desk:
        if desk.config.calendar.kind(desk.today) is DayKind.DAY_OFF:
            return await _page(request, "今天不是上课日，不需要报考勤。", ok=False, status=400)
        students = {s.id for s in await desk.roster.students_in_class(int(class_id))}
        absences = []
        for student_id in sorted(students):
            choice = form.get(f"s{student_id}", "")
            if choice == "day":
                absences.append((student_id, slot(desk.today, "am"), slot(desk.today, "pm")))
            elif choice in ("am", "pm"):
                half = slot(desk.today, choice)  # type: ignore[arg-type]
                absences.append((student_id, half, half))
        replaced = await save_attendance(desk, viewer, int(class_id), absences)
    log.info("web attendance userid=%s class=%s absent=%d", viewer.userid, class_id,
             len(absences))
    summary = "全勤。" if not absences else f"缺勤{len(absences)}人。"
    return await _page(request, f"{'已更新' if replaced else '已记录'}今日考勤：{summary}")


@routes.post(PAGE + "/close/{leave_id:[0-9]{1,9}}")
async def close_leave(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    if not viewer.reader.classes:
        return _refused(request)
    async with open_desk(request) as desk:
        leave = await of_teachers_class(desk, viewer, int(request.match_info["leave_id"]))
        if leave is None:
            return _refused(request)
        answer = await close_by_teacher(desk, leave, viewer)
    log.info("web 销假 userid=%s leave=%s", viewer.userid, leave.id)
    return await _page(request, answer, ok=answer.startswith("已销假"))


def _refused(request: web.Request) -> web.Response:
    log.info("web class page refused userid=%s", viewer_of(request).userid)
    return message(request, 403, "没有权限", NOT_HOMEROOM, link=("/h5/", "返回首页"))


async def _page(request: web.Request, answer: str = "", *, ok: bool = True,
                status: int = 200) -> web.Response:
    app = request.app
    viewer = viewer_of(request)
    if not viewer.reader.classes:
        return _refused(request)
    config = app[keys.CONFIG]
    async with app[keys.DB].read() as session:
        classes = [c for c in await ReportRepo(session, app[keys.SCHOOL_ID]).classes()
                   if c.id in viewer.reader.classes]
    picture = await load_picture(app[keys.DB], config, app[keys.SCHOOL_ID], classes,
                                 app[keys.CLOCK]())
    async with reading_desk(request) as desk:
        shown = [await _class(desk, row, picture.names, picture.pending)
                 for row in picture.classes]
    return render(request, "class.html", status=status, answer=answer, ok=ok, classes=shown,
                  day=day_text(picture.day), school_day=picture.school_day, choices=CHOICES,
                  page=PAGE)


async def _class(desk: LeaveDesk, row: ClassToday, names: dict[str, str],
                 pending: list[LeaveNow]) -> dict[str, object]:
    tz = desk.tz
    absent = {a.student.id: a for a in row.absent}
    students = []
    for student in await desk.roster.students_in_class(row.cls.id):
        mark = absent.get(student.id)
        choice = ""
        if mark is not None:
            choice = "day" if mark.start_slot != mark.end_slot else (
                "am" if mark.start_slot % 2 == 0 else "pm")
        students.append({"id": student.id, "name": student.name, "choice": choice,
                         "mark": mark.mark if mark else ""})
    report = row.report
    return {
        "id": row.cls.id, "label": row.cls.label, "enrolled": row.enrolled,
        "reported": (f"{stamp(report.reported_at, tz)}（{names.get(report.reported_by, '')}）"
                     if report else ""),
        "absent": [f"{a.student.name}（{a.mark}）" for a in row.absent],
        "on_leave": [_line(x, closable=True) for x in row.sick + row.personal
                     if x.id not in {o.id for o in row.out}],
        "out": [_line(x, closable=True, out=stamp(x.exited_at, tz)) for x in row.out],
        "pending": [_line(x, closable=False) for x in pending
                    if x.student.class_id == row.cls.id],
        "students": students,
    }


def _line(leave: LeaveNow, *, closable: bool, out: str = "") -> Line:
    span = describe_span(DateSpan(leave.start_date, "pm" if leave.start_slot % 2 else "am",
                                  leave.end_date, "pm" if leave.end_slot % 2 else "am"),
                         leave.days)
    text = f"{leave.kind} {span}" + (f"，{out} 离校" if out else "")
    return Line(leave.id, leave.student.name, text, closable)
