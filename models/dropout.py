"""控辍保学: dropout cases (疑似辍学 / 辍学) with every step taken, and 休学 records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DropoutCase(Base):
    """One run of unexcused absence that reached the 疑似辍学 threshold, until it is closed.

    `level` is 疑似辍学 or 辍学 (the higher threshold reached); `status` is 在劝 while the child is
    away, 已返校 once back, 已销号 after [dropout] close_after_days school days back.
    """

    __tablename__ = "dropout_case"
    __table_args__ = (UniqueConstraint("student_id", "episode"),
                      Index("ix_dropout_case_school_status", "school_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    episode: Mapped[str] = mapped_column(String(40))  # the ladder's "from:2026-12-01"
    level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    opened_on: Mapped[date]
    days_absent: Mapped[float]  # unexcused school days in the run, as of the last job run
    returned_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    whereabouts: Mapped[str | None] = mapped_column(Text)  # 去向, as the school found out
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseAction(Base):
    """A step taken for a case, with its outcome: a call, a home visit, a 劝返 (audited too)."""

    __tablename__ = "case_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("dropout_case.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 电话 | 家访 | 劝返
    outcome: Mapped[str] = mapped_column(Text)
    taken_by: Mapped[str] = mapped_column(String(64))
    taken_on: Mapped[date]
    recorded_at: Mapped[datetime]


class Suspension(Base):
    """An approved 休学 (篇三 §四.1): no 旷课 while it runs."""

    __tablename__ = "suspension"
    __table_args__ = (Index("ix_suspension_student_dates", "student_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
