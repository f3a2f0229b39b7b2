"""A member's userid as WeCom's directory changes it: renamed everywhere, or their roles ended."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import AttendanceReport
from models.leave import Leave, LeaveCard
from models.messaging import DialogState, InboxMessage, OutboxMessage
from models.notice import Notice, NoticeRecipient
from models.roster import Guardian, StaffRole

# (table, column): every place a member's userid stands for them now or later.
_SCHOOL_COLUMNS = (
    (Guardian, Guardian.userid), (StaffRole, StaffRole.userid),
    (DialogState, DialogState.userid), (Leave, Leave.submitted_by), (Leave, Leave.decided_by),
    (Leave, Leave.pass_holder), (Leave, Leave.returned_by),
    (AttendanceReport, AttendanceReport.reported_by),
    (Notice, Notice.sender), (NoticeRecipient, NoticeRecipient.userid),
)


class DirectoryRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def rename(self, old: str, new: str) -> None:
        """`old` becomes `new` in the roster, dialogs, leaves, cards and messages not yet sent or
        handled (the audit log keeps history as it was)."""
        for model, column in _SCHOOL_COLUMNS:
            await self._session.execute(
                update(model).where(model.school_id == self._school_id, column == old)
                .values({column.key: new}))
        await self._session.execute(
            update(LeaveCard).where(LeaveCard.userid == old, LeaveCard.leave_id.in_(
                select(Leave.id).where(Leave.school_id == self._school_id)))
            .values(userid=new).execution_options(synchronize_session=False))
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.school_id == self._school_id,
                                        OutboxMessage.touser == old,
                                        OutboxMessage.status == "pending")
            .values(touser=new))
        await self._session.execute(
            update(InboxMessage).where(InboxMessage.school_id == self._school_id,
                                       InboxMessage.userid == old,
                                       InboxMessage.status == "pending")
            .values(userid=new))

    async def end_roles(self, userid: str) -> list[StaffRole]:
        """Remove a member's staff roles; the rows they were."""
        roles = list(await self._session.scalars(
            select(StaffRole).where(StaffRole.school_id == self._school_id,
                                    StaffRole.userid == userid)))
        await self._session.execute(
            delete(StaffRole).where(StaffRole.school_id == self._school_id,
                                    StaffRole.userid == userid))
        return roles

    async def pending_cards_of(self, userid: str) -> list[Leave]:
        """Pending leaves on which `userid` holds an approver's card."""
        rows = await self._session.scalars(
            select(Leave).join(LeaveCard, LeaveCard.leave_id == Leave.id)
            .where(Leave.school_id == self._school_id, Leave.status == "pending",
                   LeaveCard.userid == userid).order_by(Leave.id))
        return list(rows)
