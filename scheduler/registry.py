"""Every scheduled job, in one place: its name, when it runs, what it does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.config import Config
from models.rules.calendar import DayKind
from scheduler.jobs.approvals import approval_reminder
from scheduler.jobs.attendance import attendance_office_alert, attendance_reminder
from scheduler.jobs.calendar import calendar_reminder
from scheduler.jobs.escalation import escalation
from scheduler.jobs.health import health_purge, health_summary, illness_followup
from scheduler.jobs.ledger import ledger_reminder
from scheduler.jobs.notices import notice_chase, notice_summary
from scheduler.jobs.retention import message_retention
from scheduler.jobs.truancy import truancy
from scheduler.runner import Job


def _at(attr: str):  # type: ignore[no-untyped-def]
    return lambda config: getattr(config.attendance, attr)


CALENDAR_REMINDER_AT = time(8, 0)
RETENTION_AT = time(3, 30)  # a quiet hour
HEALTH_PURGE_AT = time(3, 45)
LEDGER_REMINDER_AT = time(9, 0)


def _after_truancy(config: Config) -> time:
    """The ladder reads the day's 旷课 records: it runs five minutes after the truancy run."""
    run = datetime.combine(date(2000, 1, 1), config.attendance.truancy_run)
    return (run + timedelta(minutes=5)).time()


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("attendance-reminder", "no report by the cut-off: remind the 班主任",
        _at("report_cutoff"), attendance_reminder),
    Job("attendance-office-alert", "still no report: tell 政教处",
        _at("office_alert"), attendance_office_alert),
    Job("truancy", "absent without leave → 旷课, tell parents and 班主任",
        _at("truancy_run"), truancy),
    Job("escalation", "the ladder: 政教处, 家访, 校长, dropout case",
        _after_truancy, escalation),
    Job("illness-followup", "illness absences of earlier days without a diagnosis: ask the 班主任",
        lambda config: config.health.followup_at, illness_followup),
    Job("health-summary", "the day's 因病缺课 report (reports in, absences by symptom) to 校医",
        lambda config: config.health.summary_at, health_summary),
    Job("health-purge", "symptoms and diagnoses [health] keep_days past their school year: blank",
        lambda config: HEALTH_PURGE_AT, health_purge, school_days_only=False),
    Job("approval-reminder", "remind pending approvals, move them one tier up",
        None, approval_reminder, every_minutes=15, school_days_only=False),
    Job("calendar-reminder", "next year's national calendar not declared: tell the 管理员 weekly",
        lambda config: CALENDAR_REMINDER_AT, calendar_reminder, school_days_only=False),
    Job("dropout-ledger", "on [dropout] ledger_day: remind the 校长 of the month's 控辍保学 ledger",
        lambda config: LEDGER_REMINDER_AT, ledger_reminder, school_days_only=False),
    Job("notices", "chase families that have not confirmed a notice (收到), once",
        None, notice_chase, every_minutes=15, school_days_only=False),
    Job("notice-summary", "tell each sender what is still unconfirmed since yesterday",
        lambda config: config.notices.summary_at, notice_summary, school_days_only=False),
    Job("message-retention", "delete chat messages older than [retention] message_days",
        lambda config: RETENTION_AT, message_retention, school_days_only=False,
        compact_after=True),
)}


def next_run(job: Job, config: Config, now: datetime) -> datetime:
    """The next time `job` fires after `now` (local time): the next school day at its time."""
    if job.at is None:
        step = timedelta(minutes=job.every_minutes)
        return now - timedelta(minutes=now.minute % job.every_minutes, seconds=now.second,
                               microseconds=now.microsecond) + step
    at = job.at(config)
    day = now.date() if now.time() < at else now.date() + timedelta(days=1)
    for _ in range(400):
        if not job.school_days_only or config.calendar.kind(day) is not DayKind.DAY_OFF:
            break
        day += timedelta(days=1)
    return datetime.combine(day, at, now.tzinfo)
