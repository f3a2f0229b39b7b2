"""`/admin/manage…` (管理员): upload the roster, the calendar check, the config in force.

The upload is `qingjia import-roster` from the browser: the same reader and rules
(models/roster_import.py), the same all-or-nothing apply (models/repos/roster.py) in one unit of
work, every problem listed with its file and row, nothing written when there is one. Each file
must be a .csv (UTF-8) or an .xlsx, checked by name and by content; the request may be up to
the gate's LARGE_BODIES limit for this route (bot/web/gate.py), every other form 64 KiB.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot import keys
from bot.config import staff_roles
from bot.web.console.common import day_text, page, today_of
from bot.web.console.settings import config_rows
from bot.web.gate import LARGE_BODIES, ROSTER_UPLOAD
from bot.web.viewer import viewer_of
from models.repos.roster import ImportSummary
from models.roster_import import Roster, RosterError, read_roster
from models.rules.calendar_check import check_term, current_and_next, outlook
from models.rules.console import MANAGE
from services.roster import import_roster

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

FILES = (("students", "学生名单"), ("staff", "教职工名单"))
XLSX_MAGIC = b"PK\x03\x04"
MAX_BYTES = LARGE_BODIES[ROSTER_UPLOAD][0]


@routes.get("/admin/manage")
async def manage_page(request: web.Request) -> web.Response:
    return _roster_page(request)


def _roster_page(request: web.Request, *, problems: list[str] | None = None,
                 summary: ImportSummary | None = None, status: int = 200) -> web.Response:
    return page(request, "console/manage.html", MANAGE, status=status, problems=problems or [],
                summary=summary, files=FILES, max_mb=MAX_BYTES // 1024 // 1024)


@routes.post(ROSTER_UPLOAD)
async def upload_roster(request: web.Request) -> web.Response:
    """Check both files, read and validate them, apply them in one transaction."""
    app = request.app
    form = await request.post()
    uploads, problems = {}, []
    for field, title in FILES:
        item = form.get(field)
        if not isinstance(item, FileField) or not item.filename:
            problems.append(f"请选择{title}文件。")
            continue
        found = _checked(item, field, title)
        if isinstance(found, str):
            problems.append(found)
        else:
            uploads[field] = found
    if problems:
        return _roster_page(request, problems=problems, status=400)
    with tempfile.TemporaryDirectory(prefix="qingjia-roster-") as folder:
        paths = {}
        for field, (suffix, data) in uploads.items():
            paths[field] = Path(folder) / f"{field}{suffix}"
            paths[field].write_bytes(data)
        try:
            roster: Roster = await asyncio.to_thread(
                read_roster, paths["students"], paths["staff"],
                roles=staff_roles(app[keys.CONFIG]))
        except RosterError as exc:
            log.info("roster upload refused userid=%s problems=%d", viewer_of(request).userid,
                     len(exc.problems))
            return _roster_page(request, problems=exc.problems, status=400)
    now = app[keys.CLOCK]()
    async with app[keys.DB].unit_of_work() as session:
        summary = await import_roster(session, app[keys.SCHOOL_ID], app[keys.CONFIG], roster,
                                      actor=viewer_of(request).userid, now=now)
    log.info("roster uploaded userid=%s added=%d changed=%d deactivated=%d",
             viewer_of(request).userid, summary.added, summary.changed, summary.deactivated)
    return _roster_page(request, summary=summary)


def _checked(item: FileField, field: str, title: str) -> tuple[str, bytes] | str:
    """(suffix, bytes) of an upload that is what it says, else why not."""
    name = Path(item.filename).name
    suffix = Path(name).suffix.lower()
    data = item.file.read(MAX_BYTES + 1)
    if suffix not in (".csv", ".xlsx"):
        return f"{title}「{name}」不是 CSV 或 Excel (.xlsx) 文件。"
    if not data:
        return f"{title}「{name}」是空文件。"
    if len(data) > MAX_BYTES:
        return f"{title}「{name}」超过 {MAX_BYTES // 1024 // 1024} MB。"
    if (suffix == ".xlsx") != data.startswith(XLSX_MAGIC):
        kind = "Excel (.xlsx)" if suffix == ".xlsx" else "CSV 文本"
        return f"{title}「{name}」的内容不是 {kind}，请重新导出后再上传。"
    return suffix, data


@routes.get("/admin/manage/calendar")
async def calendar_page(request: web.Request) -> web.Response:
    """The check of `qingjia calendar check`: each term's school days and unknown dates."""
    calendar = request.app[keys.CONFIG].calendar
    _, today = today_of(request)
    ahead = outlook(calendar, today)
    matters = current_and_next(calendar, today)
    current = calendar.term_of(today)
    terms: list[dict[str, Any]] = []
    blocking: set[int] = set()
    for term in calendar.terms:
        found = check_term(calendar, term)
        if term in matters:
            blocking.update(found.unknown_years)
        terms.append({"name": term.name, "start": term.start, "end": term.end,
                      "role": "本学期" if term == current else "下学期" if term in matters else "",
                      "school_days": found.school_days, "unknown_days": found.unknown_days,
                      "ranges": [str(a) if a == b else f"{a} 至 {b}"
                                 for a, b in found.unknown_ranges]})
    return page(request, "console/calendar.html", MANAGE, terms=terms,
                known_through=ahead.known_through, missing_year=ahead.missing_year,
                warn=ahead.due(today), blocking=sorted(blocking),
                declared=[y.year for y in calendar.declared], today=day_text(today))


@routes.get("/admin/manage/config")
async def config_page(request: web.Request) -> web.Response:
    return page(request, "console/config.html", MANAGE,
                sections=config_rows(request.app[keys.CONFIG]))
