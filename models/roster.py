"""Roster tables: the school, its classes, students, guardians and staff roles."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.rules.channel import MEMBER_CHANNEL
from models.rules.classes import class_label


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class SchoolClass(Base):
    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("school_id", "grade", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    grade: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))

    @property
    def label(self) -> str:
        """How people name the class: 初一(3)班."""
        return class_label(self.grade, self.name)


class Student(Base):
    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("school_id", "student_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_no: Mapped[str] = mapped_column(String(32))  # 学籍号, kept across transfers
    name: Mapped[str] = mapped_column(String(64))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # students.csv's optional 性别 (男 / 女) and 出生日期: None until a roster gives them.
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None]


class Guardian(Base):
    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("school_id", "userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    userid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    # How the school reaches them (models/rules/channel.py): 企业微信 (a member, `userid` is their
    # member userid) or 家校 (in the 家校通讯录, `userid` is their parent_userid).
    channel: Mapped[str] = mapped_column(String(8), default=MEMBER_CHANNEL,
                                         server_default=MEMBER_CHANNEL)


class GuardianLink(Base):
    __tablename__ = "guardian_link"
    __table_args__ = (UniqueConstraint("student_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))


class StaffRole(Base):
    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("school_id", "userid", "role", "class_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    userid: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
