"""What chat says and whom it tells, end to end (issue 9 §2): a 放行码 drawn again on a
collision, the 班主任's call confirmed in the command, 销假 before leaving."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.harness import Harness
from tests.test_leave_e2e import code_from, leave, say, submit


def scripted_draws(*codes: str) -> Iterator[str]:
    for code in codes:
        yield from code
    while True:
        yield "Z"


async def test_a_new_pass_code_that_collides_is_drawn_again(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await submit(harness, "parent_zhang", "请假 张小明 下周一 事假 有事")
    second = await submit(harness, "parent_liu", "请假 刘洋 下周一 事假 有事")
    draws = scripted_draws("22222222", "22222222", "33333333")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(draws))
    assert "已批准" in await say(harness, "teacher_li", f"批准 {first}")
    assert "已批准" in await say(harness, "teacher_li", f"批准 {second}")
    assert code_from(harness.last_text("parent_zhang")) == "2222-2222"
    assert code_from(harness.last_text("parent_liu")) == "3333-3333"
    assert (await leave(harness, second)).status == "approved"


async def test_a_call_is_claimed_only_when_the_teacher_wrote_it(harness: Harness) -> None:
    harness.clock.advance(hours=2)  # 10:00
    code_from(await say(harness, "teacher_li", "临时请假 张小明 发烧 至 16:00"))
    told = harness.last_text("parent_zhang")
    assert "临时请假" in told and "16:00" in told and "电话" not in told
    code_from(await say(harness, "teacher_li", "临时请假 刘洋 头疼 至 15:00 已电话"))
    assert "班主任李静已与您电话联系" in harness.last_text("parent_liu")


async def test_closing_a_leave_of_a_student_who_never_left_says_closed_not_back(
        harness: Harness) -> None:
    harness.clock.advance(hours=2)  # 10:00
    await say(harness, "teacher_li", "临时请假 张小明 发烧 至 16:00 已电话")
    assert "已销假" in await say(harness, "teacher_li", "销假 张小明")
    told = harness.last_text("parent_zhang")
    assert "已销假" in told and "返校" not in told
