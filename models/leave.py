"""Leave requests (请假), the approvers' cards, and the gate's code checks."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# Status words; check_pass (models/rules/passcode.py) reads the last four.
PENDING, APPROVED, REJECTED, WITHDRAWN, RETURNED = (
    "pending", "approved", "rejected", "withdrawn", "returned")
OPEN_STATUSES = (PENDING, APPROVED)

SICK, PERSONAL, TEMPORARY = "病假", "事假", "临时请假"


class Leave(Base):
    __tablename__ = "leave"
    __table_args__ = (
        Index("ix_leave_student_slots", "student_id", "start_slot", "end_slot"),
        Index("ix_leave_status_tier", "school_id", "status", "tier_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # the 单号 people quote
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date]
    end_date: Mapped[date]
    # Half-day slots: date.toordinal() * 2 (+1 for the afternoon); both ends included.
    start_slot: Mapped[int]
    end_slot: Mapped[int]
    window_start: Mapped[time | None]
    window_end: Mapped[time | None]
    days: Mapped[float]
    routing_days: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    evidence_media_id: Mapped[str | None] = mapped_column(String(200))
    # A 病假's form answers kept until approval: symptoms, onset (ISO date), diagnosis
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    tier_index: Mapped[int]
    tier_since: Mapped[datetime]
    reminded: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime]
    parent_phoned: Mapped[bool] = mapped_column(default=False)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    pass_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    pass_holder: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    exited_at: Mapped[datetime | None]
    exited_via: Mapped[str | None] = mapped_column(String(64))
    returned_at: Mapped[datetime | None]
    returned_by: Mapped[str | None] = mapped_column(String(64))


class LeaveCard(Base):
    """One approver's card for one leave; task_id is unique forever."""

    __tablename__ = "leave_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    leave_id: Mapped[int] = mapped_column(ForeignKey("leave.id"), index=True)
    userid: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str] = mapped_column(String(128), unique=True)


class GateCheck(Base):
    """Every code a guard sent, right or wrong: wrong ones count towards a lock."""

    __tablename__ = "gate_check"
    __table_args__ = (Index("ix_gate_check_guard_at", "school_id", "guard", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    guard: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    leave_id: Mapped[int | None] = mapped_column(ForeignKey("leave.id"))
    wrong: Mapped[bool]
