"""A confirmed draft becomes a notice: its number, its families, a row per guardian, the audit.

Nothing is sent here: the rows are due at the notice's time and bot/notice_sender.py delivers
them in batches (a notice confirmed in quiet hours, or scheduled, waits for its time).
"""

from __future__ import annotations

from datetime import UTC

from models.messages import Reply, Text
from models.notice import Notice
from models.repos.notices import Link
from models.rules import notices as rules
from services.actor import Actor
from services.notices.channels import channel_for
from services.notices.compose import Draft, leaves_at
from services.notices.desk import NoticeDesk
from services.notices.views import sender_card, when


async def send(desk: NoticeDesk, user: Actor, draft: Draft) -> list[Reply]:
    """Create the notice and its deliveries; the sender's answer: a card with a 回执 button,
    then the text."""
    at = leaves_at(desk, draft).astimezone(UTC)
    links = await desk.notices.links(draft.class_ids)
    if not links:
        return [Text(f"「{draft.scope}」没有在读学生的家长，通知未发送。")]
    notice = await desk.notices.add(Notice(
        sender=user.userid, scope=draft.scope, class_ids=list(draft.class_ids),
        content=draft.content, image_media_id=draft.image or None, urgent=draft.urgent,
        status="active", created_at=desk.now, send_at=at))
    by_student: dict[int, Link] = {}
    stored: dict[str, str] = {}  # guardian → the channel the roster stores for them
    for link in links:
        by_student.setdefault(link.student_id, link)
        stored.setdefault(link.guardian, link.channel)
    families = rules.families((link.student_id, link.guardian) for link in links)
    family_ids = await desk.notices.add_families([
        {"notice_id": notice.id, "family_key": family.key,
         "students": "、".join(by_student[s].student for s in family.student_ids)[:200],
         "class_label": by_student[family.student_ids[0]].class_label}
        for family in families])
    rows = [{"school_id": notice.school_id, "notice_id": notice.id,
             "family_id": family_ids[family.key], "userid": userid,
             "channel": channel_for(stored.get(userid)), "status": "pending", "stage": 0,
             "attempts": 0, "next_attempt_at": at, "msgids": []}
            for family in families for userid in family.guardians]
    await desk.notices.add_recipients(rows)
    desk.record(user.userid, "create", notice,
                note=f"{len(families)} families, {len(rows)} guardians")
    students = len(by_student)
    what = (f"通知{notice.number}：{notice.scope}，{len(families)}户家庭（{students}名学生）")
    card = sender_card(notice)
    if at > desk.now:
        return [card, Text(f"已安排{what}，将于{when(at, desk.tz)}发送。"
                           f"发送「撤回 {notice.number}」可取消。")]
    return [card, Text(f"已发送{what}。发送「回执 {notice.number}」查看确认情况。")]
