"""What a notice's page shows (/h5/notices/12) and to whom; the viewer's notices of 30 days.

A guardian the notice reached (in their own channel: a member, or a 家校 parent whose id lives in
the 家校通讯录) reads it and may tap 收到; its sender, and 政教处 / 校长, read it with its
receipt count. Anyone else gets nothing: the page refuses without saying whether it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from models.notice import Notice, NoticeRecipient
from models.rules.notices import ANY_SCOPE
from services.actor import Actor
from services.notices.channels import MEMBER
from services.notices.desk import NoticeDesk
from services.notices.lists import PARENT_DAYS
from services.notices.views import counts_line, when


@dataclass(frozen=True)
class NoticePage:
    number: int
    content: str
    sender: str
    scope: str
    sent: str  # 11月26日(周四)08:05, or when it is due
    urgent: bool
    recalled: bool
    has_image: bool
    recipient: bool  # the viewer is one of its guardians (the 收到 button is theirs)
    confirmed: bool  # their family has confirmed it (by them or the other guardian)
    counts: str  # 已收到 3/3, for its sender and the office; "" for a guardian


@dataclass(frozen=True)
class NoticeRow:
    number: int
    sent: str
    excerpt: str
    state: str  # 已撤回 / 已确认 / 未确认


async def _readable(desk: NoticeDesk, viewer: Actor, channel: str,
                    number: int) -> tuple[Notice, NoticeRecipient | None, bool] | None:
    """(the notice, the viewer's row if it reached them, whether they read it as staff), or
    None when they may not read it."""
    notice = await desk.notices.by_number(number)
    if notice is None:
        return None
    recipient = await desk.notices.recipient(notice.id, viewer.userid, channel)
    if recipient is not None and recipient.stage == 0:
        recipient = None  # not delivered yet: nothing to read
    staff = channel == MEMBER and (notice.sender == viewer.userid
                                   or not viewer.roles.isdisjoint(ANY_SCOPE))
    if recipient is None and not staff:
        return None
    return notice, recipient, staff


async def notice_image(desk: NoticeDesk, viewer: Actor, channel: str,
                       number: int) -> str | None:
    """The media id of the notice's image, if this viewer may read the notice and it has one."""
    found = await _readable(desk, viewer, channel, number)
    if found is None or found[0].status == "recalled":
        return None
    return found[0].image_media_id


async def notice_page(desk: NoticeDesk, viewer: Actor, channel: str,
                      number: int) -> NoticePage | None:
    """The notice as this viewer may see it, or None (not theirs, or no such notice)."""
    found = await _readable(desk, viewer, channel, number)
    if found is None:
        return None
    notice, recipient, staff = found
    confirmed = False
    if recipient is not None:
        family = await desk.notices.family(recipient.family_id)
        confirmed = family is not None and family.confirmed_at is not None
    counts = ""
    if staff:
        counts = counts_line((await desk.notices.counts([notice.id])).get(notice.id))
    sender = await desk.roster.display_name(notice.sender) or "学校"
    return NoticePage(
        number=notice.number, content=notice.content, sender=sender, scope=notice.scope,
        sent=_sent(notice, desk), urgent=notice.urgent, recalled=notice.status == "recalled",
        has_image=bool(notice.image_media_id), recipient=recipient is not None,
        confirmed=confirmed, counts=counts)


async def recent(desk: NoticeDesk, viewer: Actor, channel: str) -> list[NoticeRow]:
    """The viewer's notices of the last 30 days, newest first, with their state."""
    since = desk.now - timedelta(days=PARENT_DAYS)
    rows = []
    for notice, confirmed in await desk.notices.received_by(viewer.userid, since, channel):
        state = ("已撤回" if notice.status == "recalled"
                 else "已确认" if confirmed else "未确认")
        excerpt = notice.content[:40] + ("…" if len(notice.content) > 40 else "")
        rows.append(NoticeRow(notice.number, _sent(notice, desk), excerpt, state))
    return rows


def _sent(notice: Notice, desk: NoticeDesk) -> str:
    return when(notice.sent_at or notice.send_at, desk.tz)
