"""SQL statements counted as the database driver receives them, per step of a message's way.

A step is one of the three things a message goes through: the callback recorded (`callback`),
the inbox worker handling it (`inbox`) and the outbox sending what it caused (`outbox`). The
count comes from SQLAlchemy's `before_cursor_execute` event on the app's engines, so it sees
every statement the driver is handed: SQLite's BEGIN (IMMEDIATE) and SAVEPOINTs too, as the
app issues them as statements, but not COMMIT (the driver's own call).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot import keys
from bot.simulator.oauth import Person
from models.db import Database
from tests.harness import Harness


class Statements:
    """The statements one step sent, in order."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, _params: Any,
                    _context: Any, executemany: bool) -> None:
        self.texts.append(" ".join(statement.split()))

    def grouped(self) -> list[tuple[str, int]]:
        """Each distinct statement with how often it ran, most often first."""
        return Counter(self.texts).most_common()

    def __len__(self) -> int:
        return len(self.texts)


@contextmanager
def counting(db: Database) -> Iterator[Statements]:
    """Every statement sent on the database's engines while the block runs."""
    found = Statements()
    engines = {id(e): e.sync_engine for e in (db.engine, db.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", found._on_execute)
    try:
        yield found
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", found._on_execute)


async def message_steps(h: Harness, inner_xml: str) -> dict[str, Statements]:
    """Post one callback and let the workers take it to the end: the statements of each step
    (`callback`, `inbox`, `outbox`). The inbox must be empty before.

    The stand-in reads the roster through the app's database to know who WeCom knows; it gets
    the directory as it stands before the message, so that only the app's statements count.
    """
    wired = h.standin.oauth.directory
    if wired is not None:
        people = await wired()

        async def as_before() -> list[Person]:
            return people

        h.standin.oauth.directory = as_before
    try:
        return await _steps(h, inner_xml)
    finally:
        h.standin.oauth.directory = wired


async def _steps(h: Harness, inner_xml: str) -> dict[str, Statements]:
    with counting(h.db) as callback:
        assert await h.post(inner_xml) == 200
    inbox_worker, outbox_worker = h.app[keys.INBOX_WORKER], h.app[keys.OUTBOX_WORKER]
    with counting(h.db) as inbox:
        assert await inbox_worker.run_once()
    assert not await inbox_worker.run_once()
    outbox = Statements()
    while True:  # the rounds that sent something (an idle round is not this message's cost)
        with counting(h.db) as round_:
            sent = await outbox_worker.run_once()
        if not sent:
            break
        outbox.texts += round_.texts
    return {"callback": callback, "inbox": inbox, "outbox": outbox}


async def leave_messages(h: Harness) -> dict[str, dict[str, Statements]]:
    """The three messages of one leave, each counted step by step: a parent's `请假 张小明 明天
    事假 有事` (the echo), its `确认` (stored, the 班主任's card sent), the 班主任's 批准 click."""
    out = {}
    out["请假 (echo)"] = await message_steps(
        h, h.inner_text_xml("parent_zhang", "请假 张小明 明天 事假 有事"))
    out["确认 (cards)"] = await message_steps(h, h.inner_text_xml("parent_zhang", "确认"))
    card = next(d.body["template_card"] for d in reversed(h.standin.messages_for("teacher_li"))
                if d.msgtype == "template_card")
    number = card["main_title"]["title"].rsplit("单号", 1)[1]
    out["批准 (click)"] = await message_steps(
        h, h.inner_click_xml("teacher_li", card["task_id"], f"approve:{number}"))
    return out
