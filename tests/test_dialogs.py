"""Dialogs (handlers/dialogs.py) through the dispatcher with a real database: at every step a
command runs, the dialog is kept, and the step's question is asked again."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from handlers import texts
from handlers.context import Dialog
from handlers.dialogs import (
    CONVERSATIONS,
    LEAVE,
    LEAVE_CHILD,
    LEAVE_CONFIRM,
    LEAVE_DATES,
    LEAVE_KIND,
    LEAVE_PHOTO,
    LEAVE_REASON,
    REJECT_REASON,
    Step,
)
from handlers.dispatcher import Command, Router, WaitingFor, waiting_steps
from handlers.engine import Dispatcher
from handlers.routing import ROUTERS
from models.db import Database
from models.leave import Leave
from models.messages import CardClick, ImageMessage, Incoming, TextMessage
from models.messaging import DialogState
from tests.harness import ROOT, FakeClock, make_config

_ids = itertools.count(1)


class Chat:
    """Members typing to the dispatcher; what each is answered, and their dialog's state."""

    def __init__(self, db: Database, dispatcher: Dispatcher, clock: FakeClock) -> None:
        self.db, self.dispatcher, self.clock = db, dispatcher, clock

    async def send(self, message: Incoming) -> list[str]:
        async with self.db.unit_of_work() as session:
            out = await self.dispatcher.handle(session, message, self.clock())
        return [o.reply.content for o in out  # type: ignore[attr-defined]
                if o.touser == message.userid and o.reply.kind == "text"]

    async def say(self, userid: str, text: str) -> list[str]:
        return await self.send(TextMessage(userid, 1000002, self.clock(), text, str(next(_ids))))

    async def photo(self, userid: str) -> list[str]:
        n = next(_ids)
        return await self.send(ImageMessage(userid, 1000002, self.clock(), f"media-{n}",
                                            "http://127.0.0.1:9/p.jpg", str(n)))

    async def click(self, userid: str, key: str) -> list[str]:
        return await self.send(CardClick(userid, 1000002, self.clock(), f"task-{next(_ids)}",
                                         key, "rc"))

    async def state(self, userid: str) -> str | None:
        async with self.db.read() as session:
            return await session.scalar(select(DialogState.state)
                                        .where(DialogState.userid == userid))

    async def status(self, leave_id: int) -> str:
        async with self.db.read() as session:
            row = await session.get(Leave, leave_id)
            assert row is not None
            return row.status

    async def submitted(self, parent: str, request: str) -> int:
        await self.say(parent, request)
        done = await self.say(parent, "确认")
        match = re.search(r"已提交请假，单号(\d+)", done[0])
        assert match, done
        return int(match.group(1))


