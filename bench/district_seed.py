"""Fill a migrated PostgreSQL database with a district plan, by COPY, one school at a time."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.district_plan import (
    DAY,
    GIVEN,
    GRADES,
    LONG_LEAVE_DAYS,
    OFFICE,
    PRINCIPAL,
    STREAKS,
    SURNAMES,
    SchoolPlan,
    local,
)
from models.migrate import upgrade_async
from models.rules.channel import MEMBER_CHANNEL
from models.rules.dropout import AWAY, SUSPECTED

COLUMNS: dict[str, tuple[str, ...]] = {
    "school": ("id", "code", "name"),
    "school_class": ("id", "school_id", "grade", "name"),
    "student": ("id", "school_id", "student_no", "name", "class_id", "active"),
    "guardian": ("id", "school_id", "userid", "name", "phone", "channel"),
    "guardian_link": ("id", "school_id", "student_id", "guardian_id", "relation"),
    "staff_role": ("id", "school_id", "userid", "name", "role", "class_id"),
    "attendance_report": ("id", "school_id", "class_id", "day", "reported_by", "reported_at"),
    "absence": ("id", "school_id", "report_id", "student_id", "start_slot", "end_slot"),
    "leave": ("id", "school_id", "student_id", "kind", "start_date", "end_date", "start_slot",
              "end_slot", "days", "routing_days", "reason", "status", "tier_index",
              "tier_since", "reminded", "submitted_by", "submitted_at", "parent_phoned",
              "decided_by", "decided_at"),
    "truancy": ("id", "school_id", "student_id", "day", "days", "created_at"),
    "escalation_step": ("id", "school_id", "student_id", "step", "episode", "day",
                        "created_at"),
    "home_visit": ("id", "school_id", "student_id", "episode", "opened_at"),
    "dropout_case": ("id", "school_id", "student_id", "episode", "level", "status",
                     "opened_on", "days_absent", "created_at", "updated_at"),
}


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class _Rows:
    """One school's rows per table, with ids running on across schools."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.tables: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self._ids = next_ids

    def add(self, table: str, *values: Any) -> int:
        row_id = self._ids.get(table, 1)
        self._ids[table] = row_id + 1
        self.tables[table].append((row_id, *values))
        return row_id


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % 10 * 2:][:2]


def _slots(day: date, whole: bool = True) -> tuple[int, int]:
    slot = day.toordinal() * 2
    return slot, slot + 1 if whole else slot


