"""One chat text's byte budget (WeCom's 2,048 bytes): lists paged, echoes of input shortened.

The outbox still splits anything too long (models/rules/textparts.py), but what the bot writes
is made to fit first: a list shows a page and says how to ask for the next one, a user's own
words are echoed back shortened, a long history keeps its latest steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.rules.textparts import TEXT_MAX_BYTES, size

ELLIPSIS = "…"
ECHO_BYTES = 300  # a user's own words echoed back (a reason, a name): at most this, then "…"
MORE = "还有 {left} 条，回复「{command} {next}」查看"
_MORE_ROOM = size(MORE.format(left=99999, command="", next=99999))


def clip(text: str, max_bytes: int = ECHO_BYTES) -> str:
    """`text` itself when it fits in `max_bytes` (UTF-8), else its start and "…" within them."""
    if size(text) <= max_bytes:
        return text
    room = max_bytes - size(ELLIPSIS)
    cut = len(text.encode("utf-8")[:max(room, 0)].decode("utf-8", errors="ignore"))
    return text[:cut] + ELLIPSIS


@dataclass(frozen=True)
class Page:
    """One page of a list as sent: its text, its number and how many pages there are."""

    text: str
    number: int
    total: int


def paged(entries: list[str], number: int, *, header: str, footer: str, command: str,
          budget: int = TEXT_MAX_BYTES) -> Page | None:
    """Page `number` (from 1) of `entries` under `header`, with `footer` and, when more follow,
    "还有 N 条，回复「command N+1」查看"; None when there is no such page.

    Entries are whole lines (or groups of lines) kept together; one longer than a page on its own
    is clipped. Every page fits `budget` bytes.
    """
    fixed = size(header) + size(footer) + size(command) + _MORE_ROOM + 3  # three line breaks
    room = max(budget - fixed, 16)
    pages: list[list[str]] = [[]]
    used = 0
    for entry in entries:
        entry = clip(entry, room)
        cost = size(entry) + 1
        if pages[-1] and used + cost > room:
            pages.append([])
            used = 0
        pages[-1].append(entry)
        used += cost
    if number < 1 or number > len(pages) or not pages[0]:
        return None
    shown = pages[number - 1]
    left = sum(len(p) for p in pages[number:])
    lines = [header, *shown]
    if left:
        lines.append(MORE.format(left=left, command=command, next=number + 1))
    if footer:
        lines.append(footer)
    return Page("\n".join(lines), number, len(pages))


def latest_that_fit(head: list[str], steps: list[str], *, budget: int = TEXT_MAX_BYTES,
                    omitted: str = "  （较早的{n}条记录从略）") -> list[str]:
    """`head` then as many of the latest `steps` as fit in `budget` bytes, in order; a line
    says how many earlier ones were left out."""
    head = [clip(line, budget // 2) for line in head]
    room = budget - size("\n".join(head)) - size(omitted.format(n=99999)) - 2
    kept: list[str] = []
    for step in reversed(steps):
        cost = size(step) + 1
        if cost > room:
            break
        kept.insert(0, step)
        room -= cost
    dropped = len(steps) - len(kept)
    return head + ([omitted.format(n=dropped)] if dropped else []) + kept
