"""A minute of WeCom outage: messages wait, then arrive once each, in order, within the pace.

In process, workers driven by hand and the clock moved by hand: the only real waiting is the one
hang, which has to outlast the client's 1 s timeout (the five hanging sends share that second).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot import keys
from models.messaging import OutboxMessage
from tests.harness import FakeClock, Harness, running

MEMBERS = ("parent_zhang", "parent_lin", "parent_liu", "parent_huang", "parent_wu")
CYCLE = ["http502", "errcode-1", "45009", "45033", "42001"]
OUTAGE_SECONDS = 60


async def outbox_rows(h: Harness) -> list[OutboxMessage]:
    async with h.db.read() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def handle_inbox(h: Harness) -> None:
    """Turn every recorded callback into queued replies, without sending anything."""
    inbox = h.app[keys.INBOX_WORKER]
    while await inbox.run_once():
        pass


def content(payload: dict) -> str:  # type: ignore[type-arg]
    return str(payload.get("content", ""))


async def test_a_minute_of_outage_then_every_message_once_in_order(
        demo_db: str, clock: FakeClock) -> None:
    async with running(demo_db, clock) as h:
        standin, outbox = h.standin, h.app[keys.OUTBOX_WORKER]
        assert await h.say("guard_sun", "帮助") == 200
        await h.drain()
        assert standin.token_fetches == 1 and len(standin.delivered) == 1
        expiries = 0

        # The outage starts with WeCom hanging; 30 messages for 5 members are queued in it.
        outage_started = clock()
        standin.fail_for(5, ["hang"])
        for i in range(30):
            assert await h.say(MEMBERS[i % len(MEMBERS)], f"撤销 {1001 + i}") == 200
        await handle_inbox(h)
        assert await outbox.run_once() == len(MEMBERS)  # the oldest row of each member, at once
        hung = [r for r in await outbox_rows(h) if r.status == "pending" and r.attempts == 1]
        assert len(hung) == len(MEMBERS)
        assert all("errcode -2" in (r.last_error or "") for r in hung), [r.last_error for r in hung]

        # The rest of the minute: every call fails, cycling through WeCom's failure answers;
        # the token expires too.
        clock.advance(seconds=5)
        standin.fail_for(OUTAGE_SECONDS - 5, CYCLE)
        standin.expire_tokens()
        expiries += 1
        fetches_before = standin.token_fetches
        claims: list[int] = []
        while clock() + timedelta(seconds=2) < outage_started + timedelta(seconds=OUTAGE_SECONDS):
            clock.advance(seconds=2)
            if claimed := await outbox.run_once():
                claims.append(claimed)
        rounds = len(claims)
        outage_fetches = standin.token_fetches - fetches_before
        assert len(standin.delivered) == 1, "nothing gets through an outage"
        # Back-off by the API's health: while it fails, one message at a time probes it.
        assert rounds >= 5 and max(claims) == 1
        assert 1 <= outage_fetches <= rounds

        # Recovery; the token expires twice more while the backlog is being sent.
        standin.heal()
        expire_at = {2, 4}
        sending_rounds = 0
        for _ in range(200):
            if not [r for r in await outbox_rows(h) if r.status == "pending"]:
                break
            if await outbox.run_once():
                sending_rounds += 1
                if sending_rounds in expire_at:
                    standin.expire_tokens()
                    expiries += 1
            else:
                clock.advance(seconds=5)
        rows = await outbox_rows(h)

    print(f"\noutage: {rounds} sending rounds, {outage_fetches} failed token fetches; recovery: "
          f"{sending_rounds} rounds; expiries {expiries}, token fetches {standin.token_fetches}, "
          f"calls {standin.calls}, delivered {len(standin.delivered)}")
    assert [r.status for r in rows] == ["sent"] * 31
    delivered = Counter((d.touser, d.body["text"]["content"]) for d in standin.delivered)
    queued = Counter((r.touser, content(r.payload)) for r in rows)
    assert delivered == queued, "each message exactly once"
    for member in MEMBERS:
        order_queued = [content(r.payload) for r in rows if r.touser == member]
        order_received = [d.body["text"]["content"] for d in standin.messages_for(member)]
        assert order_received == order_queued
        numbers = range(1001 + MEMBERS.index(member), 1031, len(MEMBERS))
        assert all(f"单号{n}" in text
                   for n, text in zip(numbers, order_received, strict=True)), order_received
    assert standin.violations == []
    # One successful fetch to start with and one per expiry; the outage's failed ones aside.
    assert standin.token_fetches - outage_fetches == expiries + 1


async def test_a_repeated_reply_whose_first_send_fails_still_arrives(
        demo_db: str, clock: FakeClock) -> None:
    """A member asks the same thing twice; WeCom is busy for the second answer's first try.

    The retry asks WeCom's duplicate check to drop "the same content within 30 minutes", which
    matches the first, legitimately identical answer: the second one must still arrive.
    """
    async with running(demo_db, clock) as h:
        assert await h.say("guard_sun", "核验 AAAA-AAAA") == 200
        await h.drain()
        assert h.texts_for("guard_sun") == ["⛔ 放行码无效，请核对后重试。"]
        clock.advance(minutes=5)
        h.standin.fail_next(1, "45009")  # api freq out of limit, once
        assert await h.say("guard_sun", "核验 BBBB-BBBB") == 200
        await h.drain()
        for _ in range(5):
            clock.advance(seconds=30)
            await h.drain()
        rows = await outbox_rows(h)
        assert [r.status for r in rows] == ["sent", "sent"]
        assert h.texts_for("guard_sun") == ["⛔ 放行码无效，请核对后重试。"] * 2
