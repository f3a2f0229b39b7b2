"""What the outbox tells the 管理员: a pause on a configuration error, a member WeCom cannot reach.

Each is queued once (a keyed notice), in the unit of work that records the send's result.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.messages import Outgoing, Text
from models.repos.outbox import OutboxRepo
from models.repos.roster import RosterRepo

ADMIN = "管理员"
UNREACHABLE = 81013  # not in the app's visible range, or no such member
# 学校通知 refused because the app is not among the 家长可使用的应用 (api forbidden, another
# agent's token): a 家校 parent the app may not reach, not a reason to pause every send.
SCHOOL_NOT_ALLOWED = frozenset({48002, 301002})

PAUSE_CAUSES = {
    40001: "应用的 Secret 不正确", 40013: "企业 ID（corp_id）不正确",
    40056: "应用的 AgentId 不正确", 41001: "没有取到 access_token",
    42009: "access_token 类型不对", 48002: "应用没有调用该接口的权限",
    60020: "服务器的 IP 不在企业微信的可信 IP 列表中",
}


async def tell_paused(session: AsyncSession, school_id: int, errcode: int,
                      now: datetime) -> None:
    """The 管理员 hear why sending stopped (they read it once sending works again)."""
    cause = PAUSE_CAUSES.get(errcode, "企业微信拒绝了本应用的配置")
    text = (f"企业微信消息发送曾暂停：{cause}（错误码 {errcode}）。期间的消息都已保留，"
            "配置改正后已自动补发。请检查 config.toml 的 [wecom] 与企业微信管理后台。")
    key = f"outbox-pause:{errcode}:{now.isoformat(timespec='minutes')}"
    await _to_admins(session, school_id, text, key, now)


async def tell_unreachable(session: AsyncSession, school_id: int, userid: str,
                           now: datetime, *, family: bool = False) -> None:
    """The 管理员 hear, once per member (or 家校 parent), that WeCom cannot deliver to them."""
    roster = RosterRepo(session, school_id)
    if family:
        name = await roster.guardian_name(userid) or "（名册中没有此人）"
        text = (f"学校通知无法发给家长 {name}（家校通讯录 ID {userid}）：家校通讯录中没有这个家长"
                "（invalid_parent_userid），或该家长不在本应用的可用范围内"
                "（家校沟通 → 家长可使用的应用）。请在企业微信管理后台检查，或改正名册中的 ID。")
        key = f"unreachable-family:{userid.lower()}"
    else:
        name = await roster.display_name(userid) or "（名册中没有此人）"
        text = (f"企业微信无法给 {name}（账号 {userid}）发送消息：该账号不在应用的可见范围内，"
                "或企业微信里没有这个账号。请在企业微信管理后台检查，或改正名册中的账号。")
        key = f"unreachable:{userid.lower()}"
    await _to_admins(session, school_id, text, key[:120], now)


async def _to_admins(session: AsyncSession, school_id: int, text: str, key: str,
                     now: datetime) -> None:
    admins = await RosterRepo(session, school_id).users_with_role(ADMIN)
    await OutboxRepo(session, school_id).add(
        [Outgoing(admin, Text(text), f"{key}:{admin}"[:120]) for admin in admins], now)
