"""Words that work for everyone in the roster: 取消 and 帮助."""

from __future__ import annotations

from bot.config import Config
from handlers import texts
from handlers.context import Dialog, User
from handlers.dispatcher import Command, Router

router = Router("common")


@router.on(Command("取消", "退出"))
async def cancel(dialog: Dialog) -> str:
    """Leave whatever dialog the user is in."""
    if dialog.state is None:
        return texts.NOTHING_TO_CANCEL
    dialog.end()
    return texts.CANCELLED


@router.on(Command("帮助", "help", "菜单", "?", "？"))
async def show_help(user: User, config: Config) -> str:
    return texts.help_for(user.roles, config.approval.roles)
