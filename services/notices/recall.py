"""撤回 12: within 24 hours of sending (or before a scheduled notice leaves) the sender takes a
notice back: what has not left is cancelled, what has left is recalled (`message/recall`, by
bot/notice_sender.py) and its recipients are told."""

from __future__ import annotations

from datetime import timedelta

from services.actor import Actor
from services.notices.desk import NoticeDesk
from services.notices.receipts import own_notice

RECALL_WITHIN = timedelta(hours=24)


async def recall(desk: NoticeDesk, user: Actor, number: int) -> str:
    notice = await own_notice(desk, user, number)
    if isinstance(notice, str):
        return notice
    if notice.status == "recalled":
        return f"通知{notice.number}已经撤回。"
    if notice.sent_at is not None and desk.now - notice.sent_at > RECALL_WITHIN:
        return f"通知{notice.number}发出已超过24小时，无法撤回。"
    await desk.notices.cancel_pending(notice.id)
    notice.status, notice.recalled_at = "recalled", desk.now
    delivered = await desk.notices.delivered_recipients(notice.id)
    notice.recall_done = not delivered
    for userid in delivered:
        desk.notify.send(userid, f"通知{notice.number}已由发送人撤回，请忽略。",
                         key=f"notice-recall:{notice.id}:{userid}")
    desk.record(user.userid, "recall", notice, before="active",
                note=f"{len(delivered)} guardians told")
    if not delivered:
        return f"已撤回通知{notice.number}，它还没有发出，家长不会收到。"
    return f"已撤回通知{notice.number}，并告知了{len(delivered)}位已收到的家长。"