@pytest.fixture
async def chat(demo_db: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    db = Database(demo_db)
    yield Chat(db, Dispatcher(ROUTERS, config=make_config(demo_db), school_id=1), clock)
    await db.dispose()


@dataclass(frozen=True)
class Row:
    step: Step
    user: str
    opening: str  # what brings the user to the step ({leave}: a pending leave of 张小明)
    command: str  # typed while the step waits
    command_answer: str  # in the command's own answer
    asked_again: str  # in the line that follows it
    answer: str | None  # the step's answer afterwards (None: a photo)
    next_question: str  # in what the answer brings


ROWS = [
    Row(LEAVE_CHILD, "parent_zhang", "请假", "我的请假", "最近的请假",
        "为哪个孩子请假", "1", "哪天请假"),
    Row(LEAVE_DATES, "parent_liu", "请假", "帮助", "【家长】",
        "请假日期", "明天", "病假还是事假"),
    Row(LEAVE_KIND, "parent_liu", "请假 明天", "批准 1", texts.FORBIDDEN,
        "请假类型", "事假", "事由"),
    Row(LEAVE_REASON, "parent_liu", "请假 明天 事假", "确认", "还没有填完",
        "请假事由", "家中有事", "请核对"),
    Row(LEAVE_PHOTO, "parent_liu", "请假 下周一到周五 病假 发烧", "我的请假", "还没有请假记录",
        "诊断书的照片", None, "请核对"),
    Row(LEAVE_CONFIRM, "parent_liu", "请假 明天 事假 有事", "撤销 99", "没有找到您的单号99",
        "确认这次请假", "确认", "已提交请假"),
    Row(REJECT_REASON, "teacher_li", "驳回 {leave}", "考勤 全勤", "已记录初一(1)班",
        "单号{leave}的驳回理由", "请补交作业", "已驳回"),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.step.state)
async def test_a_command_at_any_step_runs_and_the_step_is_asked_again(chat: Chat,
                                                                     row: Row) -> None:
    leave = await chat.submitted("parent_zhang", "请假 张小明 明天 事假 有事")
    await chat.say(row.user, row.opening.format(leave=leave))
    assert await chat.state(row.user) == row.step.state

    answers = await chat.say(row.user, row.command)
    assert len(answers) == 2, answers
    assert row.command_answer in answers[0]
    assert answers[1].startswith("还在等待")
    assert row.asked_again.format(leave=leave) in answers[1]
    assert await chat.state(row.user) == row.step.state

    answers = await (chat.say(row.user, row.answer) if row.answer is not None
                     else chat.photo(row.user))
    assert len(answers) == 1 and row.next_question in answers[0], answers


async def test_a_card_click_while_a_reason_is_awaited_is_that_click(chat: Chat) -> None:
    first = await chat.submitted("parent_zhang", "请假 张小明 明天 事假 有事")
    second = await chat.submitted("parent_liu", "请假 明天 事假 有事")
    await chat.say("teacher_li", f"驳回 {first}")
    answers = await chat.click("teacher_li", f"approve:{second}")
    assert f"单号{second} 已批准" in answers[0]
    assert f"还在等待单号{first}的驳回理由" in answers[-1]
    assert (await chat.status(second), await chat.status(first)) == ("approved", "pending")
    await chat.say("teacher_li", "时间冲突")
    assert await chat.status(first) == "rejected"


async def test_starting_another_dialog_replaces_the_one_waiting(chat: Chat) -> None:
    """A command that opens a dialog asks its own question; nothing else is asked again."""
    leave = await chat.submitted("parent_zhang", "请假 张小明 明天 事假 有事")
    await chat.say("teacher_li", "请假 明天")  # teacher_li is also 杨子涵's mother
    assert await chat.state("teacher_li") == LEAVE_KIND.state
    answers = await chat.say("teacher_li", f"驳回 {leave}")
    assert answers == [f"请回复驳回理由（单号{leave}），家长会看到它。发送「取消」可放弃。"]
    assert await chat.state("teacher_li") == REJECT_REASON.state
    assert await chat.say("teacher_li", "取消") == [texts.CANCELLED]
    assert await chat.state("teacher_li") is None


def test_a_step_of_another_dialog_starts_with_its_own_data() -> None:
    dialog = Dialog()
    dialog.go(LEAVE_KIND, student_id=7, start="2026-11-27")
    dialog.go(LEAVE_REASON, kind="事假")
    assert dialog.data == {"student_id": 7, "start": "2026-11-27", "kind": "事假"}
    dialog.go(REJECT_REASON, leave_id=17)
    assert (dialog.state, dialog.data) == ("reject:reason", {"leave_id": 17})


def test_every_declared_step_waits_in_the_routing_map_and_only_those() -> None:
    declared = {step.state: step for c in CONVERSATIONS for step in c.steps}
    assert waiting_steps(ROUTERS) == declared


def test_the_diagram_names_the_leave_dialogs_states() -> None:
    diagram = (ROOT / "docs" / "leave_dialog.mmd").read_text(encoding="utf-8")
    drawn = set(re.findall(r"^\s*(\w+) -->", diagram, re.M)) - {"[*]"}
    drawn |= set(re.findall(r"--> (\w+)", diagram))
    assert drawn == {step.state.removeprefix("leave:") for step in LEAVE.steps}


def test_a_handler_cannot_be_both_a_command_and_a_waiting_step() -> None:
    router = Router("test")
    with pytest.raises(ValueError, match="cannot wait"):
        @router.on(Command("批准"), WaitingFor(REJECT_REASON))
        async def confused() -> None: ...

