"""Live delivery, always after the database commit (a client never sees a message that could
still roll back). Channel-layer group per chat group: ``chat.<id>``. docs/realtime.md has the
design and the measurements behind it.

Three paths, chosen per event:

- **In the ASGI server process** (sockets live here): at commit the event is handed to one
  ordered publisher task on the server's event loop (``_Local``). The database thread never
  waits for the event loop, and publishes leave in commit order.
- **Redis channel layer, any other process** (huey worker, WSGI, shell): ``group_send`` through
  ``async_to_sync`` at commit, batched — channels-redis carries it to every server process.
- **In-memory channel layer (no Redis), any other process**: the layer only reaches its own
  process, so the event is written to the ``Outbox`` table *in the same transaction* as the
  change. The ASGI server process tails that table (``Relay``: one indexed range query every
  ``RELAY_INTERVAL``) and pushes the rows to its sockets. This is how a broadcast stored by the
  huey worker, or a message posted through a WSGI process, reaches the server's sockets.

The channel-layer message carries the frame already encoded (``frame``) and the message id
(``id``) for the consumer's de-duplication: one ``json.dumps`` per event, not per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

RELAY_INTERVAL = 0.1  # seconds between two outbox polls of an idle relay
RELAY_BATCH = 1000  # rows per poll; a full batch is followed by the next poll at once
RELAY_GAP_WAIT = 30.0  # seconds a missing id may still appear (PostgreSQL: commit order ≠ id order)
OUTBOX_KEEP = 600.0  # seconds an outbox row is kept


def group_name(group_id: int) -> str:
    return f"chat.{group_id}"


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def layer_message(group_id: int, event: dict) -> dict:
    """The channel-layer message for one event: the frame encoded once for every socket."""
    frame = {"type": event["type"], "group": group_id, **event}
    msg = event.get("message")
    return {
        "type": "chat.event",
        "group": group_id,
        "id": msg["id"] if event["type"] == "message" and msg else None,
        "frame": encode(frame),
    }


def _in_memory(layer) -> bool:
    return isinstance(layer, InMemoryChannelLayer)


def send_on_commit(group_id: int, event: dict) -> None:
    send_many_on_commit([(group_id, event)])


def send_many_on_commit(events: list[tuple[int, dict]]) -> None:
    """Publish ``(group_id, event)`` pairs once the current transaction commits (at once in
    autocommit mode). Outside the server process, with the in-memory layer, the outbox rows
    are written here, inside the transaction, so they exist exactly when the change does."""
    if not events:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    items = [(gid, layer_message(gid, ev)) for gid, ev in events]
    local = _local_publisher()
    if _in_memory(layer) and (local is None or local.layer is not layer):
        _write_outbox(items)
    transaction.on_commit(lambda: _publish(items, layer))


def _write_outbox(items: list[tuple[int, dict]]) -> None:
    """One INSERT per event in the caller's transaction (plain SQL: this runs on every send)."""
    from django.db import connection
    from django.utils import timezone

    from .models import Outbox

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in ("group_id", "message_id", "frame", "created_at"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(gid, m["id"], m["frame"], now) for gid, m in items]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {qn(Outbox._meta.db_table)} ({cols}) VALUES (%s, %s, %s, %s)", rows
        )


def _publish(items: list[tuple[int, dict]], layer) -> None:
    local = _local_publisher()
    if local is not None and local.layer is layer and local.publish(items):
        return
    if _in_memory(layer):
        return  # the outbox rows carry it to the server process

    async def send_all():
        for gid, m in items:
            await layer.group_send(group_name(gid), m)

    try:
        async_to_sync(send_all)()
    except Exception:  # the change is stored; clients catch up on reconnect
        log.exception("live delivery to %s group(s) failed", len(items))


# --- in the ASGI server process ----------------------------------------------------------------

_local: _Local | None = None


def _local_publisher() -> _Local | None:
    cur = _local
    return cur if cur is not None and cur.usable() else None


async def start_local() -> _Local:
    """Called by every consumer on connect, on the server's event loop: makes sure this loop
    runs the ordered publisher and the process's live-event source (the outbox relay with the
    in-memory layer, one channel-layer channel for the whole process with Redis)."""
    global _local
    loop = asyncio.get_running_loop()
    cur = _local
    if cur is None or cur.loop is not loop or cur.task.done():
        cur = _local = _Local(loop, get_channel_layer())
    if not cur.ready.done():
        try:
            await asyncio.shield(cur.ready)
        except Exception:  # noqa: BLE001 — live delivery inside this process still works
            log.exception("the live-event source did not start")
    return cur


