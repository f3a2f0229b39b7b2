"""How a notice reaches a guardian: the one place a channel is chosen.

`member`: a member of the school's WeCom (a text, an optional image, and a card with 收到),
delivered in batches of up to 1,000 by `message/send`. A second channel (家校 parents reached by
`externalcontact/message/send`) adds its name here and its transport beside the member's one in
bot/notice_sender.py; the notice logic does not change.
"""

from __future__ import annotations

MEMBER = "member"
CHANNELS = (MEMBER,)


def channel_for(userid: str) -> str:
    """The channel that reaches this guardian (today every guardian is a member)."""
    return MEMBER
