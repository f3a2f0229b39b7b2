"""`qingjia sync-roster` and `change_school_contact`: the roster brought in line with the
家校通讯录 (classes, students, 家校 parents, each class's 班主任), all or nothing, audited."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from bot.config import Config, staff_roles
from bot.outbox_notices import ADMIN
from bot.wecom_client import WeComClient, WeComError
from models.db import Database
from models.messages import Outgoing, Text
from models.repos.outbox import OutboxRepo
from models.repos.roster import ImportSummary, RosterRepo, apply_roster
from models.repos.roster_sync import current_roster
from models.roster_import import RosterError
from models.roster_sync import SOURCE, SchoolClassDept, classes_of, roster_from_directory

log = logging.getLogger("qingjia.roster")

ACTOR = "sync:家校通讯录"


async def read_directory(client: WeComClient) -> tuple[list[SchoolClassDept],
                                                       dict[int, list[dict[str, Any]]]]:
    """The 家校通讯录's classes and each class's students (one `school/user/list` a class)."""
    classes = classes_of(await client.school_departments())
    if not classes:
        raise RosterError([f"{SOURCE}: 没有班级（类型为班级的部门）；请检查家校通讯录，"
                           "以及本应用是否已配置到「家校沟通」的可用应用中"])
    return classes, {c.id: await client.school_students(c.id) for c in classes}


async def sync_roster(db: Database, school_id: int, client: WeComClient, config: Config, *,
                      now: datetime, actor: str = ACTOR) -> ImportSummary:
    """Read the 家校通讯录, then apply it in one unit of work (nothing changes on any error)."""
    classes, students = await read_directory(client)
    async with db.unit_of_work() as session:
        current = await current_roster(session, school_id)
        roster = roster_from_directory(classes, students, current, roles=staff_roles(config))
        summary = await apply_roster(session, school_id, roster, actor=actor, now=now)
    log.info("roster synced from the 家校通讯录: %s", summary)
    return summary


async def sync_on_change(db: Database, school_id: int, client: WeComClient, config: Config, *,
                         now: datetime) -> bool:
    """After a `change_school_contact` event: sync; a refusal (the directory breaks a roster
    rule, or WeCom refuses to read it) goes to the 管理员 instead, once per reason a day.
    Whether the roster was synced."""
    try:
        await sync_roster(db, school_id, client, config, now=now, actor=ACTOR)
    except RosterError as exc:
        reasons = exc.problems
    except WeComError as exc:
        if exc.retryable:
            raise
        reasons = [f"企业微信拒绝读取家校通讯录（错误码 {exc.errcode}）：请确认本应用已配置到"
                   "「家校沟通」的可用应用中"]
    else:
        return True
    shown = "\n".join(reasons[:5]) + (f"\n……共 {len(reasons)} 处" if len(reasons) > 5 else "")
    text = f"家校通讯录有变更，但名册未能同步（名册保持不变）：\n{shown}"
    key = f"school-sync:{now.date().isoformat()}:{hash_text(shown)}"
    async with db.unit_of_work() as session:
        admins = await RosterRepo(session, school_id).users_with_role(ADMIN)
        await OutboxRepo(session, school_id).add(
            [Outgoing(a, Text(text), f"{key}:{a}"[:120]) for a in admins], now)
    return False


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
