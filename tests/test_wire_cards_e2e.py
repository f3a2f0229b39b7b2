"""A card whose send reached WeCom although its answer was lost stays a card we can close."""

from __future__ import annotations

from sqlalchemy import select

from models.messaging import OutboxMessage
from tests.harness import Harness
from tests.test_leave_e2e import cards_for, click, leave, say, submit


async def _card_sent_with_its_answer_lost(h: Harness) -> tuple[int, str]:
    h.standin.fail_next(1, "lost")  # the card's send arrives; its answer does not
    leave_id = await submit(h, "parent_zhang", "请假 张小明 下周二 事假 家里有事")
    for _ in range(3):
        h.clock.advance(seconds=30)
        await h.drain()
    [card] = cards_for(h, "teacher_li")
    async with h.db.read() as session:
        statuses = list(await session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind == "template_card")))
    assert statuses == ["sent"]  # 42014 on the retry: delivered, not failed
    return leave_id, card["task_id"]


async def test_a_click_closes_the_card(harness: Harness) -> None:
    leave_id, task_id = await _card_sent_with_its_answer_lost(harness)
    assert await click(harness, "teacher_li", task_id, f"approve:{leave_id}") == 200
    await harness.drain()
    assert [u["button"]["replace_name"] for u in harness.standin.card_updates] == ["已批准"]
    assert (await leave(harness, leave_id)).status == "approved"


async def test_a_text_decision_says_what_the_card_cannot_show(harness: Harness) -> None:
    leave_id, _ = await _card_sent_with_its_answer_lost(harness)
    await say(harness, "teacher_li", f"批准 {leave_id}")
    assert harness.standin.card_updates == []
    assert any(f"单号{leave_id}" in t and "已批准（李静）" in t and "审批卡片" in t
               for t in harness.texts_for("teacher_li"))
    async with harness.db.read() as session:
        dead = list(await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "dead")))
    assert dead == []
