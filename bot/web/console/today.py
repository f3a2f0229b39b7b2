"""`/admin/`: today's picture of the viewer's classes; `/admin/today/{list}`: the list behind each
number (one click from a number to the students it counts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot import keys
from bot.config import Config
from bot.web import paths
from bot.web.console.common import (
    MENU,
    age,
    classes_in_scope,
    clock,
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
from bot.web.console.picture import ClassToday, Picture, load_picture
from bot.web.render import message
from bot.web.viewer import viewer_of
from models.repos.today import LeaveNow, StepRow, Who
from models.rules.calendar import DayKind
from models.rules.console import TODAY, may_open, pages

routes = web.RouteTableDef()
front = web.RouteTableDef()  # "/admin/" itself: every staff member lands here first

LISTS = {"unreported": "未报考勤的班级", "absent": "缺勤学生", "sick": "病假学生",
         "personal": "事假学生", "out": "离校未返校", "truant": "旷课学生"}


@front.get("/admin/")
async def console_front(request: web.Request) -> web.StreamResponse:
    """Today's picture; a viewer it is not for goes to their first page, or is told no."""
    viewer = viewer_of(request)
    if may_open(viewer.reader, TODAY):
        return await today_page(request)
    allowed = pages(viewer.reader)
    if allowed:
        raise web.HTTPFound(paths.to(request, MENU[allowed[0]][0]))
    return message(request, 403, "管理后台", "管理后台没有对您开放的页面：门卫的核验和放行在"
                   "企业微信里进行。如有疑问，请联系学校管理员。")


