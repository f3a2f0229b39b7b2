"""Every chat dialog, declared in one place: how it starts, its named states and their questions.

A dialog (python-telegram-bot's conversation, in our words):
- entry: the command that opens it (the handler named in `entry`);
- steps: named states, stored as `dialog_state.state` (readable in the log and the database),
  each with the question that asks for it (`ask`) and the line that asks again (`again`);
- the cancel fallback: 取消 / 退出 (handlers/common.py) ends any dialog at any step;
- the timeout: a dialog left alone lapses after `[dialog] timeout_minutes` (handlers/engine.py).

A step's handler waits with `WaitingFor(step)` (handlers/dispatcher.py): it takes any message
that is not a command. A command typed while a step waits runs as usual, the dialog is kept,
and the engine then asks again with the step's `again` line ("还在等待单号17的驳回理由……").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    """A named dialog state: what it waits for and how to ask for it.

    `ask` and `again` may name values: `ask` those its handler gives, `again` the dialog's data
    (e.g. {leave_id}).
    """

    state: str
    ask: str
    again: str
    soft: bool = False  # an offer, not a question: a command typed instead ends it quietly

    @property
    def conversation(self) -> str:
        return self.state.split(":", 1)[0]

    def ask_again(self, data: dict[str, Any]) -> str:
        return self.again.format_map(data)


@dataclass(frozen=True)
class Conversation:
    name: str
    entry: str
    steps: tuple[Step, ...]


CANCEL_WORDS = ("取消", "退出")
_CANCEL = "发送「取消」可放弃。"

# ---- the parent's leave request (handlers/parent.py; diagram: docs/leave_dialog.mmd) ------------
# Each step is skipped when the message that opened the dialog already answered it.

LEAVE_CHILD = Step(
    "leave:child",
    ask="请问为哪个孩子请假？回复名字或序号：\n{options}",
    again="还在等待您选择为哪个孩子请假：请回复孩子的名字或序号。" + _CANCEL)
LEAVE_DATES = Step(
    "leave:dates",
    ask="请问哪天请假？例如：明天、后天到周五、12月3日上午、从12月1号到3号。",
    again="还在等待请假日期：例如 明天、后天到周五、12月3日上午。" + _CANCEL)
LEAVE_KIND = Step(
    "leave:kind",
    ask="请问是病假还是事假？",
    again="还在等待请假类型：请回复「病假」或「事假」。" + _CANCEL)
LEAVE_REASON = Step(
    "leave:reason",
    ask="请简单说明事由（例如：发烧、家中有事）。",
    again="还在等待请假事由：请简单说明（例如：发烧、家中有事）。" + _CANCEL)
# A 病假 made in the dialog (not in one message) also asks what the 因病缺勤 register keeps.
LEAVE_SYMPTOMS = Step(
    "leave:symptoms",
    ask="孩子有哪些症状？回复编号或名称，可多选（空格分隔）；不清楚回复「跳过」：\n{options}",
    again="还在等待孩子的症状：回复编号或名称，例如 1 2；不清楚回复「跳过」。" + _CANCEL)
LEAVE_ONSET = Step(
    "leave:onset",
    ask="症状是哪天开始的？例如：今天、昨天、11月24日；不知道回复「跳过」。",
    again="还在等待症状开始的日期：例如 昨天、11月24日；不知道回复「跳过」。" + _CANCEL)
LEAVE_DOCTOR = Step(
    "leave:doctor",
    ask="看过医生吗？看过请回复诊断（例如：流感、普通感冒）；没看回复「没有」；"
        "诊断不清楚回复「不知道」。",
    again="还在等待就诊情况：回复诊断、「没有」或「不知道」。" + _CANCEL)
LEAVE_PHOTO = Step(
    "leave:photo",
    ask="病假超过{n}个上课日，需要医院诊断书。请拍照发送诊断书照片。",
    again="还在等待医院诊断书的照片：请拍照发送。" + _CANCEL)
LEAVE_CONFIRM = Step(
    "leave:confirm",
    ask="回复「确认」提交，「取消」放弃。",
    again="还在等待您确认这次请假：回复「确认」提交，「取消」放弃。")
LEAVE = Conversation(
    "leave", entry="「请假」, or a message naming 病假 / 事假 (parent.start, start_from_phrase)",
    steps=(LEAVE_CHILD, LEAVE_DATES, LEAVE_KIND, LEAVE_REASON, LEAVE_SYMPTOMS, LEAVE_ONSET,
           LEAVE_DOCTOR, LEAVE_PHOTO, LEAVE_CONFIRM))

# ---- a parent's message that is no command (handlers/parent.py) -------------------------------
# "孩子发烧了今天不去学校了" or "你好": the bot offers to start a leave with the dates it read.

LEAVE_OFFER = Step(
    "offer:leave",
    ask="您好！需要为孩子请假吗？{dates}回复「1」或「是」开始请假；发送「帮助」查看其他用法。",
    again="需要为孩子请假吗？回复「1」或「是」开始请假，「取消」不办。", soft=True)
OFFER = Conversation(
    "offer", entry="a parent's text that is no command and names no 病假 / 事假 "
                   "(parent.natural_message)",
    steps=(LEAVE_OFFER,))

# ---- an approver's rejection reason (handlers/approver.py) -------------------------------------

REJECT_REASON = Step(
    "reject:reason",
    ask="请回复驳回理由（单号{leave_id}），家长会看到它。" + _CANCEL,
    again="还在等待单号{leave_id}的驳回理由：请直接回复理由，家长会看到它。" + _CANCEL)
REJECT = Conversation(
    "reject", entry="「驳回 单号」 without a reason, or a card's 驳回 button "
                    "(approver.reject_text, reject_button)",
    steps=(REJECT_REASON,))

# ---- a 班主任's command naming a student whose name two students share (handlers/teacher.py) ----
# Nothing is recorded until the answer; then the command runs as first typed, with the student
# picked (data: command, args, name, ids, numbers, chosen).

WHICH_STUDENT = Step(
    "which:student",
    ask="{label}有{n}名学生叫{name}：{options}\n请回复学籍号后几位（例如 {example}）。" + _CANCEL,
    again="还在等待您选择是哪一位{name}：请回复学籍号后几位。" + _CANCEL)
WHICH = Conversation(
    "which", entry="「考勤 缺勤 …」, 「临时请假 …」 or 「销假 …」 naming a student whose name "
                   "two students of the teacher's classes share (attendance.attendance, "
                   "teacher.temporary_leave, teacher.close_leave)",
    steps=(WHICH_STUDENT,))

# ---- why a child reported absent is away (handlers/absence.py) -------------------------------
# `考勤 缺勤 张小明 李华` with no (症状): the report is recorded, then one question for all; 病 asks
# the symptoms of each sick child in turn (data: class_id, day, ids, names, sick).

ABSENCE_REASON = Step(
    "absence:reason",
    ask="缺勤原因：{options}\n请回复 病/事/不明{several}。" + _CANCEL,
    again="还在等待缺勤原因：请回复 病/事/不明。" + _CANCEL, soft=True)
ABSENCE_SYMPTOMS = Step(
    "absence:symptoms",
    ask="{name}有哪些症状？回复编号或名称，可多选（空格分隔），不清楚回复「不知道」：\n{options}",
    again="还在等待{name}的症状：回复编号或名称，例如 1 2；不清楚回复「不知道」。" + _CANCEL)
ABSENCE = Conversation(
    "absence", entry="「考勤 缺勤 …」 naming a child with no (症状) and no leave "
                     "(attendance.attendance)",
    steps=(ABSENCE_REASON, ABSENCE_SYMPTOMS))

# ---- a notice being written (handlers/notices.py) ---------------------------------------------
# `通知` alone asks the scope, then the text; `通知 初一 周五家长会` goes straight to the echo.

NOTICE_SCOPE = Step(
    "notice:scope",
    ask="请问发给谁？回复：本班、班级（如 初一(1)班）、年级（如 初一）或 全校。" + _CANCEL,
    again="还在等待通知的范围：本班、班级、年级或 全校。" + _CANCEL)
NOTICE_TEXT = Step(
    "notice:text",
    ask="请发送通知内容（最多1000字）。" + _CANCEL,
    again="还在等待通知内容：请直接发送文字。" + _CANCEL)
NOTICE_CONFIRM = Step(
    "notice:confirm",
    ask="可以再发一张图片，或回复「确认」发送，「取消」放弃。",
    again="还在等待您确认这条通知：回复「确认」发送，「取消」放弃。")
NOTICE = Conversation(
    "notice", entry="「通知」 alone, or 「通知 范围 内容」 (notices.start)",
    steps=(NOTICE_SCOPE, NOTICE_TEXT, NOTICE_CONFIRM))

CONVERSATIONS = (LEAVE, OFFER, REJECT, WHICH, ABSENCE, NOTICE)
