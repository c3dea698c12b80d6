"""WebSocket endpoint /ws/chat/ — the protocol is documented in docs/realtime.md.

One connection carries any number of group subscriptions. Catch-up: the consumer joins the
channel-layer group *before* reading the backlog, and remembers the highest id it has sent per
group, so a message committed in between is neither lost nor sent twice.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from gongzhi.core.errors import ActionError

from . import actions
from .events import group_name, serialize

CATCH_UP_LIMIT = 500


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.last_sent: dict[int, int] = {}
        await self.accept()

    async def disconnect(self, code):
        for gid in list(getattr(self, "last_sent", {})):
            try:
                await self.channel_layer.group_discard(group_name(gid), self.channel_name)
            except Exception:  # noqa: BLE001 — a busy Redis must not break the close; the
                pass  # membership expires on its own (channels_redis group_expiry)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "subscribe": self.on_subscribe,
            "unsubscribe": self.on_unsubscribe,
            "send": self.on_send,
            "read": self.on_read,
            "ping": self.on_ping,
        }.get(kind)
        if handler is None:
            await self.send_json(
                {"type": "error", "code": "bad_frame", "detail": "unknown frame type"}
            )
            return
        try:
            await handler(content)
        except Http404:
            await self.send_json(
                {"type": "error", "code": "not_found", "group": content.get("group")}
            )
        except ActionError as exc:
            await self.send_json(
                {
                    "type": "error",
                    "code": exc.code,
                    "detail": exc.message,
                    "client_id": content.get("client_id"),
                }
            )
        except (TypeError, ValueError):
            await self.send_json({"type": "error", "code": "bad_frame", "detail": "invalid field"})

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_subscribe(self, content):
        gid = int(content["group"])
        since = int(content.get("since") or 0)
        await database_sync_to_async(actions.chat_access)(self.user, gid)
        await self.channel_layer.group_add(group_name(gid), self.channel_name)
        self.last_sent.setdefault(gid, since)
        backlog = await database_sync_to_async(self._backlog)(gid, since)
        for m in backlog[:CATCH_UP_LIMIT]:
            await self._deliver(gid, {"type": "message", "message": m})
        if len(backlog) > CATCH_UP_LIMIT:
            await self.send_json(
                {"type": "catchup_truncated", "group": gid, "last_id": self.last_sent[gid]}
            )
        await self.send_json({"type": "subscribed", "group": gid, "last_id": self.last_sent[gid]})

    def _backlog(self, gid: int, since: int) -> list[dict]:
        msgs = actions.history(self.user, gid, after=since, limit=CATCH_UP_LIMIT + 1)
        return [serialize(m) for m in msgs]

    async def on_unsubscribe(self, content):
        gid = int(content["group"])
        self.last_sent.pop(gid, None)
        await self.channel_layer.group_discard(group_name(gid), self.channel_name)

    async def on_send(self, content):
        gid = int(content["group"])
        msg = await database_sync_to_async(actions.do_send)(
            self.user,
            gid,
            text=content.get("text", ""),
            kind="text",
            reply_to=content.get("reply_to"),
            mentions=content.get("mentions") or [],
            client_id=str(content.get("client_id") or "")[:40],
        )
        await self.send_json(
            {
                "type": "ack",
                "client_id": content.get("client_id"),
                "id": msg.pk,
                "status": msg.status,
            }
        )

    async def on_read(self, content):
        gid = int(content["group"])
        last = await database_sync_to_async(actions.do_mark_read)(
            self.user, gid, int(content["last_id"])
        )
        await self.send_json({"type": "read_ack", "group": gid, "last_id": last})

    async def _deliver(self, gid: int, event: dict) -> None:
        if gid not in self.last_sent:
            return
        if event.get("type") == "message":
            mid = event["message"]["id"]
            if mid <= self.last_sent[gid]:
                return  # already delivered (catch-up raced the live event)
            self.last_sent[gid] = mid
        await self.send_json(event)

    async def chat_event(self, event):
        payload = dict(event["event"])
        payload.setdefault("group", event["group"])
        await self._deliver(event["group"], payload)
