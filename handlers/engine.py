"""One incoming message through the routers: resolve the user, load the dialog, dispatch.

Before routing, the engine works out once whether the message is a command (`is_command`), so
that a dialog step waiting for free text never takes one. When a command runs while a step
waits and leaves the dialog as it was, the step's question is asked again after its answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from handlers import texts
from handlers.context import Dialog, User
from handlers.dispatcher import (
    Router,
    TextMessage,
    call_handler,
    command_handlers,
    find_handler,
    is_command,
    normalize_text,
    waiting_steps,
)
from models.messages import (
    DirectoryChange,
    Incoming,
    Notifier,
    Outgoing,
    Reply,
    SchoolContactChange,
    Text,
)
from models.repos.dialogs import DialogRepo
from models.repos.directory import DirectoryRepo
from models.repos.dropout import DropoutRepo
from models.repos.ladder import LadderRepo
from models.repos.roster import RosterRepo
from services.directory import remove_member, rename_member
from services.health import HealthDesk
from services.leave.desk import LeaveDesk
from services.notices.desk import NoticeDesk

log = logging.getLogger("qingjia.dispatch")


class Dispatcher:
    """Turns a typed message into replies and notices, inside the caller's unit of work."""

    def __init__(self, routers: Sequence[Router], *, config: Config, school_id: int) -> None:
        self.routers = tuple(routers)
        self.config = config
        self.school_id = school_id
        self._commands = command_handlers(self.routers)
        self._steps = waiting_steps(self.routers)

    async def handle(self, session: AsyncSession, message: Incoming,
                     now: datetime) -> list[Outgoing]:
        """Everything this message causes: replies to the sender and notices to others.

        The caller holds the sender's lock (see InboxWorker), so the dialog read here cannot
        change under us.
        """
        if isinstance(message, DirectoryChange):
            return await self._directory_change(session, message, now)
        if isinstance(message, SchoolContactChange):
            return []  # the roster is synced from the 家校通讯录 once this is recorded

        roles, name = await RosterRepo(session, self.school_id).identity(message.userid)
        if not roles:
            log.info("refused unknown user=%s kind=%s", message.userid, message.kind)
            return [Outgoing(message.userid, Text(texts.NOT_IN_ROSTER))]
        user = User(message.userid, name or "", roles)

        dialogs = DialogRepo(session, self.school_id)
        row = await dialogs.load(message.userid, now)
        dialog = Dialog(row.state, dict(row.data)) if row else Dialog()
        notifier = Notifier()
        data = self._injected(session, message, user, dialog, notifier, now)
        data["is_command"] = is_command(self._commands, message, data)
        waiting = self._steps.get(dialog.state or "")

        match, forbidden = find_handler(self.routers, message, data)
        if match is None:
            log.info("no handler user=%s kind=%s forbidden=%s state=%s", user.userid,
                     message.kind, forbidden, dialog.state)
            replies: list[Reply] = [Text(_no_handler_reply(message, user, forbidden,
                                                           self.config))]
        else:
            log.info("dispatch user=%s router=%s handler=%s state=%s", user.userid,
                     match.router.name, match.handler.handler.__name__, dialog.state)
            replies = await call_handler(match, data)
            await self._save_dialog(dialogs, user.userid, dialog, now)
        if (waiting is not None and not dialog.changed
                and (match is None or match.handler.waiting_for is None)):
            if waiting.soft:  # an offer declined by doing something else
                dialog.end()
                await self._save_dialog(dialogs, user.userid, dialog, now)
            else:
                replies.append(Text(waiting.ask_again(dialog.data)))  # a command ran mid-dialog
        return [Outgoing(user.userid, r) for r in replies] + notifier.messages

    async def _directory_change(self, session: AsyncSession, message: DirectoryChange,
                                now: datetime) -> list[Outgoing]:
        """WeCom's directory renamed or deleted a member: no reply, notices only."""
        notifier = Notifier()
        desk = LeaveDesk.open(session, self.school_id, self.config, notifier, now)
        directory = DirectoryRepo(session, self.school_id)
        log.info("directory change=%s user=%s", message.change, message.userid)
        if message.change == "delete_user":
            await remove_member(desk, directory, message.userid)
        elif message.new_userid:
            await rename_member(desk, directory, message.userid, message.new_userid)
        return notifier.messages

    def failed(self, userid: str) -> list[Outgoing]:
        """What the sender is told when handling their message failed (the message is kept)."""
        return [Outgoing(userid, Text(texts.SYSTEM_ERROR))]

    def _injected(self, session: AsyncSession, message: Incoming, user: User, dialog: Dialog,
                  notifier: Notifier, now: datetime) -> dict[str, Any]:
        text = normalize_text(message.content) if isinstance(message, TextMessage) else ""
        desk = LeaveDesk.open(session, self.school_id, self.config, notifier, now)
        return {
            "message": message, "text": text, "user": user, "dialog": dialog,
            "notify": notifier, "roster": desk.roster, "now": now, "config": self.config,
            "audit": desk.audit, "desk": desk, "attendance": desk.attendance,
            "ladder": LadderRepo(session, self.school_id),
            "dropout": DropoutRepo(session, self.school_id),
            "health": HealthDesk.open(session, self.school_id, self.config, notifier, now),
            "notices": NoticeDesk.open(session, self.school_id, self.config, notifier, now),
        }

    async def _save_dialog(self, dialogs: DialogRepo, userid: str, dialog: Dialog,
                           now: datetime) -> None:
        if not dialog.changed:
            return
        if dialog.state is None:
            await dialogs.clear(userid)
        else:
            expires = now + timedelta(minutes=self.config.dialog.timeout_minutes)
            await dialogs.save(userid, dialog.state, dialog.data, expires)


def _no_handler_reply(message: Incoming, user: User, forbidden: bool, config: Config) -> str:
    """A refusal that reveals nothing, or short help for what this user can do."""
    if forbidden:
        return texts.FORBIDDEN
    if not isinstance(message, TextMessage):
        return texts.UNSUPPORTED_MESSAGE
    return texts.help_for(user.roles, config.approval.roles, short=True)
