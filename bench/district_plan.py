"""The district the district bench runs on: what each school holds, and what its day must give.

A plan is a pure function of (schools, students): the bench's measuring process and its seeding
process build the same plan, so what the seed planted is known without reading it back.

Each school: classes of 50 (the last class does not report today), a 班主任 per class, two 政教处
and a 校长, a guardian per student (two for every tenth). Its own config: for a few schools
another timezone, a sports day off or a Saturday make-up school day, a term starting a week
later; the history follows each school's own calendar. Every class reported every school day of
the term so far; on each, a sporadic 0.7 % of the students were absent, once each at most, a
third of those on an approved leave (so nobody of that background reaches a rung). Today (DAY)
1.5 % of the students of the reported classes are absent: some on a leave covering the day, some
on a leave covering the morning only (half a day of 旷课), some absent the morning only, the rest
all day. Planted students reach the ladder's rungs today (see SPECIALS).
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bench._common import ROOT
from bot.config import Config, parse_config
from models.rules.calendar import DayKind

DAY = date(2026, 12, 1)  # a Tuesday in the first term
PER_CLASS = 50
GRADES = ("初一", "初二", "初三", "高一", "高二", "高三")
SURNAMES = "王李张刘陈杨赵黄吴徐孙马朱胡郭何高林罗郑"
GIVEN = "子涵欣怡浩然雨桐俊杰思远佳琪梓萱宇轩诗雨"
OFFICE = ("office_1", "office_2")  # 政教处
PRINCIPAL = "principal"
TODAY_MODULUS, TODAY_ABSENT = 200, 3  # residues 0, 1, 2 of 200: 1.5 % absent today
HISTORY_MODULUS, HISTORY_STEP = 150, 7  # absent on at most one day in 150 (gcd(7, 150) = 1)
HISTORY_INVERSE = pow(HISTORY_STEP, -1, HISTORY_MODULUS)

# Planted students per 1,000, and what each must reach today: (name, per 1,000, rung or None).
SPECIALS: tuple[tuple[str, float, str | None], ...] = (
    ("streak3", 1.0, "office"),        # truant the 2 school days before: 3 in a row today
    ("streak10", 0.67, "principal"),   # 9 before (office, case and visit already recorded)
    ("streak15", 0.34, "dropout"),     # 14 before (office, principal, case, visit recorded)
    ("periods", 0.67, "periods"),      # 22 truant days, never two in a row: 23 × 8 ≥ 180
    ("streak2", 0.67, None),           # 1 before: 2 in a row, no rung
    ("term21", 0.67, None),            # 20 scattered before: 21 × 8 = 168 < 180, no rung
    ("long_leave", 0.34, "leave_advisory"),  # a 31-day leave from today: over 6 weeks
)
STREAKS = {"streak3": 2, "streak10": 9, "streak15": 14, "streak2": 1}
SCATTERED = {"periods": 22, "term21": 20}
LONG_LEAVE_DAYS = 31.0
# Notices per rung (besides the guardians a periods notice names): 政教处 and 班主任, 校长 …
RUNG_NOTICES = {"office": len(OFFICE) + 1, "principal": 1, "dropout": 2,
                "periods": len(OFFICE), "leave_advisory": len(OFFICE) + 1}


@dataclass
class SchoolPlan:
    """One school: its config, its id ranges, and what today's runs must write."""

    number: int  # 1-based; the school's id too
    config: Config
    students: int
    first_student: int  # the id of its first student (ids are consecutive)
    first_class: int
    history: list[date]  # its school days of the term before DAY, oldest first
    kinds: dict[int, str] = field(default_factory=dict)  # local index → planted kind
    truancy: dict[int, float] = field(default_factory=dict)  # student id → 旷课 today
    steps: set[tuple[int, str]] = field(default_factory=set)  # (student id, rung) today
    truancy_notices: int = 0
    escalation_notices: int = 0

    @property
    def school_id(self) -> int:
        return self.number

    @property
    def classes(self) -> int:
        return math.ceil(self.students / PER_CLASS)

    @property
    def reported_students(self) -> int:
        """Students in the classes that report today (all but the last class)."""
        return self.students if self.classes < 2 else (self.classes - 1) * PER_CLASS

    def student_id(self, i: int) -> int:
        return self.first_student + i

    def class_of(self, i: int) -> int:
        return i // PER_CLASS

    def guardians(self, i: int) -> int:
        return 2 if i % 10 == 0 else 1

    def today(self, i: int) -> tuple[str, float] | None:
        """A background student's absence today: (what, 旷课 days), or None when present."""
        if i >= self.reported_students or i in self.kinds:
            return None
        r = (i * 7 + self.number * 13) % TODAY_MODULUS
        if r >= TODAY_ABSENT:
            return None
        if r == 0:
            return ("leave_day", 0.0) if i % 2 == 0 else ("leave_morning", 0.5)
        return ("morning", 0.5) if r == 1 else ("day", 1.0)

    def history_absence(self, i: int) -> tuple[int, bool] | None:
        """A background student's one absence of the term: (history index, on leave)."""
        if i in self.kinds:
            return None
        d = (-i * HISTORY_INVERSE) % HISTORY_MODULUS  # (i + d * HISTORY_STEP) % 150 == 0
        return (d, (i // HISTORY_MODULUS) % 3 == 0) if d < len(self.history) else None

    def truant_history(self, kind: str) -> list[date]:
        """The school days before DAY a planted student was truant, oldest first."""
        h = self.history
        if kind in STREAKS:
            return h[len(h) - STREAKS[kind]:]
        if kind in SCATTERED:
            return sorted(h[len(h) - 2 * k] for k in range(1, SCATTERED[kind] + 1))
        return []


def school_config(number: int, url: str) -> Config:
    """The example config as a school of the district: its own code and name, and for a few
    schools another timezone, a day off, a make-up Saturday or a later term start."""
    raw: dict[str, Any] = tomllib.loads(_example())
    raw["database"]["url"] = url
    raw["school"].update(code=f"district-{number:03d}", name=f"第{number}中学")
    if number % 10 == 2:  # far west: the school day runs on Xinjiang time
        raw["school"]["timezone"] = "Asia/Urumqi"
        raw["calendar"]["extra_days_off"] = ["2026-11-20"]  # sports day
    if number % 10 == 7:
        raw["calendar"]["terms"][0]["start"] = "2026-09-07"
        raw["calendar"]["extra_school_days"] = ["2026-11-28"]  # a Saturday of its own
    return parse_config(raw)


@functools.cache
def _example() -> str:
    return (ROOT / "config.example.toml").read_text(encoding="utf-8")


def plan(schools: int, students: int, url: str) -> list[SchoolPlan]:
    """The district: `students` spread over `schools` (the first ones take the remainder)."""
    plans, first_student, first_class = [], 1, 1
    for number in range(1, schools + 1):
        n = students // schools + (1 if number <= students % schools else 0)
        config = school_config(number, url)
        calendar = config.calendar
        term = calendar.term_of(DAY)
        assert term is not None and calendar.kind(DAY) is DayKind.SCHOOL_DAY
        history = [d for d, kind in calendar.school_days(term.start, DAY - timedelta(days=1))
                   if kind is DayKind.SCHOOL_DAY]
        school = SchoolPlan(number, config, n, first_student, first_class, history)
        _place_specials(school)
        _expect(school)
        plans.append(school)
        first_student += n
        first_class += school.classes
    return plans


def _place_specials(school: SchoolPlan) -> None:
    counts = [(kind, max(1, round(school.students * per / 1000))) for kind, per, _ in SPECIALS]
    total = sum(c for _, c in counts)
    if total > school.reported_students:
        raise SystemExit(f"school {school.number}: {school.students} students is too few")
    step = school.reported_students // total
    slots = iter(range(0, step * total, step))
    for kind, count in counts:
        for _ in range(count):
            school.kinds[next(slots)] = kind
    need = 2 * max(SCATTERED.values())
    if len(school.history) < need:
        raise SystemExit(f"school {school.number}: {len(school.history)} school days of history, "
                         f"{need} needed")


def _expect(school: SchoolPlan) -> None:
    """What today's truancy and escalation runs must write for this school."""
    truant_classes = set()
    for i in range(school.reported_students):
        kind = school.kinds.get(i)
        if kind is not None:
            days = 0.0 if kind == "long_leave" else 1.0
        else:
            absent = school.today(i)
            days = absent[1] if absent else 0.0
        if days:
            school.truancy[school.student_id(i)] = days
            school.truancy_notices += school.guardians(i)
            truant_classes.add(school.class_of(i))
    school.truancy_notices += len(truant_classes)
    if school.classes >= 2:
        school.truancy_notices += len(OFFICE)  # the unreported class, told to 政教处
    rungs = {kind: rung for kind, _, rung in SPECIALS}
    for i, kind in school.kinds.items():
        rung = rungs[kind]
        if rung is None:
            continue
        school.steps.add((school.student_id(i), rung))
        school.escalation_notices += RUNG_NOTICES[rung]
        if rung == "periods":
            school.escalation_notices += school.guardians(i)


def local(config: Config, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), config.school.tz)
