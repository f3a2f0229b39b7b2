"""What every console page shares: the page gate, the menu, the viewer's classes, words and times.

Each page module names its page (models/rules/console.py); `gated(handler, page)` is wrapped
round every route of the module once, where the routes are mounted, so a handler runs only for
a viewer whose roles open that page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from aiohttp import web

from bot import keys
from bot.web.render import message, render
from bot.web.viewer import Viewer, viewer_of
from models.repos.reports import ClassRow, ReportRepo
from models.rules.console import (
    AUDIT,
    DOWNLOADS,
    MANAGE,
    STUDENTS,
    TERM,
    TODAY,
    ClassScope,
    class_scope,
    may_open,
    pages,
)

log = logging.getLogger("qingjia.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MENU = {TODAY: ("/admin/", "今日"), TERM: ("/admin/term", "本学期"),
        STUDENTS: ("/admin/students", "学生"), DOWNLOADS: ("/admin/downloads", "报表下载"),
        AUDIT: ("/admin/audit", "操作记录"), MANAGE: ("/admin/manage", "系统管理")}
NO_ACCESS = "这个页面不对您的身份开放。如需查看，请联系学校管理员。"

STATUS_NAMES = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回",
                "withdrawn": "已撤销", "returned": "已销假"}
ACTION_NAMES = {
    "submitted": "提交请假", "routed": "送审", "reminded": "催办", "moved_up": "转上级审批",
    "approved": "批准", "rejected": "驳回", "withdrawn": "撤销请假", "exited": "离校",
    "returned": "返校销假", "opened": "办理临时请假", "attendance_reported": "报考勤",
    "attendance_replaced": "更正考勤", "truancy_excused": "补假撤销旷课",
    "home_visit_closed": "记录家访", "report_exported": "导出报表", "create": "新建",
    "update": "修改", "delete": "删除", "deactivate": "停用",
}
ENTITY_NAMES = {"leave": "请假", "attendance": "考勤", "truancy": "旷课", "home_visit": "家访",
                "report": "报表", "student": "学生", "guardian": "家长",
                "guardian_link": "家长关系", "staff_role": "教职工角色", "school_class": "班级",
                "school": "学校"}


def gated(handler: Handler, page: str) -> Handler:
    """The handler, run only for viewers whose roles open `page`; others get a 403 page."""
    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = viewer_of(request)
        if not may_open(viewer.reader, page):
            log.info("console page refused userid=%s page=%s", viewer.userid, page)
            return message(request, 403, "没有权限", NO_ACCESS)
        return await handler(request)

    return guarded


def menu(viewer: Viewer, active: str) -> list[tuple[str, str, bool]]:
    """(href, label, is this page) for each page the viewer may open."""
    return [(*MENU[p], p == active) for p in pages(viewer.reader)]


def page(request: web.Request, template: str, active: str, *, status: int = 200,
         **values: Any) -> web.Response:
    """A console page: the menu of what this viewer may open, then the template."""
    return render(request, template, status=status, menu=menu(viewer_of(request), active),
                  **values)


def refused(request: web.Request, what: str) -> web.Response:
    """A record outside the viewer's classes: say so, show nothing of it."""
    viewer = viewer_of(request)
    log.info("console record refused userid=%s what=%s", viewer.userid, what)
    return message(request, 403, "没有权限", "您只能查看自己班级的学生和报表。",
                   link=("/admin/", "返回今日"))


async def classes_in_scope(request: web.Request) -> tuple[ClassScope, list[ClassRow]]:
    """The viewer's scope and its classes, in the order people list them."""
    app = request.app
    scope = class_scope(viewer_of(request).reader)
    async with app[keys.DB].read() as session:
        classes = await ReportRepo(session, app[keys.SCHOOL_ID]).classes()
    return scope, [c for c in classes if scope.sees(c.id)]


def today_of(request: web.Request) -> tuple[datetime, date]:
    app = request.app
    now = app[keys.CLOCK]()
    return now, now.astimezone(app[keys.CONFIG].school.tz).date()


def stamp(moment: datetime | None, tz: tzinfo) -> str:
    """`11月26日 08:05` in the school's time."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def clock(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def day_text(day: date) -> str:
    return f"{day.month}月{day.day}日(周{'一二三四五六日'[day.weekday()]})"


def age(since: datetime, now: datetime) -> str:
    """How long ago, in the words a person would use: `35分钟`, `5小时`, `2天3小时`."""
    minutes = max(0, int((now - since) / timedelta(minutes=1)))
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}小时"
    return f"{hours // 24}天" + (f"{hours % 24}小时" if hours % 24 else "")


def span_text(start: date, start_slot: int, end: date, end_slot: int) -> str:
    """`10月12日上午至10月13日下午`, or one day (`10月15日下午`, `10月15日`)."""
    def half(slot: int) -> str:
        return "下午" if slot % 2 else "上午"

    if start == end:
        whole = start_slot % 2 == 0 and end_slot % 2 == 1
        return f"{start.month}月{start.day}日" + ("" if whole else half(start_slot))
    return (f"{start.month}月{start.day}日{half(start_slot)}至"
            f"{end.month}月{end.day}日{half(end_slot)}")


def halves_text(start_slot: int, end_slot: int) -> str:
    """An absence of one day: `全天`, `上午` or `下午`."""
    if start_slot != end_slot:
        return "全天"
    return "下午" if start_slot % 2 else "上午"


def person(userid: str | None, names: dict[str, str]) -> str:
    """A userid as people read it: the roster's name, 系统 for jobs, else the id."""
    if not userid:
        return ""
    if userid.startswith("system"):
        return "系统"
    return names.get(userid, userid)


def int_param(request: web.Request, name: str) -> int | None:
    """A whole-number query parameter, or None when absent or not a number."""
    value = request.query.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None
