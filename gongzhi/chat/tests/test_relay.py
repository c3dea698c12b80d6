"""Live delivery without Redis from processes that hold no sockets (the huey worker, WSGI, a
shell): their events go through the outbox table, which the ASGI server process tails
(gongzhi/chat/events.py, docs/realtime.md). Delivered after commit, once, in order; a late
commit with a lower id is still found; catch-up and live copies never double."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from gongzhi.chat import actions as A
from gongzhi.chat import events
from gongzhi.chat.consumers import CLOSE_TOO_SLOW, SLOW_LIMIT, ChatConsumer, _Sub
from gongzhi.chat.models import Message, Outbox
from gongzhi.chat.tests.test_scale_out import free_port, login, wait_up
from gongzhi.chat.tests.test_websocket import cookie_for, subscribed
from tests_support import build_district

# transactional tests end by flushing the database: put the migrations' rows (categories …)
# back for the tests this worker runs next
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_initial_data"),
]


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """The outbox carries events only without Redis (with Redis, channels-redis does)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def test_events_of_a_process_without_sockets_reach_the_socket_once_in_order(monkeypatch):
    d = build_district()
    rita, alice = cookie_for(d.users["rita"]), d.users["alice"]

    def as_other_process(fn, *args, **kwargs):
        # what the huey worker sees: no live publisher in this process
        with monkeypatch.context() as m:
            m.setattr(events, "_local_publisher", lambda: None)
            return fn(*args, **kwargs)

    async def scenario():
        comm, _ = await subscribed(rita, d.group_a.pk)
        sent = [
            await sync_to_async(as_other_process)(A.do_send, alice, d.group_a.pk, text=f"第{i}条")
            for i in range(3)
        ]
        assert await Outbox.objects.acount() == 3  # written in the senders' transactions
        got = [await comm.receive_json_from(timeout=5) for _ in range(3)]
        assert [f["message"]["id"] for f in got] == [m.pk for m in sent]
        assert all(f["type"] == "message" and f["group"] == d.group_a.pk for f in got)
        # a notice broadcast by "the worker" reaches the socket too
        n = await sync_to_async(as_other_process)(
            A.do_post_notice, alice, d.group_a.pk, "停水通知", "明天停水"
        )
        f = await comm.receive_json_from(timeout=5)
        assert f["type"] == "message" and f["notice"] == n.pk
        assert await comm.receive_nothing(timeout=0.5)  # nothing twice
        await comm.disconnect()

    async_to_sync(scenario)()


def test_a_rolled_back_change_is_never_relayed(monkeypatch):
    d = build_district()
    rita, alice = cookie_for(d.users["rita"]), d.users["alice"]

    def send_and_roll_back():
        from django.db import transaction

        monkeypatch.setattr(events, "_local_publisher", lambda: None)
        try:
            with transaction.atomic():
                A.do_send(alice, d.group_a.pk, text="不会提交")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        finally:
            monkeypatch.undo()

    async def scenario():
        comm, _ = await subscribed(rita, d.group_a.pk)
        await sync_to_async(send_and_roll_back)()
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()

    async_to_sync(scenario)()
    assert not Outbox.objects.exists() and not Message.objects.exists()


def test_relay_finds_a_late_commit_with_a_lower_id():
    """PostgreSQL hands out ids at insert and commits in any order: a poll can see id 7 before
    id 6 commits. The relay keeps looking for the missing id for a while."""
    relay = events.Relay(local=None)
    try:
        relay.last = 4
        for i in (5, 7):
            Outbox.objects.create(id=i, group_id=1, message_id=100 + i, frame=f'{{"n":{i}}}')
        items, full = relay.poll()
        assert [m["id"] for _g, m in items] == [105, 107] and not full
        assert set(relay.gaps) == {6}
        Outbox.objects.create(id=6, group_id=1, message_id=106, frame='{"n":6}')
        Outbox.objects.create(id=8, group_id=2, message_id=None, frame='{"n":8}')
        items, _ = relay.poll()
        assert [(g, m["id"]) for g, m in items] == [(1, 106), (2, None)]
        assert not relay.gaps and relay.last == 8
        assert relay.poll() == ([], False)  # nothing twice
    finally:
        relay.executor.shutdown()


def _consumer():
    c = ChatConsumer()
    c.subs, out = {}, []
    c._write = out.append
    return c, out


def test_consumer_holds_live_events_during_catch_up_and_drops_doubles():
    c, out = _consumer()
    sub = c.subs[5] = _Sub(10)

    def ev(mid):
        return {"type": "chat.event", "group": 5, "id": mid, "frame": f"m{mid}"}

    c.push_event(ev(13))  # arrives while the backlog is being read: held
    c.push_event(ev(14))
    assert out == []
    sub.sent = {11, 13}  # the catch-up sent 11 and 13 (12 was not committed yet)
    held, sub.held = sub.held, None
    for e in held:
        c._emit(sub, e)
    assert out == ["m14"]  # 13 came in the catch-up already
    c.push_event(ev(11))  # the live copy of 11, published after the backlog was read
    c.push_event(ev(9))  # the client said it has everything up to 10
    c.push_event({"type": "chat.event", "group": 5, "id": None, "frame": "recall"})
    c.push_event(ev(15) | {"group": 6})  # not subscribed
    assert out == ["m14", "recall"]
    # 12, committed late by another process: delivered, not taken for a double
    c.push_event(ev(12))
    assert out == ["m14", "recall", "m12"] and not sub.sent


