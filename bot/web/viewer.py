"""The person looking at a page, as the roster has them now (never as the cookie says)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.session import MEMBER, Identity
from models.db import Database
from models.repos.roster import PARENT, RosterRepo
from models.rules.access import Reader, is_staff
from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL


@dataclass(frozen=True)
class Viewer:
    """Who is signed in and what the roster says about them on this request."""

    identity: Identity
    name: str
    reader: Reader

    @property
    def userid(self) -> str:
        return self.identity.userid

    @property
    def is_member(self) -> bool:
        return self.identity.kind == MEMBER

    @property
    def channel(self) -> str:
        """Whose id `userid` is: a member's (企业微信) or a 家校 parent's parent_userid."""
        return MEMBER_CHANNEL if self.is_member else FAMILY_CHANNEL

    @property
    def is_staff(self) -> bool:
        return is_staff(self.reader)

    @property
    def roles(self) -> frozenset[str]:
        return self.reader.roles


_VIEWER = web.RequestKey("viewer", Viewer)
_IDENTITY = web.RequestKey("identity", Identity)


async def load_viewer(db: Database, school_id: int, identity: Identity) -> Viewer:
    """Roles, children and classes from the roster.

    A 家校 parent is not a member: their id lives in another directory (it may even equal a
    member's userid), so they get the 家长 role through their children and never a staff role
    or a staff name; each guardian is matched in their own channel (企业微信 or 家校).
    """
    channel = MEMBER_CHANNEL if identity.kind == MEMBER else FAMILY_CHANNEL
    async with db.read() as session:
        roster = RosterRepo(session, school_id)
        children = frozenset(s.id for s in await roster.children_of(identity.userid,
                                                                    channel=channel))
        if identity.kind == MEMBER:
            name = await roster.display_name(identity.userid)
            roles = await roster.roles_of(identity.userid)
            classes = frozenset(c.id for c in await roster.class_of_teacher(identity.userid))
        else:
            name = await roster.guardian_name(identity.userid)
            roles = frozenset({PARENT}) if children else frozenset()
            classes = frozenset()
    return Viewer(identity, name or "", Reader(roles=roles, children=children, classes=classes))


def remember(request: web.Request, identity: Identity, viewer: Viewer | None) -> None:
    request[_IDENTITY] = identity
    if viewer is not None:
        request[_VIEWER] = viewer


def identity_of(request: web.Request) -> Identity | None:
    """The signed-in identity of this request, if the gate found one."""
    return request.get(_IDENTITY)


def viewer_or_none(request: web.Request) -> Viewer | None:
    return request.get(_VIEWER)


def viewer_of(request: web.Request) -> Viewer:
    """The viewer of a page under /h5/ or /admin/ (the gate loaded it before the handler ran)."""
    viewer = request.get(_VIEWER)
    if viewer is None:
        raise RuntimeError("viewer_of() outside a signed-in page")
    return viewer
