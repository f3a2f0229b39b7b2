"""What a notice operation touches in one unit of work: repositories, notifier, the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.messages import Notifier
from models.notice import Notice
from models.repos.audit import AuditRepo
from models.repos.notices import NoticeRepo
from models.repos.roster import RosterRepo


@dataclass
class NoticeDesk:
    config: Config
    notices: NoticeRepo
    roster: RosterRepo
    audit: AuditRepo
    notify: Notifier
    now: datetime

    @classmethod
    def open(cls, session: AsyncSession, school_id: int, config: Config, notify: Notifier,
             now: datetime) -> NoticeDesk:
        return cls(config, NoticeRepo(session, school_id), RosterRepo(session, school_id),
                   AuditRepo(session, school_id), notify, now)

    @property
    def tz(self) -> tzinfo:
        return self.config.school.tz

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        return self.local_now.date()

    def record(self, actor: str, action: str, notice: Notice, *, before: str | None = None,
               note: str | None = None) -> None:
        self.audit.record(actor=actor, action=action, entity="notice", entity_id=notice.id,
                          at=self.now, before={"status": before} if before else None,
                          after={"status": notice.status, "number": notice.number,
                                 "scope": notice.scope}, note=note)
