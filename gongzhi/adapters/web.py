"""The built-in web chat as an adapter (for completeness of the interface): outbound maps to
``chat.actions.do_send``/``do_post_notice`` as a given platform user; inbound questions from a
logged-in user go through the same dispatcher as the outside channels."""

from __future__ import annotations

from collections.abc import Iterable

from . import base

CHANNEL = "web"


class WebChatAdapter(base.Adapter):
    """``external_user`` is a group id: the web chat talks in groups, not to single people."""

    channel = CHANNEL

    def __init__(self, sender, group_ids: Iterable[int] = ()):
        self.sender = sender
        self.group_ids = list(group_ids)

    @property
    def can_push(self) -> bool:
        return True

    def send_text(self, external_user, text: str):
        from gongzhi.chat.actions import do_send

        return do_send(self.sender, int(external_user), text=text)

    def send_notice(self, title: str, body: str) -> int:
        from gongzhi.chat.actions import do_post_notice

        for gid in self.group_ids:
            do_post_notice(self.sender, gid, title, body)
        return len(self.group_ids)

    @staticmethod
    def inbound(user, text: str) -> base.InboundMessage:
        return base.InboundMessage(CHANNEL, str(user.pk), text, base.TEXT)
