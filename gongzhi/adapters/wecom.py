"""WeCom (企业微信): the application callback (always encrypted), outbound application messages
and the group-robot webhook used for notices and broadcasts.

Callback ``/channels/wecom/``: GET is WeCom's URL verification (the echostr is decrypted and
returned); POST takes an encrypted message, hands it to the dispatcher and answers with an
encrypted passive reply."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from . import base, callback
from .callback import BadRequest, Forbidden

CHANNEL = "wecom"
DEFAULT_API_BASE = "https://qyapi.weixin.qq.com/"
MAX_MARKDOWN_BYTES = 4000  # the robot takes at most 4096 bytes of markdown


@dataclass(frozen=True)
class Config:
    token: str
    aes_key: str
    corpid: str
    agentid: str
    secret: str
    api_base: str
    robot_url: str

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.aes_key and self.corpid)


def config() -> Config:
    def get(name: str) -> str:
        return str(getattr(settings, f"GONGZHI_WECOM_{name}", "") or "").strip()

    return Config(
        token=get("TOKEN"),
        aes_key=get("AES_KEY"),
        corpid=get("CORPID"),
        agentid=get("AGENTID"),
        secret=get("SECRET"),
        api_base=callback.api_base(get("API_BASE"), DEFAULT_API_BASE),
        robot_url=get("ROBOT_URL"),
    )


def crypto(cfg: Config):
    from wechatpy.enterprise.crypto import WeChatCrypto

    return WeChatCrypto(cfg.token, cfg.aes_key, cfg.corpid)


def client(cfg: Config | None = None):
    from wechatpy.enterprise import WeChatClient

    cfg = cfg or config()
    c = WeChatClient(cfg.corpid, cfg.secret, session=callback.CacheStorage(CHANNEL))
    return callback.prepare_client(
        c, cfg.api_base, "cgi-bin/gettoken", {"corpid": cfg.corpid, "corpsecret": cfg.secret}
    )


def to_inbound(msg) -> base.InboundMessage:
    kind, text = base.UNSUPPORTED, ""
    if msg.type == "text":
        kind, text = base.TEXT, msg.content if isinstance(msg.content, str) else ""
    elif msg.type == "event" or getattr(msg, "_data", {}).get("MsgType") == "event":
        event = (getattr(msg, "event", "") or "").lower()
        kind = {"subscribe": base.SUBSCRIBE, "unsubscribe": base.UNSUBSCRIBE}.get(
            event, base.IGNORE
        )
    return base.InboundMessage(CHANNEL, msg.source, text, kind, raw=msg)


def _open(cfg: Config, encrypted: str, sig, ts: str, nonce: str, what: str) -> str:
    """Check the signature over ``encrypted`` and decrypt it."""
    from wechatpy.enterprise.exceptions import InvalidCorpIdException

    callback.check(sig, cfg.token, ts, nonce, encrypted)
    try:
        c = crypto(cfg)  # a mistyped AES key fails here
        if what == "echostr":
            return c.check_signature(sig, ts, nonce, encrypted)
        return c.decrypt_message({"Encrypt": encrypted}, sig, ts, nonce)
    except InvalidCorpIdException as exc:
        raise Forbidden("message for another CorpID") from exc
    except Exception as exc:
        callback.log.warning("wecom: could not decrypt a signed %s; check the AES key", what)
        raise BadRequest("cannot decrypt") from exc


def handle(request):
    cfg = config()
    if not cfg.enabled:
        return callback.disabled(
            "The WeCom channel", "GONGZHI_WECOM_TOKEN, GONGZHI_WECOM_AES_KEY, GONGZHI_WECOM_CORPID"
        )
    q = request.GET
    ts, nonce, sig = q.get("timestamp", ""), q.get("nonce", ""), q.get("msg_signature")
    try:
        if request.method == "GET":
            echo = q.get("echostr", "")
            if not echo:
                raise BadRequest("no echostr")
            plain = _open(cfg, echo, sig, ts, nonce, "echostr")
            return callback.HttpResponse(plain, content_type="text/plain")
        outer = callback.parse_xml(request.body)
        encrypted = outer.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise BadRequest("no Encrypt element")
        xml = _open(cfg, encrypted, sig, ts, nonce, "message")
        from wechatpy.enterprise import parse_message

        msg = callback.parse_message(xml, parse_message)
    except Forbidden:
        return callback.forbidden()
    except BadRequest:
        return callback.bad_request("malformed message")
    reply = callback.answer(CHANNEL, msg, to_inbound)
    if not reply:
        return callback.success()
    from wechatpy.enterprise.replies import TextReply

    out = TextReply(message=msg, content=base.clip(reply)).render()
    return callback.xml_response(crypto(cfg).encrypt_message(out, nonce, ts))


class RobotError(Exception):
    pass


def robot_broadcast(title: str, body: str, url: str | None = None) -> dict:
    """Post a notice to a WeCom group robot as markdown. Returns WeCom's JSON answer."""
    url = url or config().robot_url
    if not url:
        raise RobotError("no robot webhook URL (GONGZHI_WECOM_ROBOT_URL)")
    content = base.clip(f"## {title.strip()}\n{body.strip()}", MAX_MARKDOWN_BYTES)
    payload = {"msgtype": "markdown", "markdown": {"content": content}}
    try:
        resp = callback.TimeoutSession().post(url, json=payload)
        resp.raise_for_status()
        data = resp.json()
    except (requests.RequestException, ValueError) as exc:
        # the URL carries the robot's key: report the kind of failure only
        raise RobotError(f"robot webhook failed ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("errcode", 0) != 0:
        errcode = data.get("errcode") if isinstance(data, dict) else None
        raise RobotError(f"robot webhook refused the message (errcode {errcode})")
    return data


class WeComAdapter(base.Adapter):
    channel = CHANNEL

    def __init__(self, cfg: Config | None = None):
        self.cfg = cfg or config()

    @property
    def can_push(self) -> bool:
        return bool(self.cfg.corpid and self.cfg.secret and self.cfg.agentid)

    def send_text(self, external_user: str, text: str) -> None:
        """Application text message to one member (userid)."""
        if not self.can_push:
            raise RuntimeError("GONGZHI_WECOM_CORPID, _SECRET and _AGENTID are required")
        client(self.cfg).message.send_text(int(self.cfg.agentid), [external_user], base.clip(text))

    def send_notice(self, title: str, body: str) -> int:
        """The notice through the group robot (1 if delivered, 0 if no robot is configured)."""
        if not self.cfg.robot_url:
            return 0
        robot_broadcast(title, body, self.cfg.robot_url)
        return 1
