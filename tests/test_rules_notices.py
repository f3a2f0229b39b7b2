"""Notices as plain rules (models/rules/notices.py): reading the command, scopes and who may
send to them, families, 定时 and quiet hours."""

from __future__ import annotations

from datetime import time

import pytest

from models.rules import notices as rules
from models.rules.notices import ClassRef, Command, Family, NoticeInputError
from tests.conftest import local

CLASSES = [ClassRef(1, "初一", "初一(1)班"), ClassRef(2, "初一", "初一(2)班"),
           ClassRef(3, "初二", "初二(1)班")]


@pytest.mark.parametrize(("args", "command"), [
    ("本班 周五家长会", Command(False, "本班", "周五家长会", "")),
    ("紧急 全校 明天停课", Command(True, "全校", "明天停课", "")),
    ("初一（1）班 降温\n请添衣", Command(False, "初一(1)班", "降温\n请添衣", "")),
    ("初一 体检 定时 明天07:30", Command(False, "初一", "体检", "明天07:30")),
    ("初一 体检 定时 12月3日 8:00", Command(False, "初一", "体检", "12月3日 8:00")),
    ("全校", Command(False, "全校", "", "")),
    ("", Command(False, "", "", "")),
])
def test_the_command_is_read_into_its_parts(args: str, command: Command) -> None:
    assert rules.read_command(args) == command


@pytest.mark.parametrize(("word", "label", "ids"), [
    ("本班", "初一(2)班", (2,)), ("全校", "全校", (1, 2, 3)), ("初一(1)班", "初一(1)班", (1,)),
    ("初一1班", "初一(1)班", (1,)), ("初一", "初一", (1, 2)), ("初二年级", "初二", (3,)),
])
def test_scopes(word: str, label: str, ids: tuple[int, ...]) -> None:
    scope = rules.resolve_scope(word, CLASSES, own=[2])
    assert scope is not None and (scope.label, scope.class_ids) == (label, ids)


def test_unknown_scopes_and_no_own_class() -> None:
    assert rules.resolve_scope("初九", CLASSES, own=[2]) is None
    assert rules.resolve_scope("本班", CLASSES, own=[]) is None


def test_who_may_send_where() -> None:
    one, school = rules.Scope("初一(1)班", (1,)), rules.Scope("全校", (1, 2, 3))
    homeroom = frozenset({"班主任"})
    assert rules.refusal(homeroom, [1], one, urgent=False) is None
    assert "只能向自己" in (rules.refusal(homeroom, [2], one, urgent=False) or "")
    assert "只能向自己" in (rules.refusal(homeroom, [1], school, urgent=False) or "")
    assert "紧急" in (rules.refusal(homeroom, [1], one, urgent=True) or "")
    assert rules.refusal(frozenset({"政教处"}), [], school, urgent=True) is None
    assert rules.refusal(frozenset({"校长"}), [], one, urgent=False) is None
    assert "只有" in (rules.refusal(frozenset({"门卫"}), [], one, urgent=False) or "")


def test_content_length() -> None:
    assert rules.check_content("x" * 1000) is None
    assert "1001字" in (rules.check_content("x" * 1001) or "")
    assert rules.check_content("") is not None


def test_families_join_guardians_who_share_a_child_and_a_guardians_children() -> None:
    links = [(1, "zhang"), (1, "lin"), (2, "zhang"), (3, "liu"), (4, "wu"), (5, "wu")]
    assert rules.families(links) == [
        Family("lin", ("lin", "zhang"), (1, 2)), Family("liu", ("liu",), (3,)),
        Family("wu", ("wu",), (4, 5))]


def test_when() -> None:
    now = local(2026, 11, 26, 8, 0)
    assert rules.read_when("明天07:30", now) == local(2026, 11, 27, 7, 30)
    assert rules.read_when("今天 16:00", now) == local(2026, 11, 26, 16, 0)
    assert rules.read_when("12月3日8点", now) == local(2026, 12, 3, 8, 0)
    for bad in ("今天07:00", "下辈子", "2月30日8:00", "明天25:00"):
        with pytest.raises(NoticeInputError):
            rules.read_when(bad, now)


def test_quiet_hours_span_midnight_and_urgent_ones_leave_at_once() -> None:
    start, end = time(21, 30), time(7, 0)
    assert rules.in_quiet_hours(time(23, 0), start, end)
    assert rules.in_quiet_hours(time(6, 59), start, end)
    assert not rules.in_quiet_hours(time(7, 0), start, end)
    late = local(2026, 11, 26, 22, 0)
    assert rules.leave_at(late, start, end, urgent=False) == local(2026, 11, 27, 7, 0)
    assert rules.leave_at(late, start, end, urgent=True) == late
    early = local(2026, 11, 27, 6, 0)
    assert rules.leave_at(early, start, end, urgent=False) == local(2026, 11, 27, 7, 0)
