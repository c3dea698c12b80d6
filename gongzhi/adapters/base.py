"""The adapter interface and the one dispatcher every channel shares.

A channel turns what arrives into an :class:`InboundMessage` and calls :func:`dispatch`, which
answers with the text to send back (or ``None`` for no reply). Text goes to 小栖 through
``assistant.actions.do_ask`` (so every exchange is logged with the channel's name); a few short
commands are understood first:

``绑定 123456``  bind this outside account to the platform user who got the code on their page
``解绑``         undo it
``提交``         open a work order from 小栖's last hand-off reply (bound residents only)

Outbound, each channel implements :class:`Adapter`: ``send_text(external_user, text)`` and
``send_notice(title, body)``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from gongzhi.core.errors import ActionError

from . import binding

log = logging.getLogger("gongzhi.adapters")

TEXT = "text"  # a question or command
SUBSCRIBE = "subscribe"  # followed the account / entered the app
UNSUBSCRIBE = "unsubscribe"
UNSUPPORTED = "unsupported"  # image, voice without recognition, location, link, …
IGNORE = "ignore"  # menu clicks, location reports and other events: no reply
KINDS = (TEXT, SUBSCRIBE, UNSUBSCRIBE, UNSUPPORTED, IGNORE)

MAX_REPLY_BYTES = 2000  # WeChat/WeCom text messages take at most 2048 bytes
CONTEXT_TTL = 30 * 60  # follow-up questions within half an hour keep 小栖's context
HANDOFF_WINDOW = 30 * 60

WELCOME = (
    "你好，我是社区智能助手小栖。政策办事、社区服务的问题可以直接发文字问我；"
    "遇到需要现场处理的问题，我可以帮你提交诉求工单。\n"
    "已在共治平台登记的居民：在「我的」页面获取绑定码，发送「绑定 绑定码」即可绑定账号。\n"
    "紧急情况请直接拨打110、119或120。"
)
UNSUPPORTED_TEXT = (
    "小栖目前只能看懂文字消息，请用文字描述你的问题。紧急情况请直接拨打110、119或120。"
)
BIND_HINT = (
    "绑定账号后可以直接在这里提交工单：在共治平台「我的」页面获取绑定码，然后发送「绑定 绑定码」。"
)
SUBMIT_HINT = "需要的话，回复「提交」，我来帮你提交诉求工单。"
BIND_HELP = "请发送「绑定」加上6位绑定码，例如：绑定 123456。绑定码在共治平台「我的」页面获取。"

_BIND_RE = re.compile(r"^绑定\s*[:：]?\s*(\d{6})$")
_UNBIND = {"解绑", "解除绑定", "取消绑定"}
_SUBMIT = {"提交", "提交工单", "确认提交"}


@dataclass
class InboundMessage:
    """One message from an outside channel, as a platform event."""

    channel: str  # "web", "wechat", "wecom"
    external_user: str  # openid / userid (web: the platform user's id)
    text: str = ""
    kind: str = TEXT
    raw: Any = field(default=None, repr=False, compare=False)  # the channel's parsed message


class Adapter:
    """Outbound side of a channel."""

    channel = ""

    @property
    def can_push(self) -> bool:
        """Whether the channel can send messages on its own (not only as a passive reply)."""
        return False

    def send_text(self, external_user: str, text: str) -> None:
        raise NotImplementedError

    def send_notice(self, title: str, body: str) -> int:
        """Send a notice to the channel's audience; returns how many deliveries were made."""
        raise NotImplementedError


def get_adapter(channel: str) -> Adapter | None:
    if channel == "wechat":
        from .wechat import WeChatAdapter

        return WeChatAdapter()
    if channel == "wecom":
        from .wecom import WeComAdapter

        return WeComAdapter()
    return None


def clip(text: str, limit: int = MAX_REPLY_BYTES) -> str:
    """Cut a reply to the channel's byte limit on a character boundary."""
    text = (text or "").replace("]]>", "]] >")  # keeps the CDATA of XML replies intact
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


# --- dispatcher ------------------------------------------------------------------------------


def _identity(msg: InboundMessage):
    from .models import ChannelIdentity

    ident, _created = ChannelIdentity.objects.get_or_create(
        channel=msg.channel, external_id=msg.external_user
    )
    return ident


def _user_of(msg: InboundMessage):
    """(platform user or None, identity or None)."""
    if msg.channel == "web":
        from gongzhi.people.models import User

        return User.objects.filter(pk=msg.external_user, is_active=True).first(), None
    ident = _identity(msg)
    user = ident.user if ident.user_id and ident.user.is_active else None
    return user, ident


def _resident_of(user):
    from gongzhi.people.models import Resident

    if user is None:
        return None
    return Resident.objects.filter(user_id=user.pk).first()


