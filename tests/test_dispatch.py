"""The dispatcher with a real database: routing order, role gates, dialog state and its lapse."""

from __future__ import annotations

import itertools

import pytest

from handlers import texts
from handlers.engine import Dispatcher
from handlers.routing import ROUTERS
from models.db import Database
from models.messages import TextMessage
from tests.harness import FakeClock, make_config

_ids = itertools.count(1)


def test_the_routing_order_is_pinned() -> None:
    """Staff commands come before the parent's catch-all; a change here is a decision."""
    assert [r.name for r in ROUTERS] == [
        "common", "notice-sender", "notice-card", "notice-family", "privacy", "approver",
        "homeroom", "attendance", "absence", "dropout", "health", "recovery-doctor",
        "recovery-family", "guard", "parent"]


@pytest.fixture
async def dispatch(demo_db: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    config = make_config(demo_db)
    db = Database(demo_db)
    dispatcher = Dispatcher(ROUTERS, config=config, school_id=1)

    async def send(userid: str, content: str) -> list[str]:
        message = TextMessage(userid, 1000002, clock(), content, str(next(_ids)))
        async with db.unit_of_work() as session:
            out = await dispatcher.handle(session, message, clock())
        return [o.reply.content for o in out if o.touser == userid]  # type: ignore[attr-defined]

    yield send
    await db.dispose()


async def test_a_dialog_lapses_after_the_timeout(dispatch, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    assert "哪天" in (await dispatch("parent_liu", "请假"))[0]
    clock.advance(minutes=29)
    assert "病假还是事假" in (await dispatch("parent_liu", "明天"))[0]
    clock.advance(minutes=31)
    # the half-finished request is gone: "病假" now starts a new one, which asks for dates
    assert "哪天" in (await dispatch("parent_liu", "病假"))[0]


async def test_a_role_gated_command_is_refused_without_revealing_anything(dispatch) -> None:  # type: ignore[no-untyped-def]
    assert await dispatch("parent_liu", "批准 1") == [texts.FORBIDDEN]
    assert await dispatch("parent_liu", "放行 AAAA-AAAA") == [texts.FORBIDDEN]
    assert await dispatch("guard_sun", "明天病假") == [texts.FORBIDDEN]


async def test_someone_outside_the_roster_gets_one_polite_line(dispatch) -> None:  # type: ignore[no-untyped-def]
    assert await dispatch("nobody", "批准 1") == [texts.NOT_IN_ROSTER]


async def test_a_parent_who_is_also_a_teacher_can_do_both(dispatch) -> None:  # type: ignore[no-untyped-def]
    assert "杨子涵" in (await dispatch("teacher_li", "请假 明天 事假 有事"))[0]
    assert "没有待您审批" in (await dispatch("teacher_li", "待审批"))[0]

