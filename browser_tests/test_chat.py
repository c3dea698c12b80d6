"""Browser test of group chat: two residents of one group exchange messages live over the
WebSocket, and a notice's read count rises as they open it. Needs an ASGI server (WebSockets),
so it starts `gongzhi serve` on a throw-away SQLite database."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from browser_tests.test_smoke import ARGS, CHROMIUM

PASSWORD = "gongzhi-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update(GONGZHI_DATA_DIR=str(tmp_path))
    gz = [sys.executable, "-m", "gongzhi.cli"]
    subprocess.run([*gz, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*gz, "seed", "--scale", "small", "--no-progress"], env=env, check=True, capture_output=True
    )
    # a second resident login in the demo resident's group, and a notice posted by its owner
    script = (
        "from gongzhi.people.models import User, Resident;"
        "from gongzhi.groups.models import Membership as M;"
        "from gongzhi.chat.actions import do_post_notice;"
        "m=M.objects.filter(resident__user__username='resident').order_by('group_id').first();"
        "other=M.objects.filter(group_id=m.group_id, resident__user__isnull=True).first();"
        "u=User.objects.create_user('neighbour', password='gongzhi-demo');"
        "Resident.objects.filter(pk=other.resident_id).update(user=u);"
        "staff=User.objects.get(username='worker');"
        "do_post_notice(staff, m.group_id, '停水通知', '明天9点到12点停水');"
        "print(m.group_id)"
    )
    out = (
        subprocess.run(
            [*gz, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    proc = subprocess.Popen(
        [*gz, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield base, int(out)
    proc.terminate()
    proc.wait(10)


def open_room(browser, base, username, group):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me/")
    page.goto(f"{base}/chats/{group}/")
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    return page


def test_two_residents_chat_live_and_notice_reads_rise(server):
    base, group = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            a = open_room(browser, base, "resident", group)
            b = open_room(browser, base, "neighbour", group)
            a.fill("#text", "邻居好，明天一起去做志愿者吗？")
            a.press("#text", "Enter")
            b.wait_for_selector("text=邻居好，明天一起去做志愿者吗？", timeout=10000)
            b.fill("#text", "好的，八点楼下见")
            b.press("#text", "Enter")
            a.wait_for_selector("text=好的，八点楼下见", timeout=10000)
            # the pinned notice: each click raises the read count, live on the other page
            assert a.locator(".read-count").first.inner_text() == "0"
            a.locator(".mark-read").first.click()
            a.wait_for_function(
                "document.querySelector('.read-count').textContent === '1'", timeout=10000
            )
            b.wait_for_function(
                "document.querySelector('.read-count').textContent === '1'", timeout=10000
            )
            b.locator(".mark-read").first.click()
            a.wait_for_function(
                "document.querySelector('.read-count').textContent === '2'", timeout=10000
            )
        finally:
            browser.close()
