"""Broadcasts to groups tagged "wecom" are also posted to the WeCom group robot (once per
broadcast), when GONGZHI_WECOM_ROBOT_URL is set."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gongzhi.chat.models import Notice

ROBOT_TAG = "wecom"


def has_tag(tags: str, tag: str = ROBOT_TAG) -> bool:
    return tag in {t.lower() for t in re.split(r"[\s,，、;；|/]+", tags or "") if t}


@receiver(post_save, sender=Notice, dispatch_uid="adapters.notice_to_wecom_robot")
def notice_to_wecom_robot(sender, instance: Notice, created: bool, raw=False, **kwargs):
    if raw or not created or not instance.broadcast_id:
        return
    if not getattr(settings, "GONGZHI_WECOM_ROBOT_URL", ""):
        return
    if not has_tag(instance.group.tags):
        return
    earlier = (
        Notice.objects.filter(
            broadcast_id=instance.broadcast_id, pk__lt=instance.pk, group__tags__icontains=ROBOT_TAG
        )
        .values_list("group__tags", flat=True)
        .iterator()
    )
    if any(has_tag(t) for t in earlier):
        return  # the robot already has this broadcast
    from .tasks import robot_notice

    title, body = instance.title, instance.body
    transaction.on_commit(lambda: robot_notice(title, body))
