"""控辍保学: the daily follow-up of dropout cases and the steps staff record for them.

The escalation job calls `follow_cases` after the ladder: a run of absence that reaches the
threshold opens a case (or raises it to 辍学), and a case whose child is back moves to 已返校
and, after [dropout] close_after_days school days at school, to 已销号. Handlers record each
call, visit and 劝返 with `record_step`, on the student's newest case, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.dropout import CaseAction, DropoutCase
from models.messages import Notifier
from models.repos.audit import AuditRepo
from models.repos.dropout import DropoutRepo
from models.repos.ladder import LadderRepo, StudentCard
from models.repos.roster import RosterRepo
from models.rules.dropout import AWAY, CLOSED, Thresholds, higher, level_for, progress
from models.rules.ladder import Standing

SYSTEM = "system"


def thresholds(config: Config) -> Thresholds:
    return Thresholds(suspect_after=config.dropout.suspect_after_days,
                      dropout_after=config.truancy.dropout_after_days,
                      close_after=config.dropout.close_after_days)


@dataclass
class CaseRun:
    """One day's follow-up for one school."""

    session: AsyncSession
    school_id: int
    config: Config
    day: date
    now: datetime
    notify: Notifier

    async def follow(self, standings: Mapping[int, Standing],
                     cards: Mapping[int, StudentCard]) -> dict[str, int]:
        """Open or raise the cases of today's runs, then move the unclosed ones along."""
        repo, limits = DropoutRepo(self.session, self.school_id), thresholds(self.config)
        opened = 0
        for student_id, now in standings.items():
            level = level_for(now.streak, limits)
            if level is None or now.episode_start is None:
                continue
            episode = f"from:{now.episode_start.isoformat()}"
            case = await repo.case(student_id, episode)
            if case is None:
                case = DropoutCase(student_id=student_id, episode=episode, level=level,
                                   status=AWAY, opened_on=self.day, days_absent=now.streak,
                                   created_at=self.now, updated_at=self.now)
                await repo.add_case(case)
                self._audit(case, None)
                await self._tell_opened(cards[student_id], now.streak)
                opened += 1
            elif case.status != CLOSED:
                before = self._facts(case)
                case.level, case.days_absent = higher(case.level, level), now.streak
                case.updated_at = self.now
                if self._facts(case) != before:
                    self._audit(case, before)
        moved = await self._move_along(repo, limits)
        return {"cases_opened": opened, "cases_moved": moved}

    async def _move_along(self, repo: DropoutRepo, limits: Thresholds) -> int:
        cases = await repo.unclosed()
        if not cases:
            return 0
        ids = sorted({c.student_id for c in cases})
        first = min(c.opened_on for c in cases)
        ladder = LadderRepo(self.session, self.school_id)
        truancy = await ladder.truancy(ids, first, self.day)
        present = await ladder.present_days(ids, first, self.day)
        cards = await ladder.cards(ids)
        moved = 0
        for case in cases:
            days = truancy.get(case.student_id, {})
            last_truant = max((d for d in days if d <= self.day), default=case.opened_on)
            now = progress(max(last_truant, case.opened_on), sorted(present[case.student_id]),
                           limits)
            if (now.status, now.returned_on, now.closed_on) == (
                    case.status, case.returned_on, case.closed_on):
                continue
            before = self._facts(case)
            case.status, case.returned_on, case.closed_on = (now.status, now.returned_on,
                                                             now.closed_on)
            case.updated_at = self.now
            self._audit(case, before)
            if case.status == CLOSED:
                await self._tell_closed(cards[case.student_id], case)
            moved += 1
        return moved

    async def _tell_opened(self, student: StudentCard, streak: float) -> None:
        roster = RosterRepo(self.session, self.school_id)
        who = f"{student.name}（{student.class_label}）"
        text = (f"控辍保学：{who}已连续{streak:g}个上课日无故未到校，列为疑似辍学，已建台账。"
                f"请尽快电话联系家长并家访，每次结果请发送：\n家访 {student.name} 电话 未接通\n"
                f"家访 {student.name} 见到家长，孩子下周一返校")
        for userid in sorted(set(await roster.homeroom_teachers(student.class_id))):
            self.notify.send(userid, text, key=f"case-open:{student.id}:{self.day}:{userid}")
        office = (f"控辍保学：{who}已连续{streak:g}个上课日无故未到校，列为疑似辍学，"
                  "已请班主任联系家长和家访。")
        for userid in sorted(set(await roster.users_with_role("政教处"))):
            self.notify.send(userid, office, key=f"case-open:{student.id}:{self.day}:{userid}")

    async def _tell_closed(self, student: StudentCard, case: DropoutCase) -> None:
        roster = RosterRepo(self.session, self.school_id)
        text = (f"控辍保学：{student.name}（{student.class_label}）{case.returned_on:%m月%d日}"
                f"返校，已连续在校{self.config.dropout.close_after_days}个上课日，个案已销号。")
        people = await roster.homeroom_teachers(student.class_id)
        people += await roster.users_with_role("政教处")
        for userid in sorted(set(people)):
            self.notify.send(userid, text, key=f"case-closed:{case.id}:{userid}")

    @staticmethod
    def _facts(case: DropoutCase) -> dict[str, object]:
        return {"level": case.level, "status": case.status, "days_absent": case.days_absent,
                "returned_on": str(case.returned_on) if case.returned_on else None,
                "closed_on": str(case.closed_on) if case.closed_on else None}

    def _audit(self, case: DropoutCase, before: dict[str, object] | None) -> None:
        AuditRepo(self.session, self.school_id).record(
            actor=SYSTEM, action="dropout_case_opened" if before is None
            else "dropout_case_changed", entity="dropout_case", entity_id=case.id, at=self.now,
            before=before, after=self._facts(case))


async def record_step(repo: DropoutRepo, audit: AuditRepo, student_id: int, kind: str,
                      outcome: str, *, by: str, day: date, now: datetime) -> CaseAction | None:
    """A call, visit or 劝返 on the student's newest unclosed case; None if there is none."""
    case = await repo.latest_case(student_id)
    if case is None:
        return None
    action = await repo.add_action(case, kind, outcome[:500], by=by, day=day, now=now)
    audit.record(actor=by, action="dropout_step_recorded", entity="dropout_case",
                 entity_id=case.id, at=now, after={"kind": kind, "action": action.id})
    return action
