"""`/admin/downloads`: the reports of `qingjia report …`, from the console.

The forms post (with the session's CSRF token: an export writes an audit entry, so it is not
a plain link); the same export functions as the CLI's run off the event loop and are audited
with the signed-in userid as the actor. What the export cannot do is said in Chinese on the
page, before anything is written. A 班主任 gets the attendance workbook of their own classes and
the dropout reports of their own students; the leave workbook and the 控辍保学 ledger are the
whole school's. The 因病缺课登记表 (health data) is for the 校长 and the 校医 only, and the page
shows each viewer only the reports they may download.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import IO, Any

from aiohttp import web

from bot import keys
from bot.web.console.common import day_text, page, refused, today_of
from bot.web.console.exports import run_export, send_file
from bot.web.viewer import viewer_of
from models.db import Database
from models.repos.reports import ClassRow, ReportRepo
from models.repos.roster import RosterRepo
from models.repos.today import TodayRepo
from models.rules.calendar import DayKind, not_entered
from models.rules.console import (
    ATTENDANCE,
    DOWNLOADS,
    DROPOUT,
    ILLNESS,
    LEAVES,
    LEDGER,
    REPORTS,
    exports,
    may_export,
)
from reports.attendance import export_attendance
from reports.common import MAX_RANGE_DAYS, ReportError
from reports.dropout import export_dropout
from reports.illness import export_illness
from reports.leaves import export_leaves
from reports.ledger import export_ledger, month_range

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


FORM = web.RequestKey("download_form", dict)
WORKBOOK_NAMES = {ATTENDANCE: "考勤", LEAVES: "请假记录", ILLNESS: "因病缺课登记表"}


class Refusal(Exception):
    """What the page says instead of a file (a bad date, no such class or case)."""


class NotYours(Exception):
    """A class or case outside what the viewer may download."""


@routes.get("/admin/downloads")
async def downloads_page(request: web.Request) -> web.Response:
    return await _page(request)


async def _page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    reader = viewer_of(request).reader
    _, today = today_of(request)
    form = request.get(FORM) or {}
    return page(request, "console/downloads.html", DOWNLOADS, status=status, error=error,
                reports=exports(reader), classes=await _classes(request, ATTENDANCE),
                whole_school=may_export(reader, ATTENDANCE, None), cases=await _cases(request),
                month=form.get("month") or f"{today:%Y-%m}",
                first=form.get("from") or today.replace(day=1), last=form.get("to") or today,
                chosen=form.get("class", ""))


async def _classes(request: web.Request, report: str) -> list[ClassRow]:
    """The classes whose `report` the viewer may download."""
    app, reader = request.app, viewer_of(request).reader
    async with app[keys.DB].read() as session:
        classes = await ReportRepo(session, app[keys.SCHOOL_ID]).classes()
    if may_export(reader, report, None):
        return classes
    return [c for c in classes if may_export(reader, report, c.id)]


async def _cases(request: web.Request) -> list[dict[str, Any]]:
    """The dropout cases the viewer may download, newest first."""
    app = request.app
    labels = {c.id: c.label for c in await _classes(request, DROPOUT)}
    if not labels:
        return []
    async with app[keys.DB].read() as session:
        steps = await TodayRepo(session, app[keys.SCHOOL_ID]).ladder_steps(date.min,
                                                                            list(labels))
    return [{"id": s.id, "text": f"个案{s.id}：{s.student.name}（{labels[s.student.class_id]}）"
                                 f"{day_text(s.day)}"}
            for s in reversed(steps) if s.step == "dropout"]


@routes.post("/admin/downloads/{report}")
async def download(request: web.Request) -> web.StreamResponse:
    report = request.match_info["report"]
    if report not in REPORTS:
        raise web.HTTPNotFound()
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    request[FORM] = form
    try:
        if report == DROPOUT:
            return await _dropout(request, form)
        if report == LEDGER:
            return await _ledger(request, form)
        return await _workbook(request, report, form)
    except Refusal as refusal:
        return await _page(request, error=str(refusal), status=400)
    except NotYours:
        return refused(request, f"download:{report}")


async def _workbook(request: web.Request, report: str,
                    form: dict[str, str]) -> web.StreamResponse:
    app, viewer = request.app, viewer_of(request)
    config, school_id = app[keys.CONFIG], app[keys.SCHOOL_ID]
    cls = await _class(request, form.get("class", "")) if report == ATTENDANCE else None
    if not may_export(viewer.reader, report, cls.id if cls else None):
        raise NotYours
    first, last = _range(request, form)
    now = app[keys.CLOCK]()
    label = cls.label if cls else None

    async def work(db: Database, out: IO[bytes]) -> object:
        if report == ATTENDANCE:
            return await export_attendance(db, config, school_id, first, last, out,
                                           class_label=label, actor=viewer.userid, now=now)
        export = export_illness if report == ILLNESS else export_leaves
        return await export(db, config, school_id, first, last, out, actor=viewer.userid,
                            now=now)

    path = await _run(request, work)
    name = WORKBOOK_NAMES[report]
    suffix = f"_{label}" if label else ""
    return await send_file(request, path, f"{name}_{first}_{last}{suffix}.xlsx",
                           f"{report}-{first}-{last}.xlsx", XLSX)


async def _dropout(request: web.Request, form: dict[str, str]) -> web.StreamResponse:
    app, viewer = request.app, viewer_of(request)
    config, school_id = app[keys.CONFIG], app[keys.SCHOOL_ID]
    text = form.get("case", "").strip()
    if not text.isdigit() or len(text) > 12:
        raise Refusal("请选择一个辍学个案。")
    case = int(text)
    async with app[keys.DB].read() as session:
        step = await ReportRepo(session, school_id).dropout_case(case)
        student = await RosterRepo(session, school_id).student(step.student_id) if step else None
    if student is None:
        raise Refusal(f"没有编号为 {case} 的辍学个案。")
    if not may_export(viewer.reader, DROPOUT, student.class_id):
        raise NotYours
    now = app[keys.CLOCK]()

    async def work(db: Database, out: IO[bytes]) -> object:
        return await export_dropout(db, config, school_id, case, out, actor=viewer.userid,
                                    now=now)

    path = await _run(request, work)
    return await send_file(request, path, f"辍学报告_个案{case}.docx",
                           f"dropout-case-{case}.docx", DOCX)


async def _ledger(request: web.Request, form: dict[str, str]) -> web.StreamResponse:
    app, viewer = request.app, viewer_of(request)
    config, school_id = app[keys.CONFIG], app[keys.SCHOOL_ID]
    if not may_export(viewer.reader, LEDGER, None):
        raise NotYours
    month = form.get("month", "").strip()[:7]
    try:
        month_range(month)
    except ReportError as exc:
        raise Refusal("请选择月份。") from exc
    now = app[keys.CLOCK]()

    async def work(db: Database, out: IO[bytes]) -> object:
        return await export_ledger(db, config, school_id, month, out, actor=viewer.userid,
                                   now=now)

    path = await _run(request, work)
    return await send_file(request, path, f"控辍保学台账_{month}.xlsx",
                           f"dropout-ledger-{month}.xlsx", XLSX)


async def _run(request: web.Request, work: Any) -> Any:
    try:
        return await run_export(request.app, work)
    except ReportError as exc:
        log.warning("console export refused userid=%s: %s", viewer_of(request).userid,
                    type(exc).__name__)
        raise Refusal("无法导出这份报表，请检查日期和班级后重试。") from exc


def _range(request: web.Request, form: dict[str, str]) -> tuple[date, date]:
    """The form's dates, checked: real dates, in order, a school year at most, all known to
    the calendar."""
    days = []
    for key, name in (("from", "开始日期"), ("to", "结束日期")):
        text = form.get(key, "").strip()
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise Refusal(f"{name}「{text[:20]}」不是日期，请写成 2026-11-09 的样子。") from None
    first, last = days
    if first > last:
        raise Refusal("开始日期晚于结束日期。")
    if last - first >= timedelta(days=MAX_RANGE_DAYS):
        raise Refusal(f"一次最多导出 {MAX_RANGE_DAYS} 天（一个学年），请缩短日期范围。")
    calendar = request.app[keys.CONFIG].calendar
    unknown = next((d for d, kind in calendar.school_days(first, last)
                    if kind is DayKind.UNKNOWN), None)
    if unknown is not None:
        raise Refusal(f"{not_entered(unknown.year)}，无法统计{unknown.year}年的上课日。")
    return first, last


async def _class(request: web.Request, text: str) -> ClassRow | None:
    """The class asked for ("" is every class), one the viewer may download."""
    if not text:
        return None
    found = next((c for c in await _classes(request, ATTENDANCE) if str(c.id) == text), None)
    if found is None:
        raise NotYours
    return found
