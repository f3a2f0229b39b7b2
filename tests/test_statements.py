"""What one message costs the database: SQL statements per step of a leave, pinned.

The figures are what the code sends today (bench/statements.py prints them and the statements
themselves); a change that adds a statement to one of these messages fails here, so that it is
made on purpose and the new figure written down (docs/benchmarks.md, Statements per message).
"""

from __future__ import annotations

from tests.harness import Harness
from tests.statements import leave_messages

# message: statements of (callback recorded, inbox handled, outbox sent) on SQLite. The outbox's
# figure is a ceiling: how its rows fall into sending rounds depends on what is due when each
# round looks (seen: 25 for the click; 26 or 27 before its notice checks shared one read), so
# one round more or less is not a regression.
PINNED = {
    "请假 (echo)": (2, 11, 12),
    "确认 (cards)": (2, 17, 12),
    "批准 (click)": (2, 18, 26),
}


async def test_a_leave_asked_confirmed_and_approved_costs_the_pinned_statements(
        harness: Harness) -> None:
    counted = await leave_messages(harness)
    texts = harness.texts_for("parent_zhang")
    assert "回复「确认」" in texts[0] and "单号" in texts[1]
    assert "已批准" in texts[-1] and "放行码" in texts[-1]
    assert next(d.msgtype for d in harness.standin.messages_for("teacher_li")) == "template_card"
    assert {name: (len(steps["callback"]), len(steps["inbox"]))
            for name, steps in counted.items()} == {name: pinned[:2]
                                                    for name, pinned in PINNED.items()}
    for name, steps in counted.items():
        assert len(steps["outbox"]) <= PINNED[name][2], name