def school_rows(school: SchoolPlan, next_ids: dict[str, int]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one school: roster, the term's reports and absences, leaves, history."""
    rows, sid, config = _Rows(next_ids), school.school_id, school.config
    rows.tables["school"].append((sid, config.school.code, config.school.name))
    next_ids["school"] = sid + 1
    for k in range(school.classes):
        class_id = rows.add("school_class", sid, GRADES[k % 6], f"({k // 6 + 1})班")
        assert class_id == school.first_class + k
        rows.add("staff_role", sid, f"teacher_{k + 1}", _name(k) + "老师", "班主任", class_id)
    for userid in OFFICE:
        rows.add("staff_role", sid, userid, "赵国强", "政教处", None)
    rows.add("staff_role", sid, PRINCIPAL, "陈志华", "校长", None)
    for i in range(school.students):
        student_id = rows.add("student", sid, f"G{sid:03d}{i + 1:07d}", _name(i),
                              school.first_class + school.class_of(i), True)
        assert student_id == school.student_id(i)
        for g in range(school.guardians(i)):
            userid = f"parent_{i + 1}" + ("b" if g else "")
            guardian = rows.add("guardian", sid, userid, _name(i)[0] + "家长",
                                f"139{i + 1:08d}", MEMBER_CHANNEL)
            rows.add("guardian_link", sid, student_id, guardian, "母亲" if g else "父亲")
    days = [*school.history, DAY]
    reports: dict[tuple[int, int], int] = {}
    for k in range(school.classes):
        for d, day in enumerate(days):
            if day == DAY and k == school.classes - 1 and school.classes >= 2:
                continue  # this class does not report today
            reports[k, d] = rows.add("attendance_report", sid, school.first_class + k, day,
                                     f"teacher_{k + 1}", local(config, day, 8, 20))
    index = {day: d for d, day in enumerate(days)}
    for i in range(school.students):
        _student_days(school, rows, reports, index, i)
    return rows.tables


def _student_days(school: SchoolPlan, rows: _Rows, reports: dict[tuple[int, int], int],
                  index: dict[date, int], i: int) -> None:
    """One student's absences, leaves, 旷课 and earlier rungs over the term and today."""
    sid, config, k = school.school_id, school.config, school.class_of(i)
    student_id = school.student_id(i)

    def absent(day: date, whole: bool = True) -> None:
        rows.add("absence", sid, reports[k, index[day]], student_id,
                 *_slots(day, whole))

    def truant(day: date, days: float = 1.0) -> None:
        rows.add("truancy", sid, student_id, day, days, local(config, day, 16, 30))

    def leave(first: date, last: date, days: float, whole: bool = True) -> None:
        start, end = _slots(first)[0], _slots(last, whole)[1]
        asked = local(config, first - timedelta(days=1), 20, 5)
        rows.add("leave", sid, student_id, "病假" if i % 2 else "事假", first, last, start, end,
                 days, days, "发烧，在家休息", "approved", 0, asked, False, f"parent_{i + 1}",
                 asked, False, f"teacher_{k + 1}", asked + timedelta(hours=1))

    kind = school.kinds.get(i)
    if kind is None:
        past = school.history_absence(i)
        if past is not None:
            day = school.history[past[0]]
            absent(day)
            if past[1]:
                leave(day, day, 1.0)
            else:
                truant(day)
        today = school.today(i)
        if today is not None:
            what = today[0]
            absent(DAY, whole=what != "morning")
            if what.startswith("leave"):
                leave(DAY, DAY, 1.0 if what == "leave_day" else 0.5, whole=what == "leave_day")
        return
    for day in school.truant_history(kind):
        absent(day)
        truant(day)
    absent(DAY)
    if kind == "long_leave":
        leave(DAY, DAY + timedelta(days=44), LONG_LEAVE_DAYS)
    _earlier_rungs(school, rows, kind, student_id)


def _earlier_rungs(school: SchoolPlan, rows: _Rows, kind: str, student_id: int) -> None:
    """What the runs of the days before recorded for a planted student."""
    sid, config = school.school_id, school.config
    truant = school.truant_history(kind)

    def step(name: str, episode: str, day: date) -> None:
        rows.add("escalation_step", sid, student_id, name, episode, day,
                 local(config, day, 16, 35))

    if kind in ("periods", "term21"):
        term = config.calendar.term_of(DAY)
        assert term is not None
        step("principal_term", f"term:{term.name}", truant[9])
    if kind in ("streak10", "streak15"):
        episode = f"from:{truant[0].isoformat()}"
        step("office", episode, truant[2])
        if STREAKS[kind] >= 10:
            step("principal", episode, truant[9])
        rows.add("home_visit", sid, student_id, episode, local(config, truant[2], 16, 35))
        opened = local(config, truant[4], 16, 35)
        rows.add("dropout_case", sid, student_id, episode, SUSPECTED, AWAY, truant[4],
                 float(len(truant)), opened, local(config, truant[-1], 16, 35))


async def seed(url: str, plans: list[SchoolPlan]) -> dict[str, Any]:
    """Migrate, then COPY each school's rows; sequences moved past the ids; ANALYZE."""
    started = time.perf_counter()
    await upgrade_async(url)
    migrated = time.perf_counter()
    counts: dict[str, int] = defaultdict(int)
    next_ids: dict[str, int] = {}
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for school in plans:
            tables = school_rows(school, next_ids)
            async with conn.transaction():
                for table, columns in COLUMNS.items():
                    records = tables.get(table, [])
                    if records:
                        await conn.copy_records_to_table(table, records=records,
                                                         columns=columns)
                        counts[table] += len(records)
        for table in COLUMNS:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        filled = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")  # as autovacuum will have done by the day's run
    finally:
        await conn.close()
    return {"migrate_s": migrated - started, "copy_s": filled - migrated,
            "analyze_s": time.perf_counter() - filled, "rows": dict(counts)}