@front.get("/admin")
async def console_bare(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(paths.to(request, "/admin/"))


async def today_page(request: web.Request) -> web.Response:
    picture = await _picture(request)
    config = request.app[keys.CONFIG]
    tz = config.school.tz
    return page(request, "console/today.html", TODAY, day=day_text(picture.day),
                time=clock(picture.now, tz), note=_day_note(picture, config),
                school_day=picture.school_day,
                truant_label="旷课" if picture.judged else "缺勤未请假",
                late=(picture.now.astimezone(tz).time() > config.attendance.report_cutoff
                      and bool(picture.unreported)),
                cutoff=f"{config.attendance.report_cutoff:%H:%M}",
                tiles=_tiles(picture),
                rows=[_class_row(c, tz, picture.names) for c in picture.classes],
                pending=[_pending(leave, config, picture) for leave in picture.pending],
                cases=[_case(step, config, picture) for step in picture.cases],
                visits=[{"student": v.student, "label": _label(picture, v.student),
                         "opened": stamp(v.opened_at, tz), "waited": age(v.opened_at, picture.now)}
                        for v in picture.visits])


@routes.get("/admin/today/{what}")
async def today_list(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    if what not in LISTS:
        raise web.HTTPNotFound()
    class_id = int_param(request, "class")
    picture = await _picture(request)
    known = {c.cls.id: c for c in picture.classes}
    if class_id is not None and class_id not in known:
        return refused(request, f"today:{what}")
    chosen = [known[class_id]] if class_id is not None else picture.classes
    tz = request.app[keys.CONFIG].school.tz
    if what == "unreported":
        lines = [{"label": c.cls.label, "detail": f"在籍{c.enrolled}人"}
                 for c in chosen if c.report is None and c.enrolled]
    else:
        lines = [line for c in chosen for line in _lines(what, c, tz, picture)]
    title = LISTS[what] if what != "truant" or picture.judged else "缺勤未请假学生"
    scope = known[class_id].cls.label if class_id is not None else "全部班级"
    return page(request, "console/today_list.html", TODAY, title=title, scope=scope,
                day=day_text(picture.day), lines=lines, students=what != "unreported")


async def _picture(request: web.Request) -> Picture:
    app = request.app
    _, classes = await classes_in_scope(request)
    now, _ = today_of(request)
    return await load_picture(app[keys.DB], app[keys.CONFIG], app[keys.SCHOOL_ID], classes, now)


def _day_note(picture: Picture, config: Config) -> str:
    if picture.kind is DayKind.DAY_OFF:
        return "今天不是上课日，不需要报考勤。"
    if picture.kind is DayKind.UNKNOWN:
        return f"{picture.day.year}年的放假安排还没有录入，今天的缺勤不判定旷课。"
    if not picture.judged:
        return (f"旷课在每天 {config.attendance.truancy_run:%H:%M} 判定；在此之前，"
                "「缺勤未请假」是报了缺勤又没有获批请假的学生。")
    return ""


def _tiles(p: Picture) -> list[dict[str, Any]]:
    """The numbers at the top, each a link to the list it counts."""
    truant = p.total("truant")
    tiles = [
        _tile("未报考勤班级", len(p.unreported), "/admin/today/unreported", bool(p.unreported),
              of=len(p.classes)) if p.school_day else None,
        _tile("缺勤", p.total("absent"), "/admin/today/absent") if p.school_day else None,
        _tile("病假", p.total("sick"), "/admin/today/sick"),
        _tile("事假", p.total("personal"), "/admin/today/personal"),
        _tile("离校未返", p.total("out"), "/admin/today/out"),
        _tile("旷课" if p.judged else "缺勤未请假", truant, "/admin/today/truant", bool(truant))
        if p.school_day else None,
        _tile("待审批", len(p.pending), "#pending"),
        _tile("旷课预警个案", len(p.cases), "#cases", bool(p.cases)),
        _tile("待家访", len(p.visits), "#visits"),
    ]
    return [t for t in tiles if t is not None]


def _tile(label: str, value: int, href: str, alert: bool = False,
          of: int | None = None) -> dict[str, Any]:
    return {"label": label, "value": value, "href": href, "alert": alert, "of": of}


def _class_row(c: ClassToday, tz: Any, names: dict[str, str]) -> dict[str, Any]:
    report = c.report
    return {"id": c.cls.id, "label": c.cls.label, "enrolled": c.enrolled,
            "reported": report is not None,
            "by_name": person(report.reported_by, names) if report else "",
            "at": clock(report.reported_at, tz) if report else "",
            "absent": len(c.absent), "sick": len(c.sick), "personal": len(c.personal),
            "out": len(c.out), "truant": len(c.truant)}


def _label(picture: Picture, who: Who) -> str:
    return picture.labels.get(who.class_id, "")


def _pending(leave: LeaveNow, config: Config, picture: Picture) -> dict[str, Any]:
    chain = config.approval.chain
    role = chain[leave.tier_index].role if leave.tier_index < len(chain) else chain[-1].role
    return {"id": leave.id, "student": leave.student, "label": _label(picture, leave.student),
            "kind": leave.kind, "days": f"{leave.days:g}",
            "span": span_text(leave.start_date, leave.start_slot, leave.end_date, leave.end_slot),
            "tier": role, "waited": age(leave.submitted_at, picture.now),
            "at_tier": age(leave.tier_since, picture.now)}


def rung_names(config: Config) -> dict[str, str]:
    t = config.truancy
    return {"office": f"连续旷课{t.office_after_days}天",
            "principal": f"连续旷课{t.principal_after_days}天（辍学预警）",
            "dropout": f"连续{t.dropout_after_days}天未到校（辍学）",
            "principal_term": f"本学期累计旷课{t.principal_after_days}天",
            "periods": f"本学期累计旷课{t.term_periods_limit}节",
            "leave_advisory": f"本学期病事假超过{t.leave_advisory_weeks:g}周（休学提示）"}


def _case(step: StepRow, config: Config, picture: Picture) -> dict[str, Any]:
    """A case: its rung, the student, since when (the run's first day, or the day a term's
    count was reached)."""
    start = step.episode.removeprefix("from:")
    since = (f"{day_text(date.fromisoformat(start))}起" if start != step.episode
             else f"{day_text(step.day)}达到")
    return {"rung": rung_names(config)[step.step], "student": step.student,
            "label": _label(picture, step.student), "since": since,
            "case": step.id if step.step == "dropout" else None}


def _lines(what: str, c: ClassToday, tz: Any, picture: Picture) -> list[dict[str, Any]]:
    label = c.cls.label
    if what == "absent":
        return [{"student": a.student, "label": label,
                 "detail": f"{halves_text(a.start_slot, a.end_slot)}　{a.mark}"} for a in c.absent]
    if what in ("sick", "personal"):
        return [{"student": leave.student, "label": label, "detail": _leave_detail(leave)}
                for leave in getattr(c, what)]
    if what == "out":
        return [{"student": leave.student, "label": label,
                 "detail": f"{stamp(leave.exited_at, tz)} 离校（单号{leave.id}）"
                           + ("，已过请假时间" if leave.valid_until and
                              leave.valid_until <= picture.now else ""),
                 "alert": bool(leave.valid_until and leave.valid_until <= picture.now)}
                for leave in c.out]
    return [{"student": who, "label": label, "detail": f"{days:g}天"} for who, days in c.truant]


def _leave_detail(leave: LeaveNow) -> str:
    span = span_text(leave.start_date, leave.start_slot, leave.end_date, leave.end_slot)
    return f"{leave.kind} {span}（单号{leave.id}）"
