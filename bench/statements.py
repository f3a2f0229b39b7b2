"""SQL statements per message: a leave asked for, confirmed and approved, step by step.

Drives the real app through tests/harness.py (signed, encrypted callbacks; the WeCom stand-in)
on a freshly migrated SQLite database holding the demo roster, with the tests' clock on a
school-day morning. Three messages are counted: a parent's `请假 张小明 明天 事假 有事` (the
echo), its `确认` (the leave stored, the 班主任's card sent) and the 班主任's 批准 on that card.
For each, the statements of each step (callback recorded, inbox handled, outbox sent) are
printed, and with `--texts` the inbox and outbox steps' statements grouped, most repeated first.

    .venv/bin/python bench/statements.py            # the counts
    .venv/bin/python bench/statements.py --texts    # and what the inbox step ran
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # project root

import argparse
import asyncio
import tempfile
from datetime import UTC, datetime

from tests.harness import FakeClock, prepare_database, running
from tests.statements import leave_messages

START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # Thursday 26 November, 08:00 in Beijing
STEPS = ("callback", "inbox", "outbox")


async def main(show_texts: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/qingjia.db"
        await prepare_database(url)
        async with running(url, FakeClock(START)) as h:
            await h.drain()
            counted = await leave_messages(h)
    print(f"{'message':<14}" + "".join(f"{s:>10}" for s in STEPS) + f"{'total':>10}")
    for name, steps in counted.items():
        row = [len(steps[s]) for s in STEPS]
        print(f"{name:<14}" + "".join(f"{n:>10}" for n in row) + f"{sum(row):>10}")
    if show_texts:
        for name, steps in counted.items():
            for step in ("inbox", "outbox"):
                print(f"\n== {name}: {step} step, {len(steps[step])} statements")
                for text, n in steps[step].grouped():
                    print(f"{n:>3} × {text[:200]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", action="store_true",
                        help="print what the inbox and outbox steps ran")
    asyncio.run(main(parser.parse_args().texts))
