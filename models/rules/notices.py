"""Notices (通知) as plain rules: reading `通知 [紧急] <范围> <内容> [定时 …]`, who may send to a
scope, families out of guardian links, when a notice may leave (quiet hours)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_CHARS = 1000
MINE, SCHOOL = "本班", "全校"
HOMEROOM, OFFICE, PRINCIPAL = "班主任", "政教处", "校长"
SENDERS = frozenset({HOMEROOM, OFFICE, PRINCIPAL})
ANY_SCOPE = frozenset({OFFICE, PRINCIPAL})  # may send to any scope, and 紧急
URGENT = "紧急"


class NoticeInputError(ValueError):
    """What the sender wrote cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class ClassRef:
    id: int
    grade: str
    label: str  # 初一(1)班


@dataclass(frozen=True)
class Scope:
    label: str  # as the echo shows it
    class_ids: tuple[int, ...]


@dataclass(frozen=True)
class Command:
    """`通知 …` read: any part may be missing (the guided form asks for it)."""

    urgent: bool
    scope_word: str  # "" when none was given
    content: str
    when: str  # the words after 定时, "" when none


_WHEN = re.compile(r"\s+定时\s*(\S+(?:[ \t]*\d{1,2}[:：点]\d{0,2}分?)?)\s*$")
_CLASS_SHAPE = re.compile(r"\S+?\(?\d+\)?班")


def read_command(args: str) -> Command:
    """Split `[紧急] <范围> <内容> [定时 明天07:30]` into its parts (no roster needed)."""
    text = args.strip().replace("\u3000", " ")
    urgent = False
    if text.startswith(URGENT):
        urgent, text = True, text[len(URGENT):].strip()
    when = ""
    match = _WHEN.search(text)
    if match:
        when, text = match.group(1).strip(), text[:match.start()].strip()
    word, _, rest = re.sub(r"^(\S+)\s+", r"\1\n", text, count=1).partition("\n")
    return Command(urgent, unicodedata.normalize("NFKC", word), rest.strip(), when)


def _fold(label: str) -> str:
    return unicodedata.normalize("NFKC", label).replace("(", "").replace(")", "")


def resolve_scope(word: str, classes: Sequence[ClassRef], own: Sequence[int]) -> Scope | None:
    """The scope a word names: 本班 (the sender's own classes), a class, a grade, 全校; None
    when no class or grade of the school is called so."""
    if word == MINE:
        mine = [c for c in classes if c.id in own]
        return Scope("、".join(c.label for c in mine), tuple(c.id for c in mine)) if mine else None
    if word == SCHOOL:
        return Scope(SCHOOL, tuple(c.id for c in classes))
    folded = _fold(word)
    for c in classes:
        if _fold(c.label) == folded or _fold(c.label) == folded + "班":
            return Scope(c.label, (c.id,))
    grade = [c for c in classes if c.grade == word or c.grade == word.removesuffix("年级")]
    if grade:
        return Scope(grade[0].grade, tuple(c.id for c in grade))
    return None


def refusal(roles: frozenset[str], own: Sequence[int], scope: Scope, urgent: bool) -> str | None:
    """Why this sender may not send to this scope, or None when they may."""
    if roles.isdisjoint(SENDERS):
        return "抱歉，只有班主任、政教处和校长可以发送通知。"
    if urgent and roles.isdisjoint(ANY_SCOPE):
        return "抱歉，紧急通知只能由政教处或校长发送。"
    if not roles.isdisjoint(ANY_SCOPE):
        return None
    if not scope.class_ids or not set(scope.class_ids) <= set(own):
        return f"抱歉，您只能向自己担任班主任的班级发送通知，不能发往「{scope.label}」。"
    return None


def check_content(content: str) -> str | None:
    """Why the text cannot go out, or None."""
    if not content:
        return "请写上通知内容。"
    if len(content) > MAX_CHARS:
        return f"通知内容最多{MAX_CHARS}字，这条有{len(content)}字，请精简后再发。"
    return None


_DAY_WORDS = {"今天": 0, "明天": 1, "后天": 2}
_WHEN_PARTS = re.compile(
    r"(?:(今天|明天|后天)|(\d{1,2})月(\d{1,2})[日号])?\s*(\d{1,2})[:：点](\d{2})?分?")


def read_when(words: str, now_local: datetime) -> datetime:
    """`明天07:30`, `今天 16:00`, `12月3日8点`: a local moment in the future."""
    match = _WHEN_PARTS.fullmatch(words.strip())
    if match is None:
        raise NoticeInputError("没看懂定时的时间，例如：定时 明天07:30、定时 12月3日08:00。")
    day_word, month, mday, hour, minute = match.groups()
    today = now_local.date()
    try:
        if month:
            day = date(today.year, int(month), int(mday))
            if day < today:
                day = date(today.year + 1, int(month), int(mday))
        else:
            day = today + timedelta(days=_DAY_WORDS.get(day_word or "今天", 0))
        at = datetime.combine(day, time(int(hour), int(minute or 0)), now_local.tzinfo)
    except ValueError:
        raise NoticeInputError("定时的日期或时间不存在，请检查后再发。") from None
    if at <= now_local:
        raise NoticeInputError("定时的时间已经过去了，请写一个将来的时间。")
    if at > now_local + timedelta(days=30):
        raise NoticeInputError("定时最多可以安排在30天以内。")
    return at


def in_quiet_hours(at: time, start: time, end: time) -> bool:
    """Whether a local time falls in the quiet hours [start, end) (which may span midnight)."""
    if start == end:
        return False
    return start <= at < end if start < end else at >= start or at < end


def leave_at(wanted_local: datetime, start: time, end: time, urgent: bool) -> datetime:
    """When a notice wanted at `wanted_local` may leave: at once, or at the end of quiet hours
    (urgent ones at once)."""
    if urgent or not in_quiet_hours(wanted_local.time(), start, end):
        return wanted_local
    day = wanted_local.date()
    if wanted_local.time() >= end:
        day += timedelta(days=1)
    return datetime.combine(day, end, wanted_local.tzinfo)


@dataclass(frozen=True)
class Family:
    key: str  # the first guardian's userid
    guardians: tuple[str, ...]
    student_ids: tuple[int, ...]


def families(links: Iterable[tuple[int, str]]) -> list[Family]:
    """Households from (student id, guardian userid) links: guardians who share a child are one
    family, and so are a guardian's children (two children, one family)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = list(links)
    for student_id, userid in pairs:
        a, b = find(f"s{student_id}"), find(f"g{userid}")
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, tuple[set[str], set[int]]] = {}
    for student_id, userid in pairs:
        root = find(f"s{student_id}")
        guardians, students = groups.setdefault(root, (set(), set()))
        guardians.add(userid)
        students.add(student_id)
    out = [Family(min(g), tuple(sorted(g)), tuple(sorted(s))) for g, s in groups.values()]
    return sorted(out, key=lambda f: f.student_ids)