class _Local:
    """The server process's side of live delivery, on its event loop.

    Sockets register per group here (``join``/``leave``); an event is handed to every socket of
    its group by a plain loop (``deliver``), each consumer writing the pre-encoded frame at once
    when its socket is writable. Channels' per-socket path (one channel-layer queue, one receive
    task and one ``asyncio.wait`` per socket per event) cost ~20 µs per frame more.

    - In-memory layer: ``publish`` (events committed in this process) and the outbox relay
      (events committed elsewhere) call ``deliver`` directly.
    - Redis layer: ``publish`` sends to the Redis group; the process joins each group once,
      with one channel for the whole process, and ``_receive`` delivers what arrives (its own
      events included, so every process sees one order per group).
    """

    def __init__(self, loop, layer):
        self.loop, self.layer = loop, layer
        self.members: dict[int, set] = {}
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = loop.create_task(self._drain())
        self.redis = layer is not None and not _in_memory(layer)
        self.joined: dict[int, asyncio.Future] = {}  # Redis: group_add done (or under way)
        self.channel: str | None = None
        self.relay = Relay(self) if layer is not None and not self.redis else None
        self.ready = loop.create_task(self._start())

    async def _start(self):
        if self.relay is not None:
            await self.relay.start()
        elif self.redis:
            self.channel = await self.layer.new_channel()
            self.loop.create_task(self._receive())
            self.loop.create_task(self._refresh())

    def usable(self) -> bool:
        return self.loop.is_running() and not self.loop.is_closed() and not self.task.done()

    # sockets ------------------------------------------------------------------------------

    async def join(self, gid: int, consumer) -> None:
        self.members.setdefault(gid, set()).add(consumer)
        if self.redis:
            fut = self.joined.get(gid)
            if fut is None or (fut.done() and fut.exception() is not None):
                fut = self.joined[gid] = self.loop.create_task(
                    self.layer.group_add(group_name(gid), self.channel)
                )
            await asyncio.shield(fut)  # joined before the caller reads the backlog

    def leave(self, gid: int, consumer) -> None:
        members = self.members.get(gid)
        if members is not None:
            members.discard(consumer)
            if not members:
                del self.members[gid]  # (Redis: the process stays in the group; cheap)

    def deliver(self, gid: int, message: dict) -> None:
        for consumer in tuple(self.members.get(gid, ())):
            consumer.push_event(message)

    # events -------------------------------------------------------------------------------

    def publish(self, items) -> bool:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        try:
            if running is self.loop:
                self.queue.put_nowait(items)
            else:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, items)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    async def _drain(self):
        while True:
            items = await self.queue.get()
            if not self.redis:
                for gid, m in items:
                    self.deliver(gid, m)
                continue
            # Redis: a group_send is several round trips. Everything queued meanwhile goes out
            # together: the groups concurrently, each group's events one after the other, and
            # the next batch only after this one — the order per group stays the commit order.
            while not self.queue.empty():
                items = items + self.queue.get_nowait()
            per_group: dict[int, list[dict]] = {}
            for gid, m in items:
                per_group.setdefault(gid, []).append(m)
            await asyncio.gather(*(self._send_group(gid, ms) for gid, ms in per_group.items()))

    async def _send_group(self, gid: int, messages: list[dict]) -> None:
        for m in messages:
            try:
                await self.layer.group_send(group_name(gid), m)
            except Exception:  # noqa: BLE001 — stored; clients catch up on reconnect
                log.exception("live delivery to group %s failed", gid)

    async def _receive(self):
        while True:
            try:
                m = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # cancelled (the loop is closing) and the client library turned the
                    # cancellation into another error: stop, or the loop's shutdown waits
                    # for this task for ever (seen on PostgreSQL + Redis in CI)
                    raise asyncio.CancelledError from exc
                if "Timeout" in type(exc).__name__:
                    # a blocking pop outlived the client's read timeout while the loop was
                    # busy (thousands of handshakes): the events wait in Redis, ask again
                    log.info("channel layer receive timed out; retrying")
                    continue
                log.warning("channel layer receive failed", exc_info=True)  # Redis restarting
                await asyncio.sleep(0.5)
                continue
            if m.get("type") == "chat.event":
                self.deliver(m["group"], m)

    async def _refresh(self):
        """channels-redis forgets a group member after ``group_expiry`` (a day): rejoin hourly."""
        while True:
            await asyncio.sleep(3600)
            for gid in list(self.joined):
                try:
                    await self.layer.group_add(group_name(gid), self.channel)
                except Exception:  # noqa: BLE001
                    log.warning("group refresh failed", exc_info=True)


