"""Attendance reports, truancy (旷课) records, the escalation ladder's steps and job runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AttendanceReport(Base):
    """A class's report for one school day; a later report the same day replaces it."""

    __tablename__ = "attendance_report"
    # (school_id, day): the truancy run finds a school's reports of the day without reading
    # every report of its term.
    __table_args__ = (UniqueConstraint("class_id", "day"),
                      Index("ix_attendance_report_school_day", "school_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    day: Mapped[date] = mapped_column(index=True)
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime]


class Absence(Base):
    """A student reported absent in a report, for half-day slots start_slot..end_slot."""

    __tablename__ = "absence"
    __table_args__ = (UniqueConstraint("report_id", "student_id"),
                      Index("ix_absence_student_slots", "student_id", "start_slot"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("attendance_report.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    start_slot: Mapped[int]
    end_slot: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(4))  # 病 | 事 | 不明, as the 班主任 said


class Truancy(Base):
    """旷课: absent without an approved leave, for `days` (0.5 or 1) of one school day."""

    __tablename__ = "truancy"
    __table_args__ = (UniqueConstraint("student_id", "day"),
                      Index("ix_truancy_school_day", "school_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    day: Mapped[date]
    days: Mapped[float]
    created_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_by_leave: Mapped[int | None] = mapped_column(ForeignKey("leave.id"))


class EscalationStep(Base):
    """One rung of the ladder reached by one student, once per episode (or per term)."""

    __tablename__ = "escalation_step"
    __table_args__ = (UniqueConstraint("student_id", "step", "episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    step: Mapped[str] = mapped_column(String(24))
    episode: Mapped[str] = mapped_column(String(40))  # "from:2026-12-01" or "term:<name>"
    day: Mapped[date]
    created_at: Mapped[datetime]
    report: Mapped[str | None] = mapped_column(Text)  # the drafted bureau report, for dropout


class HomeVisit(Base):
    """A 家访 the 班主任 owes; closed by `家访 <姓名> <情况>`."""

    __tablename__ = "home_visit"
    __table_args__ = (UniqueConstraint("student_id", "episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    episode: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """A claimed run of one job for one key (a school date): done once across processes."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("school_id", "job", "run_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    job: Mapped[str] = mapped_column(String(40))
    run_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # done | failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=1)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(String(200))
