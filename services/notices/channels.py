"""How a notice reaches a guardian: the one place a channel is chosen.

`member`: a member of the school's WeCom (a text, an optional image, and a card with 收到),
delivered in batches of up to 1,000 by `message/send`.
`家校`: a parent in the 家校通讯录, not a member, reached only by 学校通知
(`externalcontact/message/send`, text and news, no cards): one news item opening the notice's
page (/h5/notices/<number>), where they read it and tap 收到; batches of up to 1,000.
Each channel's transport sits in bot/notice_sender.py; the notice logic does not change.
"""

from __future__ import annotations

from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL

MEMBER = "member"
FAMILY = FAMILY_CHANNEL  # a 家校 parent: the guardian's stored channel, as the roster says
CHANNELS = (MEMBER, FAMILY)


def channel_for(guardian_channel: str | None) -> str:
    """The channel that reaches a guardian, from the channel the roster stores for them
    (models/roster.py `Guardian.channel`: 企业微信 or 家校)."""
    return FAMILY if guardian_channel == FAMILY_CHANNEL else MEMBER


def roster_channel(channel: str) -> str:
    """The roster's channel (企业微信 / 家校) of a notice recipient's channel."""
    return FAMILY_CHANNEL if channel == FAMILY else MEMBER_CHANNEL
