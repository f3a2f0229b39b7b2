"""因病缺勤登记追踪: each illness absence with its symptoms and follow-up, and cluster alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class IllnessAbsence(Base):
    """One child absent for illness from `day` (the registration of 因病缺勤).

    Symptoms come from the 班主任's `考勤 缺勤 张小明(发热)` or from a 病假's reason; the diagnosis
    is asked the next school morning until someone answers (`诊断 张小明 流感`).
    """

    __tablename__ = "illness_absence"
    __table_args__ = (UniqueConstraint("student_id", "day"),
                      Index("ix_illness_absence_school_day", "school_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    day: Mapped[date]
    last_day: Mapped[date]
    symptoms: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(12))  # attendance | leave
    leave_id: Mapped[int | None] = mapped_column(ForeignKey("leave.id"))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    diagnosis: Mapped[str | None] = mapped_column(String(200))  # "未就诊" when no doctor was seen
    diagnosed_by: Mapped[str | None] = mapped_column(String(64))
    diagnosed_at: Mapped[datetime | None]
    asked_on: Mapped[date | None]  # the last morning the follow-up question went out
    onset: Mapped[date | None]  # the first day of symptoms, as the parent said
    # 复课证明: the photo the parent sent, and the 校医 who confirmed it
    certificate_media: Mapped[str | None] = mapped_column(String(200))
    certificate_at: Mapped[datetime | None]
    certificate_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    certificate_confirmed_at: Mapped[datetime | None]


class HealthAlert(Base):
    """A cluster told to the 校医 and 校长: once per class and symptom within the window."""

    __tablename__ = "health_alert"
    __table_args__ = (Index("ix_health_alert_class_symptom", "class_id", "symptom", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    symptom: Mapped[str] = mapped_column(String(8))
    day: Mapped[date]
    students: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class HealthConsent(Base):
    """A guardian's separate consent (个人信息保护法) to keep a child's health details.

    One row per child and guardian, made when the question is asked (in chat, or by a 学校通知
    linking /h5/consent), so it is asked once; `answer` None until the guardian answers 同意 or
    不同意. A row without `asked_at` stands for "not asked yet" (only rows written by hand).
    """

    __tablename__ = "health_consent"
    __table_args__ = (UniqueConstraint("student_id", "guardian"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    guardian: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    asked_at: Mapped[datetime | None]
    answer: Mapped[bool | None]
    answered_at: Mapped[datetime | None]


class HealthRead(Base):
    """One look by staff at a child's symptoms, diagnosis or certificate: who, what, how, when."""

    __tablename__ = "health_read"
    __table_args__ = (Index("ix_health_read_school_at", "school_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    reader: Mapped[str] = mapped_column(String(64))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    what: Mapped[str] = mapped_column(String(16))  # 症状 | 诊断 | 症状、诊断 | 复课证明
    via: Mapped[str] = mapped_column(String(16))  # 诊断回复 | 日报 | 预警 | 登记表 | 复课证明卡片 …
    at: Mapped[datetime]
