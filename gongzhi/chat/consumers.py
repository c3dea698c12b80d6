"""WebSocket endpoint /ws/chat/ — the protocol is documented in docs/realtime.md.

One connection carries any number of group subscriptions. Live events reach the consumer from
the process's live-event source (events._Local): ``push_event`` is a plain call on the event
loop that writes the pre-encoded frame at once. Catch-up: the consumer registers for the group
*before* reading the backlog, holds live events back while it sends the backlog, then sends
those not already sent, so a message committed in between is neither lost nor sent twice.

Every frame goes out through ``_write``, in order. A socket the client does not read fast enough
(its transport stops being writable) gets its frames queued; beyond ``SLOW_LIMIT`` queued frames
it is closed (code 4408) — the client reconnects and catches up from its last id.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.sessions import InstanceSessionWrapper
from django.http import Http404
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from gongzhi.core import scoping
from gongzhi.core.errors import ActionError

from . import actions, events
from .events import serialize

CATCH_UP_LIMIT = 500
#: How long a connection reuses a group's access check (membership, mute, archive, manager
#: role) for sends and read marks. Subscribing always checks afresh.
ACCESS_TTL = 5.0
#: How often a live subscription's access is checked again (on the next event after this many
#: seconds): a member removed from a group, or staff whose role was revoked, stop receiving
#: its live events within this time instead of at their next reconnect.
RECHECK_EVERY = 30.0
SLOW_LIMIT = 2000  # frames queued for a socket that is not being read
CLOSE_TOO_SLOW = 4408


class _Sub:
    """One group subscription: ``floor`` is the client's ``since`` (it has everything up to
    there); ``sent`` the ids sent in the catch-up, whose live copies are dropped once each;
    ``held`` live events that arrived during the catch-up (None once it is done)."""

    __slots__ = ("floor", "sent", "held", "checked", "rechecking")

    def __init__(self, floor: int):
        self.floor = floor
        self.sent: set[int] = set()
        self.held: list[dict] | None = []
        self.checked = time.monotonic()  # when access was last checked
        self.rechecking = False


class _Resume:
    """Await the rest of a coroutine that was started by hand and suspended (``yielded`` is
    what it yielded): lets ``_write`` run a send synchronously in the common case and finish
    it in a task only when the socket is not writable."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro, yielded):
        self.coro, self.yielded = coro, yielded

    def __await__(self):
        pending = self.yielded
        while True:
            try:
                value = yield pending
            except BaseException as exc:  # noqa: BLE001 — handed on to the coroutine
                try:
                    pending = self.coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = self.coro.send(value)
                except StopIteration as stop:
                    return stop.value


