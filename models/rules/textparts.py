"""Texts within WeCom's 2,048 bytes: a long one split into numbered parts, short ones gathered."""

from __future__ import annotations

TEXT_MAX_BYTES = 2048  # message/send: text and markdown content; WeCom cuts the rest
GATHER_SEPARATOR = "\n\n"


def size(text: str) -> int:
    """Bytes as WeCom counts them (UTF-8)."""
    return len(text.encode("utf-8"))


def split_text(content: str, limit: int = TEXT_MAX_BYTES) -> list[str]:
    """`content` as it fits: itself, or parts headed "（1/3）" split at line boundaries.

    A single line longer than a part is split between characters; nothing is ever dropped.
    """
    if size(content) <= limit:
        return [content]
    room = limit - size("（99/99）\n")
    chunks: list[str] = []
    current = ""
    for line in _pieces(content, room):
        joined = f"{current}\n{line}" if current else line
        if current and size(joined) > room:
            chunks.append(current)
            joined = line
        current = joined
    chunks.append(current)
    return [f"（{i}/{len(chunks)}）\n{chunk}" for i, chunk in enumerate(chunks, 1)]


def _pieces(content: str, room: int) -> list[str]:
    """The lines of `content`, each longer than `room` bytes split between characters."""
    out: list[str] = []
    for line in content.split("\n"):
        while size(line) > room:
            cut = room
            while size(line[:cut]) > room:
                cut -= max(1, (size(line[:cut]) - room) // 4)
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def gather(contents: list[str], limit: int = TEXT_MAX_BYTES) -> int:
    """How many of `contents`, from the first, fit together in one text (at least one)."""
    total = size(contents[0]) if contents else 0
    count = 1
    for content in contents[1:]:
        total += size(GATHER_SEPARATOR) + size(content)
        if total > limit:
            break
        count += 1
    return min(count, len(contents))


def joined(contents: list[str]) -> str:
    """The gathered text of several messages to one person."""
    return GATHER_SEPARATOR.join(contents)
