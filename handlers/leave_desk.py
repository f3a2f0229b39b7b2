"""The leave lifecycle's operations, shared by buttons, text commands and jobs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import Config
from handlers import leave_views as views
from handlers.context import User
from models.leave import APPROVED, PENDING, REJECTED, RETURNED, WITHDRAWN, Leave
from models.messages import CardUpdate, Image, Notifier, Reply, Text
from models.repos.attendance import AttendanceRepo
from models.repos.audit import AuditRepo
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from models.roster import Student
from models.rules import passcode
from models.rules.calendar import DayKind
from models.rules.dates import Half
from models.rules.sealed import seal
from models.rules.slots import pass_window, slot

HOMEROOM = "班主任"
NOT_FOUND = "没有找到您可以办理的单号{id}。请核对单号，或发送「待审批」查看。"


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

    @property
    def tz(self):  # type: ignore[no-untyped-def]
        return self.config.school.tz

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def record(self, actor: str, action: str, leave: Leave, before: str | None = None,
               note: str | None = None) -> None:
        self.audit.record(actor=actor, action=action, entity="leave", entity_id=leave.id,
                          at=self.now, before={"status": before} if before else None,
                          after={"status": leave.status, "tier": leave.tier_index}, note=note)

    async def student_label(self, student: Student) -> str:
        cls = await self.roster.school_class(student.class_id)
        return cls.label if cls else ""

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

    async def may_decide(self, user: User, leave: Leave) -> bool:
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

    async def send_cards(self, leave: Leave, student: Student) -> list[str]:
        """A card to each approver of the leave's tier; returns who got one."""
        tier_index, approvers = await self.approvers_for(leave, student)
        leave.tier_index = tier_index
        label = await self.student_label(student)
        note = self.suspension_note(leave.routing_days, views.SUSPENSION_CARD)
        for userid in approvers:
            task_id = f"leave{leave.id}-{secrets.token_hex(8)}"
            self.leaves.add_card(leave.id, userid, task_id)
            self.notify.send(userid, views.approval_card(leave, student.name, label, task_id,
                                                         note=note))
            if leave.evidence_media_id:
                self.notify.send(userid, Image(leave.evidence_media_id))
        return approvers

    def suspension_note(self, routing_days: float, template: str) -> str:
        """The line on 休学 (for the card or the echo) if the leave is longer than the last tier."""
        limit = self.config.approval.tiers[-1].max_days
        if routing_days <= limit:
            return ""
        return template.format(n=f"{limit:g}",
                               weeks=f"{self.config.truancy.leave_advisory_weeks:g}")

    # ---- decisions ---------------------------------------------------------------

    async def decide(self, user: User, leave_id: int, *, approve: bool, note: str | None = None,
                     response_code: str | None = None) -> list[Reply]:
        """批准 or 驳回; the first decision wins, later ones are told who decided and when."""
        leave = await self.leaves.get(leave_id)
        if leave is None or not await self.may_decide(user, leave):
            return [Text(NOT_FOUND.format(id=leave_id))]
        values: dict[str, object] = {"decided_by": user.userid, "decided_at": self.now,
                                     "decision_note": note}
        code = None
        if approve:
            code = passcode.new_code()
            values.update(self.pass_values(leave, code, holder=leave.submitted_by))
        status = APPROVED if approve else REJECTED
        if not await self.leaves.transition(leave.id, [PENDING], status=status, **values):
            return await self._already_decided(leave, response_code)
        self.record(user.userid, status, leave, before=PENDING, note=note)
        outcome = "已批准" if approve else "已驳回"
        await self.close_cards(leave, f"{outcome}（{user.name}）",
                               except_user=user.userid if response_code else None)
        student = await self.roster.student(leave.student_id)
        name = student.name if student else ""
        if code is not None:
            self.notify.send(leave.submitted_by, self.pass_message(leave, name, code))
            await self._excuse_past_truancy(leave, name, user)
        else:
            self.notify.send(leave.submitted_by, f"{name}的请假（单号{leave.id}）未获批准。"
                                                 f"\n驳回理由：{note}\n审批人：{user.name}")
        await self._tell_other_guardians(leave, name, f"{name}的请假（单号{leave.id}）{outcome}。")
        replies: list[Reply] = [Text(f"单号{leave.id} {outcome}。{name} {views.when(leave)}")]
        if response_code:
            replies.insert(0, CardUpdate(outcome, response_code=response_code))
        return replies

    async def _excuse_past_truancy(self, leave: Leave, name: str, approver: User) -> None:
        """补假: 旷课 already recorded for days this leave covers is voided, with a record."""
        changed = await self.attendance.void_covered(leave.student_id, leave.start_slot,
                                                     leave.end_slot, leave.id, self.now)
        for day, left in changed:
            self.audit.record(actor=approver.userid, action="truancy_excused", entity="truancy",
                              entity_id=f"{leave.student_id}:{day}", at=self.now,
                              after={"days": left, "leave": leave.id})
            what = "已撤销" if left == 0 else f"改为{left:g}天"
            for guardian in await self.roster.guardians_of(leave.student_id):
                self.notify.send(guardian, f"{name}{day.month}月{day.day}日的旷课记录{what}"
                                           f"（已补办请假，单号{leave.id}）。")

    async def _already_decided(self, leave: Leave, response_code: str | None) -> list[Reply]:
        fresh = await self.leaves.get(leave.id)
        assert fresh is not None
        who = await self.roster.display_name(fresh.decided_by or "") or fresh.decided_by or "家长"
        at = views.stamp(fresh.decided_at or fresh.submitted_at, self.tz)
        state = views.STATUS_NAMES[fresh.status]
        text = f"单号{fresh.id} 已由{who}于{at}处理：{state}。"
        if fresh.status == WITHDRAWN:
            text = f"单号{fresh.id} 已被家长撤销，无需审批。"
        replies: list[Reply] = [Text(text)]
        if response_code:
            replies.insert(0, CardUpdate(state, response_code=response_code))
        return replies

    async def close_cards(self, leave: Leave, outcome: str, *,
                          except_user: str | None = None) -> None:
        """Every approver's card shows the outcome (a clicker's is updated by their reply)."""
        for card in await self.leaves.cards(leave.id):
            if card.userid == except_user:
                continue
            self.notify.send(card.userid, CardUpdate(outcome, task_id=card.task_id))

    async def _tell_other_guardians(self, leave: Leave, name: str, text: str) -> None:
        for guardian in await self.roster.guardians_of(leave.student_id):
            if guardian != leave.submitted_by:
                self.notify.send(guardian, text)

    # ---- the pass ------------------------------------------------------------------

    def pass_values(self, leave: Leave, code: str, *, holder: str) -> dict[str, object]:
        start_half = "pm" if leave.start_slot % 2 else "am"
        end_half = "pm" if leave.end_slot % 2 else "am"
        window = ((leave.window_start, leave.window_end)
                  if leave.window_start is not None and leave.window_end is not None else None)
        valid_from, valid_until = pass_window(leave.start_date, start_half,  # type: ignore[arg-type]
                                              leave.end_date, end_half,  # type: ignore[arg-type]
                                              window, self.tz)
        return {"pass_digest": passcode.code_digest(code, self.config.security.derive("pass")),
                "pass_holder": holder, "valid_from": valid_from, "valid_until": valid_until}

    def pass_message(self, leave: Leave, name: str, code: str) -> str:
        token = seal(code, self.config.security.derive("qr"))
        url = f"{self.config.server.public_url}/h5/pass/{token}"  # the page of bot/web/pass_page
        return (f"{name}的请假（单号{leave.id}）已批准。\n{views.when(leave)}\n"
                f"放行码：{passcode.format_code(code)}\n查看放行码：{url}\n"
                f"离校时请出示给门卫，仅可使用一次。")

    # ---- closing -------------------------------------------------------------------

    def shortened(self, leave: Leave) -> dict[str, object]:
        """An early return: the leave now ends with the current half day."""
        local = self.now.astimezone(self.tz)
        if local >= (leave.valid_until or local):
            return {}
        half: Half = "pm" if local.hour >= 12 else "am"
        end_slot = max(slot(local.date(), half), leave.start_slot)
        counted = 0.0
        for n in range(leave.start_slot, end_slot + 1):
            day = date.fromordinal(n // 2)
            # An unknown day inside a leave was counted when the leave was made (临时请假: the
            # child was in school); never more than the leave's own count.
            if self.config.calendar.kind(day) is not DayKind.DAY_OFF:
                counted += 0.5
        return {"end_slot": end_slot, "end_date": date.fromordinal(end_slot // 2),
                "days": min(counted, leave.days)}

    async def close(self, leave: Leave, actor: User, *, via: str) -> bool:
        """返校 or 销假: the leave is over; parent and 班主任 are told."""
        values = {"returned_at": self.now, "returned_by": actor.userid, **self.shortened(leave)}
        if not await self.leaves.transition(leave.id, [APPROVED], status=RETURNED, **values):
            return False
        self.record(actor.userid, "returned", leave, before=APPROVED, note=via)
        student = await self.roster.student(leave.student_id)
        name = student.name if student else ""
        text = f"{name}已于{views.clock(self.now, self.tz)}返校，请假（单号{leave.id}）已销假。"
        for userid in await self.family_and_teachers(leave):
            if userid != actor.userid:
                self.notify.send(userid, text)
        return True

    async def family_and_teachers(self, leave: Leave) -> list[str]:
        student = await self.roster.student(leave.student_id)
        if student is None:
            return []
        return sorted(set(await self.roster.guardians_of(student.id))
                      | set(await self.roster.homeroom_teachers(student.class_id)))

    def valid_until_text(self, leave: Leave) -> str:
        until = leave.valid_until or self.now
        return views.stamp(until - timedelta(minutes=1), self.tz)
