"""How a guardian is reached: as a WeCom member (chat, cards) or as a 家校 parent (学校通知).

A 家校 parent lives in the 家校通讯录 and reads the school's messages in WeChat, where a self-built
app reaches them only by 学校通知 (`externalcontact/message/send`): a text, or a news item whose
link opens one of our pages. `school_notice` turns any reply the service queues into that form,
so the services write one message for every parent and the outbox picks the channel per guardian.
Pure: plain values in, plain values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from models.messages import ButtonCard, CardUpdate, Image, Markdown, Reply, Text

MEMBER_CHANNEL = "企业微信"
FAMILY_CHANNEL = "家校"
CHANNELS = (MEMBER_CHANNEL, FAMILY_CHANNEL)

# 学校通知's documented limits (text as message/send; a news article's fields in bytes).
TEXT_MAX_BYTES = 2048
NEWS_TITLE_MAX_BYTES = 128
NEWS_DESCRIPTION_MAX_BYTES = 512
NEWS_URL_MAX_BYTES = 2048

LEAVES_PAGE = "/h5/leaves"
NEW_LEAVE_PAGE = "/h5/leave/new"
DEFAULT_TITLE = "学校通知"

# A card's page for a 家校 parent, by the first word of its task_id ("notice-12-p1" → 12).
# Cards themselves never go to 家校 parents; the news item opens the page that does the card's work.
CARD_PAGES: dict[str, str] = {"notice": "/h5/notices/{id}"}

_LEAVE_NO = re.compile(r"单号\s*(\d+)")
_SENTENCE = re.compile(r"[。！？!?]")
_CLAUSE = re.compile(r"[：:，,；;]")
_URL = re.compile(r"https?://[^\s<>\"'，。）)]+")


@dataclass(frozen=True)
class SchoolNotice:
    """One 学校通知: `kind` "text" (content) or "news" (title, description, url)."""

    kind: Literal["text", "news"]
    content: str = ""
    title: str = ""
    description: str = ""
    url: str = ""


def school_notice(reply: Reply, public_url: str) -> SchoolNotice | None:
    """What a 家校 parent gets instead of `reply`; None when there is nothing to send them.

    A text that links one of our pages (under `public_url`/h5/) becomes a news item opening it,
    the link's line left out of the description; one about a leave (单号) opens the leave list,
    one about 旷课 the leave form (补假); others stay texts. A card becomes a news item opening
    its page (CARD_PAGES); a card update has no card to update (its fallback text, if any, goes).
    """
    base = public_url.rstrip("/")
    if isinstance(reply, CardUpdate):
        return _from_text(reply.fallback, base) if reply.fallback else None
    if isinstance(reply, ButtonCard):
        lines = [reply.description, *(f"{k}：{v}" for k, v in reply.fields)]
        return _news(reply.title, "\n".join(x for x in lines if x), base + card_page(reply))
    if isinstance(reply, Text | Markdown):
        return _from_text(reply.content, base)
    if isinstance(reply, Image):
        return SchoolNotice("text", content="（一张图片：学校通知无法转发图片，请联系老师查看。）")
    return None


def card_page(card: ButtonCard) -> str:
    """The page that does a card's work for a 家校 parent (the home page if none is known)."""
    head, _, rest = card.task_id.partition("-")
    template = CARD_PAGES.get(head)
    number = rest.split("-", 1)[0]
    if template is None or not number.isdigit():
        return "/h5/"
    return template.format(id=number)


def _from_text(content: str, base: str) -> SchoolNotice:
    link = next((u for u in _URL.findall(content) if u.startswith(base + "/h5/")), None)
    if link is not None:
        lines = [line for line in content.splitlines() if link not in line]
    else:
        lines = content.splitlines()
        if _LEAVE_NO.search(content):
            link = base + LEAVES_PAGE
        elif "旷课" in content:
            link = base + NEW_LEAVE_PAGE
    if link is None:
        return SchoolNotice("text", content=content)
    first, rest = (lines[0], lines[1:]) if lines else (DEFAULT_TITLE, [])
    notice = _news(first, "\n".join(rest), link)
    if notice.kind == "text":  # too long for a news item: the whole text with its link
        return _text(content, "" if link in content else link)
    return notice


def _news(title: str, description: str, url: str) -> SchoolNotice:
    """A news item within the limits; a title too long moves into the description (its first
    clause, if short enough, stays as the title); a description too long leaves a text."""
    if _size(title) > NEWS_TITLE_MAX_BYTES:
        title, description = _short_title(title), f"{title}\n{description}".strip()
    if _size(description) > NEWS_DESCRIPTION_MAX_BYTES or _size(url) > NEWS_URL_MAX_BYTES:
        return _text(f"{title}\n{description}".strip(), url)
    return SchoolNotice("news", title=title or DEFAULT_TITLE, description=description, url=url)


def _short_title(line: str) -> str:
    """A line's first sentence, else its first clause, if short enough for a title."""
    for pattern in (_SENTENCE, _CLAUSE):
        head = pattern.split(line, maxsplit=1)[0]
        if head and head != line:
            head += line[len(head)] if pattern is _SENTENCE else ""
            if _size(head) <= NEWS_TITLE_MAX_BYTES:
                return head
    return DEFAULT_TITLE


def _text(content: str, link: str) -> SchoolNotice:
    """A text with the link on its last line, when both fit in one 学校通知 (the outbox has
    already split anything longer into parts); else the text alone."""
    joined = f"{content}\n{link}" if link else content
    return SchoolNotice("text", content=joined if _size(joined) <= TEXT_MAX_BYTES else content)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
