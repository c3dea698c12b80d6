"""Genuine WeChat/WeCom callbacks built with wechatpy itself, and a local stand-in for the
WeChat/WeCom HTTP APIs (http.server on 127.0.0.1) that records what it is sent."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import cache
from wechatpy.utils import check_signature

WX_TOKEN = "wx-test-token"
WX_APPID = "wx0123456789abcdef"
WX_AES = base64.b64encode(b"W" * 32).decode().rstrip("=")
WC_TOKEN = "wecom-test-token"
WC_CORPID = "ww0123456789abcdef"
WC_AES = base64.b64encode(b"Q" * 32).decode().rstrip("=")


@pytest.fixture(autouse=True)
def fresh_state():
    from gongzhi.assistant import service

    cache.clear()
    service.reset()
    yield
    cache.clear()
    service.reset()


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def query(token: str, **extra) -> dict:
    """timestamp/nonce/signature as WeChat sends them (checked with wechatpy's own check)."""
    ts, nonce = str(int(time.time())), secrets.token_hex(5)
    sig = sign(token, ts, nonce)
    check_signature(token, sig, ts, nonce)
    return {"timestamp": ts, "nonce": nonce, "signature": sig, **extra}


def url(path: str, params: dict) -> str:
    return f"{path}?{urlencode(params)}"


def text_xml(source: str, content: str, msg_id: int, to: str = "gh_test", agent: str = "") -> str:
    agent_xml = f"<AgentID>{agent}</AgentID>" if agent else ""
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{source}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>{agent_xml}</xml>"
    )


def event_xml(source: str, event: str, to: str = "gh_test") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{source}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


@pytest.fixture
def wechat(settings):
    settings.GONGZHI_WECHAT_TOKEN = WX_TOKEN
    settings.GONGZHI_WECHAT_AES_KEY = WX_AES
    settings.GONGZHI_WECHAT_APPID = WX_APPID
    settings.GONGZHI_WECHAT_SECRET = ""
    return settings


@pytest.fixture
def wecom(settings):
    settings.GONGZHI_WECOM_TOKEN = WC_TOKEN
    settings.GONGZHI_WECOM_AES_KEY = WC_AES
    settings.GONGZHI_WECOM_CORPID = WC_CORPID
    settings.GONGZHI_WECOM_AGENTID = "1000002"
    settings.GONGZHI_WECOM_SECRET = ""
    return settings


class _Recorder(BaseHTTPRequestHandler):
    calls: list  # set per server

    def _answer(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = raw
        self.server.calls.append(
            SimpleNamespace(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                json=body,
            )
        )
        if parts.path.endswith(("/cgi-bin/token", "/cgi-bin/gettoken")):
            out = {"access_token": "FAKE-ACCESS-TOKEN", "expires_in": 7200}
        else:
            out = {"errcode": 0, "errmsg": "ok"}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def fake_api(monkeypatch):
    """A local HTTP server standing in for api.weixin.qq.com / qyapi.weixin.qq.com."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    yield SimpleNamespace(base=base, calls=server.calls)
    server.shutdown()
    server.server_close()
