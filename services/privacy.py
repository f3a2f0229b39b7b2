"""Health details under 个人信息保护法: the guardian's separate consent (asked once), the one
door through which staff see symptoms and diagnoses (each look logged), and the purge.

Without a guardian's 同意 (refused, or not answered yet) an illness absence is kept with its dates
only: no symptoms, no diagnosis, and the 班主任 follows the child up by phone. Consent counts
from its answer on; nothing recorded before it is filled in afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import Config
from models.health import IllnessAbsence
from models.leave import SICK, Leave
from models.messages import Notifier
from models.repos.audit import AuditRepo
from models.repos.health import HealthRepo
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL
from models.rules.privacy import SCHOOL_READERS, Consent, consent_of, may_read, purge_due
from services import uploads

ASK_TITLE = "【健康信息保存征求意见】"
WHAT = ("学校想为孩子保存健康信息，需要您单独同意：\n保存什么：症状、诊断、复课证明；\n"
        "谁能看：审批人、班主任、校医、校长（每次查看都有记录）；\n"
        "保存多久：到本学年结束后{keep}天，到期删除。")
ASK = (ASK_TITLE + "孩子{name}请了病假或因病缺课。" + WHAT
       + "\n同意请回复：同意\n不同意请回复：不同意\n"
       "不同意也照常请假，只是不记录病情，班主任会电话了解孩子情况。")
# 学校通知 cannot carry an answer: a 家校 parent answers on the page the link opens.
ASK_FAMILY = ("健康信息保存征求意见\n孩子{name}请了病假或因病缺课。学校想保存孩子的症状、诊断、"
              "复课证明，需要您单独同意，请点开本通知答复。\n{url}")
PAGE = "/h5/consent"
PHONE = ("{name}{month}月{day}日因病缺课。家长{state}学校保存健康信息，症状和诊断不作登记，"
         "请电话了解孩子情况（不必回复诊断）。")
STATES = {Consent.NO: "未同意", Consent.PENDING: "尚未同意"}
# A 病假's reason without consent: neither the leave, the cards nor the messages hold the illness.
NO_DETAILS = "病情未记录（家长同意保存健康信息后才记录）"
PURGED = "病情已按期删除"  # a 病假's reason past its keeping


@dataclass
class Privacy:
    health: HealthRepo
    roster: RosterRepo
    notify: Notifier
    config: Config
    now: datetime

    async def consent(self, student_id: int) -> Consent:
        return consent_of(r.answer for r in await self.health.consents(student_id))

    async def details_kept(self, student_id: int) -> bool:
        """Whether the child's health details may be kept: a guardian said 同意, none 不同意."""
        return await self.consent(student_id) is Consent.YES

    async def ask(self, student_id: int) -> None:
        """Ask each guardian never asked about this child, once: a member in chat, a 家校 parent
        by a 学校通知 linking the page where they answer."""
        known = {r.guardian for r in await self.health.consents(student_id)}
        guardians = [g for g in await self.roster.guardians_of(student_id) if g not in known]
        family = await self.roster.family_guardians(guardians)
        student = await self.roster.student(student_id)
        name = student.name if student is not None else ""
        url = self.config.server.public_url.rstrip("/") + PAGE
        for guardian in guardians:
            member = guardian not in family
            self.health.add_consent(student_id, guardian,
                                    MEMBER_CHANNEL if member else FAMILY_CHANNEL,
                                    now=self.now)
            text = (ASK.format(name=name, keep=self.config.health.keep_days) if member
                    else ASK_FAMILY.format(name=name, url=url))
            self.notify.send(guardian, text, key=f"consent:{student_id}:{guardian}")

    async def tell_phone(self, row: IllnessAbsence) -> None:
        """The follow-up of an absence kept without details: the 班主任 phones the family."""
        student = await self.roster.student(row.student_id)
        state = STATES.get(await self.consent(row.student_id), STATES[Consent.PENDING])
        text = PHONE.format(name=student.name if student else "", month=row.day.month,
                            day=row.day.day, state=state)
        for teacher in sorted(set(await self.roster.homeroom_teachers(row.class_id))):
            self.notify.send(teacher, text, key=f"illness-phone:{row.id}:{teacher}")

    async def show_reason(self, reader: str, leave: Leave, via: str) -> None:
        """A 病假's reason shown to its approver (card, 待审批, 查看): a look at its illness."""
        if leave.kind == SICK and leave.reason != NO_DETAILS:
            await self.disclose(reader, [leave.student_id], "症状", via, approver=True)

    async def disclose(self, reader: str, student_ids: Iterable[int], what: str, via: str, *,
                       approver: bool = False) -> bool:
        """The one door to symptoms and diagnoses for staff: False if `reader`'s roles may not
        see them, else every child's look is logged (who, whom, what, how, when)."""
        roles, ids = await self.roster.roles_of(reader), sorted(set(student_ids))
        own = True
        if not approver and roles.isdisjoint(SCHOOL_READERS):  # a 班主任: their classes only
            own = await self.in_own_classes(reader, ids)
        if not may_read(roles, approver=approver, own_class=own):
            return False
        for student_id in ids:
            self.health.log_read(reader, student_id, what, via, self.now)
        return True

    async def in_own_classes(self, teacher: str, student_ids: Iterable[int]) -> bool:
        """Whether every one of these children is in a class `teacher` is 班主任 of."""
        ids = set(student_ids)
        return ids <= await self.own_students(teacher, ids)

    async def own_students(self, teacher: str, student_ids: Iterable[int]) -> set[int]:
        """Those of these children now in a class `teacher` is 班主任 of."""
        mine = {c.id for c in await self.roster.class_of_teacher(teacher)}
        return {sid for sid in student_ids
                if (s := await self.roster.student(sid)) is not None and s.class_id in mine}


