"""WeChat Official Account (服务号): the server callback (plain and AES safe mode) and outbound
customer-service messages.

Callback ``/channels/wechat/``: GET answers WeChat's URL check (echostr after the signature
check); POST takes a message, hands it to the dispatcher and answers with a passive reply,
encrypted when the message came encrypted. Outbound uses the customer-service message API
(within 48 hours of the user's last message, as WeChat allows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from . import base, callback
from .callback import BadRequest, Forbidden

CHANNEL = "wechat"
DEFAULT_API_BASE = "https://api.weixin.qq.com/"


@dataclass(frozen=True)
class Config:
    token: str
    aes_key: str
    appid: str
    secret: str
    api_base: str

    @property
    def enabled(self) -> bool:
        return bool(self.token)


def config() -> Config:
    def get(name: str) -> str:
        return (getattr(settings, f"GONGZHI_WECHAT_{name}", "") or "").strip()

    return Config(
        token=get("TOKEN"),
        aes_key=get("AES_KEY"),
        appid=get("APPID"),
        secret=get("SECRET"),
        api_base=callback.api_base(get("API_BASE"), DEFAULT_API_BASE),
    )


def crypto(cfg: Config):
    from wechatpy.crypto import WeChatCrypto

    return WeChatCrypto(cfg.token, cfg.aes_key, cfg.appid)


def client(cfg: Config | None = None):
    from wechatpy import WeChatClient

    cfg = cfg or config()
    c = WeChatClient(cfg.appid, cfg.secret, session=callback.CacheStorage(CHANNEL))
    return callback.prepare_client(
        c,
        cfg.api_base,
        "cgi-bin/token",
        {"grant_type": "client_credential", "appid": cfg.appid, "secret": cfg.secret},
    )


def to_inbound(msg) -> base.InboundMessage:
    """wechatpy message/event → platform event."""
    kind, text = base.UNSUPPORTED, ""
    if msg.type == "text":
        kind, text = base.TEXT, msg.content if isinstance(msg.content, str) else ""
    elif msg.type == "voice" and isinstance(getattr(msg, "recognition", None), str):
        kind, text = base.TEXT, msg.recognition  # speech recognition switched on in the console
    elif msg.type == "event" or getattr(msg, "_data", {}).get("MsgType") == "event":
        event = (getattr(msg, "event", "") or "").lower()
        if event in ("subscribe", "subscribe_scan"):
            kind = base.SUBSCRIBE
        elif event == "unsubscribe":
            kind = base.UNSUBSCRIBE
        else:
            kind = base.IGNORE
    return base.InboundMessage(CHANNEL, msg.source, text, kind, raw=msg)


def handle(request):
    cfg = config()
    if not cfg.enabled:
        return callback.disabled("The WeChat Official Account channel", "GONGZHI_WECHAT_TOKEN")
    q = request.GET
    ts, nonce = q.get("timestamp", ""), q.get("nonce", "")
    try:
        if request.method == "GET":
            callback.check(q.get("signature"), cfg.token, ts, nonce)
            return callback.HttpResponse(q.get("echostr", ""), content_type="text/plain")
        encrypted = q.get("encrypt_type", "").lower() == "aes"
        if encrypted:
            xml = _decrypt(cfg, request.body, q, ts, nonce)
        else:
            callback.check(q.get("signature"), cfg.token, ts, nonce)
            callback.check_body(request.body)
            xml = request.body.decode("utf-8", "strict")
        from wechatpy import parse_message

        msg = callback.parse_message(xml, parse_message)
    except Forbidden:
        return callback.forbidden()
    except (BadRequest, UnicodeDecodeError):
        return callback.bad_request("malformed message")
    reply = callback.answer(CHANNEL, msg, to_inbound)
    if not reply:
        return callback.success()
    from wechatpy.replies import TextReply

    out = TextReply(message=msg, content=base.clip(reply)).render()
    if encrypted:
        out = crypto(cfg).encrypt_message(out, nonce, ts)
    return callback.xml_response(out)


def _decrypt(cfg: Config, body: bytes, q, ts: str, nonce: str) -> str:
    from wechatpy.exceptions import InvalidAppIdException

    if not (cfg.aes_key and cfg.appid):
        callback.log.warning("wechat: encrypted message but GONGZHI_WECHAT_AES_KEY/APPID unset")
        raise Forbidden("cannot verify encrypted messages")
    outer = callback.parse_xml(body)
    encrypt = outer.get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise BadRequest("no Encrypt element")
    if q.get("signature") is not None:
        callback.check(q.get("signature"), cfg.token, ts, nonce)
    callback.check(q.get("msg_signature"), cfg.token, ts, nonce, encrypt)
    try:
        return crypto(cfg).decrypt_message({"Encrypt": encrypt}, q["msg_signature"], ts, nonce)
    except InvalidAppIdException as exc:
        raise Forbidden("message for another AppID") from exc
    except Exception as exc:  # bad base64/padding: the AES key does not match
        callback.log.warning("wechat: could not decrypt a signed message; check the AES key")
        raise BadRequest("cannot decrypt") from exc


class WeChatAdapter(base.Adapter):
    channel = CHANNEL

    def __init__(self, cfg: Config | None = None):
        self.cfg = cfg or config()

    @property
    def can_push(self) -> bool:
        return bool(self.cfg.appid and self.cfg.secret)

    def send_text(self, external_user: str, text: str) -> None:
        """Customer-service text message to one openid."""
        if not self.can_push:
            raise RuntimeError("GONGZHI_WECHAT_APPID and GONGZHI_WECHAT_SECRET are required")
        client(self.cfg).message.send_text(external_user, base.clip(text))

    def send_notice(self, title: str, body: str) -> int:
        """The notice as a text message to every bound follower WeChat still lets us reach."""
        from .models import ChannelIdentity

        sent = 0
        text = f"【{title}】\n{body}"
        ids = ChannelIdentity.objects.filter(channel=CHANNEL).exclude(user=None)
        for ext in ids.values_list("external_id", flat=True).iterator():
            try:
                self.send_text(ext, text)
                sent += 1
            except Exception as exc:  # e.g. 45015: the follower has not written for 48 hours
                callback.log.info("wechat notice not delivered: %s", type(exc).__name__)
        return sent
