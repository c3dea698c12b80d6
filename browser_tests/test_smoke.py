"""Browser smoke test: Playwright drives Debian's chromium against a live server.

Run by .ci/run (and `make test-browser`); needs /usr/bin/chromium (apt package ``chromium``).
"""

import io
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from gongzhi.seed.builder import DEMO_PASSWORD

CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def seeded(transactional_db):
    call_command("seed", "--scale", "small", "--no-progress", stdout=io.StringIO())


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_resident_and_worker_reach_their_home_pages(seeded, live_server, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    login(page, live_server.url, "resident")
    assert page.url.endswith("/me/")
    assert page.locator("h2", has_text="我的群").count() == 1
    assert page.locator("text=群").count() > 0
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    login(page, live_server.url, "worker")
    assert page.url.endswith("/console/")
    assert page.locator("h1", has_text="工作台").count() == 1
    # open a resident and unmask the phone through htmx: the value appears, audited
    page.click("text=居民")
    page.locator("table a").first.click()
    page.fill("input[name=reason]", "上门核实")
    page.click("button:has-text('显示')")
    page.wait_for_selector("#unmasked table")
    assert page.locator("#unmasked td").count() >= 1
    ctx.close()
