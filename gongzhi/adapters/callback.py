"""Plumbing shared by the WeChat and WeCom callbacks: signatures, safe XML, wechatpy clients that
keep their access token in the Django cache and honour a configurable API base, and the
answers for disabled, forged and malformed calls."""

from __future__ import annotations

import hashlib
import hmac
import logging

import requests
from django.core.cache import cache
from django.http import HttpResponse
from wechatpy.session import SessionStorage
from wechatpy.utils import to_binary

log = logging.getLogger("gongzhi.adapters")

MAX_BODY = 64 * 1024  # callbacks are a few hundred bytes; anything this big is not WeChat
HTTP_TIMEOUT = 10
SEEN_TTL = 300  # WeChat retries an unanswered message 3 times within 15 seconds


class BadRequest(Exception):
    """Malformed callback (answered 400)."""


class Forbidden(Exception):
    """Signature or sender check failed (answered 403)."""


def signature(*parts: str) -> str:
    """WeChat's callback signature: sha1 of the sorted parts, concatenated."""
    return hashlib.sha1(b"".join(sorted(to_binary(p) for p in parts))).hexdigest()


def check(sig: str | None, *parts: str) -> None:
    if not sig or not hmac.compare_digest(signature(*parts), str(sig).lower()):
        raise Forbidden("bad signature")


def check_body(body: bytes) -> None:
    if not body or len(body) > MAX_BODY:
        raise BadRequest("empty or oversized body")
    head = body[:2048].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise BadRequest("DTDs are not accepted")


def parse_xml(body: bytes | str) -> dict:
    """The children of the <xml> root as a dict; BadRequest for anything else."""
    from xml.parsers.expat import ExpatError

    import xmltodict

    if isinstance(body, bytes):
        check_body(body)
    try:
        data = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError, TypeError) as exc:
        raise BadRequest("malformed XML") from exc
    root = data.get("xml") if isinstance(data, dict) else None
    if not isinstance(root, dict):
        raise BadRequest("no <xml> root")
    return root


def parse_message(xml: str, parser):
    """Parse decrypted/plain message XML with wechatpy's ``parser``; BadRequest if malformed."""
    from xml.parsers.expat import ExpatError

    root = parse_xml(xml)  # vets the shape before wechatpy looks at it
    if not isinstance(root.get("MsgType"), str) or not isinstance(root.get("FromUserName"), str):
        raise BadRequest("MsgType and FromUserName are required")
    try:
        msg = parser(xml)
        source = msg.source
        _ = msg.id, msg.time
    except (ExpatError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadRequest("unreadable message") from exc
    if not source or len(source) > 128:
        raise BadRequest("bad FromUserName")
    return msg


def seen_key(channel: str, msg) -> str | None:
    """Cache key that recognises WeChat's retries of the same message."""
    from .binding import pseudonym

    if msg.id:
        return f"adapters:seen:{channel}:{msg.id}"
    if msg.time:  # events have no MsgId: WeChat says to use sender + CreateTime (+ the event)
        event = getattr(msg, "event", "") or ""
        return f"adapters:seen:{channel}:{pseudonym(msg.source)}:{msg.time}:{msg.type}:{event}"
    return None


def remember(key: str | None, reply: str | None) -> None:
    if key:
        cache.set(key, reply or "", SEEN_TTL)


def recall(key: str | None) -> str | None:
    """The reply already given to this message, '' if none was, None if it is new."""
    return cache.get(key) if key else None


def answer(channel: str, msg, to_inbound) -> str:
    """The dispatcher's reply text for a parsed message ('' for none), once per message."""
    from . import base

    key = seen_key(channel, msg)
    reply = recall(key)
    if reply is not None:
        return reply
    try:
        reply = base.dispatch(to_inbound(msg)) or ""
    except Exception:  # answer anyway: an error page makes WeChat retry and then give up
        log.exception("%s: handling an inbound message failed", channel)
        return "系统繁忙，请稍后再试。紧急情况请直接拨打110、119或120。"
    remember(key, reply)
    return reply


def disabled(what: str, setting: str) -> HttpResponse:
    return HttpResponse(
        f"{what} is not configured on this server (set {setting}).",
        status=404,
        content_type="text/plain; charset=utf-8",
    )


def forbidden() -> HttpResponse:
    return HttpResponse("signature check failed", status=403, content_type="text/plain")


def bad_request(reason: str = "bad request") -> HttpResponse:
    return HttpResponse(reason, status=400, content_type="text/plain")


def success() -> HttpResponse:
    """The "no reply" answer WeChat expects (it then neither retries nor shows an error)."""
    return HttpResponse("success", content_type="text/plain")


def xml_response(xml: str) -> HttpResponse:
    return HttpResponse(xml.encode("utf-8"), content_type="application/xml; charset=utf-8")


def api_base(value: str, default: str) -> str:
    value = (value or default).strip()
    return value if value.endswith("/") else value + "/"


class CacheStorage(SessionStorage):
    """wechatpy session storage in the Django cache, so access tokens outlive one client."""

    def __init__(self, prefix: str):
        self.prefix = f"adapters:{prefix}:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        # refresh five minutes before WeChat's expiry
        cache.set(self.prefix + key, value, max(60, int(ttl) - 300) if ttl else None)

    def delete(self, key):
        cache.delete(self.prefix + key)


class TimeoutSession(requests.Session):
    """wechatpy fetches tokens without a timeout; every call here has one."""

    def request(self, method, url, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or HTTP_TIMEOUT
        return super().request(method, url, **kwargs)


def prepare_client(client, base: str, token_path: str, token_params: dict):
    """Point a wechatpy client at ``base`` (API calls and the token fetch alike)."""
    client.API_BASE_URL = base + "cgi-bin/"
    client._http = TimeoutSession()
    token_url = base + token_path

    def fetch_access_token():
        return client._fetch_access_token(url=token_url, params=token_params)

    client.fetch_access_token = fetch_access_token
    return client