class Relay:
    """Tails the outbox in one dedicated thread (its own database connection) and hands rows
    published by other processes to this process's sockets. Ids normally arrive in
    order; an id skipped by a poll (PostgreSQL commits out of id order) is looked for again for
    ``RELAY_GAP_WAIT`` seconds, so a late commit is still delivered."""

    def __init__(self, local: _Local):
        self.local = local
        self.last = 0
        self.gaps: dict[int, float] = {}  # missing id -> first noticed
        self.checkpoints: list[tuple[float, int]] = []  # (time, last) for trimming
        self.relayed = 0
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="chat-outbox-relay")
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self.last = await loop.run_in_executor(self.executor, self._max_id)
        except BaseException:
            self.executor.submit(_close_connections)
            self.executor.shutdown(wait=False)
            raise
        self.task = loop.create_task(self._run())

    def _max_id(self) -> int:
        from django.db import close_old_connections
        from django.db.models import Max

        from .models import Outbox

        close_old_connections()
        return Outbox.objects.aggregate(m=Max("id"))["m"] or 0

    async def _run(self):
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    items, full = await loop.run_in_executor(self.executor, self.poll)
                except Exception:  # noqa: BLE001 — a locked or restarting database: next poll
                    log.warning("outbox poll failed", exc_info=True)
                    items, full = [], False
                for gid, m in items:
                    self.local.deliver(gid, m)
                if not full:
                    await asyncio.sleep(RELAY_INTERVAL)
        finally:
            self.executor.submit(_close_connections)
            self.executor.shutdown(wait=True)

    def poll(self) -> tuple[list[tuple[int, dict]], bool]:
        """One round in the relay thread: new rows (and late ones), trimming now and then."""
        from django.db import close_old_connections

        from .models import Outbox

        close_old_connections()
        cols = ("id", "group_id", "message_id", "frame")
        rows = list(
            Outbox.objects.filter(id__gt=self.last).order_by("id").values_list(*cols)[:RELAY_BATCH]
        )
        now = time.monotonic()
        if self.gaps:
            late = list(Outbox.objects.filter(id__in=list(self.gaps)).values_list(*cols))
            for r in late:
                self.gaps.pop(r[0], None)
            self.gaps = {i: t for i, t in self.gaps.items() if now - t < RELAY_GAP_WAIT}
            rows = late + rows
        prev = self.last
        for r in rows:
            if r[0] > prev:
                for missing in range(prev + 1, r[0]):
                    self.gaps.setdefault(missing, now)
                prev = r[0]
        if len(self.gaps) > 10000:  # a huge hole is a reset table, not commits in flight
            self.gaps.clear()
        self.last = prev
        self._trim(now)
        out = [
            (gid, {"type": "chat.event", "group": gid, "id": mid, "frame": frame})
            for _id, gid, mid, frame in rows
        ]
        self.relayed += len(out)
        return out, len(rows) >= RELAY_BATCH

    def _trim(self, now: float) -> None:
        if not self.checkpoints or now - self.checkpoints[-1][0] >= 60:
            self.checkpoints.append((now, self.last))
        old = [c for c in self.checkpoints if now - c[0] >= OUTBOX_KEEP]
        if old:
            from .models import Outbox

            Outbox.objects.filter(id__lte=old[-1][1]).delete()
            self.checkpoints = [c for c in self.checkpoints if now - c[0] < OUTBOX_KEEP]


def _close_connections():
    from django.db import connections

    connections.close_all()


def trim_outbox(keep_seconds: float = OUTBOX_KEEP) -> int:
    """Delete outbox rows older than ``keep_seconds`` (the relays have long pushed them)."""
    import datetime as dt

    from django.utils import timezone

    from .models import Outbox

    cutoff = timezone.now() - dt.timedelta(seconds=keep_seconds)
    return Outbox.objects.filter(created_at__lt=cutoff).delete()[0]


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
