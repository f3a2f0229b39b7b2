"""Who the simulator knows: everyone in the demo school's roster, with their roles."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config, staff_roles
from bot.simulator.oauth import Person
from models.db import Database
from models.repos.roster import PARENT, RosterRepo
from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL


def role_order(config: Config) -> tuple[str, ...]:
    """家长, then the staff roles: the built-in ones and those the approval tiers name."""
    return (PARENT, *staff_roles(config))


@dataclass(frozen=True)
class Entry:
    userid: str
    name: str
    roles: tuple[str, ...]  # in role_order(config)
    channel: str = MEMBER_CHANNEL  # 家校: a parent in the 家校通讯录 (WeChat), not a member


async def roster_entries(db: Database, school_id: int, config: Config) -> list[Entry]:
    """Everyone holding a role, grouped by their first role in role_order(config)."""
    order = role_order(config)
    async with db.read() as session:
        roster = RosterRepo(session, school_id)
        userids: list[str] = []
        for role in order:
            userids.extend(u for u in await roster.users_with_role(role) if u not in userids)
        family = await roster.family_guardians(userids)
        out = []
        for userid in userids:
            if userid in family:
                out.append(Entry(userid, await roster.guardian_name(userid) or userid,
                                 (PARENT,), FAMILY_CHANNEL))
                continue
            roles = await roster.roles_of(userid)
            out.append(Entry(userid, await roster.display_name(userid) or userid,
                             tuple(r for r in order if r in roles)))
    return out


async def roster_people(db: Database, school_id: int, config: Config) -> list[Person]:
    """The roster as the stand-in's sign-in sees it: members, and 家校 parents (in WeChat)."""
    return [Person(e.userid, e.name, "parent" if e.channel == FAMILY_CHANNEL else "member",
                   "、".join(e.roles))
            for e in await roster_entries(db, school_id, config)]
