"""收到 by card or text, 回执 for the sender, 提醒, the automatic chase and the morning summary."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.messages import CardUpdate, Reply, Text
from models.notice import Notice, NoticeRecipient
from models.rules.notices import ANY_SCOPE, in_quiet_hours
from services.actor import Actor
from services.notices.channels import FAMILY, MEMBER, roster_channel
from services.notices.desk import NoticeDesk
from services.notices.views import by_class, counts_line, page_path, state, when

REMIND_EVERY = timedelta(hours=1)
SHOWN_PER_CLASS = 20  # 回执 names this many families a class; 「回执 12 未读」 all of them
RECEIVED = "已收到"


async def confirm_click(desk: NoticeDesk, userid: str, notice_id: int,
                        response_code: str) -> list[Reply]:
    """A 收到 click: the card turns to 已收到 for this guardian (their own code); someone the
    notice did not go to changes nothing."""
    notice = await desk.notices.get(notice_id)
    # a chat sender is a member: a 家校 parent with the same id is someone else
    recipient = await desk.notices.recipient(notice_id, userid, MEMBER) if notice else None
    if notice is None or recipient is None or recipient.stage == 0:
        return [Text("这条通知不是发给您的。")]
    if notice.status == "recalled":
        return [CardUpdate("已撤回", response_code=response_code)]
    first = recipient.confirmed_at is None
    await desk.notices.confirm(recipient, desk.now, response_code)
    if first:
        desk.audit.record(actor=userid, action="confirm", entity="notice", entity_id=notice.id,
                          at=desk.now, after={"number": notice.number, "by": "card"})
    return [CardUpdate(RECEIVED, response_code=response_code)]


async def confirm_text(desk: NoticeDesk, userid: str, number: int | None) -> str:
    """`收到` (the latest unconfirmed notice) or `收到 12`."""
    if number is None:
        notice = await desk.notices.latest_unconfirmed_for(userid, MEMBER)
        if notice is None:
            return "您没有待确认的通知。"
    else:
        found = await desk.notices.by_number(number)
        notice = found if found and found.status == "active" else None
    recipient = await desk.notices.recipient(notice.id, userid, MEMBER) if notice else None
    if notice is None or recipient is None or recipient.stage == 0:
        return f"没有找到发给您的通知{number}。发送「我的通知」查看。"
    return await _receive(desk, notice, recipient, "text")


async def confirm_on_page(desk: NoticeDesk, userid: str, channel: str,
                          number: int) -> str | None:
    """收到 on the notice's page (/h5/notices/12), as the chat's `收到 12` records it; None when
    the notice did not reach this viewer (the page refuses without saying more)."""
    notice = await desk.notices.by_number(number)
    recipient = await desk.notices.recipient(notice.id, userid, channel) if notice else None
    if notice is None or recipient is None or recipient.stage == 0:
        return None
    if notice.status != "active":
        return f"通知{notice.number}已撤回，无需确认。"
    return await _receive(desk, notice, recipient, "page")


async def _receive(desk: NoticeDesk, notice: Notice, recipient: NoticeRecipient,
                   by: str) -> str:
    """A guardian's 收到 by text or on the page: their row and their family, audited once."""
    if recipient.confirmed_at is not None:
        return f"通知{notice.number}您已确认收到，谢谢。"
    await desk.notices.confirm(recipient, desk.now, None)
    desk.audit.record(actor=recipient.userid, action="confirm", entity="notice",
                      entity_id=notice.id, at=desk.now,
                      after={"number": notice.number, "by": by})
    return f"已确认收到通知{notice.number}，谢谢。"


async def own_notice(desk: NoticeDesk, user: Actor, number: int) -> Notice | str:
    """The sender's notice (政教处 and 校长 may read any), or why not."""
    notice = await desk.notices.by_number(number)
    if notice is None or (notice.sender != user.userid and user.roles.isdisjoint(ANY_SCOPE)):
        return f"没有找到您发出的通知{number}。发送「通知列表」查看。"
    return notice


