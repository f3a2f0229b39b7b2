"""`qingjia demo`: the weeks before today, invented once for a new demo school, so the staff
console has a term to show (a 政教处 signing in on the simulator sees today's picture and the
term's charts at once).

Only the demo does this, and only while the school has no attendance report at all. The days
are made the way the service would have recorded them (reports with their absences, leaves
asked by a guardian and approved by the 班主任, the truancy rule, the ladder's first rung and
its home visit, the audit entries), from a fixed seed so every new demo tells the same story;
nobody is sent anything about them. Today is left to the people trying the simulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.attendance import AttendanceReport
from models.db import Database
from models.leave import APPROVED, PERSONAL, SICK, Leave
from models.repos.attendance import AttendanceRepo
from models.repos.audit import AuditRepo
from models.repos.ladder import LadderRepo
from models.repos.reports import ReportRepo, StudentRow
from models.rules.calendar import DayKind

DAYS = 100  # school days before today, at most: the term so far
ABSENT = 0.05  # chance a student is away on a day
EXCUSED = 0.6  # chance an absence has an approved leave
ACTOR = "system:demo"


@dataclass(frozen=True)
class History:
    days: int
    reports: int
    leaves: int


async def seed_history(db: Database, config: Config, school_id: int, now: datetime) -> History:
    """Invent the school days before today, unless the school has any report already."""
    tz = config.school.tz
    today = now.astimezone(tz).date()
    days = _days_before(config, today)
    async with db.unit_of_work() as session:
        if days == [] or await session.scalar(
                select(AttendanceReport.id).where(AttendanceReport.school_id == school_id)
                .limit(1)) is not None:
            return History(0, 0, 0)
        story = _Story(session, config, school_id, random.Random(config.school.code))
        await story.cast()
        run = min(config.truancy.office_after_days, len(days))
        for i, day in enumerate(days):
            await story.live(day, runaway=i >= len(days) - run)
        await story.ladder(days[-run], days[-1])
    return History(len(days), story.reports, story.leaves)


def _days_before(config: Config, today: date) -> list[date]:
    """The current term's school days before today (the last DAYS of them), oldest first."""
    term = config.calendar.term_of(today)
    if term is None:
        return []
    days = [d for d, kind in config.calendar.school_days(term.start, today - timedelta(days=1))
            if kind is DayKind.SCHOOL_DAY]
    return days[-DAYS:]


class _Story:
    def __init__(self, session: AsyncSession, config: Config, school_id: int,
                 rng: random.Random) -> None:
        self.session, self.config, self.school_id, self.rng = session, config, school_id, rng
        self.tz = config.school.tz
        self.attendance = AttendanceRepo(session, school_id)
        self.audit = AuditRepo(session, school_id)
        self.reports = self.leaves = 0

    async def cast(self) -> None:
        """Classes, students, each class's 班主任, each student's first guardian."""
        repo = ReportRepo(self.session, self.school_id)
        self.classes = await repo.classes()
        students = await repo.students([c.id for c in self.classes])
        self.pupils: dict[int, list[StudentRow]] = {c.id: [] for c in self.classes}
        for student in students:
            self.pupils[student.class_id].append(student)
        teachers = await self.attendance.homeroom_by_class([c.id for c in self.classes])
        guardians = await self.attendance.guardians_by_student([s.id for s in students])
        self.teachers = {c.id: sorted(teachers.get(c.id, [ACTOR]))[0] for c in self.classes}
        self.guardians = {s.id: sorted(guardians.get(s.id, [ACTOR]))[0] for s in students}
        # the one who stays away for the last days: the second pupil of the first class
        first = self.pupils[self.classes[0].id] if self.classes else []
        self.runaway = first[1] if len(first) > 1 else None

    def at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz)

    async def live(self, day: date, *, runaway: bool) -> None:
        """One school day: each class's report (some late, now and then none), the day's 旷课."""
        for n, cls in enumerate(self.classes):
            roll = self.rng.random()
            if n % 2 == 1 and roll < 0.06:
                continue  # this class forgot to report
            late = n % 2 == 1 and roll < 0.25
            reported = self.at(day, 9 if late else 7, self.rng.randrange(5, 55))
            absences = []
            for pupil in self.pupils[cls.id]:
                away = runaway and pupil == self.runaway
                if not away and (pupil == self.runaway or self.rng.random() >= ABSENT):
                    continue  # the runaway is at school every day before the run
                first, last = day.toordinal() * 2, day.toordinal() * 2 + 1
                if not away and self.rng.random() < 0.3:
                    first = last = first + self.rng.randrange(2)  # half a day
                if not away and self.rng.random() < EXCUSED:
                    await self.leave(pupil, day, first, last, cls.id)
                absences.append((pupil.id, first, last))
            await self.attendance.save_report(cls.id, day, self.teachers[cls.id], reported,
                                              absences)
            self.audit.record(actor=self.teachers[cls.id], action="attendance_reported",
                              entity="attendance", entity_id=f"{cls.id}:{day}", at=reported,
                              after={"absent": [a[0] for a in absences]})
            self.reports += 1
        await self.session.flush()
        run = self.config.attendance.truancy_run
        await self.attendance.mark_truancy(day, self.at(day, run.hour, run.minute))

    async def leave(self, pupil: StudentRow, day: date, first: int, last: int,
                    class_id: int) -> None:
        """Asked the evening before by the guardian, approved by the 班主任 a little later."""
        sick = self.rng.random() < 0.5
        asked = self.at(day - timedelta(days=1), 20, self.rng.randrange(0, 40))
        decided = asked + timedelta(minutes=self.rng.randrange(5, 50))
        days = 0.5 * (last - first + 1)
        leave = Leave(school_id=self.school_id, student_id=pupil.id,
                      kind=SICK if sick else PERSONAL, start_date=day, end_date=day,
                      start_slot=first, end_slot=last, window_start=None, window_end=None,
                      days=days, routing_days=days, reason="发烧" if sick else "家中有事",
                      status=APPROVED, tier_index=0, tier_since=asked,
                      submitted_by=self.guardians[pupil.id], submitted_at=asked,
                      decided_by=self.teachers[class_id], decided_at=decided)
        self.session.add(leave)
        await self.session.flush()
        for actor, action, at, before in ((self.guardians[pupil.id], "submitted", asked, None),
                                          (self.teachers[class_id], APPROVED, decided,
                                           "pending")):
            self.audit.record(actor=actor, action=action, entity="leave", entity_id=leave.id,
                              at=at, before={"status": before} if before else None,
                              after={"status": APPROVED if before else "pending", "tier": 0})
        self.leaves += 1

    async def ladder(self, first: date, last: date) -> None:
        """Days running away ([truancy] office_after_days): the 政教处's rung and the 班主任's
        home visit, reached on the last evening (the escalation job finds them done and sends
        nothing again)."""
        if self.runaway is None:
            return
        ladder = LadderRepo(self.session, self.school_id)
        episode = f"from:{first.isoformat()}"
        evening = self.at(last, 16, 35)
        await ladder.record_step(self.runaway.id, "office", episode, last, evening)
        await ladder.open_home_visit(self.runaway.id, episode, evening)
