"""Scale-out: two ASGI server processes share the Redis channel layer. A message sent through
process A reaches a WebSocket connected to process B. Runs where GONGZHI_REDIS_URL is set
(.ci/run's PostgreSQL + Redis stage); the servers use their own throw-away SQLite database."""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

REDIS = os.environ.get("GONGZHI_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="needs GONGZHI_REDIS_URL (the Redis CI stage)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, timeout: float = 30) -> None:
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


def login(port: int, username: str) -> str:
    jar = CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}/accounts/login/"
    page = op.open(base).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "gongzhi-demo", "csrfmiddlewaretoken": token}
    ).encode()
    op.open(urllib.request.Request(base, data, headers={"Referer": base}))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def test_message_sent_through_a_reaches_socket_on_b(tmp_path):
    import websockets

    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update(
        GONGZHI_DATA_DIR=str(tmp_path),
        GONGZHI_REDIS_URL=REDIS,
        GONGZHI_SECRET_KEY="scale-out-test-secret-key-0123456789abcdef",
    )
    gz = [sys.executable, "-m", "gongzhi.cli"]
    subprocess.run([*gz, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*gz, "seed", "--scale", "small", "--no-progress"], env=env, check=True, capture_output=True
    )
    group = int(
        subprocess.run(
            [
                *gz,
                "shell",
                "-c",
                "from gongzhi.groups.models import Membership as M;"
                "print(M.objects.filter(resident__user__username='resident').first().group_id)",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [*gz, "serve", "--port", str(p)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    try:
        for p in ports:
            wait_up(p)
        cookie = login(ports[0], "resident")

        async def scenario():
            headers = {"Cookie": cookie, "Origin": "http://127.0.0.1"}
            url = "ws://127.0.0.1:{}/ws/chat/"
            async with (
                websockets.connect(url.format(ports[1]), additional_headers=headers) as on_b,
                websockets.connect(url.format(ports[0]), additional_headers=headers) as on_a,
            ):
                for ws in (on_a, on_b):
                    await ws.send(json.dumps({"type": "subscribe", "group": group, "since": 0}))
                    while json.loads(await ws.recv())["type"] != "subscribed":
                        pass
                await on_a.send(
                    json.dumps(
                        {"type": "send", "group": group, "text": "跨进程消息", "client_id": "x-1"}
                    )
                )
                while True:
                    f = json.loads(await asyncio.wait_for(on_b.recv(), 10))
                    if f["type"] == "message":
                        return f["message"]

        msg = asyncio.run(scenario())
        assert msg["text"] == "跨进程消息" and msg["client_id"] == "x-1"
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
