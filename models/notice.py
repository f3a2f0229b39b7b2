"""Notices (通知): the notice, a row per recipient family, a row per guardian who receives it.

A notice has its own number per school (通知12). Its families are the households in its scope
(guardians linked through their children: two children, one family); each guardian of a family
gets the notice once, and either one's 收到 confirms the family. A guardian's row carries how far
their delivery went (`stage`: the parts sent), the WeCom message ids (for a recall) and their
own 收到.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("school_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    number: Mapped[int]  # 通知12: per school
    sender: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(200))  # as the echo shows it: 初一(1)班, 初一, 全校
    class_ids: Mapped[list[int]] = mapped_column(JSON)
    content: Mapped[str] = mapped_column(Text)
    image_media_id: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(default=False)
    # scheduled (waiting for send_at) | sending | sent | recalled
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    send_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    chased_at: Mapped[datetime | None]  # the automatic chase, once
    reminded_at: Mapped[datetime | None]  # the sender's last 提醒
    summary_at: Mapped[datetime | None]  # the next morning's summary to the sender
    recalled_at: Mapped[datetime | None]
    recall_done: Mapped[bool] = mapped_column(default=False)  # message/recall calls made


class NoticeFamily(Base):
    __tablename__ = "notice_family"
    __table_args__ = (UniqueConstraint("notice_id", "family_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    family_key: Mapped[str] = mapped_column(String(64))  # the family's first guardian userid
    students: Mapped[str] = mapped_column(String(200))  # 张小明、张小红
    class_label: Mapped[str] = mapped_column(String(64))  # the first child's class
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(64))


class NoticeRecipient(Base):
    __tablename__ = "notice_recipient"
    __table_args__ = (
        UniqueConstraint("notice_id", "userid"),
        Index("ix_notice_recipient_due", "status", "next_attempt_at"),
        Index("ix_notice_recipient_userid", "userid", "last_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("notice_family.id"), index=True)
    userid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # how the notice reaches them: member | …
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | dead | cancelled
    stage: Mapped[int] = mapped_column(default=0)  # parts of the notice delivered so far
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    msgids: Mapped[list[Any]] = mapped_column(JSON)  # each part's msgid, for message/recall
    task_id: Mapped[str | None] = mapped_column(String(128))  # the card's task id
    confirmed_at: Mapped[datetime | None]
    response_code: Mapped[str | None] = mapped_column(String(200))  # of their card click
