"""The WebSocket protocol (docs/realtime.md) end to end through the ASGI application: session
authentication, live delivery after commit, catch-up after reconnect without loss or doubles,
and outsiders refused."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from gongzhi.asgi import application
from gongzhi.chat import actions as A
from tests_support import build_district

# transactional tests end by flushing the database: put the migrations' rows (categories …)
# back for the tests this worker runs next
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_initial_data"),
]


def cookie_for(user) -> list[tuple[bytes, bytes]]:
    c = Client()
    c.force_login(user)
    return [
        (b"cookie", f"sessionid={c.cookies['sessionid'].value}".encode()),
        (b"origin", b"http://testserver"),
    ]


async def connect(headers=None):
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=headers or [])
    ok, code = await comm.connect()
    return comm, ok, code


async def frames_until(comm, kind, limit=50):
    out = []
    for _ in range(limit):
        f = await comm.receive_json_from(timeout=5)
        out.append(f)
        if f["type"] == kind:
            return out
    raise AssertionError(f"no {kind} frame")


async def subscribed(headers, group_id: int, since: int = 0):
    """A socket of the user in ``headers``, connected and subscribed to ``group_id`` from
    ``since``: the socket and the frames up to and including ``subscribed`` (the catch-up)."""
    comm, ok, _ = await connect(headers)
    assert ok
    await comm.send_json_to({"type": "subscribe", "group": group_id, "since": since})
    return comm, await frames_until(comm, "subscribed")


def test_live_delivery_and_reconnect_catch_up_without_loss_or_doubles():
    d = build_district()
    rita, alice = cookie_for(d.users["rita"]), d.users["alice"]
    send = sync_to_async(A.do_send)

    async def scenario():
        comm, frames = await subscribed(rita, d.group_a.pk)
        assert frames[-1]["last_id"] == 0
        m1 = await send(alice, d.group_a.pk, text="大家好，明天停水")
        f = await comm.receive_json_from(timeout=5)
        assert f["type"] == "message" and f["message"]["id"] == m1.pk
        # send through the socket with a client id: ack, then the echo of the same message
        await comm.send_json_to(
            {"type": "send", "group": d.group_a.pk, "text": "收到", "client_id": "rita-1"}
        )
        got = [await comm.receive_json_from(timeout=5) for _ in range(2)]
        ack = next(x for x in got if x["type"] == "ack")
        echo = next(x for x in got if x["type"] == "message")
        assert ack["id"] == echo["message"]["id"]
        last = ack["id"]
        await comm.disconnect()
        # while rita is away
        m3 = await send(alice, d.group_a.pk, text="停水时间改为下午")
        m4 = await send(alice, d.group_a.pk, text="请互相转告")
        comm, frames = await subscribed(rita, d.group_a.pk, since=last)
        ids = [x["message"]["id"] for x in frames if x["type"] == "message"]
        assert ids == [m3.pk, m4.pk]
        # a retried send with the same client id is acknowledged with the same message
        await comm.send_json_to(
            {"type": "send", "group": d.group_a.pk, "text": "收到", "client_id": "rita-1"}
        )
        again = await comm.receive_json_from(timeout=5)
        assert again["type"] == "ack" and again["id"] == last
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    async_to_sync(scenario)()


def test_outsiders_and_anonymous_are_refused():
    d = build_district()
    rob = cookie_for(d.users["rob"])

    async def scenario():
        comm, ok, code = await connect([(b"origin", b"http://testserver")])
        assert not ok and code == 4401  # no session
        comm, ok, code = await connect([(b"origin", b"http://evil.example")])
        assert not ok  # foreign origin
        comm, ok, _ = await connect(rob)
        assert ok
        await comm.send_json_to({"type": "subscribe", "group": d.group_a.pk, "since": 0})
        f = await comm.receive_json_from(timeout=5)
        assert f == {"type": "error", "code": "not_found", "group": d.group_a.pk}
        await comm.send_json_to({"type": "send", "group": d.group_a.pk, "text": "越界"})
        f = await comm.receive_json_from(timeout=5)
        assert f["type"] == "error" and f["code"] == "not_found"
        # and nothing of group A reaches rob
        await sync_to_async(A.do_send)(d.users["alice"], d.group_a.pk, text="只给甲社区")
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    async_to_sync(scenario)()
    from gongzhi.chat.models import Message

    assert Message.objects.filter(text="越界").count() == 0


def test_notice_read_count_rises_live():
    d = build_district()
    rita = cookie_for(d.users["rita"])

    async def scenario():
        n = await sync_to_async(A.do_post_notice)(
            d.users["alice"], d.group_a.pk, "防汛通知", "今晚暴雨"
        )
        comm, _ = await subscribed(rita, d.group_a.pk)
        await sync_to_async(A.do_read_notice)(d.users["rita"], n.pk)
        f = await comm.receive_json_from(timeout=5)
        assert f["type"] == "notice_read" and f["read"] == 1 and f["total"] == 2
        await comm.disconnect()

    async_to_sync(scenario)()


def test_a_member_removed_from_the_group_stops_receiving_live(monkeypatch):
    from gongzhi.chat import consumers

    monkeypatch.setattr(consumers, "RECHECK_EVERY", 0.0)  # check on every event
    d = build_district()
    rita, alice = cookie_for(d.users["rita"]), d.users["alice"]
    send = sync_to_async(A.do_send)

    async def scenario():
        comm, _ = await subscribed(rita, d.group_a.pk)
        m1 = await send(alice, d.group_a.pk, text="第一条")
        assert (await comm.receive_json_from(timeout=5))["message"]["id"] == m1.pk
        await sync_to_async(d.membership_a.delete)()  # rita leaves (or is removed)
        await send(alice, d.group_a.pk, text="第二条")
        frames = await frames_until(comm, "unsubscribed")
        assert frames[-1] == {"type": "unsubscribed", "group": d.group_a.pk, "reason": "no_access"}
        # at most the event that triggered the check slipped through; nothing after it
        await send(alice, d.group_a.pk, text="第三条，只给成员")
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()

    async_to_sync(scenario)()
