"""The escalation ladder: each rung a student reaches is told once, to the people the rules name;
then the 控辍保学 cases are followed (services/dropout.py)."""

from __future__ import annotations

from datetime import date

from models.repos.ladder import LadderRepo, StudentCard
from models.repos.roster import RosterRepo
from models.rules.calendar import DayKind
from models.rules.ladder import Ladder, Standing, Step, StudentDay, standing, steps_due
from scheduler.runner import JobContext
from services.dropout import CaseRun


def ladder_from(ctx: JobContext) -> Ladder:
    t = ctx.config.truancy
    return Ladder(office_after=t.office_after_days, principal_after=t.principal_after_days,
                  dropout_after=t.dropout_after_days, term_periods_limit=t.term_periods_limit,
                  periods_per_day=t.periods_per_day,
                  leave_advisory_days=t.leave_advisory_weeks
                  * ctx.config.approval.school_days_per_week)


async def escalation(ctx: JobContext) -> None:
    calendar = ctx.config.calendar
    term = calendar.term_of(ctx.day)
    if term is None or calendar.kind(ctx.day) is not DayKind.SCHOOL_DAY:
        ctx.counts["skipped"] = "not a school day"
        return
    repo, ladder = LadderRepo(ctx.session, ctx.school_id), ladder_from(ctx)
    records = await repo.school_truancy(term.start, ctx.day)
    long_leave = await repo.long_leave_students(term.start, ctx.day, ladder.leave_advisory_days)
    ids = sorted(set(records) | set(long_leave))
    school_days = [d for d, kind in calendar.school_days(term.start, ctx.day)
                   if kind is DayKind.SCHOOL_DAY]
    last_present = await repo.last_present_days(ids, school_days)
    standings, due, term_days = dict[int, Standing](), dict[int, list[Step]](), set(school_days)
    for student_id in ids:
        standings[student_id] = now = standing(
            _days(records[student_id], last_present.get(student_id), term_days))
        due[student_id] = steps_due(now, long_leave.get(student_id, 0.0), ladder, term.name)
    taken = await repo.steps_taken([s for s in ids if due[s]])
    for student_id in ids:  # a rung is told once: those reached before are passed over
        due[student_id] = [step for step in due[student_id]
                           if (student_id, step.name, step.episode) not in taken]
    # A card is needed to tell a rung, and to open a case: only in a run of truancy.
    cards = await repo.cards([s for s in ids
                              if due[s] or standings[s].episode_start is not None])
    people, reached = _People(RosterRepo(ctx.session, ctx.school_id)), 0
    for student_id in ids:
        for step in due[student_id]:
            if await _take_step(ctx, repo, people, cards[student_id], step,
                                records[student_id]):
                reached += 1
    ctx.counts.update(students=len(ids), steps=reached)
    cases = CaseRun(ctx.session, ctx.school_id, ctx.config, ctx.day, ctx.now, ctx.notify)
    ctx.counts.update(await cases.follow(standings, cards))


def _days(truancy: dict[date, float], last_present: date | None,
          school_days: set[date]) -> list[StudentDay]:
    """The school days that weigh on a student's standing, oldest first: each with 旷课, and
    the last day at school (where a run looks back to); the other days neither add nor end."""
    marked = {d: days for d, days in truancy.items() if d in school_days}
    if last_present is not None:
        marked.setdefault(last_present, 0.0)
    return [StudentDay(d, marked[d], d == last_present) for d in sorted(marked)]


class _People:
    """Who holds a role, looked up once per run however many rungs name it."""

    def __init__(self, roster: RosterRepo) -> None:
        self.roster = roster
        self._roles: dict[str, list[str]] = {}

    async def role(self, name: str) -> list[str]:
        if name not in self._roles:
            self._roles[name] = await self.roster.users_with_role(name)
        return self._roles[name]


async def _take_step(ctx: JobContext, repo: LadderRepo, people: _People, student: StudentCard,
                     step: Step, truancy: dict[date, float]) -> bool:
    report = (await _bureau_report(ctx, repo, student, truancy)
              if step.name == "dropout" else None)
    if not await repo.record_step(student.id, step.name, step.episode, ctx.day, ctx.now, report):
        return False
    if step.name in ("office", "dropout"):
        await repo.open_home_visit(student.id, step.episode, ctx.now)
    for userids, text in await _messages(ctx, people, student, step.name, report):
        for userid in sorted(set(userids)):
            ctx.notify.send(userid, text,
                            key=f"esc:{student.id}:{step.name}:{step.episode}:{userid}")
    return True


async def _messages(ctx: JobContext, people: _People, student: StudentCard, rung: str,
                    report: str | None) -> list[tuple[list[str], str]]:
    """Whom a rung is told to, and what each is told."""
    who = f"{student.name}（{student.class_label}，学籍号{student.student_no}）"
    t = ctx.config.truancy
    if rung in ("office", "dropout", "leave_advisory"):
        teachers = await people.roster.homeroom_teachers(student.class_id)
    if rung == "office":
        return [(await people.role("政教处"), f"{who}已连续旷课{t.office_after_days}天以上，"
                                             "已安排班主任家访。"),
                (teachers, f"{who}已连续旷课{t.office_after_days}天以上，请尽快家访，查明原因。"
                           f"完成后发送「家访 {student.name} 情况」。")]
    if rung == "principal":
        return [(await people.role("校长"),
                 f"辍学预警：{who}已连续旷课{t.principal_after_days}天以上。")]
    if rung == "principal_term":
        return [(await people.role("校长"),
                 f"辍学预警：{who}本学期累计旷课已达{t.principal_after_days}天。")]
    if rung == "dropout":
        return [(await people.role("校长"),
                 f"{who}无故不到校已达{t.dropout_after_days}天，按规定视为辍学，需立即向教育主管部门"
                 f"报告。报告草稿：\n{report}"),
                (teachers, f"{who}已达辍学认定标准，必须家访，并向校长报告情况。")]
    if rung == "periods":
        return [(await people.roster.guardians_of(student.id),
                 f"{student.name}本学期累计旷课已达{t.term_periods_limit}节。学校将与家长和社区一起做好"
                 "学生工作，请与班主任联系。"),
                (await people.role("政教处"),
                 f"{who}本学期累计旷课已达{t.term_periods_limit}节，请通知家长和社区配合。")]
    assert rung == "leave_advisory", rung
    return [(teachers + await people.role("政教处"),
             f"{who}本学期病事假累计已超过{t.leave_advisory_weeks:g}周，可按规定告知家长休学办法"
             "（由家长申请，学校审查后报教育主管部门批准）。")]


async def _bureau_report(ctx: JobContext, repo: LadderRepo, student: StudentCard,
                         truancy: dict[date, float]) -> str:
    """The draft for the education bureau: who, class, dates, contacts tried, visit notes."""
    days = sorted(truancy)
    contacts = "；".join(f"{name}（{relation}）{phone or '无电话'}"
                        for name, relation, phone in await repo.guardian_contacts(student.id))
    notes = "；".join(await repo.home_visit_notes(student.id)) or "尚无家访记录"
    span = f"{days[0]:%Y-%m-%d}至{days[-1]:%Y-%m-%d}" if days else "—"
    return (f"学生：{student.name}，学籍号{student.student_no}，{student.class_label}\n"
            f"旷课：{span}，共{sum(truancy.values()):g}天（{len(days)}个上课日有记录）\n"
            f"已联系：{contacts}；每个旷课日均已通知家长\n家访：{notes}\n"
            f"报告日期：{ctx.day:%Y-%m-%d}（草稿，由校长核实后上报）")