class ChatConsumer(AsyncJsonWebsocketConsumer):
    # No per-socket channel-layer channel: live events come from events._Local (one source per
    # process), which saves a receive task and an asyncio.wait per socket per event.
    channel_layer_alias = "chat-direct (none)"
    _wire_to = None  # uvicorn sansio protocol written to directly (see _sansio_protocol)

    async def dispatch(self, message):
        # Channels (>= 4.2) awaits aclose_old_connections() — a hop through the single database
        # thread — before *every* handler. Every database call here goes through
        # database_sync_to_async, which closes old connections itself, before and after.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.subs: dict[int, _Sub] = {}
        self.access: dict[int, tuple[float, actions.Access]] = {}
        self._queue: deque | None = None
        self._writer: asyncio.Task | None = None
        self._frame_send = self.base_send
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.local = await events.start_local()
        await self.accept()
        # Frames skip Channels' session wrapper, whose send() reads the lazy session on every
        # message although it acts on HTTP responses only (~10 % of the loop's time at 6,000
        # frames/s). Falls back to the wrapped send when the wrapper is not there.
        wrapper = getattr(self.base_send, "__self__", None)
        if isinstance(wrapper, InstanceSessionWrapper):
            self._frame_send = wrapper.real_send
        self._wire_to = _sansio_protocol(self._frame_send)

    async def disconnect(self, code):
        local = getattr(self, "local", None)
        for gid in list(getattr(self, "subs", {})):
            if local is not None:
                local.leave(gid, self)
        self.subs = {}
        if getattr(self, "_writer", None) is not None:
            self._writer.cancel()

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

    # --- output, in order -----------------------------------------------------------------

    async def send_json(self, content, close=False):
        self._write(events.encode(content))
        if close:
            await self.close()

    def _write_event(self, event: dict) -> None:
        p = self._wire_to
        if (
            p is not None
            and self._queue is None
            and p.handshake_complete
            and not p.close_sent
            and not p.disconnected
            and p.initial_response is None
            and p.writable.is_set()
            and p.conn.state is State.OPEN
            and not p.transport.is_closing()
        ):
            p.transport.write(_wire(event))  # the same bytes for every socket of the group
        else:
            self._write(event["frame"])

    def _write(self, text: str) -> None:
        if self._queue is not None:
            if len(self._queue) >= SLOW_LIMIT:
                self._too_slow()
            else:
                self._queue.append(text)
            return
        coro = self._frame_send({"type": "websocket.send", "text": text})
        try:
            yielded = coro.send(None)
        except StopIteration:
            return  # written (the usual case: the socket was writable)
        except Exception:  # noqa: BLE001 — the client is gone; websocket.disconnect follows
            return
        self._queue = deque()
        self._writer = asyncio.ensure_future(self._finish(coro, yielded))

    async def _finish(self, coro, yielded):
        try:
            await _Resume(coro, yielded)
            while self._queue:
                await self._frame_send({"type": "websocket.send", "text": self._queue.popleft()})
        except Exception:  # noqa: BLE001 — the client is gone
            pass
        finally:
            self._queue = None

    def _too_slow(self) -> None:
        self._queue.clear()
        for gid in list(self.subs):
            self.local.leave(gid, self)
        self.subs = {}
        asyncio.ensure_future(self.close(code=CLOSE_TOO_SLOW))

    # --- access (runs in the database thread) ---------------------------------------------

    def _access(self, gid: int, fresh: bool = False) -> actions.Access:
        now = time.monotonic()
        hit = self.access.get(gid)
        if hit is not None and not fresh and hit[0] > now:
            return hit[1]
        try:
            acc = actions.chat_access(self.user, gid)
        except Http404:
            self.access.pop(gid, None)
            raise
        self.access[gid] = (now + ACCESS_TTL, acc)
        return acc

    # --- client frames --------------------------------------------------------------------

    async def on_ping(self, content):
        await self.send_json({"type": "pong"})

    async def on_subscribe(self, content):
        gid = int(content["group"])
        since = int(content.get("since") or 0)
        await database_sync_to_async(self._access)(gid, True)
        sub = self.subs[gid] = _Sub(since)
        try:
            await self.local.join(gid, self)  # live first, then the backlog
            backlog = await database_sync_to_async(self._backlog)(gid, since)
        except BaseException:
            if self.subs.get(gid) is sub:
                del self.subs[gid]
                self.local.leave(gid, self)
            raise
        last = since
        for m in backlog[:CATCH_UP_LIMIT]:
            sub.sent.add(m["id"])
            last = max(last, m["id"])
            self._write(events.encode({"type": "message", "group": gid, "message": m}))
        if len(backlog) > CATCH_UP_LIMIT:
            await self.send_json({"type": "catchup_truncated", "group": gid, "last_id": last})
        await self.send_json({"type": "subscribed", "group": gid, "last_id": last})
        held, sub.held = sub.held, None
        for event in held:
            self._emit(sub, event)

    def _backlog(self, gid: int, since: int) -> list[dict]:
        msgs = actions.history(
            self.user, gid, after=since, limit=CATCH_UP_LIMIT + 1, access=self._access(gid)
        )
        return [serialize(m) for m in msgs]

    async def on_unsubscribe(self, content):
        gid = int(content["group"])
        if self.subs.pop(gid, None) is not None:
            self.local.leave(gid, self)

    async def on_send(self, content):
        msg = await database_sync_to_async(self._send)(int(content["group"]), content)
        await self.send_json(
            {
                "type": "ack",
                "client_id": content.get("client_id"),
                "id": msg.pk,
                "status": msg.status,
            }
        )

    def _send(self, gid: int, content: dict):
        return actions.do_send(
            self.user,
            gid,
            text=content.get("text", ""),
            kind="text",
            reply_to=content.get("reply_to"),
            mentions=content.get("mentions") or [],
            client_id=str(content.get("client_id") or "")[:40],
            access=self._access(gid),
        )

    async def on_read(self, content):
        gid = int(content["group"])
        last_id = int(content["last_id"])
        last = await database_sync_to_async(self._read)(gid, last_id)
        await self.send_json({"type": "read_ack", "group": gid, "last_id": last})

    def _read(self, gid: int, last_id: int) -> int:
        return actions.do_mark_read(self.user, gid, last_id, access=self._access(gid))

    # --- live events (called on the event loop by events._Local.deliver) -------------------

    def push_event(self, event: dict) -> None:
        sub = self.subs.get(event["group"])
        if sub is None:
            return
        if not sub.rechecking and time.monotonic() - sub.checked > RECHECK_EVERY:
            sub.rechecking = True
            asyncio.ensure_future(self._recheck(event["group"], sub))
        if sub.held is not None:
            sub.held.append(event)  # catch-up under way
            return
        self._emit(sub, event)

    async def _recheck(self, gid: int, sub: _Sub) -> None:
        """Check a live subscription's access again; drop it when the user lost it."""
        try:
            await database_sync_to_async(self._fresh_access)(gid)
        except Http404:
            if self.subs.get(gid) is sub:
                del self.subs[gid]
                self.local.leave(gid, self)
                await self.send_json({"type": "unsubscribed", "group": gid, "reason": "no_access"})
        finally:
            sub.checked, sub.rechecking = time.monotonic(), False

    def _fresh_access(self, gid: int) -> actions.Access:
        scoping.forget_scope(self.user)
        return self._access(gid, fresh=True)

    def _emit(self, sub: _Sub, event: dict) -> None:
        mid = event.get("id")
        if mid is not None:
            if mid <= sub.floor:
                return  # the client said it has it
            if mid in sub.sent:
                sub.sent.discard(mid)  # sent in the catch-up; each event is delivered once
                return
        self._write_event(event)


def _sansio_protocol(send):
    """uvicorn's websockets-sansio protocol behind ``send`` when frames may be written to its
    transport directly: a group event is then framed once (a server's frames are not masked,
    so every socket gets the same bytes) instead of once per socket by the protocol's
    ``send`` (~20 µs a frame: benchmarks/realtime.py, 2,000 sockets). None for other servers,
    other implementations and connections with compression, which keep the ASGI path."""
    proto = getattr(send, "__self__", None)
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # pragma: no cover - uvicorn without websockets
        return None
    if type(proto) is not WebSocketsSansIOProtocol or getattr(proto.conn, "extensions", True):
        return None
    return proto


def _wire(event: dict) -> bytes:
    wire = event.get("wire")
    if wire is None:
        frame = Frame(Opcode.TEXT, event["frame"].encode())
        wire = event["wire"] = frame.serialize(mask=False, extensions=[])
    return wire
