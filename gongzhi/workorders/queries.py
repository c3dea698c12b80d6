"""Scoped reads of work orders: inbox, resident's own orders, public 办结公示, export."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date

from gongzhi.core import scoping, search
from gongzhi.core.tabular import write_xlsx

from .models import OPEN, RUNNING, Event, Notification, State, WorkOrder

ORDER_NUMBER = re.compile(r"^[Gg][Zz]\d{8,}$")
LIST_RELATED = ("category", "community", "grid", "handler_org", "handler_unit")


def orders_for(
    user,
    *,
    state=None,
    category=None,
    overdue=False,
    community=None,
    grid=None,
    date_from=None,
    date_to=None,
    q=None,
    mine=False,
    open_only=False,
):
    # reporters fetched per page (the masked name is shown), not joined into the list query
    qs = WorkOrder.objects.restrict(user).select_related(*LIST_RELATED).prefetch_related("reporter")
    if state:
        qs = qs.filter(state__in=state.split(",")) if "," in state else qs.filter(state=state)
    if open_only:
        qs = qs.filter(state__in=OPEN)
    if category:
        qs = qs.filter(category__code=category)
    if overdue:
        qs = qs.filter(state__in=RUNNING, due_at__lt=timezone.now())
    if community:
        qs = qs.filter(community_id=community)
    if grid:
        qs = qs.filter(grid_id=grid)
    d0 = parse_date(date_from) if isinstance(date_from, str) else date_from
    d1 = parse_date(date_to) if isinstance(date_to, str) else date_to
    if d0:
        qs = qs.filter(
            created_at__gte=dt.datetime.combine(d0, dt.time(0), timezone.get_current_timezone())
        )
    if d1:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(
                d1 + dt.timedelta(days=1), dt.time(0), timezone.get_current_timezone()
            )
        )
    q = (q or "").strip()[:50]
    if ORDER_NUMBER.match(q):
        qs = qs.filter(number=q.upper())
    elif q:
        qs = search.matching(qs, q, ("title", "description", "address"))
    if mine:
        ids = scoping.unit_scope(user, scoping.CHANGE) or frozenset()
        orgs = scoping.organisation_scope(user)
        qs = qs.filter(Q(handler_unit_id__in=ids) | Q(handler_org_id__in=orgs))
    return qs.order_by("-created_at", "-id")


def order_for(user, pk: int) -> WorkOrder:
    return scoping.access(WorkOrder.objects.select_related(*LIST_RELATED, "reporter"), user, pk)


def my_orders(user):
    return (
        WorkOrder.objects.filter(reporter__user_id=user.pk)
        .select_related("category", "community")
        .order_by("-created_at", "-id")
    )


def timeline(order: WorkOrder, *, staff: bool):
    qs = Event.objects.filter(order=order).prefetch_related("attachments")
    return qs if staff else qs.filter(public=True)


def public_resolved(community_id: int, days: int = 90):
    """办结公示: recently resolved or closed orders of a community, nothing personal shown."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        WorkOrder.objects.filter(
            community_id=community_id,
            state__in=(State.RESOLVED, State.RATED, State.CLOSED),
            updated_at__gte=since,
        )
        .select_related("category")
        .order_by("-updated_at")
    )


def notifications_for(user):
    return Notification.objects.filter(user=user).select_related("order")


def export_orders(user, **filters) -> bytes:
    qs = orders_for(user, **filters)
    tz = timezone.get_current_timezone()

    def fmt(t):
        return t.astimezone(tz).strftime("%Y-%m-%d %H:%M") if t else ""

    rows = (
        [
            o.number,
            o.title,
            o.category.name if o.category_id else "",
            o.get_state_display(),
            o.get_urgency_display(),
            o.community.name,
            o.grid.name if o.grid_id else "",
            o.handler_label,
            fmt(o.created_at),
            fmt(o.due_at),
            "是" if o.is_overdue else "",
            o.get_rating_display() if o.rating else "",
            o.public_reporter,
        ]
        for o in qs.iterator(chunk_size=2000)
    )
    headers = [
        "工单号",
        "标题",
        "分类",
        "状态",
        "紧急程度",
        "社区",
        "网格",
        "承办单位",
        "提交时间",
        "办理时限",
        "超期",
        "评价",
        "反映人",
    ]
    return write_xlsx(headers, rows, title="工单")
