"""`qingjia import-roster --check-wecom`: which of a roster's userids WeCom does not know."""

from __future__ import annotations

import aiohttp

from bot.config import Config
from bot.wecom_client import WeComClient
from models.roster_import import Roster
from models.rules.channel import FAMILY_CHANNEL


def roster_userids(roster: Roster) -> list[str]:
    """Every member userid a roster names (guardians and staff), once each, in file order. A
    家校 parent's id is a parent_userid of the 家校通讯录, not a member's: `sync-roster` reads
    those."""
    ids = [s.guardian_userid for s in roster.students if s.guardian_channel != FAMILY_CHANNEL]
    ids += [t.userid for t in roster.staff]
    return list(dict.fromkeys(i for i in ids if i))


async def unknown_userids(config: Config, roster: Roster) -> list[str]:
    """The roster's userids that `user/get` does not find in the corp's directory."""
    async with aiohttp.ClientSession() as http:
        client = WeComClient(http, config.wecom)
        return [u for u in roster_userids(roster) if not await client.is_member(u)]