def test_worker_broadcast_reaches_a_server_process_without_redis(tmp_path):
    """Two real processes, no Redis: `gongzhi serve` holds the socket; a separate process (as
    the huey worker does) stores a broadcast and messages; the server pushes them live."""
    import websockets

    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update(
        GONGZHI_DATA_DIR=str(tmp_path),
        GONGZHI_SECRET_KEY="relay-test-secret-key-0123456789abcdef",
        GONGZHI_TASKS_IMMEDIATE="1",  # the broadcast task runs in the shell process itself
    )
    gz = [sys.executable, "-m", "gongzhi.cli"]
    subprocess.run([*gz, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*gz, "seed", "--scale", "small", "--no-progress"], env=env, check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [*gz, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    script = (
        "from gongzhi.chat import actions as A\n"
        "from gongzhi.groups.models import Membership\n"
        "from gongzhi.people.models import User\n"
        "g = Membership.objects.filter(resident__user__username='resident').first().group_id\n"
        "admin = User.objects.get(username='admin')\n"
        "b = A.do_create_broadcast(admin, title='防汛通知', body='今晚暴雨', selector={})\n"
        "ids = [A.do_send(admin, g, text=f'第{i}条').pk for i in range(3)]\n"
        "print('RESULT', b.pk, g, *ids)\n"
    )
    found = subprocess.run(
        [
            *gz,
            "shell",
            "-c",
            "from django.db.models import Max\n"
            "from gongzhi.chat.models import Message\n"
            "from gongzhi.groups.models import Membership as M\n"
            "g = M.objects.filter(resident__user__username='resident').first().group_id\n"
            "print(g, Message.objects.filter(group_id=g).aggregate(m=Max('id'))['m'] or 0)\n",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    group, last = map(int, found.stdout.split()[-2:])
    try:
        wait_up(port)
        cookie = login(port, "resident")

        async def scenario():
            headers = {"Cookie": cookie, "Origin": "http://127.0.0.1"}
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/chat/", additional_headers=headers
            ) as ws:
                await ws.send(json.dumps({"type": "subscribe", "group": group, "since": last}))
                while json.loads(await ws.recv())["type"] != "subscribed":
                    pass
                out = await asyncio.to_thread(
                    subprocess.run,
                    [*gz, "shell", "-c", script],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
                frames = []
                while len(frames) < 4:
                    f = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if f["type"] == "message":
                        frames.append(f)
                try:
                    extra = await asyncio.wait_for(ws.recv(), 0.7)
                except TimeoutError:
                    extra = None
                return result, frames, extra

        result, frames, extra = asyncio.run(scenario())
    finally:
        server.terminate()
        server.wait(10)
    _tag, _b, group, *ids = result.split()
    assert frames[0]["message"]["kind"] == "notice" and "防汛通知" in frames[0]["message"]["text"]
    assert [f["message"]["id"] for f in frames[1:]] == [int(i) for i in ids]  # in order
    assert all(f["group"] == int(group) for f in frames)
    assert extra is None  # nothing twice


def test_a_socket_that_is_not_writable_gets_its_frames_later_in_order_then_is_closed():
    async def scenario():
        writable = asyncio.Event()
        sent, closed = [], []

        async def transport_send(message):  # what uvicorn does: wait until writable
            await writable.wait()
            if message["type"] == "websocket.close":
                closed.append(message["code"])
            else:
                sent.append(message["text"])

        c = ChatConsumer()
        c.subs, c._queue, c._writer = {}, None, None
        c.base_send = c._frame_send = transport_send
        c.local = type("L", (), {"leave": lambda *a: None})()
        writable.set()
        c._write("a")  # written at once, no task
        assert sent == ["a"] and c._writer is None
        writable.clear()
        for x in "bcd":
            c._write(x)  # b waits for the socket, c and d queue behind it
        assert sent == ["a"]
        writable.set()
        await c._writer
        assert sent == ["a", "b", "c", "d"] and c._queue is None
        writable.clear()
        for i in range(SLOW_LIMIT + 2):
            c._write(f"x{i}")
        writable.set()
        await asyncio.sleep(0.05)
        assert closed == [CLOSE_TOO_SLOW]  # the client reconnects and catches up

    asyncio.run(scenario())


def test_the_redis_receive_loop_stops_when_cancelled_even_if_the_client_hides_it():
    """A channel-layer client that turns a cancellation into another error (a closed
    connection) must not keep the process's receive loop alive: the event loop's shutdown
    waits for every cancelled task, and would wait for ever."""
    import asyncio

    from gongzhi.chat import events

    class HidingLayer:
        async def new_channel(self):
            return "process!1"

        async def receive(self, channel):
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                raise ConnectionError("connection closed") from None

        async def group_add(self, group, channel):
            pass

    async def scenario():
        local = events._Local(asyncio.get_running_loop(), HidingLayer())
        assert local.redis
        await local.ready
        await asyncio.sleep(0.05)  # the receive loop is waiting in receive()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert tasks
        for t in tasks:
            t.cancel()
        done, pending = await asyncio.wait(tasks, timeout=3)
        return pending

    loop = asyncio.new_event_loop()
    try:
        pending = loop.run_until_complete(scenario())
    finally:
        loop.close()  # not asyncio.run: its shutdown would wait for a stuck task for ever
    assert pending == set()
