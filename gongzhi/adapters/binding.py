"""Binding an outside account to a platform user: the user asks for a one-time code on their own
page, then sends "绑定 123456" from WeChat/WeCom. Codes live 10 minutes, are used once, and only a
keyed hash of them is stored; wrong guesses are rate-limited per outside account."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import BindCode, ChannelIdentity

CODE_TTL = dt.timedelta(minutes=10)
MAX_FAILURES = 5  # wrong codes per outside account per FAILURE_WINDOW
FAILURE_WINDOW = 3600


def _hash(code: str) -> str:
    key = f"gongzhi.adapters.bind:{settings.SECRET_KEY}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def pseudonym(external_id: str) -> str:
    """A short stable tag for logs, never the openid/userid itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{external_id}".encode()).hexdigest()[:10]


def issue_code(user, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A fresh code for ``user`` (earlier unused codes of theirs stop working)."""
    now = now or timezone.now()
    with transaction.atomic():
        BindCode.objects.filter(user=user, used_at=None).delete()
        while True:
            code = f"{secrets.randbelow(10**6):06d}"
            h = _hash(code)
            if not BindCode.objects.filter(code_hash=h, used_at=None, expires_at__gt=now).exists():
                break
        bc = BindCode.objects.create(
            user=user, code_hash=h, created_at=now, expires_at=now + CODE_TTL
        )
    return code, bc.expires_at


class BindError(Exception):
    pass


def redeem(
    channel: str, external_id: str, code: str, *, now: dt.datetime | None = None
) -> ChannelIdentity:
    """Bind the outside account to the code's user. Raises BindError with a text for the user."""
    now = now or timezone.now()
    fails_key = f"adapters:bindfail:{channel}:{pseudonym(external_id)}"
    if (cache.get(fails_key) or 0) >= MAX_FAILURES:
        raise BindError("尝试次数过多，请一小时后再试。")
    with transaction.atomic():
        bc = (
            BindCode.objects.select_for_update()
            .filter(code_hash=_hash(code.strip()), used_at=None, expires_at__gt=now)
            .first()
        )
        if bc is None:
            if not cache.add(fails_key, 1, FAILURE_WINDOW):
                try:
                    cache.incr(fails_key)
                except ValueError:
                    cache.set(fails_key, 1, FAILURE_WINDOW)
            raise BindError("绑定码无效或已过期，请在「我的」页面重新获取。")
        bc.used_at = now
        bc.save(update_fields=["used_at"])
        # one binding per user and channel: a new phone replaces the old one
        ChannelIdentity.objects.filter(channel=channel, user_id=bc.user_id).exclude(
            external_id=external_id
        ).update(user=None, bound_at=None)
        ident, _created = ChannelIdentity.objects.update_or_create(
            channel=channel,
            external_id=external_id,
            defaults={"user_id": bc.user_id, "bound_at": now},
        )
    cache.delete(fails_key)
    return ident


def unbind(channel: str, external_id: str) -> bool:
    return bool(
        ChannelIdentity.objects.filter(channel=channel, external_id=external_id)
        .exclude(user=None)
        .update(user=None, bound_at=None)
    )


def bindings_of(user):
    return ChannelIdentity.objects.filter(user=user).order_by("channel", "-bound_at")
