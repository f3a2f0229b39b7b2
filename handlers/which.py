"""Asking a 班主任 which of two students of the same name they mean (the WHICH_STUDENT step)."""

from __future__ import annotations

from handlers.context import Dialog
from handlers.dialogs import WHICH_STUDENT
from models.roster import Student
from models.rules import namesakes
from models.rules.textbudget import clip

Chosen = dict[str, int]  # a name typed → the student id picked for it


def ask_which(dialog: Dialog, command: str, args: str, name: str, students: list[Student],
              chosen: Chosen, label: str) -> str:
    """Wait for the answer; the command runs again with it (nothing is recorded before)."""
    numbers = [s.student_no for s in students]
    dialog.go(WHICH_STUDENT, command=command, args=args, name=name,
              ids=[s.id for s in students], numbers=numbers, chosen=chosen)
    return WHICH_STUDENT.ask.format(label=label, n=len(students), name=clip(name, 60),
                                    options=namesakes.question(name, numbers),
                                    example=namesakes.tails(numbers)[0])


def answer(dialog: Dialog, text: str) -> tuple[str, str, Chosen] | None:
    """The waiting command, its arguments and the names picked so far with this answer; None
    when the answer names nobody of the options (the dialog keeps waiting)."""
    data = dialog.data
    index = namesakes.pick(text, list(data["numbers"]))
    if index is None:
        return None
    chosen = {**data.get("chosen", {}), data["name"]: data["ids"][index]}
    command, args = data["command"], data["args"]
    dialog.end()
    return command, args, chosen


def again(dialog: Dialog) -> str:
    data = dialog.data
    options = namesakes.question(data["name"], list(data["numbers"]))
    return f"没有对上。{options}请回复学籍号后几位。"
