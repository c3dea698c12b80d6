"""Who is who on an outside channel: a WeChat openid or WeCom userid, bound to a platform user by
a one-time code the user shows on their own page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChannelIdentity(models.Model):
    """One outside account that has written to us; ``user`` is set once it is bound."""

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("WeChat Official Account")
        WECOM = "wecom", _("WeCom")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channel_identities",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    bound_at = models.DateTimeField(_("bound"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="uniq_channel_ident")
        ]

    def __str__(self):
        return f"{self.channel}:{self.external_id[:6]}…"


class BindCode(models.Model):
    """A six-digit one-time code; only its keyed hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_bind_codes"
    )
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"bind code of user {self.user_id}"
