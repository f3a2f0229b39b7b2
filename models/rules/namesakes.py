"""Students of the same name told apart by their 学籍号's tail: "王磊(…0012) 还是 王磊(…0031)？",
and the answer read back ("0012", "…0031", "王磊(…0012)", or the option's number)."""

from __future__ import annotations

import re

MIN_TAIL = 4


def tails(numbers: list[str]) -> list[str]:
    """The shortest common tail length (at least MIN_TAIL) that tells every number apart."""
    longest = max((len(n) for n in numbers), default=0)
    for length in range(MIN_TAIL, longest + 1):
        shown = [n[-length:] for n in numbers]
        if len(set(shown)) == len(shown):
            return shown
    return list(numbers)


def question(name: str, numbers: list[str]) -> str:
    """"王磊(…0012) 还是 王磊(…0031)？\""""
    return " 还是 ".join(f"{name}(…{tail})" for tail in tails(numbers)) + "？"


_TAIL = re.compile(r"([0-9A-Za-z]+)\s*[)）]?\s*[?？。.]?$")


def pick(answer: str, numbers: list[str]) -> int | None:
    """The index of the number the answer names: its tail (any length that is unique), or the
    option's place (1, 2 …); None when it names none or more than one."""
    text = answer.strip()
    if text.isdigit() and len(text) < MIN_TAIL and 1 <= int(text) <= len(numbers):
        return int(text) - 1
    match = _TAIL.search(text)
    if match is None:
        return None
    tail = match.group(1).upper()
    found = [i for i, n in enumerate(numbers) if n.upper().endswith(tail)]
    return found[0] if len(found) == 1 else None
