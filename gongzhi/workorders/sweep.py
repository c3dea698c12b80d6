"""Background sweeps over open orders: reminders before due, escalation when overdue
(community → street → district), and closing resolved orders nobody rated.

Run by the task queue every few minutes (tasks.py) and by `gongzhi sweep_orders`. Set-based:
each sweep touches only the rows that are due, in batches, with bulk writes.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gongzhi.core import scoping
from gongzhi.people.models import Resident, RoleGrant

from . import sla
from .models import RUNNING, Event, Notification, State, WorkOrder

BATCH = 1000
AUTO_CLOSE_DAYS = 7
SUPERVISOR_ROLES = {1: scoping.STREET_STAFF, 2: scoping.DISTRICT_ADMIN}


def _handler_users(orders) -> dict[int, list[int]]:
    """order id → user ids acting for its handling unit or organisation."""
    units = {o.handler_unit_id for o in orders if o.handler_unit_id}
    orgs = {o.handler_org_id for o in orders if o.handler_org_id}
    by_unit: dict[int, list[int]] = {}
    by_org: dict[int, list[int]] = {}
    for uid, unit in RoleGrant.objects.filter(unit_id__in=units).values_list("user_id", "unit_id"):
        by_unit.setdefault(unit, []).append(uid)
    for uid, org in RoleGrant.objects.filter(organisation_id__in=orgs).values_list(
        "user_id", "organisation_id"
    ):
        by_org.setdefault(org, []).append(uid)
    return {
        o.pk: by_org.get(o.handler_org_id, []) + by_unit.get(o.handler_unit_id, []) for o in orders
    }


def _reporter_users(orders) -> dict[int, int]:
    ids = {o.reporter_id for o in orders if o.reporter_id}
    users = dict(
        Resident.objects.filter(pk__in=ids, user__isnull=False).values_list("pk", "user_id")
    )
    return {o.pk: users[o.reporter_id] for o in orders if o.reporter_id in users}


def _supervisors(orders, level: int) -> dict[int, list[int]]:
    role = SUPERVISOR_ROLES.get(level)
    if role is None:
        return {}
    unit_attr = "street_id" if level == 1 else None
    grants = RoleGrant.objects.filter(role=role)
    if unit_attr:
        grants = grants.filter(unit_id__in={o.street_id for o in orders})
    by_unit: dict[int | None, list[int]] = {}
    for uid, unit in grants.values_list("user_id", "unit_id"):
        by_unit.setdefault(unit if unit_attr else None, []).append(uid)
    return {o.pk: by_unit.get(o.street_id if unit_attr else None, []) for o in orders}


def _drain(qs):
    """Batches of the rows still matching ``qs``; each pass must take its rows out of it
    (reminded, escalated to a later rung, closed), so the loop ends."""
    while batch := list(qs[:BATCH]):
        yield batch


def remind(now: dt.datetime) -> int:
    n = 0
    qs = WorkOrder.objects.filter(state__in=RUNNING, remind_at__lte=now).order_by("pk")
    for batch in _drain(qs):
        handlers = _handler_users(batch)
        with transaction.atomic():
            notes = [
                Notification(
                    user_id=uid,
                    order=o,
                    verb="remind",
                    text=f"工单 {o.number} 将于 {timezone.localtime(o.due_at):%m-%d %H:%M} 到期，请尽快办理。",
                )
                for o in batch
                for uid in set(handlers[o.pk])
            ]
            Notification.objects.bulk_create(notes, batch_size=BATCH)
            WorkOrder.objects.filter(pk__in=[o.pk for o in batch]).update(remind_at=None)
        n += len(batch)
    return n


def escalate(now: dt.datetime) -> int:
    n = 0
    qs = WorkOrder.objects.filter(state__in=RUNNING, next_escalation_at__lte=now).order_by("pk")
    for batch in _drain(qs):
        reporters = _reporter_users(batch)
        events, notes = [], []
        for o in batch:
            o.escalation_level = min(o.escalation_level + 1, sla.MAX_LEVEL)
            o.next_escalation_at = sla.next_escalation(o.escalation_level, now)
            o.updated_at = now
            label = "街道" if o.escalation_level == 1 else "区指挥中心"
            events.append(
                Event(
                    order=o,
                    verb="escalate",
                    from_state=o.state,
                    to_state=o.state,
                    actor_label="系统",
                    comment=f"超期未办结，已升级至{label}督办",
                    data={"level": o.escalation_level},
                    created_at=now,
                )
            )
            if o.pk in reporters:
                notes.append(
                    Notification(
                        user_id=reporters[o.pk],
                        order=o,
                        verb="escalate",
                        text=f"您的诉求 {o.number} 已超期，已升级至{label}督办。",
                    )
                )
        sup: dict[int, list[int]] = {}
        for level in (1, 2):
            sup.update(_supervisors([o for o in batch if o.escalation_level == level], level))
        for o in batch:
            for uid in set(sup.get(o.pk, [])):
                notes.append(
                    Notification(
                        user_id=uid,
                        order=o,
                        verb="escalate",
                        text=f"工单 {o.number} 已超期，请督办。",
                    )
                )
        with transaction.atomic():
            WorkOrder.objects.bulk_update(
                batch, ["escalation_level", "next_escalation_at", "updated_at"], batch_size=BATCH
            )
            Event.objects.bulk_create(events, batch_size=BATCH)
            Notification.objects.bulk_create(notes, batch_size=BATCH)
        n += len(batch)
    return n


def auto_close(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=AUTO_CLOSE_DAYS)
    qs = WorkOrder.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).order_by("pk")
    n = 0
    for batch in _drain(qs):
        with transaction.atomic():
            Event.objects.bulk_create(
                [
                    Event(
                        order=o,
                        verb="close",
                        from_state=State.RESOLVED,
                        to_state=State.CLOSED,
                        actor_label="系统",
                        comment=f"{AUTO_CLOSE_DAYS}天内未评价，自动办结",
                        created_at=now,
                    )
                    for o in batch
                ]
            )
            WorkOrder.objects.filter(pk__in=[o.pk for o in batch]).update(
                state=State.CLOSED, closed_at=now, updated_at=now
            )
        n += len(batch)
    return n


def sweep(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {"reminded": remind(now), "escalated": escalate(now), "auto_closed": auto_close(now)}
