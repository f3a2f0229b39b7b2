"""A worker loop cancelled at the moment it is woken stops (shutdown never waits for ever)."""

from __future__ import annotations

import asyncio

from bot.waiting import wait_until

STOP_SECONDS = 2.0


async def test_a_cancellation_that_meets_a_wakeup_is_not_lost() -> None:
    wakeup = asyncio.Event()
    rounds = 0

    async def worker_loop() -> None:
        nonlocal rounds
        while True:
            wakeup.clear()
            rounds += 1
            await wait_until(wakeup, 60)

    task = asyncio.create_task(worker_loop())
    await asyncio.sleep(0.01)  # the loop is waiting
    wakeup.set()  # work arrives …
    task.cancel()  # … as the app shuts down
    done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
    assert done == {task} and task.cancelled()
    assert rounds == 1


async def test_it_says_whether_the_event_came() -> None:
    event = asyncio.Event()
    assert await wait_until(event, 0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_until(event, 5) is True
