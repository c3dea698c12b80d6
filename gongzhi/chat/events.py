"""Live delivery over the channel layer, always after the database commit (a client never sees
a message that could still roll back). Channel-layer group per chat group: ``chat.<id>``."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(group_id: int) -> str:
    return f"chat.{group_id}"


def send_on_commit(group_id: int, event: dict) -> None:
    def _send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                group_name(group_id), {"type": "chat.event", "group": group_id, "event": event}
            )
        except Exception:  # the message is stored; clients catch up on reconnect
            log.exception("live delivery to group %s failed", group_id)

    transaction.on_commit(_send)


def serialize(m) -> dict:
    recalled = m.status == "recalled"
    return {
        "id": m.pk,
        "group": m.group_id,
        "kind": m.kind,
        "text": "" if recalled else m.text,
        "sender": m.sender_label,
        "sender_user": m.sender_user_id,
        "reply_to": m.reply_to_id,
        "mentions": m.mentions,
        "file": m.file.url if m.file and not recalled else None,
        "file_name": m.file_name,
        "lat": m.lat,
        "lon": m.lon,
        "status": m.status,
        "flags": m.flags,
        "client_id": m.client_id,
        "created_at": m.created_at.isoformat(),
    }
