"""How a notice reads: the parts parents receive, and the lines its sender reads."""

from __future__ import annotations

from datetime import datetime, tzinfo

from models.messages import Button, ButtonCard, Image, Reply, Text
from models.notice import Notice, NoticeFamily
from models.repos.notices import Counts
from models.rules.channel import (
    CARD_PAGES,
    NEWS_DESCRIPTION_MAX_BYTES,
    NEWS_TITLE_MAX_BYTES,
    SchoolNotice,
)
from models.rules.textparts import split_text

ACK = "notice_ack:"  # the 收到 button's key: ACK + the notice's id
RECEIPTS = "notice_receipts:"  # the sender's 回执 button: RECEIPTS + the notice's number
WEEKDAYS = "一二三四五六日"


def when(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local.month}月{local.day}日(周{WEEKDAYS[local.weekday()]}){local:%H:%M}"


def as_parents_see(number: int, content: str, sender_name: str, urgent: bool) -> str:
    head = f"【紧急通知 通知{number}】" if urgent else f"【学校通知 通知{number}】"
    return (f"{head}\n{content}\n——{sender_name}\n"
            f"请点按卡片上的「收到」，或回复「收到 {number}」确认。")


def task_id(notice: Notice, first_row_id: int) -> str:
    return f"notice-{notice.school_id}-{notice.id}-{first_row_id}"


def parts(notice: Notice, sender_name: str, first_row_id: int) -> list[Reply]:
    """What each guardian receives, in order: the text (in numbered parts when it is longer than
    WeCom's 2,048 bytes: 1,000 characters of Chinese are about 3,000), the image if any, the
    收到 card."""
    text = as_parents_see(notice.number, notice.content, sender_name, notice.urgent)
    out: list[Reply] = [Text(part) for part in split_text(text)]
    if notice.image_media_id:
        out.append(Image(notice.image_media_id))
    excerpt = notice.content if len(notice.content) <= 40 else notice.content[:39] + "…"
    out.append(ButtonCard(
        task_id=task_id(notice, first_row_id), title=f"通知{notice.number} 请确认收到",
        description=excerpt, fields=(("发送人", sender_name), ("范围", notice.scope[:30])),
        buttons=(Button(f"{ACK}{notice.id}", "收到"),)))
    return out


def page_path(number: int) -> str:
    """The notice's page (/h5/notices/12): where a 家校 parent reads it and taps 收到."""
    return CARD_PAGES["notice"].format(id=number)


def as_news(notice: Notice, sender_name: str, public_url: str) -> SchoolNotice:
    """What a 家校 parent receives (学校通知 carries no card): one news item, its title the
    notice's number and first words, a short description, the link to the notice's page (which
    shows the whole text, the image if any, and the 收到 button)."""
    head = "紧急通知" if notice.urgent else "学校通知"
    first = notice.content.strip().splitlines()[0] if notice.content.strip() else ""
    title = _fit(f"【{head}】通知{notice.number}：{first}", NEWS_TITLE_MAX_BYTES)
    tail = f"\n——{sender_name}\n点开查看全文，并点按「收到」确认。"
    room = NEWS_DESCRIPTION_MAX_BYTES - len(tail.encode("utf-8"))
    excerpt = notice.content if len(notice.content) <= 60 else notice.content[:59] + "…"
    description = _fit(excerpt, room) + tail
    return SchoolNotice("news", title=title, description=description,
                        url=public_url.rstrip("/") + page_path(notice.number))


def _fit(text: str, max_bytes: int) -> str:
    """`text` within `max_bytes` of UTF-8, ending with … when cut."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    while len((text + "…").encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text + "…"


def sender_card(notice: Notice) -> ButtonCard:
    """The sender's card: its button shows the receipts (as `回执 12` does), as often as asked."""
    return ButtonCard(
        task_id=f"notice-sender-{notice.school_id}-{notice.id}", title=f"通知{notice.number}",
        description="点按「查看回执」了解家长确认情况。", fields=(("范围", notice.scope[:30]),),
        buttons=(Button(f"{RECEIPTS}{notice.number}", "查看回执"),))


def state(notice: Notice, tz: tzinfo) -> str:
    if notice.status == "recalled":
        return "已撤回"
    if notice.sent_at is None:
        return f"定时 {when(notice.send_at, tz)}"
    return f"{when(notice.sent_at, tz)}发出"


def counts_line(counts: Counts | None) -> str:
    counts = counts or Counts(0, 0)
    return f"已收到 {counts.confirmed}/{counts.families}"


def by_class(families: list[NoticeFamily], *, limit: int | None = None) -> list[str]:
    """Unconfirmed families by class: 初一(1)班（2户）：刘洋家、黄欣怡家. With `limit`, at most
    that many names a class (…等N户); without, every name, ten to a line, so that a long list
    splits into messages between lines."""
    classes: dict[str, list[str]] = {}
    for family in families:
        classes.setdefault(family.class_label, []).append(f"{family.students}家")
    lines = []
    for label, names in classes.items():
        head = f"{label}（{len(names)}户）："
        if limit is not None:
            shown = "、".join(names[:limit]) + (f"…等{len(names)}户" if len(names) > limit else "")
            lines.append(head + shown)
            continue
        rows = ["、".join(names[i:i + 10]) for i in range(0, len(names), 10)]
        lines.append(head + rows[0])
        lines += rows[1:]
    return lines
