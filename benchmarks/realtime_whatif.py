"""What-if settings for benchmarks/realtime.py (`--what-if`): the server-side fixes proposed by the
real-time benchmark, applied from outside the project code so their effect can be measured
before anyone changes gongzhi/. NOT for production — the real fixes belong in gongzhi/settings.py
and gongzhi/chat/consumers.py (see the benchmark report).

Historical: points 2-4 and 6 are now done in gongzhi/chat itself (consumers.py: no per-event
connection clean-up, no per-socket channel-layer path; events.py: ordered publisher on the
loop, outbox relay from the worker without Redis). Kept to reproduce the earlier comparison;
on the current code only point 1 (CONN_MAX_AGE=None) still changes anything.

1. SQLite connections persist (CONN_MAX_AGE=None instead of 0). With 0, every
   database_sync_to_async call opens a new SQLite connection and closes it again; closing the
   last connection to a WAL database checkpoints the WAL and deletes it (fsyncs), ~30 ms per
   call on this machine.
2. ChatConsumer.dispatch without channels' per-event `aclose_old_connections()` (channels >= 4.2
   sends every delivered event through the single thread-sensitive DB thread first, although
   chat_event touches no database; every DB call of the consumer already goes through
   database_sync_to_async, which closes old connections itself).
3. In-memory channel layer: channels' InMemoryChannelLayer runs `_clean_expired()` — a walk over
   every channel queue and every group membership — on every receive(), i.e. once per delivered
   event per socket: O(sockets) per delivery, O(sockets x fan-out) per message. Here the walk
   runs at most once a second.
4. Live events are published without blocking the DB thread: events.send_on_commit calls
   async_to_sync(layer.group_send), so the single thread-sensitive DB thread waits for the busy
   event loop after every commit (half its time under load). Here the group_send is handed to
   one ordered publisher task on the server's loop (order per process kept: the consumer drops
   an id lower than the last it sent, so publishes must not overtake each other).
5. Redis layer: capacity of the server process's inbound key raised from 100 to 20,000 (a
   broadcast to 1,160 groups overflowed it: notices dropped).
6. huey worker (SQLite queue) polls at most every 0.5 s instead of backing off to 10 s.
   (Without Redis, the in-memory layer cannot carry a broadcast from the worker process to the
   server's sockets at all; `--what-if` without `--redis` used to run tasks in the server
   process, HUEY immediate. The outbox relay now carries it, and the worker runs as in
   production.)
"""

import asyncio
import logging
import os
import time

from channels.layers import InMemoryChannelLayer

from gongzhi.settings import *  # noqa: F403
from gongzhi.settings import DATABASES, HUEY, REDIS_URL

DATABASES["default"]["CONN_MAX_AGE"] = None
HUEY = {**HUEY, "consumer": {**HUEY["consumer"], "max_delay": 0.5}}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "benchmarks.realtime_whatif.WhatIfRedisChannelLayer",
            # channels_redis queues everything for one server process under ONE Redis key
            # (specific.<process>!); its capacity (default 100) is per process, not per socket,
            # and group_send drops silently (an INFO line in the sender's log) beyond it.
            "CONFIG": {"hosts": [REDIS_URL], "channel_capacity": {"specific.*": 20000}},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "benchmarks.realtime_whatif.WhatIfInMemoryChannelLayer"}
    }
    # (HUEY["immediate"] = True used to stand in for the missing worker → server path here; the
    # outbox relay in gongzhi/chat/events.py carries it now, and `gongzhi run_huey` refuses to
    # start with an immediate queue.)


def _patch_consumer():
    from channels.consumer import get_handler_name

    from gongzhi.chat.consumers import ChatConsumer

    if getattr(ChatConsumer, "_whatif", False):
        return

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    ChatConsumer.dispatch = dispatch
    ChatConsumer._whatif = True
    from gongzhi.chat import events

    events.async_to_sync = _publish_async_to_sync


_queues: dict = {}


def _publish_async_to_sync(fn):
    import asgiref.sync

    loop = None
    if getattr(asgiref.sync.SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid():
        loop = getattr(asgiref.sync.SyncToAsync.threadlocal, "main_event_loop", None)
    if getattr(fn, "__name__", "") != "group_send" or loop is None or not loop.is_running():
        return asgiref.sync.async_to_sync(fn)

    def enqueue(*args, **kwargs):
        loop.call_soon_threadsafe(_put, loop, fn, args, kwargs)

    return enqueue


def _put(loop, fn, args, kwargs):
    q = _queues.get(loop)
    if q is None:
        q = _queues[loop] = asyncio.Queue()
        loop.create_task(_drain(q))
    q.put_nowait((fn, args, kwargs))


async def _drain(q):
    while True:
        fn, args, kwargs = await q.get()
        try:
            await fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 — as events.send_on_commit: stored, clients catch up
            logging.getLogger("gongzhi.chat.events").exception("live delivery failed")


class WhatIfInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._last_clean = 0.0
        _patch_consumer()

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_clean >= 1.0:
            self._last_clean = now
            super()._clean_expired()


def _redis_layer():
    from channels_redis.core import RedisChannelLayer

    class WhatIfRedisChannelLayer(RedisChannelLayer):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            _patch_consumer()

    return WhatIfRedisChannelLayer


def __getattr__(name):  # the Redis class only when asked for (channels_redis is optional)
    if name == "WhatIfRedisChannelLayer":
        return _redis_layer()
    raise AttributeError(name)
