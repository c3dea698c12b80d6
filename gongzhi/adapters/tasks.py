"""Work that should not hold up a passive reply: opening a work order for a channel user and
pushing the result, and posting a broadcast to the WeCom group robot."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

log = logging.getLogger("gongzhi.adapters")


@db_task()
def open_order_and_notify(channel: str, external_id: str, user_id: int, exchange_id: int) -> bool:
    from gongzhi.people.models import User

    from .base import get_adapter, open_order

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    text = open_order(user, exchange_id)
    adapter = get_adapter(channel)
    try:
        adapter.send_text(external_id, text)
    except Exception as exc:  # the order exists either way; the resident sees it on the web
        log.warning("%s: could not push the work-order number (%s)", channel, type(exc).__name__)
        return False
    return True


@db_task()
def robot_notice(title: str, body: str) -> bool:
    from .wecom import RobotError, robot_broadcast

    try:
        robot_broadcast(title, body)
    except RobotError as exc:
        log.warning("wecom robot: %s", exc)
        return False
    return True
