"""How people name classes (初一(3)班) and the order they list them in: by grade (一年级 … 初一 …
高三), then (2) before (10)."""

from __future__ import annotations

import re

from models.rules.cn_numbers import cn_to_int

_STAGES = {"": 0, "小": 0, "初": 6, "高": 9}
_GRADE = re.compile(r"(小|初|高)?([一二三四五六七八九十]+|\d+)(?:年级)?")
_DIGITS = re.compile(r"(\d+)")


def class_label(grade: str, name: str) -> str:
    """The class's name as people say it: 年级 + 班级 (初一 + (3)班 → 初一(3)班), or 班级 alone when
    it already starts with the 年级. The one place this rule is written."""
    return name if name.startswith(grade) else f"{grade}{name}"


def grade_number(grade: str) -> int | None:
    """一年级 → 1, 初一 and 七年级 → 7, 高三 → 12; None for a grade not written that way."""
    match = _GRADE.fullmatch(grade)
    if match is None:
        return None
    stage, number = match.group(1) or "", match.group(2)
    value = int(number) if number.isdigit() else cn_to_int(number)
    return None if value is None else _STAGES[stage] + value


def class_order(grade: str, name: str) -> tuple[int, str, tuple[tuple[int, str], ...]]:
    """A sort key: known grades in school order, unknown ones after them, then the class name
    with its numbers compared as numbers."""
    number = grade_number(grade)
    parts = tuple((int(p), "") if p.isdigit() else (-1, p) for p in _DIGITS.split(name) if p)
    return (number if number is not None else 1000, grade, parts)