def dispatch(msg: InboundMessage) -> str | None:
    """Handle one inbound message; return the reply text (None: send nothing)."""
    if msg.kind not in KINDS:
        raise ValueError(f"unknown inbound kind {msg.kind!r}")
    tag = binding.pseudonym(msg.external_user)
    log.info("%s inbound %s from %s", msg.channel, msg.kind, tag)
    if msg.kind == IGNORE:
        return None
    if msg.kind == UNSUBSCRIBE:
        from .models import ChannelIdentity

        # the person left: forget the outside account (and with it any binding)
        ChannelIdentity.objects.filter(channel=msg.channel, external_id=msg.external_user).delete()
        return None
    user, ident = _user_of(msg)
    if msg.kind == SUBSCRIBE:
        return WELCOME
    if msg.kind == UNSUPPORTED:
        return UNSUPPORTED_TEXT
    text = (msg.text or "").strip()
    if not text:
        return UNSUPPORTED_TEXT
    if msg.channel != "web":
        command = _command(msg, text, user)
        if command is not None:
            return clip(command)
    return clip(_ask(msg, text, user))


def _command(msg: InboundMessage, text: str, user) -> str | None:
    compact = re.sub(r"\s+", " ", text)
    m = _BIND_RE.match(compact)
    if m:
        try:
            ident = binding.redeem(msg.channel, msg.external_user, m.group(1))
        except binding.BindError as exc:
            return str(exc)
        log.info("%s identity %s bound", msg.channel, binding.pseudonym(ident.external_id))
        return "绑定成功。现在可以直接在这里咨询小栖、提交诉求工单了。发送「解绑」可随时解除绑定。"
    if compact in ("绑定", "绑定账号"):
        return BIND_HELP
    if compact in _UNBIND:
        if binding.unbind(msg.channel, msg.external_user):
            return "已解除绑定。"
        return "当前没有绑定账号。"
    if compact in _SUBMIT:
        return _submit(msg, user)
    return None


def _context_key(msg: InboundMessage) -> str:
    return f"adapters:ctx:{msg.channel}:{binding.pseudonym(msg.external_user)}"


def _ask(msg: InboundMessage, text: str, user) -> str:
    from gongzhi.assistant.actions import do_ask

    key = _context_key(msg)
    context = cache.get(key) or {}
    try:
        reply, _ex = do_ask(user, text, context=context, channel=msg.channel)
    except ActionError as exc:
        return exc.message
    cache.set(key, reply.context or {}, CONTEXT_TTL)
    out = reply.text
    if reply.kind == "handoff":
        out += "\n\n" + (SUBMIT_HINT if _resident_of(user) is not None else BIND_HINT)
    elif reply.kind == "answer" and reply.suggestions:
        out += "\n\n你可能还想问：\n" + "\n".join(f"· {q}" for _id, q in reply.suggestions[:3])
    return out


def _last_handoff(user, channel: str):
    from gongzhi.assistant.models import Exchange

    ex = Exchange.objects.filter(user=user, channel=channel).order_by("-created_at", "-id").first()
    if ex is None or ex.kind != "handoff" or ex.work_order_id:
        return None
    if (timezone.now() - ex.created_at).total_seconds() > HANDOFF_WINDOW:
        return None
    return ex


def _submit(msg: InboundMessage, user) -> str:
    if user is None:
        return BIND_HINT
    if _resident_of(user) is None:
        return "你的账号还没有关联居民登记，暂时不能提交工单，请联系社区居委会。"
    ex = _last_handoff(user, msg.channel)
    if ex is None:
        return "请先用文字描述需要处理的问题（位置、情况、持续多久），小栖确认后再回复「提交」。"
    adapter = get_adapter(msg.channel)
    if adapter is not None and adapter.can_push:
        from .tasks import open_order_and_notify

        # opening the order runs in the task queue; the number comes as a separate message
        open_order_and_notify(msg.channel, msg.external_user, user.pk, ex.pk)
        return "好的，正在为你提交诉求工单，稍后把工单编号发给你。"
    return open_order(user, ex.pk)


def open_order(user, exchange_id: int) -> str:
    """Open the work order for a hand-off exchange; the text tells the resident the result."""
    from gongzhi.assistant.actions import do_handoff

    try:
        order = do_handoff(user, exchange_id)
    except ActionError as exc:
        return exc.message
    except Exception:  # never leave the resident without an answer
        log.exception("hand-off from a channel failed")
        return "提交没有成功，请稍后再试，或在共治平台「我的诉求」里提交。"
    return (
        f"已为你提交诉求工单，编号 {order.number}。"
        "处理进展会在共治平台「我的诉求」里更新，办结后请给处理结果评价。"
    )
