"""Inbox (received callbacks, also the dedupe keys), outbox (messages to send), dialog state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class InboxMessage(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("school_id", "dedupe_key"),
        Index("ix_inbox_pending", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    userid: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "touser", "status", "id"),
        UniqueConstraint("school_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    touser: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # text | markdown | template_card | card_update
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/sent/gathered/dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    # For a template card: its task id, and the code WeCom returned to update it later.
    task_id: Mapped[str | None] = mapped_column(String(128), index=True)
    response_code: Mapped[str | None] = mapped_column(String(200))
    # Notices written by jobs carry a key, so a re-run cannot queue the same notice twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    # 企业微信: to a member for sure (a chat reply); None: as the roster says at sending time
    channel: Mapped[str | None] = mapped_column(String(8))


class DialogState(Base):
    __tablename__ = "dialog_state"
    __table_args__ = (UniqueConstraint("school_id", "userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    userid: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))  # named state, e.g. "leave:confirm"
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    actor: Mapped[str] = mapped_column(String(80))  # a userid, or system:<what>
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
