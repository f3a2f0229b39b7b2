"""Today's picture of the viewer's classes, read in one session: a row per class and the lists
behind every number (the Today page and its lists both use it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from bot.config import Config
from models.db import Database
from models.repos.ladder import LadderRepo
from models.repos.reports import AbsenceRow, ClassRow, ReportRepo
from models.repos.today import LeaveNow, Report, StepRow, TodayRepo, VisitRow, Who
from models.rules.calendar import DayKind
from models.rules.cases import Reached, open_cases
from models.rules.daymarks import LEAVE_MARKS, PERSONAL, SICK, TRUANT, day_mark

# NOTICES: when notices (通知) exist, their receipt rates belong here: a `notices` list on the
# picture (each notice, its scope, confirmed / sent), read by its own repository, and a tile
# on the Today page linking to who has not confirmed. Nothing is shown until then.


@dataclass(frozen=True)
class Absent:
    student: Who
    start_slot: int
    end_slot: int
    mark: str  # 病 / 事 / 旷 (or 上午旷 下午病 …): what the day reads as now


@dataclass
class ClassToday:
    cls: ClassRow
    enrolled: int
    report: Report | None
    absent: list[Absent] = field(default_factory=list)
    sick: list[LeaveNow] = field(default_factory=list)
    personal: list[LeaveNow] = field(default_factory=list)
    out: list[LeaveNow] = field(default_factory=list)
    truant: list[tuple[Who, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Picture:
    day: date
    now: datetime
    kind: DayKind
    judged: bool  # the day's truancy run is done: `truant` holds 旷课 records, else the absent
    # without a leave, who will be judged 旷课 at [attendance] truancy_run
    classes: list[ClassToday]
    pending: list[LeaveNow]
    cases: list[StepRow]
    visits: list[VisitRow]
    names: dict[str, str]  # staff userid → name

    @cached_property
    def labels(self) -> dict[int, str]:
        """class id → its label, for the classes shown."""
        return {c.cls.id: c.cls.label for c in self.classes}

    @property
    def school_day(self) -> bool:
        return self.kind is not DayKind.DAY_OFF

    @property
    def unreported(self) -> list[ClassToday]:
        return [c for c in self.classes if c.report is None and c.enrolled]

    def total(self, what: str) -> int:
        return sum(len(getattr(c, what)) for c in self.classes)


async def load_picture(db: Database, config: Config, school_id: int, classes: list[ClassRow],
                       now: datetime) -> Picture:
    """Everything the Today page shows for these classes, as of `now`."""
    day = now.astimezone(config.school.tz).date()
    ids = [c.id for c in classes]
    term = config.calendar.term_of(day)
    async with db.read() as session:
        repo = TodayRepo(session, school_id)
        enrolled = await repo.enrolled(ids)
        reports = await repo.reports_on(day, ids)
        reports_repo = ReportRepo(session, school_id)
        absences = await reports_repo.absences(ids, day, day)
        names = await reports_repo.staff_names()
        students = await repo.students([a.student_id for a in absences])
        on_leave = await repo.on_leave(day, ids)
        out = await repo.out_now(ids)
        judged = await repo.truancy_judged(day)
        truants = await repo.truants_on(day, ids) if judged else []
        pending = await repo.pending(ids)
        steps = await repo.ladder_steps(term.start, ids) if term else []
        present = await LadderRepo(session, school_id).present_days(
            sorted({s.student.id for s in steps}), min(s.day for s in steps), day) if steps else {}
        visits = await repo.visits_due(ids)
    rows = {c.id: ClassToday(c, enrolled.get(c.id, 0), reports.get(c.id)) for c in classes}
    for absence in absences:
        who = students.get(absence.student_id)
        if who is not None and who.class_id in rows:
            rows[who.class_id].absent.append(_absent(who, absence))
    for leave in on_leave:
        row = rows[leave.student.class_id]
        (row.sick if LEAVE_MARKS.get(leave.kind) == SICK else row.personal).append(leave)
    for leave in out:
        rows[leave.student.class_id].out.append(leave)
    if judged:
        for who, days in truants:
            rows[who.class_id].truant.append((who, days))
    else:
        for row in rows.values():
            row.truant = [(a.student, _truant_share(a)) for a in row.absent if TRUANT in a.mark]
    return Picture(day, now, config.calendar.kind(day), judged, list(rows.values()), pending,
                   _open(steps, present), visits, names)


def _absent(who: Who, absence: AbsenceRow) -> Absent:
    mark = day_mark(absence.day, True, (absence.start_slot, absence.end_slot), absence.covers)
    halves = [m for m in (mark.am, mark.pm) if m in (SICK, PERSONAL, TRUANT)]
    text = halves[0] if len(set(halves)) == 1 else mark.text
    return Absent(who, absence.start_slot, absence.end_slot, text)


def _truant_share(absent: Absent) -> float:
    return 1.0 if absent.mark == TRUANT and absent.start_slot != absent.end_slot else 0.5


def _open(steps: list[StepRow], present: dict[int, set[date]]) -> list[StepRow]:
    by_id = {s.id: s for s in steps}
    reached = {Reached(s.student.id, s.step, s.episode, s.day): s.id for s in steps}
    found = open_cases(list(reached), defaultdict(set, present))
    return [by_id[reached[r]] for r in found]
