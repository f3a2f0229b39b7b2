"""A notice being written: what `通知 …` or the guided form gave, its checks, and its echo."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from models.rules import notices as rules
from services.actor import Actor
from services.notices.desk import NoticeDesk
from services.notices.views import as_parents_see, when


@dataclass
class Draft:
    """The dialog's data while a notice is written (stored as the dialog's JSON)."""

    urgent: bool = False
    scope: str = ""
    class_ids: tuple[int, ...] = ()
    content: str = ""
    send_at: str = ""  # ISO local time when scheduled, "" for at once
    image: str = ""  # media id

    @classmethod
    def load(cls, data: dict[str, Any]) -> Draft:
        values = dict(data.get("notice", {}))
        values["class_ids"] = tuple(values.get("class_ids", ()))
        return cls(**values)

    def dump(self) -> dict[str, Any]:
        values = asdict(self)
        values["class_ids"] = list(self.class_ids)
        return {"notice": values}


async def own_classes(desk: NoticeDesk, user: Actor) -> list[int]:
    return [c.id for c in await desk.roster.class_of_teacher(user.userid)]


async def set_scope(desk: NoticeDesk, user: Actor, draft: Draft, word: str) -> str | None:
    """Read a scope word into the draft; why not, when it cannot be."""
    own = await own_classes(desk, user)
    scope = rules.resolve_scope(word, await desk.notices.classes(), own)
    if scope is None:
        if word == rules.MINE:
            return "您不是任何班级的班主任，请写明班级、年级或「全校」。"
        return (f"没有找到「{word}」。范围可以是：本班、某个班级（如 初一(1)班）、"
                "某个年级（如 初一）或 全校。")
    problem = rules.refusal(user.roles, own, scope, draft.urgent)
    if problem:
        return problem
    draft.scope, draft.class_ids = scope.label, scope.class_ids
    return None


def set_when(desk: NoticeDesk, draft: Draft, words: str) -> str | None:
    try:
        draft.send_at = rules.read_when(words, desk.local_now).isoformat()
    except rules.NoticeInputError as exc:
        return str(exc)
    return None


def leaves_at(desk: NoticeDesk, draft: Draft) -> datetime:
    """When the notice will leave: its time (or now), moved out of quiet hours unless urgent."""
    wanted = datetime.fromisoformat(draft.send_at) if draft.send_at else desk.local_now
    cfg = desk.config.notices
    return rules.leave_at(wanted, cfg.quiet_start, cfg.quiet_end, draft.urgent)


async def echo(desk: NoticeDesk, user: Actor, draft: Draft) -> str:
    """Scope, families, students, the time and the text as parents will see it."""
    links = await desk.notices.links(draft.class_ids)
    families = rules.families((link.student_id, link.guardian) for link in links)
    students = len({link.student_id for link in links})
    at = leaves_at(desk, draft)
    if draft.send_at:
        timing = f"定时：{when(at, desk.tz)}发送"
    elif at > desk.local_now:
        timing = f"现在是休息时间，将于{when(at, desk.tz)}发送"
    else:
        timing = "确认后立即发送"
    number = await desk.notices.next_number()
    lines = [
        "请确认这条通知：",
        f"范围：{draft.scope}（{len(families)}户家庭，{students}名学生）",
        timing + ("（紧急）" if draft.urgent else ""),
        "家长将看到：",
        as_parents_see(number, draft.content, user.name, draft.urgent),
    ]
    if draft.image:
        lines.append("（附图片1张）")
    lines.append("可以再发一张图片，或回复「确认」发送，「取消」放弃。" if not draft.image
                 else "回复「确认」发送，「取消」放弃。")
    return "\n".join(lines)
