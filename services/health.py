"""因病缺勤登记追踪: record an illness absence, watch for clusters, the 校医's daily summary,
the next morning's follow-up and the diagnosis.

An absence is registered once per child and first day (a later report that day adds symptoms);
each registration looks at its class's last `cluster_window_days` school days at once, so a
cluster reaches the 校医 and 校长 while the third child is being reported, once per class and
symptom within the window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from models.health import IllnessAbsence
from models.leave import Leave
from models.messages import Notifier
from models.repos.audit import AuditRepo
from models.repos.health import HealthRepo
from models.repos.roster import RosterRepo
from models.rules.calendar import DayKind
from models.rules.privacy import Consent
from models.rules.symptoms import SYMPTOMS, Sick, clusters, read_symptoms
from services.leave.desk import LeaveDesk
from services.privacy import Privacy
from services.recovery import DOCTOR, ask_parents

NOT_SEEN = "未就诊"
# What a parent writes for "no doctor was seen" (chat and page).
NOT_SEEN_WORDS = ("没有", "没", "没看", "没看过", "没去", "否", "不", NOT_SEEN)


@dataclass
class HealthDesk:
    health: HealthRepo
    roster: RosterRepo
    audit: AuditRepo
    config: Config
    notify: Notifier
    now: datetime

    @classmethod
    def open(cls, session: AsyncSession, school_id: int, config: Config, notify: Notifier,
             now: datetime) -> HealthDesk:
        return cls(HealthRepo(session, school_id), RosterRepo(session, school_id),
                   AuditRepo(session, school_id), config, notify, now)

    @property
    def privacy(self) -> Privacy:
        return Privacy(self.health, self.roster, self.notify, self.config, self.now)

    async def record(self, student_id: int, class_id: int, day: date, symptoms: tuple[str, ...],
                     *, by: str, source: str, last_day: date | None = None,
                     leave_id: int | None = None) -> IllnessAbsence:
        """Register (or add symptoms to) the child's illness absence from `day`, then watch.
        Without the guardian's consent the symptoms are dropped (the 班主任 phones instead)."""
        kept = await self.privacy.details_kept(student_id)
        symptoms = symptoms if kept else ()
        row = await self.health.absence(student_id, day)
        if row is None:
            row = await self.health.add(IllnessAbsence(
                student_id=student_id, class_id=class_id, day=day, last_day=last_day or day,
                symptoms=list(symptoms), source=source, leave_id=leave_id, recorded_by=by,
                recorded_at=self.now))
            self.audit.record(actor=by, action="illness_recorded", entity="illness_absence",
                              entity_id=row.id, at=self.now, after={"source": source})
        else:
            merged = [s for s in SYMPTOMS if s in set(row.symptoms) | set(symptoms)]
            if merged != row.symptoms:
                row.symptoms = merged
            row.last_day = max(row.last_day, last_day or day)
        await self.watch(class_id, day)
        return row

    async def watch(self, class_id: int, day: date) -> int:
        """Tell the 校医 and 校长 of each new cluster in the class's window ending `day`."""
        h = self.config.health
        window = self._window(day)
        if not window:
            return 0
        rows = await self.health.between(window[0], day, class_id)
        sick = [Sick(r.student_id, r.class_id, d, tuple(r.symptoms)) for r in rows
                for d in window if r.day <= d <= r.last_day]
        told = 0
        for cluster in clusters(sick, window, same_day=h.cluster_same_day,
                                in_window=h.cluster_in_window):
            if await self.health.alerted_since(cluster.class_id, cluster.symptom, window[0]):
                continue
            self.health.add_alert(cluster.class_id, cluster.symptom, day, cluster.students,
                                  self.now)
            names = await self.health.names(cluster.students)
            label = (await self.health.class_labels([cluster.class_id]))[cluster.class_id]
            listed = "、".join(names[s] for s in cluster.students)
            text = (f"【聚集性病例预警】{label}近{len(window)}个上课日有{len(cluster.students)}名"
                    f"学生{cluster.symptom}：{listed}。请校医立即核实；确认为聚集性疫情的，须在"
                    "24小时内报告属地疾病预防控制机构和教育行政部门。")
            people = (await self.roster.users_with_role(DOCTOR)
                      + await self.roster.users_with_role("校长"))
            for userid in sorted(set(people)):
                if not await self.privacy.disclose(userid, cluster.students, "症状", "预警"):
                    continue
                self.notify.send(userid, text, key=f"cluster:{cluster.class_id}:"
                                                   f"{cluster.symptom}:{day}:{userid}")
            told += 1
        return told

    def _window(self, day: date) -> list[date]:
        """The last `cluster_window_days` school days up to `day` (oldest first)."""
        calendar, wanted, found = self.config.calendar, self.config.health.cluster_window_days, []
        probe = day
        for _ in range(60):
            if calendar.kind(probe) is DayKind.SCHOOL_DAY:
                found.append(probe)
                if len(found) == wanted:
                    break
            probe -= timedelta(days=1)
        return sorted(found)

    async def summary(self, day: date) -> str:
        """The 校医's summary of the day: reports in, absences by symptom, classes missing."""
        cutoff = self.config.health.report_cutoff
        tz = self.config.school.tz
        reports = await self.health.class_reports(day)
        missing = [r.label for r in reports if r.reported_at is None]
        late = [r.label for r in reports if r.reported_at is not None
                and r.reported_at.astimezone(tz).time() > cutoff]
        rows = await self.health.between(day, day)
        counts = Counter(s for r in rows for s in r.symptoms)
        by_symptom = "、".join(f"{s}{counts[s]}人" for s in SYMPTOMS if counts[s]) or "无"
        done = len(reports) - len(missing)
        lines = [f"{day.month}月{day.day}日因病缺课日报：{done}/{len(reports)}个班已上报，"
                 f"因病缺课{len(rows)}人（症状：{by_symptom}）。"]
        if rows:
            labels = await self.health.class_labels(sorted({r.class_id for r in rows}))
            per_class = Counter(labels[r.class_id] for r in rows)
            lines.append("分班：" + "、".join(f"{c}{n}人" for c, n in sorted(per_class.items())))
        if late:
            lines.append(f"{cutoff:%H:%M}后才上报：" + "、".join(late))
        lines.append("未上报：" + "、".join(missing) if missing else "全部班级已上报（含零报告）。")
        return "\n".join(lines)

    async def ask_for_diagnoses(self, today: date) -> int:
        """The next school morning: ask the 班主任 of each child not yet answered for, once;
        where the guardian has not consented, the 班主任 phones instead and a guardian never
        asked is asked now (the first illness is kept without details either way)."""
        asked = 0
        for row in await self.health.undiagnosed_before(today):
            row.asked_on = today
            if await self.privacy.consent(row.student_id) is not Consent.YES:
                await self.privacy.tell_phone(row)  # nothing may be recorded: a call instead
                await self.privacy.ask(row.student_id)
                asked += 1
                continue
            names = await self.health.names([row.student_id])
            name = names.get(row.student_id, "")
            symptoms = "、".join(row.symptoms) or "症状未登记"
            text = (f"{name}{row.day.month}月{row.day.day}日因病缺课（{symptoms}）。就诊了吗，"
                    f"诊断是什么？请回复：诊断 {name} 诊断结果\n"
                    f"（没有就诊请回复：诊断 {name} 未就诊）")
            for userid in sorted(set(await self.roster.homeroom_teachers(row.class_id))):
                if await self.privacy.disclose(userid, [row.student_id], "症状", "追踪"):
                    self.notify.send(userid, text, key=f"illness-ask:{row.id}:{userid}")
            asked += 1
        return asked

    async def diagnose(self, student_id: int, diagnosis: str, *,
                       by: str) -> IllnessAbsence | Consent | None:
        """The answer to the follow-up, on the child's latest illness absence; without the
        guardian's consent nothing is recorded and the consent's state is returned."""
        row = await self.health.latest_of(student_id)
        if row is None:
            return None
        if not await self.privacy.details_kept(student_id):
            return await self.privacy.consent(student_id)
        before = row.diagnosis
        row.diagnosis, row.diagnosed_by, row.diagnosed_at = diagnosis[:200], by, self.now
        self.audit.record(actor=by, action="illness_diagnosed", entity="illness_absence",
                          entity_id=row.id, at=self.now, before={"answered": before is not None},
                          after={"answered": True})
        return row


async def register_sick_leave(desk: LeaveDesk, leave: Leave, by: str) -> None:
    """An approved 病假 is an illness absence from its first day, with the form's symptoms, onset
    and diagnosis (the one-message form: symptoms read from its reason)."""
    student = await desk.roster.student(leave.student_id)
    if student is None:
        return
    health = HealthDesk(desk.health, desk.roster, desk.audit, desk.config, desk.notify, desk.now)
    form = leave.health or {}
    symptoms = (tuple(form["symptoms"]) if form.get("symptoms") is not None
                else read_symptoms(leave.reason or ""))
    row = await health.record(student.id, student.class_id, leave.start_date, symptoms, by=by,
                              source="leave", last_day=leave.end_date, leave_id=leave.id)
    if form.get("onset") and row.onset is None:
        row.onset = date.fromisoformat(form["onset"])
    if form.get("diagnosis") and row.diagnosis is None:
        row.diagnosis, row.diagnosed_by = form["diagnosis"][:200], leave.submitted_by
        row.diagnosed_at = leave.submitted_at
    await ask_parents(desk, leave)
