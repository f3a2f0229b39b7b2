"""我的通知 (a parent's notices of the last 30 days) and 通知列表 (a sender's, with counts)."""

from __future__ import annotations

from datetime import timedelta

from services.actor import Actor
from services.notices.channels import MEMBER
from services.notices.desk import NoticeDesk
from services.notices.views import counts_line, state, when

PARENT_DAYS = 30


async def for_parent(desk: NoticeDesk, userid: str) -> str:
    rows = await desk.notices.received_by(userid, desk.now - timedelta(days=PARENT_DAYS),
                                          MEMBER)  # in chat: a member's notices
    if not rows:
        return f"最近{PARENT_DAYS}天没有收到通知。"
    lines = [f"最近{PARENT_DAYS}天的通知："]
    for notice, confirmed in rows:
        mark = ("已撤回" if notice.status == "recalled"
                else "已确认" if confirmed else f"未确认，回复「收到 {notice.number}」")
        sent = when(notice.sent_at, desk.tz) if notice.sent_at else ""
        excerpt = notice.content[:30] + ("…" if len(notice.content) > 30 else "")
        lines.append(f"通知{notice.number} {sent}（{mark}）\n  {excerpt}")
    return "\n".join(lines)


async def for_sender(desk: NoticeDesk, user: Actor) -> str:
    notices = await desk.notices.sent_by(user.userid)
    if not notices:
        return "您还没有发过通知。发送「通知」开始。"
    counts = await desk.notices.counts([n.id for n in notices])
    lines = ["您发出的通知："]
    for notice in notices:
        lines.append(f"通知{notice.number} {notice.scope} {state(notice, desk.tz)} "
                     f"{counts_line(counts.get(notice.id))}")
    lines.append("发送「回执 单号」查看未确认的家庭。")
    return "\n".join(lines)