async def receipts(desk: NoticeDesk, user: Actor, number: int, *, unread_only: bool = False) -> str:
    """回执 12: 已收到 41/45, the families not yet confirmed by class, the last chase."""
    notice = await own_notice(desk, user, number)
    if isinstance(notice, str):
        return notice
    counts = (await desk.notices.counts([notice.id])).get(notice.id)
    lines = [f"通知{notice.number}（{notice.scope}，{state(notice, desk.tz)}）",
             counts_line(counts)]
    missing = await desk.notices.unconfirmed(notice.id)
    shown = None if unread_only else SHOWN_PER_CLASS
    if notice.sent_at is not None and missing:
        lines.append("未确认：")
        lines += by_class(missing, limit=shown)
        if not unread_only and any(len(line) > 0 and "…等" in line for line in lines):
            lines.append(f"发送「回执 {notice.number} 未读」查看全部未确认的家庭。")
    elif notice.sent_at is not None:
        lines.append("所有家庭都已确认收到。")
    chased = max((t for t in (notice.chased_at, notice.reminded_at) if t), default=None)
    if chased is not None:
        lines.append(f"最近一次提醒：{when(chased, desk.tz)}")
    if not unread_only and missing and notice.sent_at is not None:
        lines.append(f"发送「提醒 {notice.number}」可再提醒未确认的家长（每小时一次）。")
    return "\n".join(lines)


def _quiet(desk: NoticeDesk) -> bool:
    cfg = desk.config.notices
    return in_quiet_hours(desk.local_now.time(), cfg.quiet_start, cfg.quiet_end)


async def chase(desk: NoticeDesk, notice: Notice, why: str) -> int:
    """A reminder to each guardian of the families that have not confirmed; how many."""
    users = await desk.notices.unconfirmed_recipients(notice.id)
    head = (f"提醒：{why}通知{notice.number}您还没有确认收到：\n"
            f"{notice.content[:60]}{'…' if len(notice.content) > 60 else ''}\n")
    texts = {MEMBER: f"{head}请回复「收到 {notice.number}」确认。",
             # a 学校通知 cannot be answered: its link (a news item) opens the page with 收到
             FAMILY: (f"{head}请点开查看并确认收到：\n"
                      f"{desk.config.server.public_url.rstrip('/')}{page_path(notice.number)}")}
    stamp = int(desk.now.timestamp())
    for userid, channel in users:
        desk.notify.send(userid, texts.get(channel, texts[MEMBER]),
                         key=f"notice-chase:{notice.id}:{stamp}:{userid}"[:120],
                         channel=roster_channel(channel))
    return len(users)


async def remind(desk: NoticeDesk, user: Actor, number: int) -> str:
    """提醒 12: the sender chases the unconfirmed, at most once an hour, not in quiet hours."""
    notice = await own_notice(desk, user, number)
    if isinstance(notice, str):
        return notice
    if notice.status != "active" or notice.sent_at is None:
        return f"通知{notice.number}还没有发出或已撤回，无需提醒。"
    last = max((t for t in (notice.chased_at, notice.reminded_at) if t), default=None)
    if last is not None and desk.now - last < REMIND_EVERY:
        return (f"通知{notice.number}在{when(last, desk.tz)}刚提醒过，"
                f"请在{when(last + REMIND_EVERY, desk.tz)}之后再提醒。")
    if _quiet(desk) and not notice.urgent:
        return "现在是休息时间，请明早再提醒。"
    count = await chase(desk, notice, "")
    if count == 0:
        return f"通知{notice.number}所有家庭都已确认收到，无需提醒。"
    notice.reminded_at = desk.now
    desk.record(user.userid, "remind", notice, note=f"{count} guardians")
    return f"已提醒{count}位未确认的家长。"


async def chase_due(desk: NoticeDesk) -> int:
    """The automatic chase: notices out for `chase_after_hours`, once, in waking hours."""
    if _quiet(desk):
        return 0
    hours = desk.config.notices.chase_after_hours
    chased = 0
    for notice in await desk.notices.to_chase(desk.now - timedelta(hours=hours)):
        notice.chased_at = desk.now
        count = await chase(desk, notice, "")
        desk.record("system:notices", "chase", notice, note=f"{count} guardians")
        chased += count
    return chased


async def summarise(desk: NoticeDesk) -> int:
    """The next morning: each sender hears, in one message, what is still unconfirmed."""
    midnight = datetime.combine(desk.today, datetime.min.time(), desk.tz)
    notices = await desk.notices.to_summarise(midnight, midnight - timedelta(days=3))
    counts = await desk.notices.counts([n.id for n in notices])
    by_sender: dict[str, list[str]] = {}
    for notice in notices:
        notice.summary_at = desk.now
        got = counts.get(notice.id)
        if got is None or got.confirmed >= got.families:
            continue
        lines = [f"通知{notice.number}（{notice.scope}）{counts_line(got)}"]
        lines += by_class(await desk.notices.unconfirmed(notice.id), limit=SHOWN_PER_CLASS)
        by_sender.setdefault(notice.sender, []).extend(lines)
    for sender, lines in by_sender.items():
        desk.notify.send(sender, "昨天及以前的通知仍有家长未确认：\n" + "\n".join(lines),
                         key=f"notice-summary:{desk.today.isoformat()}:{sender}")
    return len(by_sender)
