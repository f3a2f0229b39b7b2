"""Chinese numerals as people type them in dates: 三, 两, 十一, 二十三, 三十一, 二零二六."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_RUN = re.compile("[零〇一二两三四五六七八九十百]+")


def cn_to_int(text: str) -> int | None:
    """The value of one run of Chinese numerals, below 1000; None if it is not a number.

    A run without 十/百 of four digits is read digit by digit (二零二六 → 2026); other
    multi-digit runs without 十/百 (一二) are refused rather than guessed.
    """
    if not text or any(c not in _DIGITS and c not in "十百" for c in text):
        return None
    if "十" not in text and "百" not in text:
        if len(text) == 1:
            return _DIGITS[text]
        if len(text) == 4:
            return int("".join(str(_DIGITS[c]) for c in text))
        return None
    value, digit, last_unit = 0, None, 1000
    for c in text:
        if c in "十百":
            unit = 10 if c == "十" else 100
            if unit >= last_unit or (digit is None and unit == 100):
                return None  # 十十, 十百, 百 alone
            value += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif _DIGITS[c] == 0:
            if digit is not None:
                return None
        elif digit is not None:
            return None  # 三三十
        else:
            digit = _DIGITS[c]
    return value + (digit or 0)


def replace_cn_numbers(text: str) -> str:
    """Each run of Chinese numerals as Arabic digits; ValueError on a run that is not a number."""

    def one(m: re.Match[str]) -> str:
        value = cn_to_int(m.group())
        if value is None:
            raise ValueError(m.group())
        return str(value)

    return _RUN.sub(one, text)
