"""`/admin/term`: the term so far for the viewer's classes, by grade or class: attendance rate per
class per week, leave days by type and class, 旷课 per week, who reports late most often."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from aiohttp import web

from bot import keys
from bot.config import Config
from bot.web.console import charts
from bot.web.console.common import classes_in_scope, page, refused, today_of
from bot.web.render import message
from models.db import Database
from models.leave import PERSONAL, SICK, TEMPORARY
from models.repos.reports import ClassRow
from models.repos.term import TermRepo
from models.repos.today import TodayRepo
from models.rules.calendar import DayKind, SchoolCalendar, Term
from models.rules.console import TERM
from models.rules.termstats import (
    Attendance,
    punctuality,
    week_of,
    weekly_attendance,
    weekly_sum,
)

routes = web.RouteTableDef()

LEAVE_KINDS = {"sick": SICK, "personal": PERSONAL, "temporary": TEMPORARY}  # css key → kind
LATE_SHOWN = 10
T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    grade: str
    class_id: int | None
    first: date
    last: date


@routes.get("/admin/term")
async def term_page(request: web.Request) -> web.Response:
    config = request.app[keys.CONFIG]
    now, today = today_of(request)
    term = current_term(config.calendar, today)
    if term is None:
        return message(request, 200, "本学期", "现在不在任何学期内（见配置 [calendar] terms）。",
                       link=("/admin/", "返回今日"))
    _, allowed = await classes_in_scope(request)
    filters = _filters(request, term, today)
    if isinstance(filters, str):
        return message(request, 400, "日期有误", filters, link=("/admin/term", "重新选择"))
    if filters.class_id is not None and filters.class_id not in {c.id for c in allowed}:
        return refused(request, f"term:class:{filters.class_id}")
    shown = [c for c in allowed
             if (not filters.grade or c.grade == filters.grade)
             and (filters.class_id is None or c.id == filters.class_id)]
    days = [d for d, kind in config.calendar.school_days(filters.first, filters.last)
            if kind is DayKind.SCHOOL_DAY]
    app = request.app
    figures = await term_figures(app[keys.DB], config, app[keys.SCHOOL_ID], shown, days, now)
    return page(request, "console/term.html", TERM, term=term.name, filters=filters,
                grades=list(dict.fromkeys(c.grade for c in allowed)), classes=allowed,
                school_days=len(days), shown=len(shown),
                cutoff=f"{config.attendance.report_cutoff:%H:%M}", **figures)


def current_term(calendar: SchoolCalendar, today: date) -> Term | None:
    """The term today is in, else the last one that has begun."""
    started = [t for t in calendar.terms if t.start <= today]
    return calendar.term_of(today) or (max(started, key=lambda t: t.start) if started else None)


def _filters(request: web.Request, term: Term, today: date) -> Filters | str:
    """The page's filters from its query; a date that is not one gets a sentence saying so."""
    q = request.query
    dates = []
    for name, default in (("from", term.start), ("to", min(today, term.end))):
        text = q.get(name, "").strip()
        try:
            dates.append(date.fromisoformat(text) if text else default)
        except ValueError:
            return f"「{text[:20]}」不是日期，请写成 2026-11-09 的样子。"
    first, last = max(dates[0], term.start), min(dates[1], term.end, today)
    if first > last:
        return f"开始日期晚于结束日期（本学期 {term.start} 至 {term.end}）。"
    class_text = q.get("class", "")
    return Filters(q.get("grade", "").strip(),
                   int(class_text) if class_text.isdigit() and len(class_text) < 12 else None,
                   first, last)


async def term_figures(db: Database, config: Config, school_id: int, classes: list[ClassRow],
                       days: list[date], now: datetime) -> dict[str, Any]:
    """Everything the term page shows for these classes over these school days."""
    ids = [c.id for c in classes]
    first, last = (days[0], days[-1]) if days else (date.min, date.min)
    async with db.read() as session:
        term = TermRepo(session, school_id)
        enrolled = await TodayRepo(session, school_id).enrolled(ids)
        halves = await term.absent_halves(ids, first, last)
        leave_days = await term.leave_days(ids, first, last)
        truancy = await term.truancy_by_day(ids, first, last)
        first_reports = await term.first_reports(ids, first, last)
    weeks = sorted({week_of(d) for d in days})
    # every day a class reported has its first report's time: those days are its reported days
    firsts_by, halves_by = _by_class(first_reports), _by_class(halves)
    per_class = {c.id: weekly_attendance(days, enrolled.get(c.id, 0), firsts_by[c.id].keys(),
                                         halves_by[c.id]) for c in classes}
    total = {w: sum((per_class[c.id][w] for c in classes), Attendance()) for w in weeks}
    truant = weekly_sum(truancy, weeks)
    tz = config.school.tz
    late: list[dict[str, Any]] = []
    for c in classes:
        found = punctuality(days, firsts_by[c.id], config.attendance.report_cutoff, tz, now)
        if found.late or found.unreported:
            late.append({"label": c.label, "late": found.late, "unreported": found.unreported})
    late.sort(key=lambda r: (-r["late"], -r["unreported"]))
    leave_rows = [[(key, leave_days.get((c.id, kind), 0.0)) for key, kind in LEAVE_KINDS.items()]
                  for c in classes]
    return {
        "weeks": [_week_label(w) for w in weeks],
        "rate_chart": charts.line([(_week_label(w), total[w].rate, _rate_title(w, total[w]))
                                   for w in weeks]),
        "heat": [{"label": c.label, "cells": [_cell(per_class[c.id][w]) for w in weeks]}
                 for c in classes],
        "overall": _cell(sum(total.values(), Attendance())),
        "leaves": [{"label": c.label, "days": dict(row), "total": sum(v for _, v in row),
                    "bar": bar} for c, row, bar in
                   zip(classes, leave_rows, charts.stacked(leave_rows), strict=True)],
        "leave_totals": {key: sum(leave_days.get((c.id, kind), 0.0) for c in classes)
                         for key, kind in LEAVE_KINDS.items()},
        "leave_kinds": LEAVE_KINDS,
        "truancy_chart": charts.columns([(_week_label(w), truant[w],
                                          f"{w.month}月{w.day}日这周旷课{truant[w]:g}天")
                                         for w in weeks], "天"),
        "truancy_total": sum(truant.values()),
        "late": late[:LATE_SHOWN],
    }


def _by_class(values: dict[tuple[int, date], T]) -> defaultdict[int, dict[date, T]]:
    out: defaultdict[int, dict[date, T]] = defaultdict(dict)
    for (class_id, day), value in values.items():
        out[class_id][day] = value
    return out


def _week_label(monday: date) -> str:
    return f"{monday.month}/{monday.day}"


def _rate_title(monday: date, figures: Attendance) -> str:
    rate = figures.rate
    shown = "没有考勤记录" if rate is None else f"出勤率{rate:.1%}"
    return f"{monday.month}月{monday.day}日这周：{shown}"


def _cell(figures: Attendance) -> dict[str, Any]:
    """A rate as the heat table shows it: the number and a colour step."""
    rate = figures.rate
    if rate is None:
        return {"text": "—", "step": "r0", "title": "没有考勤记录"}
    step = next(s for s, low in (("r5", 0.98), ("r4", 0.95), ("r3", 0.90), ("r2", 0.80),
                                 ("r1", 0.0)) if rate >= low)
    return {"text": f"{rate:.1%}", "step": step,
            "title": f"出勤{figures.present:g}人天 / 应出勤{figures.expected}人天"}
