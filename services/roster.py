"""A roster imported (`qingjia import-roster`, the console's upload): applied in place, and the
pending leaves of a student who changed class handed to the new class's 班主任."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.messages import CardUpdate, Notifier
from models.repos.outbox import OutboxRepo
from models.repos.roster import ImportSummary, apply_roster
from models.roster_import import HOMEROOM, Roster
from services.leave.cards import send_cards
from services.leave.desk import LeaveDesk

SYSTEM = "system:import"


async def import_roster(session: AsyncSession, school_id: int, config: Config, roster: Roster,
                        *, actor: str, now: datetime) -> ImportSummary:
    """Apply the roster (models.repos.roster.apply_roster), then move pending cards whose
    student's 班主任 changed; the messages are queued in the same transaction."""
    summary = await apply_roster(session, school_id, roster, actor=actor, now=now)
    notify = Notifier()
    await move_pending_cards(LeaveDesk.open(session, school_id, config, notify, now))
    await OutboxRepo(session, school_id).add(notify.messages, now)
    return summary


async def move_pending_cards(desk: LeaveDesk) -> int:
    """Each leave waiting for a 班主任 whose card holders are not its class's 班主任 now (the
    student changed class, or the class its teacher): the old cards are closed, the new 班主任
    get cards. Returns how many leaves moved."""
    moved = 0
    chain = desk.config.approval.chain
    for leave in await desk.leaves.pending():
        if chain[leave.tier_index].role != HOMEROOM:
            continue
        student = await desk.roster.student(leave.student_id)
        if student is None:
            continue
        now_deciding = set(await desk.roster.homeroom_teachers(student.class_id))
        cards = await desk.leaves.cards(leave.id)
        if not now_deciding - {c.userid for c in cards}:
            continue
        outcome = "学生已转班，已转给新班主任"
        for card in cards:
            if card.userid not in now_deciding:
                desk.notify.send(card.userid, CardUpdate(
                    outcome, task_id=card.task_id,
                    fallback=f"单号{leave.id}的审批卡片：{outcome}"))
        await send_cards(desk, leave, student, only=now_deciding - {c.userid for c in cards})
        desk.record(SYSTEM, "moved_class", leave, note=await desk.student_label(student))
        moved += 1
    return moved
