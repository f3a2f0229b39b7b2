"""The leave lifecycle's context for one unit of work, and who approves or may decide a leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.leave import Leave
from models.messages import Notifier
from models.repos.attendance import AttendanceRepo
from models.repos.audit import AuditRepo
from models.repos.health import HealthRepo
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from models.roster import Student
from models.roster_import import HOMEROOM
from services.actor import Actor
from services.privacy import Privacy


@dataclass
class LeaveDesk:
    """Everything a leave operation touches, for one unit of work."""

    config: Config
    leaves: LeaveRepo
    roster: RosterRepo
    audit: AuditRepo
    notify: Notifier
    now: datetime
    attendance: AttendanceRepo
    health: HealthRepo

    @classmethod
    def open(cls, session: AsyncSession, school_id: int, config: Config, notify: Notifier,
             now: datetime) -> LeaveDesk:
        """The desk of one unit of work: its session's repositories, its notifier, its time."""
        return cls(config, LeaveRepo(session, school_id), RosterRepo(session, school_id),
                   AuditRepo(session, school_id), notify, now,
                   AttendanceRepo(session, school_id), HealthRepo(session, school_id))

    @property
    def privacy(self) -> Privacy:
        """Consent and the logged door to health details (services/privacy.py)."""
        return Privacy(self.health, self.roster, self.notify, self.config, self.now)

    @property
    def tz(self) -> tzinfo:
        return self.config.school.tz

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def record(self, actor: str, action: str, leave: Leave, before: str | None = None,
               note: str | None = None) -> None:
        """An audit record of a leave's step: who, when, the status before and after."""
        self.audit.record(actor=actor, action=action, entity="leave", entity_id=leave.id,
                          at=self.now, before={"status": before} if before else None,
                          after={"status": leave.status, "tier": leave.tier_index}, note=note)

    async def student_name(self, leave: Leave) -> str:
        student = await self.roster.student(leave.student_id)
        return student.name if student else ""

    async def student_label(self, student: Student) -> str:
        """The student's class as people name it (初一(3)班)."""
        cls = await self.roster.school_class(student.class_id)
        return cls.label if cls else ""

    async def family_and_teachers(self, leave: Leave) -> list[str]:
        """The student's guardians and 班主任: who hears of an exit or a return."""
        student = await self.roster.student(leave.student_id)
        if student is None:
            return []
        return sorted(set(await self.roster.guardians_of(student.id))
                      | set(await self.roster.homeroom_teachers(student.class_id)))

    # ---- who decides ---------------------------------------------------------

    async def approvers_for(self, leave: Leave, student: Student) -> tuple[int, list[str]]:
        """The routed tier's approvers; if a tier has nobody, the next tier up that has someone."""
        tiers = self.config.approval.chain
        for index in range(leave.tier_index, len(tiers)):
            role = tiers[index].role
            users = (await self.roster.homeroom_teachers(student.class_id) if role == HOMEROOM
                     else await self.roster.users_with_role(role))
            if users:
                return index, users
        return leave.tier_index, []

    async def deciders_now(self, leave: Leave, student: Student) -> list[str]:
        """Who can decide the leave at its current tier: the people a reminder is for."""
        return (await self.approvers_for(leave, student))[1]

    async def may_decide(self, user: Actor, leave: Leave) -> bool:
        """The routed tier or a higher one; a 班主任 only for their own class."""
        student = await self.roster.student(leave.student_id)
        if student is None:
            return False
        for tier in self.config.approval.chain[leave.tier_index:]:
            if tier.role not in user.roles:
                continue
            if tier.role != HOMEROOM:
                return True
            if user.userid in await self.roster.homeroom_teachers(student.class_id):
                return True
        return False

    async def viewable(self, user: Actor, leave_id: int) -> Leave | None:
        """The leave with this 单号 if `user` may decide it or is its student's 班主任 (who
        follows a leave of their class decided higher up); None reveals nothing more."""
        leave = await self.leaves.get(leave_id)
        if leave is None:
            return None
        if await self.may_decide(user, leave):
            return leave
        student = await self.roster.student(leave.student_id)
        if student is not None and user.userid in await self.roster.homeroom_teachers(
                student.class_id):
            return leave
        return None

    async def decidable(self, user: Actor, leave_id: int) -> Leave | None:
        """The leave with this 单号 if `user` may decide it; None reveals nothing more."""
        leave = await self.leaves.get(leave_id)
        if leave is None or not await self.may_decide(user, leave):
            return None
        return leave