async def answer(health: HealthRepo, audit: AuditRepo, guardian: str, channel: str, yes: bool,
                 now: datetime) -> list[int]:
    """A guardian's 同意 / 不同意 (in chat, or on the page) for every child they were asked
    about (a later answer replaces an earlier one); the children's ids, empty if never asked."""
    students = await health.answer_consents(guardian, channel, yes, now)
    for student_id in students:
        audit.record(actor=guardian, action="health_consent", entity="student",
                     entity_id=student_id, at=now, after={"consent": yes})
    return students


@dataclass(frozen=True)
class Purged:
    absences: int
    alerts: int
    leaves: int


async def purge(health: HealthRepo, leaves: LeaveRepo, config: Config, today: date) -> Purged:
    """Blank the symptoms, onset, diagnosis and 复课证明 photo of every illness absence past its
    keeping, the reason, health answers and 诊断书 photo of every 病假 of those school years, and
    drop the cluster alerts of those days; absences and leaves keep their dates (the counts)."""
    keep, terms = config.health.keep_days, config.calendar.terms
    last = today - timedelta(days=keep)
    absences = [r for r in await health.with_details_until(last)
                if purge_due(terms, r.day, keep, today)]
    for row in absences:
        row.symptoms, row.diagnosis, row.diagnosed_by, row.diagnosed_at = [], None, None, None
        row.onset, row.certificate_media = None, None  # when it was confirmed stays: a fact
    sick = [leave for leave in await leaves.sick_until(last, PURGED)
            if purge_due(terms, leave.start_date, keep, today)]
    for leave in sick:
        leave.reason, leave.health = PURGED, None
        uploads.remove(config, leave.evidence_media_id)  # the 诊断书 photo is health data too
        leave.evidence_media_id = None
    alerts = [a.id for a in await health.alerts_until(last) if purge_due(terms, a.day, keep, today)]
    await health.drop_alerts(alerts)
    return Purged(len(absences), len(alerts), len(sick))
